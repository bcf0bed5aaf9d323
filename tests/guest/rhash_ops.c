// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_ops: what BPF_MAP_TYPE_RHASH does beyond BPF_MAP_TYPE_HASH's
 * behaviour (hash_ops and hash_prog pin that for every kind): its creation
 * checks (rhtab_map_alloc_check()), map_extra as the first table's size
 * hint, key and value sizes at their limits, updates of existing keys in
 * place, get_next_key's order, BPF_F_LOCK, and a memlock that follows the
 * bucket table as it grows and shrinks. Through bpf(2) only, a syscall per
 * element: rhash_resize does the same at volume from BPF.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "maps.h"

RHB_SUITE("rhash_ops");

static const struct rhb_map_kind *rh(void)
{
	return rhb_map_kind("rhash");
}

/* Creates an RHASH map with exactly @flags and @map_extra: a fd or -1, errno set. */
static int create_raw(__u32 key_size, __u32 value_size, __u32 max_entries, __u32 flags,
		      __u64 map_extra)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags, .map_extra = map_extra);

	return bpf_map_create(BPF_MAP_TYPE_RHASH, "rhash_ops", key_size, value_size, max_entries,
			      &opts);
}

/* create_raw() with BPF_F_NO_PREALLOC, which must succeed. */
static int create(__u32 key_size, __u32 value_size, __u32 max_entries, __u64 map_extra)
{
	int fd = create_raw(key_size, value_size, max_entries, BPF_F_NO_PREALLOC, map_extra);

	ck_assert_msg(fd >= 0, "create key_size %u value_size %u max_entries %u map_extra %llu: "
		      "expected success, got %d (errno %d: %s)", key_size, value_size,
		      max_entries, (unsigned long long)map_extra, fd, errno, strerror(errno));
	return fd;
}

static __u64 val_of(__u32 key)
{
	return key * 1000ULL + 7;
}

/* Inserts __u32 keys @first..@first+@n-1 with val_of(key). */
static void fill(int fd, __u32 first, __u32 n)
{
	__u32 key;
	__u64 value;

	for (key = first; key < first + n; key++) {
		value = val_of(key);
		ck_assert_msg(!bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST),
			      "insert key %u: errno %d (%s)", key, errno, strerror(errno));
	}
}

static void drain(int fd, __u32 first, __u32 n)
{
	__u32 key;

	for (key = first; key < first + n; key++)
		ck_assert_msg(!bpf_map_delete_elem(fd, &key), "delete key %u: errno %d (%s)", key,
			      errno, strerror(errno));
}

static void expect_value(int fd, __u32 key, __u64 want)
{
	__u64 got = ~want;

	ck_assert_msg(!bpf_map_lookup_elem(fd, &key, &got),
		      "lookup key %u: expected %llu, got errno %d (%s)", key,
		      (unsigned long long)want, errno, strerror(errno));
	ck_assert_msg(got == want, "lookup key %u: expected %llu, got %llu", key,
		      (unsigned long long)want, (unsigned long long)got);
}

/*
 * Walks a map of __u32 keys with get_next_key into @keys (room for @max);
 * returns how many keys it returned before -ENOENT.
 */
static __u32 walk(int fd, __u32 *keys, __u32 max)
{
	__u32 n = 0, *prev = NULL;
	int err;

	while (!(err = bpf_map_get_next_key(fd, prev, &keys[n]))) {
		prev = &keys[n++];
		ck_assert_msg(n < max, "walk returned more than %u keys", max - 1);
	}
	ck_assert_msg(errno == ENOENT, "walk after %u keys: expected -ENOENT, got %d (%s)", n,
		      err, strerror(errno));
	return n;
}

/* Creation: rhtab_map_alloc_check() */

RHB_TEST(create_without_no_prealloc_einval)
{
	/* Elements are only ever allocated on demand: there is no other mode. */
	rhb_assert_errno(create_raw(4, 8, 16, 0, 0), EINVAL);
	rhb_assert_errno(create_raw(4, 8, 16, BPF_F_RDONLY, 0), EINVAL);
	rhb_assert_errno(create_raw(4, 8, 16, BPF_F_NUMA_NODE, 0), EINVAL);
	close(create(4, 8, 16, 0));
}
END_TEST

RHB_TEST(create_zero_seed_einval)
{
	/* The walk order rests on the map's one random seed. */
	rhb_assert_errno(create_raw(4, 8, 16, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, 0), EINVAL);
}
END_TEST

