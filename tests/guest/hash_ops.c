// SPDX-License-Identifier: GPL-2.0
/*
 * hash_ops: the bpf(2) map commands on BPF_MAP_TYPE_HASH, errno by errno as
 * kernel/bpf/{syscall,hashtab}.c of 6.12 produce them, through libbpf's
 * low-level API. Every case runs over rhb_map_kinds[], so it is also the
 * parity reference for BPF_MAP_TYPE_RHASH.
 */
#include <stdint.h>
#include <unistd.h>

#include "maps.h"

RHB_SUITE("hash_ops");

/* Most cases use __u32 keys and __u64 values. */
static int create(const struct rhb_map_kind *k, __u32 max_entries)
{
	return rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), max_entries);
}

/* Like create(), with @flags added (e.g. BPF_F_RDONLY). */
static int create_with(const struct rhb_map_kind *k, __u32 max_entries, __u32 flags)
{
	int fd = rhb_map_create(k, sizeof(__u32), sizeof(__u64), max_entries, flags, NULL);

	ck_assert_msg(fd >= 0, "[%s] create, map_flags 0x%x: expected success, got %d (%s)",
		      k->name, flags, fd, strerror(errno));
	return fd;
}

/* Value stored for @key by fill(): tells keys apart. */
static __u64 val_of(__u32 key)
{
	return key * 1000ULL + 7;
}

static void insert(const struct rhb_map_kind *k, int fd, __u32 key, __u64 value)
{
	int err = bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST);

	ck_assert_msg(!err, "[%s] insert key %u: expected success, got %d (errno %d: %s)",
		      k->name, key, err, errno, strerror(errno));
}

/* Inserts keys 0..n-1 with val_of(key). */
static void fill(const struct rhb_map_kind *k, int fd, __u32 n)
{
	__u32 key;

	for (key = 0; key < n; key++)
		insert(k, fd, key, val_of(key));
}

static void expect_value(const struct rhb_map_kind *k, int fd, __u32 key, __u64 want)
{
	__u64 got = ~want;
	int err = bpf_map_lookup_elem(fd, &key, &got);

	ck_assert_msg(!err, "[%s] lookup key %u: expected value %llu, got error %d (errno %d: %s)",
		      k->name, key, (unsigned long long)want, err, errno, strerror(errno));
	ck_assert_msg(got == want, "[%s] lookup key %u: expected value %llu, got %llu",
		      k->name, key, (unsigned long long)want, (unsigned long long)got);
}

static void expect_missing(const struct rhb_map_kind *k, int fd, __u32 key)
{
	__u64 got;
	int err = bpf_map_lookup_elem(fd, &key, &got);

	ck_assert_msg(err < 0 && errno == ENOENT,
		      "[%s] lookup key %u: expected -ENOENT, got %d (errno %d: %s)",
		      k->name, key, err, errno, strerror(errno));
}

/* Creation: map_create(), htab_map_alloc_check() and htab_map_alloc() */

/*
 * Asserts that the creation of a map of kind @k with @what, which returned
 * @fd, succeeded if @ok (what the kind does), else failed with -EINVAL.
 */
static void expect_create_ok_or_einval(const struct rhb_map_kind *k, int fd, bool ok,
				       const char *what)
{
	int err = errno;

	if (fd >= 0)
		close(fd);
	ck_assert_msg(ok ? fd >= 0 : fd < 0 && err == EINVAL,
		      "[%s] create with %s: expected %s, got %d (%s)", k->name, what,
		      ok ? "success" : "-EINVAL", fd, strerror(err));
}

RHB_TEST(create_key_size_zero_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 0, 8, 4, 0, NULL), EINVAL);
}
END_TEST

RHB_TEST(create_value_size_zero_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 0, 4, 0, NULL), EINVAL);
}
END_TEST

RHB_TEST(create_max_entries_zero_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, 0, 0, NULL), EINVAL);
}
END_TEST

RHB_TEST(create_unknown_flag_einval)
{
	/* Flags other map types take, and a bit no map type takes. */
	static const __u32 flags[] = {
		BPF_F_STACK_BUILD_ID, BPF_F_CLONE, BPF_F_MMAPABLE, BPF_F_PRESERVE_ELEMS,
		BPF_F_INNER_MAP, 1U << 31,
	};
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			int fd = rhb_map_create(k, 4, 8, 4, flags[i], NULL);

			ck_assert_msg(fd < 0 && errno == EINVAL,
				      "[%s] create, map_flags 0x%x: expected -EINVAL, got %d (%s)",
				      k->name, flags[i], fd, strerror(errno));
		}
	}
}
END_TEST

