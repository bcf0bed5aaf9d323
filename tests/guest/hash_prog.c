// SPDX-License-Identifier: GPL-2.0
/*
 * hash_prog: BPF_MAP_TYPE_HASH as BPF programs see it. progs/hash_prog.bpf.c
 * has one SEC("syscall") program per map operation; each case runs them with
 * BPF_PROG_TEST_RUN and checks the helpers' return codes and the map's
 * contents from both sides. Every case runs over rhb_map_kinds[] (the maps'
 * type and flags are set before load), the parity reference for RHASH.
 */
#include <bpf/libbpf.h>

#include "hash_prog.skel.h"
#include "maps.h"

RHB_SUITE("hash_prog");

/* max_entries of the map in hash_prog.bpf.c */
#define HASH_MAX_ENTRIES 8

static struct hash_prog *load(const struct rhb_map_kind *k)
{
	struct hash_prog *skel = hash_prog__open();
	int err;

	ck_assert_msg(skel, "[%s] hash_prog__open: errno %d (%s)", k->name, errno,
		      strerror(errno));
	rhb_map_set_kind(skel->maps.hash, k);
	rhb_map_set_kind(skel->maps.locked, k);
	err = hash_prog__load(skel);
	ck_assert_msg(!err, "[%s] hash_prog__load: %d (%s)", k->name, err, strerror(-err));
	ck_assert_int_eq(bpf_map__max_entries(skel->maps.hash), HASH_MAX_ENTRIES);
	return skel;
}

/* Runs @prog once; syscall programs take no repeat, data or ctx_out. */
static void run(const struct rhb_map_kind *k, struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	ck_assert_msg(!err, "[%s] test run of %s: %d (errno %d: %s)", k->name,
		      bpf_program__name(prog), err, errno, strerror(errno));
	ck_assert_msg(opts.retval == 0, "[%s] %s returned %u, expected 0", k->name,
		      bpf_program__name(prog), opts.retval);
}

/* Runs the update program; returns what bpf_map_update_elem() returned in it. */
static long prog_update(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			__u64 value, __u64 flags)
{
	skel->bss->key = key;
	skel->bss->value = value;
	skel->bss->flags = flags;
	skel->bss->ret = 1;
	run(k, skel->progs.update);
	return skel->bss->ret;
}

static long prog_delete(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key)
{
	skel->bss->key = key;
	skel->bss->ret = 1;
	run(k, skel->progs.delete);
	return skel->bss->ret;
}

/* Runs the lookup program: true and *@value if it found @key. */
static bool prog_lookup(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			__u64 *value)
{
	skel->bss->key = key;
	skel->bss->found = 2;
	skel->bss->found_value = 0;
	run(k, skel->progs.lookup);
	ck_assert_msg(skel->bss->found <= 1, "[%s] lookup program did not run to the end",
		      k->name);
	*value = skel->bss->found_value;
	return skel->bss->found;
}

