// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the rhash_iter suite (and of rhash_churn's iterator walks):
 * iter/bpf_map_elem programs over __u32 -> __u64 maps that write one
 * struct rec per element and count what they were shown, one of them
 * deleting each element it is shown from @rh.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "iter.h"

char _license[] SEC("license") = "GPL";

/* The map dump_delete deletes from: attach it to this one. */
struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u32);
	__type(value, __u64);
} rh SEC(".maps");

/* One element as userspace reads it: struct rhb_iter_rec of lib/walk.h. */
struct rec {
	__u32 key;
	__u32 seq_num;
	__u64 value;
};

/* Elements shown, the sums of their keys and values; deletes and their failures. */
__u64 shown;
__u64 key_sum;
__u64 value_sum;
__u64 deleted;
__u64 delete_failures;
__s64 delete_err;
/* Calls after the last element (no key): once per walk. */
__u64 ends;

/* Writes and counts element @key, @value of @ctx; NULL @key: the end. */
static __always_inline void show(struct bpf_iter__bpf_map_elem *ctx, __u32 *key, __u64 *value)
{
	struct rec r;

	if (!key || !value) {
		ends++;
		return;
	}
	r.key = *key;
	r.seq_num = ctx->meta->seq_num;
	r.value = *value;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	shown++;
	key_sum += r.key;
	value_sum += r.value;
}

SEC("iter/bpf_map_elem")
int dump(struct bpf_iter__bpf_map_elem *ctx)
{
	show(ctx, ctx->key, ctx->value);
	return 0;
}

/*
 * Deletes the element it is shown. The helper does not take ctx->key, which
 * is read-only ("R2 type=rdonly_buf expected=fp, ..."): it gets a copy.
 */
SEC("iter/bpf_map_elem")
int dump_delete(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key, copy;
	long err;

	show(ctx, key, ctx->value);
	if (!key)
		return 0;
	copy = *key;
	err = bpf_map_delete_elem(&rh, &copy);
	if (!err) {
		deleted++;
	} else {
		if (!delete_failures)
			delete_err = err;
		delete_failures++;
	}
	return 0;
}