RHB_TEST(create_no_common_lru_einval)
{
	const struct rhb_map_kind *k;

	/* Per-CPU LRU lists only exist in LRU maps. */
	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, 4, BPF_F_NO_COMMON_LRU, NULL), EINVAL);
}
END_TEST

RHB_TEST(create_rdonly_and_wronly_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, NULL),
				  EINVAL);
}
END_TEST

RHB_TEST(create_rdonly_prog_and_wronly_prog_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, 4,
						    BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, NULL),
				  EINVAL);
}
END_TEST

RHB_TEST(create_map_extra_as_kind_says)
{
	const struct rhb_map_kind *k;

	/*
	 * map_extra is for bloom filters and arenas, and RHASH's initial size
	 * hint (rhash_ops pins its limits); HASH refuses it.
	 */
	rhb_for_each_map_kind(k) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_extra = 1);

		expect_create_ok_or_einval(k, rhb_map_create(k, 4, 8, 4, 0, &opts),
					   k->map_extra_hint, "map_extra 1");
	}
}
END_TEST

RHB_TEST(create_numa_node_offline_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .numa_node = 0xffff);

		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, 4, BPF_F_NUMA_NODE, &opts), EINVAL);
	}
}
END_TEST

RHB_TEST(create_key_value_size_too_large_e2big)
{
	const struct rhb_map_kind *k;

	/* key_size + value_size must fit in one kmalloc(); 1 GiB never does. */
	rhb_for_each_map_kind(k) {
		rhb_kassert_errno(k, rhb_map_create(k, 1U << 30, 8, 4, 0, NULL), E2BIG);
		rhb_kassert_errno(k, rhb_map_create(k, 4, 1U << 30, 4, 0, NULL), E2BIG);
	}
}
END_TEST

RHB_TEST(create_max_entries_over_2g_e2big)
{
	const struct rhb_map_kind *k;

	/* The bucket count is max_entries rounded up to a power of two. */
	rhb_for_each_map_kind(k)
		rhb_kassert_errno(k, rhb_map_create(k, 4, 8, UINT32_MAX, 0, NULL), E2BIG);
}
END_TEST

RHB_TEST(create_valid_flags_ok)
{
	static const struct {
		__u32 flag;
		const char *name;
	} flags[] = {
		{ BPF_F_NUMA_NODE, "BPF_F_NUMA_NODE" },
		{ BPF_F_RDONLY, "BPF_F_RDONLY" },
		{ BPF_F_WRONLY, "BPF_F_WRONLY" },
		{ BPF_F_RDONLY_PROG, "BPF_F_RDONLY_PROG" },
		{ BPF_F_WRONLY_PROG, "BPF_F_WRONLY_PROG" },
	};
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			/* Node 0 is always online. */
			LIBBPF_OPTS(bpf_map_create_opts, opts, .numa_node = 0);
			int fd = rhb_map_create(k, 4, 8, 4, flags[i].flag, &opts);

			ck_assert_msg(fd >= 0, "[%s] create with %s: expected success, got %d (%s)",
				      k->name, flags[i].name, fd, strerror(errno));
			close(fd);
		}
	}
}
END_TEST

RHB_TEST(create_zero_seed_as_kind_says)
{
	const struct rhb_map_kind *k;

	/*
	 * HASH takes a fixed seed for reproducible tests; RHASH's walk order
	 * and resizes rest on its one random seed, so it refuses the flag.
	 */
	rhb_for_each_map_kind(k)
		expect_create_ok_or_einval(k, rhb_map_create(k, 4, 8, 4, BPF_F_ZERO_SEED, NULL),
					   k->zero_seed, "BPF_F_ZERO_SEED");
}
END_TEST

/* Lookup */

