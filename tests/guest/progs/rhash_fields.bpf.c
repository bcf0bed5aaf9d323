// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the rhash_fields suite: BPF_MAP_TYPE_RHASH maps whose values
 * hold special fields (bpf_spin_lock, bpf_timer, bpf_wq, a kptr), and
 * SEC("syscall") programs that use them, one operation per run, inputs and
 * results in the globals below. The "?" programs need what the interpreter
 * refuses (callbacks, kfuncs): a case loads each alone to pin the refusal.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define MAX_ENTRIES 4096

/* a and b change together, under the lock. */
struct locked_val {
	struct bpf_spin_lock lock;
	__u32 a;
	__u64 b;
};

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct locked_val);
} locked SEC(".maps");

/* The lock lets BPF_F_LOCK updates leave the timer alone. */
struct timer_val {
	struct bpf_spin_lock lock;
	struct bpf_timer timer;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct timer_val);
} timers SEC(".maps");

struct wq_val {
	struct bpf_wq wq;
};

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct wq_val);
} wqs SEC(".maps");

/* A whole struct, not a declaration: libbpf matches kfunc types by kind. */
struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct kptr_val {
	struct task_struct __kptr *task;
};

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct kptr_val);
} kptrs SEC(".maps");

/* Inputs */
__u32 key;
__u64 arg;
__u64 flags;

/* Outputs: a helper's return code; a and b read under the lock. */
__s64 ret;
__u32 got_a;
__u64 got_b;

/* Adds @arg to a and b of @key in locked, under the value's lock. */
SEC("syscall")
int lock_add(void *ctx)
{
	struct locked_val *v = bpf_map_lookup_elem(&locked, &key);

	if (!v) {
		ret = -ENOENT;
		return 0;
	}
	bpf_spin_lock(&v->lock);
	v->a += arg;
	v->b += arg;
	bpf_spin_unlock(&v->lock);
	ret = 0;
	return 0;
}

/* Reads a and b of @key in locked under the lock. */
SEC("syscall")
int lock_read(void *ctx)
{
	struct locked_val *v = bpf_map_lookup_elem(&locked, &key);

	if (!v) {
		ret = -ENOENT;
		return 0;
	}
	bpf_spin_lock(&v->lock);
	got_a = v->a;
	got_b = v->b;
	bpf_spin_unlock(&v->lock);
	ret = 0;
	return 0;
}

/* The timer of @key in timers, or NULL with ret -ENOENT. */
static __always_inline struct timer_val *timer_of_key(void)
{
	struct timer_val *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		ret = -ENOENT;
	return v;
}

/* bpf_timer_init() of @key's timer with clock @arg. */
SEC("syscall")
int timer_init(void *ctx)
{
	struct timer_val *v = timer_of_key();

	if (v)
		ret = bpf_timer_init(&v->timer, &timers, arg);
	return 0;
}

/* bpf_timer_start() in @arg ns with @flags: there is no callback to run. */
SEC("syscall")
int timer_start(void *ctx)
{
	struct timer_val *v = timer_of_key();

	if (v)
		ret = bpf_timer_start(&v->timer, arg, flags);
	return 0;
}

SEC("syscall")
int timer_cancel(void *ctx)
{
	struct timer_val *v = timer_of_key();

	if (v)
		ret = bpf_timer_cancel(&v->timer);
	return 0;
}

/* Updates @key of timers with n = @arg and @flags from BPF. */
SEC("syscall")
int timer_update(void *ctx)
{
	struct timer_val v = { .n = arg };

	ret = bpf_map_update_elem(&timers, &key, &v, flags);
	return 0;
}

SEC("syscall")
int timer_delete(void *ctx)
{
	ret = bpf_map_delete_elem(&timers, &key);
	return 0;
}

/* Refused: a timer callback is a callback. */
static int timer_cb(void *map, __u32 *k, struct timer_val *v)
{
	return 0;
}

SEC("?syscall")
int timer_set_callback(void *ctx)
{
	struct timer_val *v = timer_of_key();

	if (v)
		ret = bpf_timer_set_callback(&v->timer, timer_cb);
	return 0;
}

/* Refused: bpf_wq_init() is a kfunc. */
extern int bpf_wq_init(struct bpf_wq *wq, void *p__map, unsigned int flags) __weak __ksym;

SEC("?syscall")
int wq_init(void *ctx)
{
	struct wq_val *v = bpf_map_lookup_elem(&wqs, &key);

	if (v)
		ret = bpf_wq_init(&v->wq, &wqs, 0);
	return 0;
}

/* Refused: a kptr to store must come from a kfunc, and goes back to one. */
extern struct task_struct *bpf_task_from_pid(__s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct *p) __weak __ksym;

SEC("?syscall")
int kptr_store(void *ctx)
{
	struct kptr_val *v = bpf_map_lookup_elem(&kptrs, &key);
	struct task_struct *task, *old;

	if (!v)
		return 0;
	task = bpf_task_from_pid(1);
	if (!task)
		return 0;
	old = bpf_kptr_xchg(&v->task, task);
	if (old)
		bpf_task_release(old);
	return 0;
}
