// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the rhash_resize suite: socket filters that insert into or
 * delete from a BPF_MAP_TYPE_RHASH map once per run, so one BPF_PROG_TEST_RUN
 * with a large repeat count grows or drains the map by that many elements
 * without a syscall each. Insert run i adds key key_base + i, delete run i
 * removes it again: the keys in the map are always known to userspace.
 * rh32 and rh64 differ in their key size only: 8-byte keys take RHASH's
 * word-key path (its own hash function and compare).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "count.h"

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u32);
	__type(value, __u64);
} rh32 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RHASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u64);
	__type(value, __u64);
} rh64 SEC(".maps");

/* Set by userspace: the first key, and a key the delete runs must keep. */
__u64 key_base;
__u64 pinned = ~0ULL;

/* Runs so far: insert run i used key_base + i, delete run i the same. */
__u64 ins_next;
__u64 del_next;
/* Deletes passed over for being @pinned (count.h counts the rest). */
__u64 skipped;

/* The value stored for @key (userspace computes the same). */
static __always_inline __u64 val_of(__u64 key)
{
	return key * 3 + 1;
}

#define RESIZE_PROGS(map, key_t)					\
SEC("socket")								\
int insert_##map(struct __sk_buff *skb)					\
{									\
	key_t key = key_base + ins_next++;				\
	__u64 value = val_of(key);					\
									\
	count(bpf_map_update_elem(&map, &key, &value, BPF_NOEXIST), &inserts); \
	return 0;							\
}									\
									\
SEC("socket")								\
int delete_##map(struct __sk_buff *skb)					\
{									\
	key_t key = key_base + del_next++;				\
									\
	if (key == (key_t)pinned)					\
		skipped++;						\
	else								\
		count(bpf_map_delete_elem(&map, &key), &deletes);	\
	return 0;							\
}

RESIZE_PROGS(rh32, __u32)
RESIZE_PROGS(rh64, __u64)