RHB_TEST(lookup_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);

		insert(k, fd, 1, val_of(1));
		expect_missing(k, fd, 2);
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_unknown_flags_einval)
{
	/* Lookup takes BPF_F_LOCK only, not the update flags. */
	static const __u64 flags[] = { BPF_NOEXIST, BPF_EXIST, 8, 1ULL << 32 };
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 got;

		insert(k, fd, key, val_of(key));
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			int err = bpf_map_lookup_elem_flags(fd, &key, &got, flags[i]);

			ck_assert_msg(err < 0 && errno == EINVAL,
				      "[%s] lookup, flags 0x%llx: expected -EINVAL, got %d (%s)",
				      k->name, (unsigned long long)flags[i], err, strerror(errno));
		}
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_f_lock_without_spin_lock_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 got;

		insert(k, fd, key, val_of(key));
		rhb_kassert_errno(k, bpf_map_lookup_elem_flags(fd, &key, &got, BPF_F_LOCK), EINVAL);
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_writes_exactly_value_size)
{
	const struct rhb_map_kind *k;

	/* An odd value size: the copy out must not round up to 8 bytes. */
	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_ok(k, sizeof(__u32), 3, 4);
		unsigned char value[3] = { 1, 2, 3 }, got[16];
		__u32 key = 1;
		unsigned int i;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, value, BPF_ANY));
		memset(got, 0xaa, sizeof(got));
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, got));
		ck_assert_msg(!memcmp(got, value, sizeof(value)),
			      "[%s] lookup: expected 01 02 03, got %02x %02x %02x",
			      k->name, got[0], got[1], got[2]);
		for (i = sizeof(value); i < sizeof(got); i++)
			ck_assert_msg(got[i] == 0xaa,
				      "[%s] lookup wrote byte %u past the 3-byte value (0x%02x)",
				      k->name, i, got[i]);
		close(fd);
	}
}
END_TEST

/* Update */

RHB_TEST(update_any_inserts_new_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 42;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		expect_value(k, fd, key, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_any_overwrites_existing_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 43;

		insert(k, fd, key, 42);
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		expect_value(k, fd, key, 43);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_noexist_inserts_new_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 42;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST));
		expect_value(k, fd, key, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_noexist_existing_key_eexist)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 43;

		insert(k, fd, key, 42);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST), EEXIST);
		expect_value(k, fd, key, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_exist_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 2;
		__u64 value = 42;

		insert(k, fd, 1, val_of(1));
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_EXIST), ENOENT);
		expect_missing(k, fd, key);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_exist_overwrites_existing_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 43;

		insert(k, fd, key, 42);
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_EXIST));
		expect_value(k, fd, key, 43);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_noexist_and_exist_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 42;

		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST | BPF_EXIST),
				  EINVAL);
		expect_missing(k, fd, key);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_unknown_flag_einval)
{
	static const __u64 flags[] = { 8, 16, 1ULL << 32, BPF_EXIST | 8 };
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 42;

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			int err = bpf_map_update_elem(fd, &key, &value, flags[i]);

			ck_assert_msg(err < 0 && errno == EINVAL,
				      "[%s] update, flags 0x%llx: expected -EINVAL, got %d (%s)",
				      k->name, (unsigned long long)flags[i], err, strerror(errno));
		}
		expect_missing(k, fd, key);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_f_lock_without_spin_lock_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 43;

		/* Neither for a new key nor for an existing one. */
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_F_LOCK), EINVAL);
		expect_missing(k, fd, key);
		insert(k, fd, key, 42);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_F_LOCK), EINVAL);
		expect_value(k, fd, key, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_full_map_new_key_e2big)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 8);
		__u32 key = 8;
		__u64 value = 42;

		fill(k, fd, 8);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY), E2BIG);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST), E2BIG);
		expect_missing(k, fd, key);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_full_map_existing_key_succeeds)
{
	const struct rhb_map_kind *k;

	/* Replacing an element must not need a free slot. */
	rhb_for_each_map_kind(k) {
		int fd = create(k, 8);
		__u32 key = 3;
		__u64 value = 42;

		fill(k, fd, 8);
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		expect_value(k, fd, key, 42);
		value = 43;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_EXIST));
		expect_value(k, fd, key, 43);
		close(fd);
	}
}
END_TEST

RHB_TEST(update_full_map_noexist_existing_key_eexist)
{
	const struct rhb_map_kind *k;

	/* The existence check comes before the capacity check. */
	rhb_for_each_map_kind(k) {
		int fd = create(k, 8);
		__u32 key = 3;
		__u64 value = 42;

		fill(k, fd, 8);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST), EEXIST);
		expect_value(k, fd, key, val_of(key));
		close(fd);
	}
}
END_TEST

