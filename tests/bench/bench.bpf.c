// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the map benchmark: socket filters that each do LOOP map
 * operations per run, so BPF_PROG_TEST_RUN with a repeat count times many
 * operations in the kernel without a syscall each. Userspace creates the map
 * (any kind, key_size 4..64, 8-byte values) and binds it to @map before load.
 *
 * The operations are those of the kernel's /sys/kernel/debug/bpf_map_bench,
 * on the same keys: a u32 in the first 4 bytes of the key, the rest zero.
 * Operation i of a run uses index pos + i; pos moves on by LOOP every run.
 *
 *   lookup_hit   key index % nr_keys (the map holds keys 0..nr_keys-1)
 *   lookup_miss  key nr_keys + index % nr_keys
 *   update       BPF_ANY update of key index % nr_keys, value = key
 *   update_full  BPF_ANY update of key nr_keys into a full map: -E2BIG
 *   insert       BPF_NOEXIST insert of key index
 *   delete       delete of key index
 *   overwrite    delete key index, insert key nr_keys + index
 *   fill         insert keys pos.. until @stop (not timed: memory)
 *
 * Operations that do not do what the op expects are added to @errors.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

/* Operations per run; bench.c divides a run's time by it. */
#define LOOP 256
/* Room for the largest key (64 bytes). */
#define KEY_WORDS 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} map SEC(".maps");

/* Set by userspace. */
__u32 nr_keys = 1;
__u64 stop;
/* Index of the next operation; operations that failed. */
__u64 pos;
__u64 errors;

/*
 * One program per operation: BODY runs LOOP times with key (a __u32 array,
 * zeroed), k (the index of the operation) and n (nr_keys) in scope, and adds
 * its failures to err. The loop is not unrolled, so every operation pays the
 * same interpreter overhead.
 */
#define BENCH_PROG(name, BODY)						\
SEC("socket")								\
int name(struct __sk_buff *skb)						\
{									\
	__u32 key[KEY_WORDS] = {};					\
	__u32 n __attribute__((unused)) = nr_keys;			\
	__u64 value __attribute__((unused));				\
	__u64 p = pos, err = 0;						\
	int i;								\
									\
	_Pragma("clang loop unroll(disable)")				\
	for (i = 0; i < LOOP; i++) {					\
		__u64 k = p + i;					\
									\
		BODY;							\
	}								\
	pos = p + LOOP;							\
	errors += err;							\
	return 0;							\
}

BENCH_PROG(lookup_hit, {
	key[0] = k % n;
	err += !bpf_map_lookup_elem(&map, key);
})

BENCH_PROG(lookup_miss, {
	key[0] = n + k % n;
	err += !!bpf_map_lookup_elem(&map, key);
})

BENCH_PROG(update, {
	key[0] = k % n;
	value = key[0];
	err += !!bpf_map_update_elem(&map, key, &value, BPF_ANY);
})

BENCH_PROG(update_full, {
	key[0] = n;
	value = k;
	err += bpf_map_update_elem(&map, key, &value, BPF_ANY) != -E2BIG;
})

BENCH_PROG(insert, {
	key[0] = k;
	value = k;
	err += !!bpf_map_update_elem(&map, key, &value, BPF_NOEXIST);
})

BENCH_PROG(delete, {
	key[0] = k;
	err += !!bpf_map_delete_elem(&map, key);
})

BENCH_PROG(overwrite, {
	key[0] = k;
	if (bpf_map_delete_elem(&map, key)) {
		err++;
	} else {
		key[0] = n + k;
		value = key[0];
		err += !!bpf_map_update_elem(&map, key, &value, BPF_NOEXIST);
	}
})

/* Inserts keys pos..stop-1, LOOP at most per run; pos stops at @stop. */
SEC("socket")
int fill(struct __sk_buff *skb)
{
	__u32 key[KEY_WORDS] = {};
	__u64 p = pos, s = stop, err = 0, value;
	int i;

	for (i = 0; i < LOOP && p < s; i++, p++) {
		key[0] = p;
		value = p;
		err += !!bpf_map_update_elem(&map, key, &value, BPF_NOEXIST);
	}
	pos = p;
	errors += err;
	return 0;
}