/* Asserts a helper's return code @got (from a prog_*() call) is @want. */
#define expect_ret(k, got, want)					\
	do {								\
		long __g = (got), __w = (want);				\
		ck_assert_msg(__g == __w, "[%s] %s: expected %ld (%s), got %ld", \
			      (k)->name, #got, __w, #want, __g);	\
	} while (0)

static void expect_prog_value(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			      __u64 want)
{
	__u64 got;

	ck_assert_msg(prog_lookup(skel, k, key, &got),
		      "[%s] BPF lookup of key %u: expected value %llu, got NULL", k->name, key,
		      (unsigned long long)want);
	ck_assert_msg(got == want, "[%s] BPF lookup of key %u: expected value %llu, got %llu",
		      k->name, key, (unsigned long long)want, (unsigned long long)got);
}

static void expect_prog_missing(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key)
{
	__u64 got;

	ck_assert_msg(!prog_lookup(skel, k, key, &got),
		      "[%s] BPF lookup of key %u: expected NULL, found value %llu", k->name, key,
		      (unsigned long long)got);
}

static void expect_user_value(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			      __u64 want)
{
	__u64 got = ~want;
	int err = bpf_map__lookup_elem(skel->maps.hash, &key, sizeof(key), &got, sizeof(got), 0);

	ck_assert_msg(!err, "[%s] userspace lookup of key %u: expected value %llu, got error %d",
		      k->name, key, (unsigned long long)want, err);
	ck_assert_msg(got == want, "[%s] userspace lookup of key %u: expected value %llu, got %llu",
		      k->name, key, (unsigned long long)want, (unsigned long long)got);
}

static void expect_user_missing(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key)
{
	__u64 got;
	int err = bpf_map__lookup_elem(skel->maps.hash, &key, sizeof(key), &got, sizeof(got), 0);

	ck_assert_msg(err == -ENOENT, "[%s] userspace lookup of key %u: expected -ENOENT, got %d",
		      k->name, key, err);
}

/* Inserts key @key with @value from userspace. */
static void user_insert(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			__u64 value)
{
	int err = bpf_map_update_elem(bpf_map__fd(skel->maps.hash), &key, &value, BPF_NOEXIST);

	ck_assert_msg(!err, "[%s] userspace insert of key %u: %d (errno %d: %s)", k->name, key,
		      err, errno, strerror(errno));
}

/* Fills the map from userspace: keys 0..HASH_MAX_ENTRIES-1, value key + 100. */
static void user_fill(struct hash_prog *skel, const struct rhb_map_kind *k)
{
	__u32 key;

	for (key = 0; key < HASH_MAX_ENTRIES; key++)
		user_insert(skel, k, key, key + 100);
}

/* Lookup */

RHB_TEST(lookup_missing_key_returns_null)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_prog_missing(skel, k, 1);
		user_insert(skel, k, 1, 42);
		expect_prog_missing(skel, k, 2);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(lookup_sees_userspace_update)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);
		__u32 key = 1;
		__u64 value = 43;

		user_insert(skel, k, key, 42);
		expect_prog_value(skel, k, key, 42);
		rhb_kassert_ok(k, bpf_map_update_elem(bpf_map__fd(skel->maps.hash), &key, &value,
						 BPF_EXIST));
		expect_prog_value(skel, k, key, 43);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(lookup_after_userspace_delete_returns_null)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);
		__u32 key = 1;

		user_insert(skel, k, key, 42);
		rhb_kassert_ok(k, bpf_map_delete_elem(bpf_map__fd(skel->maps.hash), &key));
		expect_prog_missing(skel, k, key);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(lookup_pointer_writes_visible_to_userspace)
{
	const struct rhb_map_kind *k;

	/* The lookup helper returns the element's storage, not a copy. */
	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 40);
		skel->bss->key = 1;
		skel->bss->value = 2;
		skel->bss->ret = 1;
		run(k, skel->progs.add);
		expect_ret(k, skel->bss->ret, 0);
		expect_user_value(skel, k, 1, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

/* Update */

RHB_TEST(update_any_inserts_new_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update(skel, k, 1, 42, BPF_ANY), 0);
		expect_user_value(skel, k, 1, 42);
		expect_prog_value(skel, k, 1, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_any_overwrites_existing_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_update(skel, k, 1, 43, BPF_ANY), 0);
		expect_user_value(skel, k, 1, 43);
		expect_prog_value(skel, k, 1, 43);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_noexist_inserts_new_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update(skel, k, 1, 42, BPF_NOEXIST), 0);
		expect_user_value(skel, k, 1, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_noexist_existing_key_eexist)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_update(skel, k, 1, 43, BPF_NOEXIST), -EEXIST);
		expect_user_value(skel, k, 1, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_exist_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_update(skel, k, 2, 43, BPF_EXIST), -ENOENT);
		expect_user_missing(skel, k, 2);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_exist_overwrites_existing_key)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_update(skel, k, 1, 43, BPF_EXIST), 0);
		expect_user_value(skel, k, 1, 43);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_noexist_and_exist_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update(skel, k, 1, 42, BPF_NOEXIST | BPF_EXIST), -EINVAL);
		expect_user_missing(skel, k, 1);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_unknown_flag_einval)
{
	static const __u64 flags[] = { 8, 16, 1ULL << 32, BPF_EXIST | 8 };
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			long ret = prog_update(skel, k, 1, 42, flags[i]);

			ck_assert_msg(ret == -EINVAL,
				      "[%s] BPF update with flags 0x%llx: expected %d, got %ld",
				      k->name, (unsigned long long)flags[i], -EINVAL, ret);
		}
		expect_user_missing(skel, k, 1);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_f_lock_without_spin_lock_einval)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update(skel, k, 1, 43, BPF_F_LOCK), -EINVAL);
		expect_user_missing(skel, k, 1);
		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_update(skel, k, 1, 43, BPF_F_LOCK), -EINVAL);
		expect_user_value(skel, k, 1, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_full_map_new_key_e2big)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_fill(skel, k);
		expect_ret(k, prog_update(skel, k, 100, 42, BPF_ANY), -E2BIG);
		expect_ret(k, prog_update(skel, k, 100, 42, BPF_NOEXIST), -E2BIG);
		expect_user_missing(skel, k, 100);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_full_map_existing_key_succeeds)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_fill(skel, k);
		expect_ret(k, prog_update(skel, k, 3, 42, BPF_ANY), 0);
		expect_user_value(skel, k, 3, 42);
		expect_ret(k, prog_update(skel, k, 3, 43, BPF_EXIST), 0);
		expect_user_value(skel, k, 3, 43);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_fills_map_to_max_entries)
{
	const struct rhb_map_kind *k;
	__u32 key;

	/* Every slot can be taken from BPF, and the next insert is refused. */
	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		for (key = 0; key < HASH_MAX_ENTRIES; key++) {
			long ret = prog_update(skel, k, key, key + 100, BPF_NOEXIST);

			ck_assert_msg(ret == 0,
				      "[%s] BPF insert of key %u of %u: expected 0, got %ld",
				      k->name, key, HASH_MAX_ENTRIES, ret);
		}
		expect_ret(k, prog_update(skel, k, key, 42, BPF_NOEXIST), -E2BIG);
		for (key = 0; key < HASH_MAX_ENTRIES; key++)
			expect_user_value(skel, k, key, key + 100);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_then_lookup_same_run_sees_value)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		skel->bss->key = 1;
		skel->bss->value = 42;
		skel->bss->flags = BPF_NOEXIST;
		skel->bss->ret = 1;
		run(k, skel->progs.update_lookup);
		expect_ret(k, skel->bss->ret, 0);
		ck_assert_msg(skel->bss->found == 1,
			      "[%s] lookup right after update: expected the key, got NULL",
			      k->name);
		rhb_kassert_u64_eq(k, skel->bss->found_value, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

/* Delete */

RHB_TEST(delete_existing_key_removes)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		user_insert(skel, k, 2, 43);
		expect_ret(k, prog_delete(skel, k, 1), 0);
		expect_user_missing(skel, k, 1);
		expect_prog_missing(skel, k, 1);
		expect_user_value(skel, k, 2, 43);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(delete_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		expect_ret(k, prog_delete(skel, k, 2), -ENOENT);
		expect_user_value(skel, k, 1, 42);
		expect_ret(k, prog_delete(skel, k, 1), 0);
		expect_ret(k, prog_delete(skel, k, 1), -ENOENT);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(delete_then_lookup_same_run_returns_null)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_insert(skel, k, 1, 42);
		skel->bss->key = 1;
		skel->bss->ret = 1;
		skel->bss->found = 2;
		run(k, skel->progs.delete_lookup);
		expect_ret(k, skel->bss->ret, 0);
		ck_assert_msg(skel->bss->found == 0,
			      "[%s] lookup right after delete: expected NULL, found the key (%u)",
			      k->name, skel->bss->found);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(delete_in_full_map_frees_slot)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		user_fill(skel, k);
		expect_ret(k, prog_delete(skel, k, 3), 0);
		expect_ret(k, prog_update(skel, k, 100, 42, BPF_NOEXIST), 0);
		expect_user_value(skel, k, 100, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(update_existing_key_through_held_pointer_as_kind_says)
{
	const struct rhb_map_kind *k;
	__u64 flags[] = { BPF_ANY, BPF_EXIST };
	unsigned int i;

	/*
	 * A pointer from lookup, read after an update of its key in the same
	 * run: RHASH writes the new value over the old one, HASH links a new
	 * element and the pointer still shows the unlinked one.
	 */
	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			__u64 old = 40 + 2 * i, new = old + 1;

			rhb_kassert_ok(k, bpf_map_update_elem(bpf_map__fd(skel->maps.hash),
							 &(__u32){ 1 }, &old, BPF_ANY));
			skel->bss->key = 1;
			skel->bss->value = new;
			skel->bss->flags = flags[i];
			skel->bss->ret = 1;
			skel->bss->found = 0;
			run(k, skel->progs.update_held);
			expect_ret(k, skel->bss->ret, 0);
			ck_assert_msg(skel->bss->found_value == (k->update_in_place ? new : old),
				      "[%s] update (flags %llu) of a key, read through a pointer "
				      "taken before: expected the %s value %llu, got %llu", k->name,
				      (unsigned long long)flags[i],
				      k->update_in_place ? "new" : "old",
				      (unsigned long long)(k->update_in_place ? new : old),
				      (unsigned long long)skel->bss->found_value);
			expect_user_value(skel, k, 1, new);
		}
		hash_prog__destroy(skel);
	}
}
END_TEST

/* BPF_F_LOCK and bpf_spin_lock() on a value with a spin lock (map locked) */

/* Runs update_locked: @key gets cnt @cnt with @flags; returns the helper's code. */
static long prog_update_locked(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			       __u32 cnt, __u64 flags)
{
	skel->bss->key = key;
	skel->bss->value = cnt;
	skel->bss->flags = flags;
	skel->bss->ret = 1;
	run(k, skel->progs.update_locked);
	return skel->bss->ret;
}

/* Asserts from userspace (a BPF_F_LOCK lookup) that @key of locked has cnt @want. */
static void expect_user_cnt(struct hash_prog *skel, const struct rhb_map_kind *k, __u32 key,
			    __u32 want)
{
	struct rhb_locked_val got = { .cnt = ~want };
	int err = bpf_map__lookup_elem(skel->maps.locked, &key, sizeof(key), &got, sizeof(got),
				       BPF_F_LOCK);

	ck_assert_msg(!err, "[%s] userspace BPF_F_LOCK lookup of key %u: expected cnt %u, "
		      "got error %d", k->name, key, want, err);
	ck_assert_msg(got.cnt == want, "[%s] userspace BPF_F_LOCK lookup of key %u: expected "
		      "cnt %u, got %u", k->name, key, want, got.cnt);
}

static void expect_user_locked_missing(struct hash_prog *skel, const struct rhb_map_kind *k,
				       __u32 key)
{
	struct rhb_locked_val got;
	int err = bpf_map__lookup_elem(skel->maps.locked, &key, sizeof(key), &got, sizeof(got),
				       0);

	ck_assert_msg(err == -ENOENT, "[%s] userspace lookup of key %u in locked: expected "
		      "-ENOENT, got %d", k->name, key, err);
}

RHB_TEST(f_lock_update_missing_key_inserts)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update_locked(skel, k, 1, 5, BPF_F_LOCK), 0);
		expect_user_cnt(skel, k, 1, 5);
		expect_ret(k, prog_update_locked(skel, k, 2, 6, BPF_F_LOCK | BPF_NOEXIST), 0);
		expect_user_cnt(skel, k, 2, 6);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(f_lock_update_existing_key_overwrites)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update_locked(skel, k, 1, 5, BPF_NOEXIST), 0);
		expect_ret(k, prog_update_locked(skel, k, 1, 9, BPF_F_LOCK), 0);
		expect_user_cnt(skel, k, 1, 9);
		expect_ret(k, prog_update_locked(skel, k, 1, 10, BPF_F_LOCK | BPF_EXIST), 0);
		expect_user_cnt(skel, k, 1, 10);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(f_lock_update_noexist_existing_key_eexist)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update_locked(skel, k, 1, 5, BPF_NOEXIST), 0);
		expect_ret(k, prog_update_locked(skel, k, 1, 9, BPF_F_LOCK | BPF_NOEXIST),
			   -EEXIST);
		expect_user_cnt(skel, k, 1, 5);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(f_lock_update_exist_missing_key_enoent)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update_locked(skel, k, 1, 9, BPF_F_LOCK | BPF_EXIST), -ENOENT);
		expect_user_locked_missing(skel, k, 1);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(f_lock_update_bad_flags_einval)
{
	static const __u64 flags[] = { BPF_F_LOCK | BPF_NOEXIST | BPF_EXIST, BPF_F_LOCK | 8 };
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			long ret = prog_update_locked(skel, k, 1, 9, flags[i]);

			ck_assert_msg(ret == -EINVAL,
				      "[%s] BPF update of locked with flags 0x%llx: expected %d, "
				      "got %ld", k->name, (unsigned long long)flags[i], -EINVAL,
				      ret);
		}
		expect_user_locked_missing(skel, k, 1);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(f_lock_update_full_map)
{
	const struct rhb_map_kind *k;
	__u32 key;

	/* A new key is refused, an existing one is updated under its lock. */
	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		for (key = 0; key < HASH_MAX_ENTRIES; key++)
			expect_ret(k, prog_update_locked(skel, k, key, key, BPF_NOEXIST), 0);
		expect_ret(k, prog_update_locked(skel, k, 100, 1, BPF_F_LOCK), -E2BIG);
		expect_user_locked_missing(skel, k, 100);
		expect_ret(k, prog_update_locked(skel, k, 3, 42, BPF_F_LOCK), 0);
		expect_user_cnt(skel, k, 3, 42);
		hash_prog__destroy(skel);
	}
}
END_TEST

RHB_TEST(spin_lock_add_sums)
{
	const struct rhb_map_kind *k;
	__u32 i;

	/* bpf_spin_lock() on the value's lock, then userspace reads under it. */
	rhb_for_each_map_kind(k) {
		struct hash_prog *skel = load(k);

		expect_ret(k, prog_update_locked(skel, k, 1, 100, BPF_NOEXIST), 0);
		for (i = 1; i <= 10; i++) {
			skel->bss->key = 1;
			skel->bss->value = i;
			skel->bss->ret = 1;
			run(k, skel->progs.add_locked);
			expect_ret(k, skel->bss->ret, 0);
		}
		expect_user_cnt(skel, k, 1, 100 + 55);
		hash_prog__destroy(skel);
	}
}
END_TEST