RHB_TEST(max_entries_1_holds_exactly_one_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 1);
		__u32 key = 2;
		__u64 value = 42;

		insert(k, fd, 1, val_of(1));
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY), E2BIG);
		key = 1;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		expect_value(k, fd, 1, 42);
		rhb_kassert_ok(k, bpf_map_delete_elem(fd, &key));
		insert(k, fd, 2, val_of(2));
		expect_value(k, fd, 2, val_of(2));
		close(fd);
	}
}
END_TEST

/* Delete */

RHB_TEST(delete_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 2;

		insert(k, fd, 1, val_of(1));
		rhb_kassert_errno(k, bpf_map_delete_elem(fd, &key), ENOENT);
		expect_value(k, fd, 1, val_of(1));
		close(fd);
	}
}
END_TEST

RHB_TEST(delete_then_lookup_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;

		insert(k, fd, key, val_of(key));
		rhb_kassert_ok(k, bpf_map_delete_elem(fd, &key));
		expect_missing(k, fd, key);
		rhb_kassert_errno(k, bpf_map_delete_elem(fd, &key), ENOENT);
		close(fd);
	}
}
END_TEST

RHB_TEST(delete_keeps_other_keys)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 16);
		__u32 key = 5, i;

		fill(k, fd, 16);
		rhb_kassert_ok(k, bpf_map_delete_elem(fd, &key));
		for (i = 0; i < 16; i++) {
			if (i == key)
				expect_missing(k, fd, i);
			else
				expect_value(k, fd, i, val_of(i));
		}
		close(fd);
	}
}
END_TEST

RHB_TEST(delete_in_full_map_frees_slot)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 8);
		__u32 key = 3;

		fill(k, fd, 8);
		rhb_kassert_ok(k, bpf_map_delete_elem(fd, &key));
		insert(k, fd, 100, 42);
		expect_value(k, fd, 100, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(delete_with_flags_einval)
{
	const struct rhb_map_kind *k;

	/* BPF_MAP_DELETE_ELEM has no flags: any set is an unknown attr field. */
	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;

		insert(k, fd, key, val_of(key));
		rhb_kassert_errno(k, bpf_map_delete_elem_flags(fd, &key, BPF_F_LOCK), EINVAL);
		expect_value(k, fd, key, val_of(key));
		close(fd);
	}
}
END_TEST

/* get_next_key */

RHB_TEST(get_next_key_empty_map_null_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 next;

		rhb_kassert_errno(k, bpf_map_get_next_key(fd, NULL, &next), ENOENT);
		close(fd);
	}
}
END_TEST

RHB_TEST(get_next_key_empty_map_unknown_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1, next;

		rhb_kassert_errno(k, bpf_map_get_next_key(fd, &key, &next), ENOENT);
		close(fd);
	}
}
END_TEST

RHB_TEST(get_next_key_null_key_returns_first)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 next = 0;

		insert(k, fd, 7, val_of(7));
		rhb_kassert_ok(k, bpf_map_get_next_key(fd, NULL, &next));
		rhb_kassert_u64_eq(k, next, 7);
		close(fd);
	}
}
END_TEST

RHB_TEST(get_next_key_last_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 7, next;

		insert(k, fd, key, val_of(key));
		rhb_kassert_errno(k, bpf_map_get_next_key(fd, &key, &next), ENOENT);
		close(fd);
	}
}
END_TEST

RHB_TEST(get_next_key_unknown_key_returns_first)
{
	const struct rhb_map_kind *k;

	/* Hash semantics: a key not in the map restarts the walk. */
	rhb_for_each_map_kind(k) {
		int fd = create(k, 16);
		__u32 first, next, unknown = 1000;

		fill(k, fd, 10);
		rhb_kassert_ok(k, bpf_map_get_next_key(fd, NULL, &first));
		rhb_kassert_ok(k, bpf_map_get_next_key(fd, &unknown, &next));
		rhb_kassert_u64_eq(k, next, first);
		close(fd);
	}
}
END_TEST

#define WALK_KEYS 100

/* Spreads keys over the u32 space (odd multiplier: distinct keys). */
static __u32 walk_key(__u32 i)
{
	return i * 2654435761U;
}

