// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the alloc suite: programs that insert into (and delete from)
 * BPF_F_NO_PREALLOC hash maps once per run, so one BPF_PROG_TEST_RUN with a
 * large repeat count makes that many bpf_mem_alloc allocations back to back.
 * Each run takes the next key from @next_key and counts the outcome.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "count.h"

char _license[] SEC("license") = "GPL";

#define ALLOC_MAX_ENTRIES 100000
/* Keys live in churn_hash at a time: each run inserts one, deletes the oldest. */
#define CHURN_WINDOW 64

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ALLOC_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, CHURN_WINDOW);
	__type(key, __u32);
	__type(value, __u64);
} churn_hash SEC(".maps");

/* Next key to insert: after N runs from 0 it is N. */
__u32 next_key;

/* Inserts key next_key++ with value key * 3 + 1 into @map. */
static __always_inline void insert_next(void *map)
{
	__u32 key = next_key++;
	__u64 value = key * 3ULL + 1;

	count(bpf_map_update_elem(map, &key, &value, BPF_NOEXIST), &inserts);
}

SEC("socket")
int insert(struct __sk_buff *skb)
{
	insert_next(&hash);
	return 0;
}

/*
 * Deletes the key inserted CHURN_WINDOW runs ago, then inserts the next:
 * every run frees an element and allocates one in a map that stays full.
 */
SEC("socket")
int churn(struct __sk_buff *skb)
{
	__u32 old = next_key - CHURN_WINDOW;

	if (next_key >= CHURN_WINDOW)
		count(bpf_map_delete_elem(&churn_hash, &old), &deletes);
	insert_next(&churn_hash);
	return 0;
}
