// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the hash_prog suite: each SEC("syscall") program does one map
 * operation on @hash through the helpers, with inputs and outputs in the
 * globals below, so userspace sets the inputs, runs the program with
 * BPF_PROG_TEST_RUN and asserts on the outputs. Userspace sets the map's type
 * and flags before load, so the same programs run against every map kind.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define HASH_MAX_ENTRIES 8

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HASH_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

/* A value with a spin lock, for BPF_F_LOCK and bpf_spin_lock(). */
struct locked_val {
	struct bpf_spin_lock lock;
	__u32 cnt;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, HASH_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct locked_val);
} locked SEC(".maps");

/* Inputs */
__u32 key;
__u64 value;
__u64 flags;

/* Outputs: a helper's return code, and what a lookup found. */
__s64 ret;
__u32 found;
__u64 found_value;

SEC("syscall")
int update(void *ctx)
{
	ret = bpf_map_update_elem(&hash, &key, &value, flags);
	return 0;
}

SEC("syscall")
int lookup(void *ctx)
{
	__u64 *v = bpf_map_lookup_elem(&hash, &key);

	found = v != NULL;
	found_value = v ? *v : 0;
	return 0;
}

SEC("syscall")
int delete(void *ctx)
{
	ret = bpf_map_delete_elem(&hash, &key);
	return 0;
}

/* Adds @value through the pointer lookup returns: it points into the element. */
SEC("syscall")
int add(void *ctx)
{
	__u64 *v = bpf_map_lookup_elem(&hash, &key);

	if (!v) {
		ret = -ENOENT;
		return 0;
	}
	*v += value;
	ret = 0;
	return 0;
}

/* Update, then lookup in the same run: the element is visible at once. */
SEC("syscall")
int update_lookup(void *ctx)
{
	__u64 *v;

	ret = bpf_map_update_elem(&hash, &key, &value, flags);
	v = bpf_map_lookup_elem(&hash, &key);
	found = v != NULL;
	found_value = v ? *v : 0;
	return 0;
}

/* Delete, then lookup in the same run: the element is gone at once. */
SEC("syscall")
int delete_lookup(void *ctx)
{
	ret = bpf_map_delete_elem(&hash, &key);
	found = bpf_map_lookup_elem(&hash, &key) != NULL;
	return 0;
}

/*
 * Takes a pointer to @key's value, updates @key with @value and @flags,
 * then reads through the pointer: whether the update wrote over the value
 * the pointer shows or linked a new element.
 */
SEC("syscall")
int update_held(void *ctx)
{
	__u64 *v = bpf_map_lookup_elem(&hash, &key);

	if (!v) {
		ret = -ENOENT;
		return 0;
	}
	ret = bpf_map_update_elem(&hash, &key, &value, flags);
	found = 1;
	found_value = *v;
	return 0;
}

/* Updates @key of @locked with cnt = @value and @flags. */
SEC("syscall")
int update_locked(void *ctx)
{
	struct locked_val v = { .cnt = value };

	ret = bpf_map_update_elem(&locked, &key, &v, flags);
	return 0;
}

/* Adds @value to the cnt of @key in @locked, under its spin lock. */
SEC("syscall")
int add_locked(void *ctx)
{
	struct locked_val *v = bpf_map_lookup_elem(&locked, &key);

	if (!v) {
		ret = -ENOENT;
		return 0;
	}
	bpf_spin_lock(&v->lock);
	v->cnt += value;
	bpf_spin_unlock(&v->lock);
	ret = 0;
	return 0;
}