RHB_TEST(get_next_key_walk_visits_every_key_once)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, WALK_KEYS);
		unsigned int seen[WALK_KEYS] = {}, steps = 0, i;
		__u32 key, next, *prev = NULL;
		int err;

		for (i = 0; i < WALK_KEYS; i++)
			insert(k, fd, walk_key(i), i);
		/* At most one step more than keys: a cycle must not hang us. */
		while (steps <= WALK_KEYS && !(err = bpf_map_get_next_key(fd, prev, &next))) {
			for (i = 0; i < WALK_KEYS && walk_key(i) != next; i++)
				;
			ck_assert_msg(i < WALK_KEYS, "[%s] walk returned key %u, never inserted",
				      k->name, next);
			seen[i]++;
			steps++;
			key = next;
			prev = &key;
		}
		ck_assert_msg(err < 0 && errno == ENOENT,
			      "[%s] walk: expected -ENOENT after the last key, got %d (%s), %u keys",
			      k->name, err, strerror(errno), steps);
		for (i = 0; i < WALK_KEYS; i++)
			ck_assert_msg(seen[i] == 1,
				      "[%s] walk returned key %u %u times, expected once",
				      k->name, walk_key(i), seen[i]);
		close(fd);
	}
}
END_TEST

RHB_TEST(get_next_key_delete_first_drains_map)
{
	const struct rhb_map_kind *k;

	/* The usual way to empty a map: take the first key, delete it, repeat. */
	rhb_for_each_map_kind(k) {
		int fd = create(k, 32);
		unsigned int deleted = 0;
		__u32 next;

		fill(k, fd, 20);
		while (deleted <= 20 && !bpf_map_get_next_key(fd, NULL, &next)) {
			rhb_kassert_ok(k, bpf_map_delete_elem(fd, &next));
			deleted++;
		}
		rhb_kassert_u64_eq(k, deleted, 20);
		rhb_kassert_errno(k, bpf_map_get_next_key(fd, NULL, &next), ENOENT);
		close(fd);
	}
}
END_TEST

/* lookup_and_delete */

RHB_TEST(lookup_and_delete_returns_value_and_removes)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 got = 0;

		insert(k, fd, key, 42);
		insert(k, fd, 2, val_of(2));
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_elem(fd, &key, &got));
		rhb_kassert_u64_eq(k, got, 42);
		expect_missing(k, fd, key);
		expect_value(k, fd, 2, val_of(2));
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_and_delete_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 2;
		__u64 got;

		insert(k, fd, 1, val_of(1));
		rhb_kassert_errno(k, bpf_map_lookup_and_delete_elem(fd, &key, &got), ENOENT);
		expect_value(k, fd, 1, val_of(1));
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_and_delete_unknown_flags_einval)
{
	static const __u64 flags[] = { BPF_NOEXIST, BPF_EXIST, 8, 1ULL << 32 };
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 got;

		insert(k, fd, key, val_of(key));
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			int err = bpf_map_lookup_and_delete_elem_flags(fd, &key, &got, flags[i]);

			ck_assert_msg(err < 0 && errno == EINVAL,
				      "[%s] lookup_and_delete, flags 0x%llx: expected -EINVAL, got %d (%s)",
				      k->name, (unsigned long long)flags[i], err, strerror(errno));
		}
		expect_value(k, fd, key, val_of(key));
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_and_delete_f_lock_without_spin_lock_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 got;

		insert(k, fd, key, val_of(key));
		rhb_kassert_errno(k, bpf_map_lookup_and_delete_elem_flags(fd, &key, &got,
									  BPF_F_LOCK), EINVAL);
		expect_value(k, fd, key, val_of(key));
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_and_delete_in_full_map_frees_slot)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 8);
		__u32 key = 3;
		__u64 got;

		fill(k, fd, 8);
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_elem(fd, &key, &got));
		insert(k, fd, 100, 42);
		expect_value(k, fd, 100, 42);
		close(fd);
	}
}
END_TEST

/* Key and value sizes */

/*
 * Three keys of @size bytes: a, b differing from a in the last byte, c in the
 * first (for size 1 all three differ in the one byte). Each must keep its own
 * value, delete only its own element, and come back byte-exact from the walk.
 */