RHB_TEST(create_key_size_over_u16_e2big)
{
	/* rhashtable's key_len is a u16. */
	rhb_assert_errno(create_raw(65536, 8, 16, BPF_F_NO_PREALLOC, 0), E2BIG);
	rhb_assert_errno(create_raw(1 << 20, 8, 16, BPF_F_NO_PREALLOC, 0), E2BIG);
	close(create(65535, 8, 16, 0));
}
END_TEST

RHB_TEST(create_max_entries_over_2g_e2big)
{
	/* rhashtable counts elements in an int. */
	rhb_assert_errno(create_raw(4, 8, (1U << 31) + 1, BPF_F_NO_PREALLOC, 0), E2BIG);
	rhb_assert_errno(create_raw(4, 8, UINT32_MAX, BPF_F_NO_PREALLOC, 0), E2BIG);
	/* Nothing is allocated for max_entries: the largest map costs nothing. */
	close(create(4, 8, 1U << 31, 0));
}
END_TEST

/* kmalloc()'s largest size in this kernel (4 KiB pages, MAX_PAGE_ORDER 10). */
#define KMALLOC_MAX_SIZE (4U << 20)

RHB_TEST(create_value_size_element_over_kmalloc_max_e2big)
{
	int fd;

	/*
	 * An element is a struct rhtab_elem, the key and the value each
	 * rounded up to 8 bytes, behind bpf_mem_alloc's llist_node: for a
	 * 4-byte key, a value over KMALLOC_MAX_SIZE - 24 bytes makes one that
	 * kmalloc() cannot give. HASH refuses such sizes (with a margin of
	 * MAX_BPF_STACK); a map that takes them fails every insert -ENOMEM.
	 */
	fd = create_raw(4, KMALLOC_MAX_SIZE - 13, 4, BPF_F_NO_PREALLOC, 0);
	if (fd >= 0) {
		void *value = calloc(1, KMALLOC_MAX_SIZE);
		__u32 key = 1;
		int err;

		ck_assert(value);
		err = bpf_map_update_elem(fd, &key, value, BPF_NOEXIST) ? errno : 0;
		ck_abort_msg("create with key_size 4, value_size KMALLOC_MAX_SIZE - 13: expected "
			     "-E2BIG, got a map whose first insert then returns %d (%s)", -err,
			     strerror(err));
	}
	ck_assert_msg(errno == E2BIG, "create with key_size 4, value_size KMALLOC_MAX_SIZE - 13: "
		      "expected -E2BIG, got errno %d (%s)", errno, strerror(errno));
}
END_TEST

RHB_TEST(create_map_extra_upper_bits_einval)
{
	/* Checked first: a hint with upper bits is invalid, not too big. */
	rhb_assert_errno(create_raw(4, 8, 1 << 20, BPF_F_NO_PREALLOC, 1ULL << 32), EINVAL);
	rhb_assert_errno(create_raw(4, 8, 1 << 20, BPF_F_NO_PREALLOC, (1ULL << 32) | 1), EINVAL);
	rhb_assert_errno(create_raw(4, 8, 1 << 20, BPF_F_NO_PREALLOC, ~0ULL), EINVAL);
}
END_TEST

RHB_TEST(create_map_extra_over_u16_e2big)
{
	/* rhashtable's nelem_hint is a u16; checked before max_entries. */
	rhb_assert_errno(create_raw(4, 8, 1 << 20, BPF_F_NO_PREALLOC, 65536), E2BIG);
	rhb_assert_errno(create_raw(4, 8, 1U << 31, BPF_F_NO_PREALLOC, UINT32_MAX), E2BIG);
	rhb_assert_errno(create_raw(4, 8, 16, BPF_F_NO_PREALLOC, 65536), E2BIG);
	close(create(4, 8, 1 << 20, 65535));
}
END_TEST

RHB_TEST(create_map_extra_over_max_entries_einval)
{
	rhb_assert_errno(create_raw(4, 8, 16, BPF_F_NO_PREALLOC, 17), EINVAL);
	rhb_assert_errno(create_raw(4, 8, 1, BPF_F_NO_PREALLOC, 2), EINVAL);
	close(create(4, 8, 16, 16));
	close(create(4, 8, 1, 1));
	close(create(4, 8, 65535, 65535));
}
END_TEST

