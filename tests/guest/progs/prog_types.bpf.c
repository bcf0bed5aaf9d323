// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the prog_types suite: one program per program type (or per
 * feature) whose support in this UML kernel the suite pins. Every program is
 * SEC("?...") (not loaded by default): a case enables the one it is about,
 * so a program that fails to load fails only its own case.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

/* Fork events are counted only when the test process (tgid @parent_tgid) forks. */
int parent_tgid;

__u32 raw_tp_hits;
int raw_tp_child_pid;
__u32 tp_hits;
int tp_child_pid;

/* raw_tp: the tracepoint's own arguments, kernel pointers read by CO-RE. */
SEC("?raw_tp/sched_process_fork")
int BPF_PROG(raw_tp_fork, struct task_struct *parent, struct task_struct *child)
{
	if (BPF_CORE_READ(parent, tgid) != parent_tgid)
		return 0;
	raw_tp_hits++;
	raw_tp_child_pid = BPF_CORE_READ(child, pid);
	return 0;
}

/* The record of sched_process_fork (events/sched/sched_process_fork/format). */
struct sched_process_fork_args {
	__u64 common;
	char parent_comm[16];
	int parent_pid;
	char child_comm[16];
	int child_pid;
};

/* tracepoint: the trace event's record; runs in the forking task. */
SEC("?tracepoint/sched/sched_process_fork")
int tp_fork(struct sched_process_fork_args *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 != (__u32)parent_tgid)
		return 0;
	tp_hits++;
	tp_child_pid = ctx->child_pid;
	return 0;
}

/* bpf_fentry_test1() of net/bpf/test_run.c exists for BPF_PROG_TEST_RUN. */
SEC("?fentry/bpf_fentry_test1")
int BPF_PROG(fentry_test1, int a)
{
	return 0;
}

SEC("?fexit/bpf_fentry_test1")
int BPF_PROG(fexit_test1, int a, int ret)
{
	return 0;
}

SEC("?kprobe/bpf_fentry_test1")
int kprobe_test1(struct pt_regs *ctx)
{
	return 0;
}

SEC("?kprobe.multi/bpf_fentry_test1")
int kprobe_multi_test1(struct pt_regs *ctx)
{
	return 0;
}

__u64 loop_sum;

static long add_index(__u32 index, void *ctx)
{
	loop_sum += index;
	return 0;
}

/* bpf_loop() takes a callback: the interpreter cannot call it. */
SEC("?syscall")
int loop(void *ctx)
{
	bpf_loop(4, add_index, NULL, 0);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} array SEC(".maps");

struct bpf_map;

static long add_value(struct bpf_map *map, __u32 *key, __u64 *value, void *ctx)
{
	loop_sum += *value;
	return 0;
}

SEC("?syscall")
int for_each(void *ctx)
{
	bpf_for_each_map_elem(&array, add_value, NULL, 0);
	return 0;
}

/* A syscall program without callbacks, the control for loop and for_each. */
SEC("?syscall")
int plain_syscall(void *ctx)
{
	loop_sum = 6;
	return 0;
}