static void key_size_round_trip(__u32 size)
{
	unsigned char a[512], b[512], c[512], next[512];
	const struct rhb_map_kind *k;
	__u64 value, got;

	memset(a, 0x5a, size);
	memcpy(b, a, size);
	b[size - 1] ^= 0xff;
	memcpy(c, a, size);
	c[0] ^= 0x0f;
	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_ok(k, size, sizeof(__u64), 4);
		bool seen_a = false, seen_c = false;

		value = 1;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, a, &value, BPF_NOEXIST));
		value = 2;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, b, &value, BPF_NOEXIST));
		value = 3;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, c, &value, BPF_NOEXIST));
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, a, &got));
		rhb_kassert_u64_eq(k, got, 1);
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, b, &got));
		rhb_kassert_u64_eq(k, got, 2);
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, c, &got));
		rhb_kassert_u64_eq(k, got, 3);

		rhb_kassert_ok(k, bpf_map_delete_elem(fd, b));
		rhb_kassert_errno(k, bpf_map_lookup_elem(fd, b, &got), ENOENT);
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, a, &got));
		rhb_kassert_u64_eq(k, got, 1);

		/* The walk returns a and c, whole, in some order. */
		rhb_kassert_ok(k, bpf_map_get_next_key(fd, NULL, next));
		seen_a = !memcmp(next, a, size);
		seen_c = !memcmp(next, c, size);
		ck_assert_msg(seen_a || seen_c, "[%s] key_size %u: first key is neither a nor c",
			      k->name, size);
		rhb_kassert_ok(k, bpf_map_get_next_key(fd, next, next));
		ck_assert_msg(seen_a ? !memcmp(next, c, size) : !memcmp(next, a, size),
			      "[%s] key_size %u: second key is not the other of a and c",
			      k->name, size);
		rhb_kassert_errno(k, bpf_map_get_next_key(fd, next, next), ENOENT);
		close(fd);
	}
}

RHB_TEST(key_size_1_round_trip)
{
	key_size_round_trip(1);
}
END_TEST

RHB_TEST(key_size_4_round_trip)
{
	key_size_round_trip(4);
}
END_TEST

RHB_TEST(key_size_8_round_trip)
{
	key_size_round_trip(8);
}
END_TEST

RHB_TEST(key_size_64_round_trip)
{
	key_size_round_trip(64);
}
END_TEST

RHB_TEST(key_size_512_round_trip)
{
	key_size_round_trip(512);
}
END_TEST

#define LARGE_VALUE_SIZE (64 * 1024)

RHB_TEST(large_value_round_trip)
{
	static unsigned char value[LARGE_VALUE_SIZE], got[LARGE_VALUE_SIZE];
	const struct rhb_map_kind *k;
	unsigned int seed;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_ok(k, sizeof(__u32), LARGE_VALUE_SIZE, 4);
		__u32 key = 1;

		/* Insert, then overwrite: both must come back byte-exact. */
		for (seed = 1; seed <= 2; seed++) {
			rhb_pattern(value, sizeof(value), seed);
			memset(got, 0, sizeof(got));
			rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, value, BPF_ANY));
			rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, got));
			ck_assert_msg(!memcmp(got, value, sizeof(value)),
				      "[%s] %u-byte value (pass %u) differs after lookup",
				      k->name, LARGE_VALUE_SIZE, seed);
		}
		close(fd);
	}
}
END_TEST

/* BPF_F_LOCK on a value with a BTF-described struct bpf_spin_lock */

static void locked_insert(const struct rhb_map_kind *k, int fd, __u32 key, __u32 cnt)
{
	struct rhb_locked_val v = { .cnt = cnt };

	rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST));
}