RHB_TEST(create_map_extra_echoed_in_info)
{
	static const __u64 hints[] = { 0, 1, 1000, 65535 };
	unsigned int i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = create(4, 8, 100000, hints[i]);

		rhb_assert_ok(bpf_map_get_info_by_fd(fd, &info, &len));
		ck_assert_msg(info.map_extra == hints[i], "map_extra %llu: info says %llu",
			      (unsigned long long)hints[i], (unsigned long long)info.map_extra);
		ck_assert_msg(info.type == BPF_MAP_TYPE_RHASH && info.key_size == 4 &&
			      info.value_size == 8 && info.max_entries == 100000 &&
			      info.map_flags == BPF_F_NO_PREALLOC,
			      "info: type %u key %u value %u max_entries %u flags 0x%x, expected "
			      "%u 4 8 100000 0x%x", info.type, info.key_size, info.value_size,
			      info.max_entries, info.map_flags, BPF_MAP_TYPE_RHASH,
			      BPF_F_NO_PREALLOC);
		close(fd);
	}
}
END_TEST

RHB_TEST(create_map_extra_sizes_first_table)
{
	int plain = create(4, 8, 1 << 20, 0), large = create(4, 8, 1 << 20, 65535);
	int small = create(4, 8, 1 << 20, 3);
	unsigned long long m_plain = rhb_map_memlock(plain), m_large = rhb_map_memlock(large);
	unsigned long long m_small = rhb_map_memlock(small);
	/* Room for 65535 elements below 3/4 load: more than 65535 * 4 / 3 buckets. */
	unsigned long long want = (65535 * 4 / 3 - RHB_RHASH_FIRST_BUCKETS) * sizeof(void *);

	ck_assert_msg(m_large >= m_plain + want,
		      "memlock with map_extra 65535 is %llu, without %llu: expected %llu more",
		      m_large, m_plain, want);
	/* A small hint makes a first table smaller than the default one. */
	ck_assert_msg(m_small < m_plain,
		      "memlock with map_extra 3 is %llu, without %llu: expected less",
		      m_small, m_plain);
	close(small);
	close(large);
	close(plain);
}
END_TEST

/* Key and value sizes */

/* Key @i of @size bytes: a fixed pattern, @i in the last two bytes (one if @size is 1). */
static void make_key(unsigned char *key, __u32 size, __u32 i)
{
	memset(key, 0xa5, size);
	key[size - 1] = i;
	if (size > 1)
		key[size - 2] = i >> 8;
}

/* The index of a key make_key() made, or -1 if it made no such key. */
static int key_index(const unsigned char *key, __u32 size, __u32 n)
{
	__u32 i = key[size - 1] | (size > 1 ? key[size - 2] << 8 : 0);
	unsigned char want[size];

	make_key(want, size, i);
	return i < n && !memcmp(key, want, size) ? (int)i : -1;
}

/*
 * @n keys of @size bytes that differ only in their last bytes, enough for
 * the table to grow: each keeps its own value, the walk returns each once
 * and byte-exact, and deletes empty the map.
 */
static void key_size_many_keys(__u32 size, __u32 n)
{
	unsigned char *key = malloc(size), *next = malloc(size);
	unsigned int *seen = calloc(n, sizeof(*seen)), steps = 0;
	int fd = create(size, sizeof(__u64), n, 0), err;
	__u64 value;
	__u32 i;

	ck_assert(key && next && seen);
	for (i = 0; i < n; i++) {
		make_key(key, size, i);
		value = val_of(i);
		ck_assert_msg(!bpf_map_update_elem(fd, key, &value, BPF_NOEXIST),
			      "key_size %u: insert key %u: errno %d (%s)", size, i, errno,
			      strerror(errno));
	}
	for (i = 0; i < n; i++) {
		make_key(key, size, i);
		value = 0;
		ck_assert_msg(!bpf_map_lookup_elem(fd, key, &value) && value == val_of(i),
			      "key_size %u: lookup key %u: expected %llu, got %llu (errno %d)",
			      size, i, (unsigned long long)val_of(i), (unsigned long long)value,
			      errno);
	}
	for (err = bpf_map_get_next_key(fd, NULL, next); !err && steps <= n;
	     err = bpf_map_get_next_key(fd, next, next), steps++) {
		int j = key_index(next, size, n);

		ck_assert_msg(j >= 0, "key_size %u: walk returned a key never inserted", size);
		ck_assert_msg(!seen[j]++, "key_size %u: walk returned key %d twice", size, j);
	}
	ck_assert_msg(err < 0 && errno == ENOENT && steps == n,
		      "key_size %u: walk: %u keys then %d (%s), expected %u then -ENOENT", size,
		      steps, err, strerror(errno), n);
	for (i = 0; i < n; i++) {
		make_key(key, size, i);
		ck_assert_msg(!bpf_map_delete_elem(fd, key), "key_size %u: delete key %u: "
			      "errno %d (%s)", size, i, errno, strerror(errno));
	}
	rhb_assert_errno(bpf_map_get_next_key(fd, NULL, next), ENOENT);
	close(fd);
	free(seen);
	free(next);
	free(key);
}

