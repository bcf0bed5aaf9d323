// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the rhash_verifier suite: one program per program type, each
 * updating key @key of map @m, whose type userspace sets before load (HASH
 * or RHASH). Every program is SEC("?...") so that a case loads one alone.
 * The tracing types (kprobe, tracepoint, raw_tp, raw_tp.w, perf_event)
 * must be refused with an RHASH map; the others must load and run.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} m SEC(".maps");

/* An RHASH map reached through a map of maps, not named by the program. */
struct inner_map {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { &inner },
};

/* The key each program writes: userspace checks the programs that ran. */
__u32 key;

static __always_inline void touch(void)
{
	__u64 one = 1;

	bpf_map_update_elem(&m, &key, &one, BPF_ANY);
}

/* Refused with RHASH */

SEC("?kprobe/bpf_fentry_test1")
int kprobe_prog(struct pt_regs *ctx)
{
	touch();
	return 0;
}

SEC("?tracepoint/sched/sched_process_fork")
int tracepoint_prog(void *ctx)
{
	touch();
	return 0;
}

SEC("?raw_tp/sched_process_fork")
int raw_tp_prog(void *ctx)
{
	touch();
	return 0;
}

/* bpf_test_finish, in net/bpf/test_run.c, is a writable tracepoint. */
SEC("?raw_tp.w/bpf_test_finish")
int raw_tp_w_prog(void *ctx)
{
	touch();
	return 0;
}

SEC("?perf_event")
int perf_event_prog(void *ctx)
{
	touch();
	return 0;
}

/* The same through the map of maps. */
SEC("?tracepoint/sched/sched_process_fork")
int tracepoint_inner_prog(void *ctx)
{
	__u32 zero = 0;
	__u64 one = 1;
	void *map = bpf_map_lookup_elem(&outer, &zero);

	if (map)
		bpf_map_update_elem(map, &key, &one, BPF_ANY);
	return 0;
}

/* Allowed with RHASH */

SEC("?socket")
int socket_prog(struct __sk_buff *skb)
{
	touch();
	return 0;
}

SEC("?syscall")
int syscall_prog(void *ctx)
{
	touch();
	return 0;
}

SEC("?xdp")
int xdp_prog(struct xdp_md *ctx)
{
	touch();
	return XDP_PASS;
}

SEC("?tc")
int tc_prog(struct __sk_buff *skb)
{
	touch();
	return 0;
}

/* Iterates any map; its context (struct bpf_iter__bpf_map_elem) unread. */
SEC("?iter/bpf_map_elem")
int iter_prog(void *ctx)
{
	touch();
	return 0;
}