RHB_TEST(f_lock_update_missing_key_inserts)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val v = { .cnt = 5 }, got = {};
		__u32 key = 1;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK));
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, &got));
		rhb_kassert_u64_eq(k, got.cnt, 5);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_update_existing_key_overwrites)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val v = { .cnt = 9 }, got = {};
		__u32 key = 1;

		locked_insert(k, fd, key, 1);
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK));
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, &got));
		rhb_kassert_u64_eq(k, got.cnt, 9);
		v.cnt = 10;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK | BPF_EXIST));
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, &got));
		rhb_kassert_u64_eq(k, got.cnt, 10);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_update_noexist_existing_key_eexist)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val v = { .cnt = 9 }, got = {};
		__u32 key = 1;

		locked_insert(k, fd, key, 1);
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK | BPF_NOEXIST),
				  EEXIST);
		rhb_kassert_ok(k, bpf_map_lookup_elem(fd, &key, &got));
		rhb_kassert_u64_eq(k, got.cnt, 1);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_update_exist_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val v = { .cnt = 9 }, got;
		__u32 key = 1;

		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &v, BPF_F_LOCK | BPF_EXIST),
				  ENOENT);
		rhb_kassert_errno(k, bpf_map_lookup_elem(fd, &key, &got), ENOENT);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_update_noexist_and_exist_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val v = { .cnt = 9 };
		__u32 key = 1;

		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &v,
						    BPF_F_LOCK | BPF_NOEXIST | BPF_EXIST), EINVAL);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_lookup_returns_value_with_lock_zeroed)
{
	const struct rhb_map_kind *k;

	/* The lock word is kernel state: userspace always reads it as 0. */
	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val got;
		__u32 key = 1;

		locked_insert(k, fd, key, 7);
		memset(&got, 0xff, sizeof(got));
		rhb_kassert_ok(k, bpf_map_lookup_elem_flags(fd, &key, &got, BPF_F_LOCK));
		rhb_kassert_u64_eq(k, got.cnt, 7);
		rhb_kassert_u64_eq(k, got.lock.val, 0);
		close(fd);
	}
}
END_TEST

RHB_TEST(f_lock_lookup_and_delete_returns_value_and_removes)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, 4);
		struct rhb_locked_val got;
		__u32 key = 1;

		locked_insert(k, fd, key, 7);
		memset(&got, 0xff, sizeof(got));
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_elem_flags(fd, &key, &got, BPF_F_LOCK));
		rhb_kassert_u64_eq(k, got.cnt, 7);
		rhb_kassert_u64_eq(k, got.lock.val, 0);
		rhb_kassert_errno(k, bpf_map_lookup_elem(fd, &key, &got), ENOENT);
		close(fd);
	}
}
END_TEST

/* Access modes: BPF_F_RDONLY / BPF_F_WRONLY fds and frozen maps */

RHB_TEST(rdonly_map_update_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create_with(k, 4, BPF_F_RDONLY);
		__u32 key = 1;
		__u64 value = 42;

		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY), EPERM);
		expect_missing(k, fd, key);
		close(fd);
	}
}
END_TEST

RHB_TEST(rdonly_map_delete_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create_with(k, 4, BPF_F_RDONLY);
		__u32 key = 1;

		rhb_kassert_errno(k, bpf_map_delete_elem(fd, &key), EPERM);
		close(fd);
	}
}
END_TEST

RHB_TEST(rdonly_map_lookup_and_delete_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create_with(k, 4, BPF_F_RDONLY);
		__u32 key = 1;
		__u64 got;

		rhb_kassert_errno(k, bpf_map_lookup_and_delete_elem(fd, &key, &got), EPERM);
		close(fd);
	}
}
END_TEST

RHB_TEST(wronly_map_lookup_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create_with(k, 4, BPF_F_WRONLY);
		__u32 key = 1;
		__u64 value = 42, got;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		rhb_kassert_errno(k, bpf_map_lookup_elem(fd, &key, &got), EPERM);
		close(fd);
	}
}
END_TEST

RHB_TEST(wronly_map_get_next_key_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create_with(k, 4, BPF_F_WRONLY);
		__u32 key = 1, next;
		__u64 value = 42;

		rhb_kassert_ok(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY));
		rhb_kassert_errno(k, bpf_map_get_next_key(fd, NULL, &next), EPERM);
		close(fd);
	}
}
END_TEST

RHB_TEST(frozen_map_update_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;
		__u64 value = 43;

		insert(k, fd, key, 42);
		rhb_kassert_ok(k, bpf_map_freeze(fd));
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY), EPERM);
		key = 2;
		rhb_kassert_errno(k, bpf_map_update_elem(fd, &key, &value, BPF_ANY), EPERM);
		/* Reads still work and see the value from before the freeze. */
		expect_value(k, fd, 1, 42);
		close(fd);
	}
}
END_TEST

RHB_TEST(frozen_map_delete_eperm)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 4);
		__u32 key = 1;

		insert(k, fd, key, 42);
		rhb_kassert_ok(k, bpf_map_freeze(fd));
		rhb_kassert_errno(k, bpf_map_delete_elem(fd, &key), EPERM);
		expect_value(k, fd, key, 42);
		close(fd);
	}
}
END_TEST