RHB_TEST(key_size_1_many_keys)
{
	/* jhash over one byte; 200 of the 256 keys there are. */
	key_size_many_keys(1, 200);
}
END_TEST

RHB_TEST(key_size_3_many_keys)
{
	key_size_many_keys(3, 200);
}
END_TEST

RHB_TEST(key_size_4_many_keys)
{
	/* jhash2 over u32 words */
	key_size_many_keys(4, 200);
}
END_TEST

RHB_TEST(key_size_8_many_keys)
{
	/* One long: RHASH's word-key parameters, its own hash and compare. */
	key_size_many_keys(8, 200);
}
END_TEST

RHB_TEST(key_size_64_many_keys)
{
	key_size_many_keys(64, 200);
}
END_TEST

RHB_TEST(key_size_512_many_keys)
{
	/* The largest key a BPF program can pass from its stack. */
	key_size_many_keys(512, 200);
}
END_TEST

RHB_TEST(key_size_65535_many_keys)
{
	/* The largest key rhashtable takes. */
	key_size_many_keys(65535, 100);
}
END_TEST

/* A @size-byte value, inserted, then overwritten in place: byte-exact both times, no more. */
static void value_round_trip(__u32 size)
{
	const size_t canary = 16;
	unsigned char *value = malloc(size), *got = malloc(size + canary);
	int fd = create(sizeof(__u32), size, 4, 0);
	unsigned int seed;
	__u32 key = 1;
	size_t j;

	ck_assert(value && got);
	for (seed = 1; seed <= 2; seed++) {
		rhb_pattern(value, size, seed);
		memset(got, 0xee, size + canary);
		ck_assert_msg(!bpf_map_update_elem(fd, &key, value,
						   seed == 1 ? BPF_NOEXIST : BPF_EXIST),
			      "value_size %u, pass %u: update errno %d (%s)", size, seed, errno,
			      strerror(errno));
		rhb_assert_ok(bpf_map_lookup_elem(fd, &key, got));
		ck_assert_msg(!memcmp(got, value, size),
			      "value_size %u, pass %u: value differs after lookup", size, seed);
		for (j = size; j < size + canary; j++)
			ck_assert_msg(got[j] == 0xee, "value_size %u: lookup wrote byte %zu", size,
				      j);
	}
	close(fd);
	free(got);
	free(value);
}

RHB_TEST(value_sizes_round_trip)
{
	/* Up to about the largest value HASH takes too. */
	static const __u32 sizes[] = { 1, 3, 8, 100, 4096, 65536, 1 << 20,
				       KMALLOC_MAX_SIZE - 1024 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		value_round_trip(sizes[i]);
}
END_TEST

/* max_entries */

RHB_TEST(max_entries_not_power_of_two_is_exact)
{
	int fd = create(4, 8, 100, 0);
	__u32 key = 100;
	__u64 value = 1;

	/* The table may round up; the element count may not. */
	fill(fd, 0, 100);
	rhb_assert_errno(bpf_map_update_elem(fd, &key, &value, BPF_ANY), E2BIG);
	rhb_assert_errno(bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST), E2BIG);
	key = 50;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &value, BPF_EXIST));
	expect_value(fd, 50, 1);
	rhb_assert_ok(bpf_map_delete_elem(fd, &key));
	key = 100;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST));
	expect_value(fd, 100, 1);
	close(fd);
}
END_TEST

RHB_TEST(max_entries_1_with_map_extra_1)
{
	int fd = create(4, 8, 1, 1);
	__u32 key = 2;
	__u64 value = 2;

	fill(fd, 1, 1);
	rhb_assert_errno(bpf_map_update_elem(fd, &key, &value, BPF_ANY), E2BIG);
	key = 1;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &value, BPF_ANY));
	expect_value(fd, 1, 2);
	close(fd);
}
END_TEST

/* Updates of existing keys */

