// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the bpf_iter suite: an iter/bpf_map_elem program that writes
 * one fixed-size record (key, value) per element of a u32 -> u64 map to the
 * iterator's seq_file, so userspace can account for every element it reads.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "iter.h"

char _license[] SEC("license") = "GPL";

/* One element as read from the iterator; struct rec of bpf_iter.c. */
struct rec {
	__u32 key;
	__u32 seq_num;
	__u64 value;
};

SEC("iter/bpf_map_elem")
int dump(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *value = ctx->value;
	struct rec r;

	/* The last call, after the last element, has neither. */
	if (!key || !value)
		return 0;
	r.key = *key;
	r.seq_num = ctx->meta->seq_num;
	r.value = *value;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