RHB_TEST(update_existing_key_in_place_keeps_element_count)
{
	int fd = create(4, 8, 10, 0);
	unsigned long long before, after;
	__u32 key, keys[11], n, round;
	__u64 value;

	/*
	 * A full map, so that any update needing a second element would fail;
	 * memlock counts elements: it must not move.
	 */
	fill(fd, 0, 10);
	before = rhb_map_memlock(fd);
	for (round = 1; round <= 50; round++) {
		for (key = 0; key < 10; key++) {
			value = round * 100 + key;
			ck_assert_msg(!bpf_map_update_elem(fd, &key, &value,
							   round % 2 ? BPF_ANY : BPF_EXIST),
				      "round %u: update key %u: errno %d (%s)", round, key, errno,
				      strerror(errno));
		}
	}
	after = rhb_map_memlock(fd);
	ck_assert_msg(after == before, "memlock %llu before 500 updates, %llu after", before,
		      after);
	for (key = 0; key < 10; key++)
		expect_value(fd, key, 50 * 100 + key);
	n = walk(fd, keys, 11);
	ck_assert_msg(n == 10, "walk after updates: %u keys, expected 10", n);
	close(fd);
}
END_TEST

/* get_next_key */

RHB_TEST(get_next_key_deleted_cursor_restarts)
{
	int fd = create(4, 8, 16, 0);
	__u32 first, k2, k3, next;

	/* Hash semantics: a cursor that is gone restarts the walk. */
	fill(fd, 0, 10);
	rhb_assert_ok(bpf_map_get_next_key(fd, NULL, &first));
	rhb_assert_ok(bpf_map_get_next_key(fd, &first, &k2));
	rhb_assert_ok(bpf_map_get_next_key(fd, &k2, &k3));
	rhb_assert_ok(bpf_map_delete_elem(fd, &k3));
	rhb_assert_ok(bpf_map_get_next_key(fd, &k3, &next));
	ck_assert_msg(next == first, "next after deleted key %u: expected the first key %u, "
		      "got %u", k3, first, next);
	close(fd);
}
END_TEST

#define ORDER_KEYS 40
#define ORDER_EXTRA 6000

RHB_TEST(get_next_key_order_independent_of_table_size)
{
	__u32 *order = calloc(ORDER_KEYS + 1, sizeof(__u32));
	__u32 *all = calloc(ORDER_KEYS + ORDER_EXTRA + 1, sizeof(__u32));
	int fd = create(4, 8, ORDER_KEYS + ORDER_EXTRA, 0);
	unsigned int *seen = calloc(ORDER_EXTRA, sizeof(*seen));
	struct rhb_rhash_mem_model m;
	__u32 n, i, j;

	/*
	 * The walk order depends on the keys and the seed only: the same keys
	 * come in the same order from the first table, from one 128 times as
	 * large with other keys in between, and from a shrunk one.
	 */
	ck_assert(order && all && seen);
	rhb_rhash_mem_model(4, 8, &m);
	fill(fd, 0, ORDER_KEYS);
	n = walk(fd, order, ORDER_KEYS + 1);
	ck_assert_msg(n == ORDER_KEYS, "walk of %u keys returned %u", ORDER_KEYS, n);

	fill(fd, 1000, ORDER_EXTRA);
	rhb_rhash_wait_grown(fd, &m, ORDER_KEYS + ORDER_EXTRA);
	n = walk(fd, all, ORDER_KEYS + ORDER_EXTRA + 1);
	ck_assert_msg(n == ORDER_KEYS + ORDER_EXTRA, "walk of %u keys returned %u",
		      ORDER_KEYS + ORDER_EXTRA, n);
	for (i = 0, j = 0; i < n; i++) {
		if (all[i] >= 1000) {
			ck_assert_msg(all[i] < 1000 + ORDER_EXTRA && !seen[all[i] - 1000]++,
				      "grown walk returned key %u twice or never inserted", all[i]);
			continue;
		}
		ck_assert_msg(j < ORDER_KEYS && all[i] == order[j],
			      "grown walk: key %u of the first %u is %u, was %u", j, ORDER_KEYS,
			      all[i], j < ORDER_KEYS ? order[j] : UINT32_MAX);
		j++;
	}

	drain(fd, 1000, ORDER_EXTRA);
	rhb_rhash_wait_shrunk(fd, &m, ORDER_KEYS);
	n = walk(fd, all, ORDER_KEYS + 1);
	ck_assert_msg(n == ORDER_KEYS, "walk of %u keys after shrink returned %u", ORDER_KEYS,
		      n);
	for (i = 0; i < n; i++)
		ck_assert_msg(all[i] == order[i], "shrunk walk: key %u is %u, was %u", i, all[i],
			      order[i]);
	close(fd);
	free(seen);
	free(all);
	free(order);
}
END_TEST

/* BPF_F_LOCK */

RHB_TEST(f_lock_insert_ignores_lock_word_from_userspace)
{
	int fd = rhb_map_create_locked(rh(), 4);
	struct rhb_locked_val v = { .lock = { .val = 0xffffffff }, .cnt = 1 }, got;
	__u32 key = 1;

	/*
	 * The lock word is kernel state: one taken from userspace (here held
	 * forever) would make the next BPF_F_LOCK operation spin for good.
	 */
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST));
	v.cnt = 2;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK));
	memset(&got, 0xff, sizeof(got));
	rhb_assert_ok(bpf_map_lookup_elem_flags(fd, &key, &got, BPF_F_LOCK));
	ck_assert_msg(got.cnt == 2 && got.lock.val == 0, "BPF_F_LOCK lookup: cnt %u lock %u, "
		      "expected 2 and 0", got.cnt, got.lock.val);
	/* An update in place without BPF_F_LOCK must not copy it either. */
	v.cnt = 3;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_EXIST));
	rhb_assert_ok(bpf_map_lookup_and_delete_elem_flags(fd, &key, &got, BPF_F_LOCK));
	ck_assert_msg(got.cnt == 3, "BPF_F_LOCK lookup_and_delete: cnt %u, expected 3", got.cnt);
	close(fd);
}
END_TEST

RHB_TEST(f_lock_full_map)
{
	int fd = rhb_map_create_locked(rh(), 4);
	struct rhb_locked_val v = {}, got;
	__u32 key;

	for (key = 0; key < 4; key++) {
		v.cnt = key;
		rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK | BPF_NOEXIST));
	}
	v.cnt = 40;
	rhb_assert_errno(bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK), E2BIG);
	key = 2;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK));
	rhb_assert_ok(bpf_map_lookup_and_delete_elem_flags(fd, &key, &got, BPF_F_LOCK));
	ck_assert_msg(got.cnt == 40, "BPF_F_LOCK lookup_and_delete: cnt %u, expected 40", got.cnt);
	key = 4;
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK | BPF_NOEXIST));
	close(fd);
}
END_TEST

RHB_TEST(f_lock_lookup_and_delete_other_flags_einval)
{
	static const __u64 flags[] = { BPF_F_LOCK | BPF_NOEXIST, BPF_F_LOCK | BPF_EXIST,
				       BPF_F_LOCK | 8 };
	int fd = rhb_map_create_locked(rh(), 4);
	struct rhb_locked_val v = { .cnt = 7 }, got;
	__u32 key = 1;
	unsigned int i;

	/* Only BPF_F_LOCK, even on a value that has a lock. */
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST));
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int err = bpf_map_lookup_and_delete_elem_flags(fd, &key, &got, flags[i]);

		ck_assert_msg(err < 0 && errno == EINVAL, "lookup_and_delete, flags 0x%llx: "
			      "expected -EINVAL, got %d (%s)", (unsigned long long)flags[i], err,
			      strerror(errno));
	}
	rhb_assert_ok(bpf_map_lookup_elem(fd, &key, &got));
	ck_assert_msg(got.cnt == 7, "key 1 after refused deletes: cnt %u, expected 7", got.cnt);
	close(fd);
}
END_TEST

/* memlock: elements and bucket tables */

#define MEM_KEYS 2000

RHB_TEST(memlock_grows_with_table_and_shrinks_after_drain)
{
	int fd = create(4, 8, 1 << 20, 0);
	struct rhb_rhash_mem_model m;
	unsigned long long memlock;
	__u32 next;

	rhb_rhash_mem_model(4, 8, &m);
	memlock = rhb_map_memlock(fd);
	ck_assert_msg(memlock == m.empty, "empty map: memlock %llu, a scratch one had %llu",
		      memlock, m.empty);
	fill(fd, 0, MEM_KEYS);
	rhb_rhash_wait_grown(fd, &m, MEM_KEYS);
	drain(fd, 200, MEM_KEYS - 200);
	rhb_rhash_wait_shrunk(fd, &m, 200);
	/* Empty: no larger than when it was created. */
	drain(fd, 0, 200);
	rhb_rhash_wait_shrunk(fd, &m, 0);
	rhb_assert_errno(bpf_map_get_next_key(fd, NULL, &next), ENOENT);
	close(fd);
}
END_TEST
