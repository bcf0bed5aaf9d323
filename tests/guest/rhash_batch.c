// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_batch: the batch commands (BPF_MAP_LOOKUP_BATCH,
 * LOOKUP_AND_DELETE_BATCH, UPDATE_BATCH, DELETE_BATCH) errno by errno. The
 * first cases run over rhb_map_kinds[], HASH being the reference where the
 * semantics agree; where they do not on purpose (RHASH's cursor is the last
 * key returned and takes any count, HASH's is a bucket and may give
 * -ENOSPC), batch_cursor_is_key says which to expect. The last cases are
 * RHASH's own: the cursor resumes after its key whether that key is still
 * there or was never there, and across resizes between calls.
 */
#include <stdlib.h>
#include <unistd.h>

#include "walk.h"

RHB_SUITE("rhash_batch");

#define NKEYS 10000

static const __u32 counts[] = { 1, 7, 64, 4096 };
#define NR_COUNTS (sizeof(counts) / sizeof(counts[0]))

static int create(const struct rhb_map_kind *k, __u32 max_entries)
{
	return rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), max_entries);
}

static const struct rhb_map_kind *rh(void)
{
	return rhb_map_kind("rhash");
}

/*
 * Walks map @fd of kind @k to its end, @count elements per call, deleting
 * them if @do_delete: each key @first..@first+@n-1 must come exactly once,
 * with rhb_range_val(key), and nothing else.
 */
static void expect_walk(const struct rhb_map_kind *k, int fd, __u32 count, bool do_delete,
			__u32 first, __u32 n)
{
	unsigned char *seen = calloc(n ? n : 1, 1);
	struct rhb_batch_walk w;
	__u32 total = 0, i;
	bool more;

	ck_assert(seen);
	rhb_batch_walk_init(&w, k, fd, count, do_delete);
	do {
		more = rhb_batch_walk_step(&w);
		for (i = 0; i < w.got; i++) {
			__u32 key = w.keys[i];

			ck_assert_msg(key - first < n, "[%s] count %u: returned key %u, not in the "
				      "map (%u..%u)", k->name, count, key, first, first + n - 1);
			ck_assert_msg(!seen[key - first]++, "[%s] count %u: returned key %u twice",
				      k->name, count, key);
			ck_assert_msg(w.vals[i] == rhb_range_val(key), "[%s] count %u: key %u has "
				      "value %llu, expected %llu", k->name, count, key,
				      (unsigned long long)w.vals[i],
				      (unsigned long long)rhb_range_val(key));
		}
		total += w.got;
	} while (more);
	ck_assert_msg(total == n, "[%s] count %u: %u calls returned %u elements, expected %u",
		      k->name, count, w.calls, total, n);
	rhb_batch_walk_free(&w);
	free(seen);
}

static void expect_no_element(const struct rhb_map_kind *k, int fd)
{
	__u32 key;

	rhb_kassert_errno(k, bpf_map_get_next_key(fd, NULL, &key), ENOENT);
}

/* Every kind */

RHB_TEST(lookup_batch_returns_each_key_once_counts_1_7_64_4096)
{
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_for_each_map_kind(k) {
		int fd = create(k, NKEYS);

		rhb_insert_range(k, fd, 0, NKEYS);
		for (i = 0; i < NR_COUNTS; i++)
			expect_walk(k, fd, counts[i], false, 0, NKEYS);
		close(fd);
	}
}
END_TEST

RHB_TEST(lookup_and_delete_batch_empties_map_counts_1_7_64_4096)
{
	struct rhb_rhash_mem_model m;
	const struct rhb_map_kind *k;
	unsigned int i;

	rhb_rhash_mem_model(sizeof(__u32), sizeof(__u64), &m);
	rhb_for_each_map_kind(k) {
		/* Exactly NKEYS: a refill fails if an element was not given back. */
		int fd = create(k, NKEYS);

		for (i = 0; i < NR_COUNTS; i++) {
			rhb_insert_range(k, fd, 0, NKEYS);
			if (k->type == BPF_MAP_TYPE_RHASH)
				rhb_rhash_wait_grown(fd, &m, NKEYS);
			expect_walk(k, fd, counts[i], true, 0, NKEYS);
			expect_no_element(k, fd);
			/* The bucket table follows the elements down. */
			if (k->type == BPF_MAP_TYPE_RHASH)
				rhb_rhash_wait_shrunk(fd, &m, 0);
		}
		close(fd);
	}
}
END_TEST

RHB_TEST(end_of_map_enoent_with_the_last_elements)
{
	const struct rhb_map_kind *k;
	struct rhb_batch_walk w;
	int op;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 64);

		for (op = 0; op < 2; op++) {
			/* Empty: -ENOENT at once. */
			rhb_batch_walk_init(&w, k, fd, 64, op);
			ck_assert_msg(!rhb_batch_walk_step(&w) && !w.got, "[%s] op %d on an empty "
				      "map: expected -ENOENT and nothing, got %u", k->name, op,
				      w.got);
			rhb_batch_walk_free(&w);

			/* The last elements come with -ENOENT, then -ENOENT and nothing. */
			rhb_insert_range(k, fd, 0, 10);
			rhb_batch_walk_init(&w, k, fd, 64, op);
			ck_assert_msg(!rhb_batch_walk_step(&w) && w.got == 10, "[%s] op %d of 64 "
				      "on 10 elements: expected -ENOENT with 10, got %u", k->name,
				      op, w.got);
			ck_assert_msg(!rhb_batch_walk_step(&w) && !w.got, "[%s] op %d after the "
				      "end: expected -ENOENT and nothing, got %u", k->name, op,
				      w.got);
			rhb_batch_walk_free(&w);
			if (!op)
				rhb_delete_range(k, fd, 0, 10);
		}
		expect_no_element(k, fd);
		close(fd);
	}
}
END_TEST

RHB_TEST(count_0_returns_0_and_touches_nothing)
{
	const struct rhb_map_kind *k;
	__u32 keys[4] = { 1, 2, 3, 4 }, out, count;
	__u64 vals[4] = {};

	rhb_for_each_map_kind(k) {
		int fd = create(k, 64);

		rhb_insert_range(k, fd, 0, 10);
		count = 0;
		rhb_kassert_ok(k, bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL));
		rhb_kassert_u64_eq(k, count, 0);
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_batch(fd, NULL, &out, keys, vals,
								  &count, NULL));
		rhb_kassert_u64_eq(k, count, 0);
		rhb_kassert_ok(k, bpf_map_update_batch(fd, keys, vals, &count, NULL));
		rhb_kassert_u64_eq(k, count, 0);
		rhb_kassert_ok(k, bpf_map_delete_batch(fd, keys, &count, NULL));
		rhb_kassert_u64_eq(k, count, 0);
		expect_walk(k, fd, 64, false, 0, 10);
		close(fd);
	}
}
END_TEST

/* The four batch commands; @op indexes them. */
enum { LOOKUP, LOOKUP_AND_DELETE, UPDATE, DELETE, NR_OPS };
static const char *const op_names[] = { "lookup_batch", "lookup_and_delete_batch",
					"update_batch", "delete_batch" };

/* Runs batch command @op on keys 0..3 of @fd with @opts; returns its result. */
static int batch_op(int op, int fd, __u32 *count, const struct bpf_map_batch_opts *opts)
{
	__u32 keys[4] = { 0, 1, 2, 3 }, out;
	__u64 vals[4] = { 41, 42, 43, 44 };

	switch (op) {
	case LOOKUP:
		return bpf_map_lookup_batch(fd, NULL, &out, keys, vals, count, opts);
	case LOOKUP_AND_DELETE:
		return bpf_map_lookup_and_delete_batch(fd, NULL, &out, keys, vals, count, opts);
	case UPDATE:
		return bpf_map_update_batch(fd, keys, vals, count, opts);
	default:
		return bpf_map_delete_batch(fd, keys, count, opts);
	}
}

RHB_TEST(elem_flags_other_than_f_lock_einval)
{
	/* BPF_F_LOCK too, on values without a spin lock. */
	static const __u64 elem_flags[] = { BPF_NOEXIST, BPF_EXIST, 8, BPF_F_LOCK,
					     BPF_F_LOCK | BPF_EXIST, 1ULL << 32 };
	const struct rhb_map_kind *k;
	unsigned int i;
	int op;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 64);

		rhb_insert_range(k, fd, 0, 10);
		for (op = 0; op < NR_OPS; op++) {
			for (i = 0; i < sizeof(elem_flags) / sizeof(elem_flags[0]); i++) {
				LIBBPF_OPTS(bpf_map_batch_opts, opts,
					    .elem_flags = elem_flags[i]);
				__u32 count = 4;
				int err = batch_op(op, fd, &count, &opts);

				ck_assert_msg(err < 0 && errno == EINVAL && count == 4,
					      "[%s] %s, elem_flags 0x%llx: expected -EINVAL and "
					      "count 4 untouched, got %d (%s), count %u", k->name,
					      op_names[op], (unsigned long long)elem_flags[i], err,
					      strerror(errno), count);
			}
		}
		/* Nothing was looked at, deleted or written. */
		expect_walk(k, fd, 64, false, 0, 10);
		close(fd);
	}
}
END_TEST

RHB_TEST(flags_einval_on_lookups_ignored_on_update_and_delete)
{
	static const __u64 flags[] = { 1, BPF_F_LOCK, 1ULL << 63 };
	const struct rhb_map_kind *k;
	unsigned int i;
	__u32 count;
	int op;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 64);

		rhb_insert_range(k, fd, 0, 10);
		for (op = LOOKUP; op <= LOOKUP_AND_DELETE; op++) {
			for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
				LIBBPF_OPTS(bpf_map_batch_opts, opts, .flags = flags[i]);
				int err;

				count = 4;
				err = batch_op(op, fd, &count, &opts);
				ck_assert_msg(err < 0 && errno == EINVAL, "[%s] %s, flags 0x%llx: "
					      "expected -EINVAL, got %d (%s)", k->name,
					      op_names[op], (unsigned long long)flags[i], err,
					      strerror(errno));
			}
		}
		expect_walk(k, fd, 64, false, 0, 10);
		/*
		 * The generic update and delete batches, RHASH's as HASH's, never
		 * look at flags: keys 0..3 get values 41..44, then go.
		 */
		for (op = UPDATE; op <= DELETE; op++) {
			LIBBPF_OPTS(bpf_map_batch_opts, opts, .flags = 1);

			count = 4;
			rhb_kassert_ok(k, batch_op(op, fd, &count, &opts));
			rhb_kassert_u64_eq(k, count, 4);
		}
		expect_walk(k, fd, 64, false, 4, 6);
		close(fd);
	}
}
END_TEST

/* Asserts @key of @fd has @want (lookup of one element). */
static void expect_value(const struct rhb_map_kind *k, int fd, __u32 key, __u64 want)
{
	__u64 got = ~want;
	int err = bpf_map_lookup_elem(fd, &key, &got);

	ck_assert_msg(!err && got == want, "[%s] key %u: expected %llu, got %llu (err %d, %s)",
		      k->name, key, (unsigned long long)want, (unsigned long long)got, err,
		      err ? strerror(errno) : "-");
}

static void expect_missing(const struct rhb_map_kind *k, int fd, __u32 key)
{
	__u64 got;

	ck_assert_msg(bpf_map_lookup_elem(fd, &key, &got) < 0 && errno == ENOENT,
		      "[%s] key %u: expected -ENOENT, found it (errno %d)", k->name, key, errno);
}

RHB_TEST(update_batch_and_delete_batch_round_trip)
{
	__u32 keys[100], count, i;
	const struct rhb_map_kind *k;
	__u64 vals[100];

	rhb_for_each_map_kind(k) {
		int fd = create(k, 128);

		rhb_insert_range(k, fd, 0, 100);
		expect_walk(k, fd, 7, false, 0, 100);
		/* Existing keys take the new values (RHASH: in place). */
		for (i = 0; i < 100; i++) {
			keys[i] = i;
			vals[i] = 5000 + i;
		}
		count = 100;
		rhb_kassert_ok(k, bpf_map_update_batch(fd, keys, vals, &count, NULL));
		rhb_kassert_u64_eq(k, count, 100);
		for (i = 0; i < 100; i += 33)
			expect_value(k, fd, i, 5000 + i);
		count = 50;
		rhb_kassert_ok(k, bpf_map_delete_batch(fd, keys, &count, NULL));
		rhb_kassert_u64_eq(k, count, 50);
		rhb_insert_range(k, fd, 0, 50);
		rhb_delete_range(k, fd, 50, 50);
		expect_walk(k, fd, 7, false, 0, 50);
		close(fd);
	}
}
END_TEST

RHB_TEST(delete_batch_missing_key_enoent_counts_deletes_done)
{
	__u32 keys[5] = { 10, 11, 12, 99, 13 }, count;
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 64);

		rhb_insert_range(k, fd, 0, 20);
		count = 5;
		rhb_kassert_errno(k, bpf_map_delete_batch(fd, keys, &count, NULL), ENOENT);
		rhb_kassert_u64_eq(k, count, 3);
		expect_missing(k, fd, 10);
		expect_missing(k, fd, 12);
		/* The batch stopped at key 99: 13 is still there. */
		expect_value(k, fd, 13, rhb_range_val(13));
		close(fd);
	}
}
END_TEST

RHB_TEST(update_batch_full_map_e2big_counts_updates_done)
{
	__u32 keys[4] = { 10, 20, 200, 30 }, count;
	__u64 vals[4] = { 1, 2, 3, 4 };
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k) {
		int fd = create(k, 100);

		rhb_insert_range(k, fd, 0, 100);
		count = 4;
		rhb_kassert_errno(k, bpf_map_update_batch(fd, keys, vals, &count, NULL), E2BIG);
		rhb_kassert_u64_eq(k, count, 2);
		expect_value(k, fd, 10, 1);
		expect_value(k, fd, 20, 2);
		expect_missing(k, fd, 200);
		expect_value(k, fd, 30, rhb_range_val(30));
		close(fd);
	}
}
END_TEST

#define LOCKED 64

/*
 * Reads locked map @fd to its end with lookup batches of @count and
 * @elem_flags (deleting if @do_delete): each key 0..LOCKED-1 once, with cnt
 * @mul * key and the lock word 0 as the kernel hands values out.
 */
static void expect_locked(const struct rhb_map_kind *k, int fd, bool do_delete, __u64 elem_flags,
			  __u32 mul)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = elem_flags);
	struct rhb_locked_val vals[LOCKED];
	__u32 keys[LOCKED], in, out, count, total = 0, i;
	unsigned char seen[LOCKED] = {};
	bool started = false;
	int err;

	do {
		count = 16;
		memset(vals, 0xff, sizeof(vals));
		err = (do_delete ? bpf_map_lookup_and_delete_batch : bpf_map_lookup_batch)
			(fd, started ? &in : NULL, &out, keys, vals, &count, &opts);
		ck_assert_msg(!err || errno == ENOENT, "[%s] %s batch, elem_flags 0x%llx: %d (%s)",
			      k->name, do_delete ? "lookup_and_delete" : "lookup",
			      (unsigned long long)elem_flags, err, strerror(errno));
		for (i = 0; i < count; i++) {
			ck_assert_msg(keys[i] < LOCKED && !seen[keys[i]]++, "[%s] key %u returned "
				      "twice or never inserted", k->name, keys[i]);
			ck_assert_msg(vals[i].cnt == mul * keys[i] && !vals[i].lock.val,
				      "[%s] key %u: cnt %u lock %u, expected %u and 0", k->name,
				      keys[i], vals[i].cnt, vals[i].lock.val, mul * keys[i]);
		}
		total += count;
		in = out;
		started = true;
	} while (!err);
	rhb_kassert_u64_eq(k, total, LOCKED);
}

/* update_batch of keys 0..LOCKED-1 with cnt @mul * key, the lock words set, and @elem_flags. */
static void update_locked(const struct rhb_map_kind *k, int fd, __u64 elem_flags, __u32 mul)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = elem_flags);
	struct rhb_locked_val vals[LOCKED];
	__u32 keys[LOCKED], count = LOCKED, i;

	for (i = 0; i < LOCKED; i++) {
		keys[i] = i;
		/* Kernel state: the kernel must not copy it in. */
		vals[i].lock.val = ~0U;
		vals[i].cnt = mul * i;
	}
	rhb_kassert_ok(k, bpf_map_update_batch(fd, keys, vals, &count, &opts));
	rhb_kassert_u64_eq(k, count, LOCKED);
}

RHB_TEST(f_lock_batches_copy_values_under_the_lock)
{
	LIBBPF_OPTS(bpf_map_batch_opts, lock_opts, .elem_flags = BPF_F_LOCK);
	const struct rhb_map_kind *k;
	__u32 keys[LOCKED], count, i;

	rhb_for_each_map_kind(k) {
		int fd = rhb_map_create_locked(k, LOCKED);

		update_locked(k, fd, BPF_F_LOCK, 7);
		expect_locked(k, fd, false, BPF_F_LOCK, 7);
		/* Without the flag the lock is not copied out either. */
		expect_locked(k, fd, false, 0, 7);
		/* Over existing values, under their locks. */
		update_locked(k, fd, BPF_F_LOCK, 11);
		expect_locked(k, fd, true, BPF_F_LOCK, 11);
		expect_no_element(k, fd);

		update_locked(k, fd, 0, 3);
		for (i = 0; i < LOCKED; i++)
			keys[i] = i;
		count = LOCKED;
		rhb_kassert_ok(k, bpf_map_delete_batch(fd, keys, &count, &lock_opts));
		rhb_kassert_u64_eq(k, count, LOCKED);
		expect_no_element(k, fd);
		close(fd);
	}
}
END_TEST

RHB_TEST(count_1_works_where_hash_gives_enospc)
{
	/* Three keys in a map of two buckets: two of them share one. */
	static const __u32 pairs[3][2] = { { 0, 1 }, { 0, 2 }, { 1, 2 } };
	const struct rhb_map_kind *k;
	struct rhb_batch_walk w;
	unsigned int p, enospc;
	bool more;

	rhb_for_each_map_kind(k) {
		/* HASH: max_entries 2, 2 buckets, one seed for the map's life. */
		int fd = create(k, 2);

		enospc = 0;
		for (p = 0; p < 3; p++) {
			rhb_insert_range(k, fd, pairs[p][0], 1);
			rhb_insert_range(k, fd, pairs[p][1], 1);
			rhb_batch_walk_init(&w, k, fd, 1, false);
			/* rhb_batch_walk_step() answers -ENOSPC with a count of 2. */
			more = rhb_batch_walk_step(&w);
			ck_assert_msg(w.got == (w.enospc ? 2 : 1), "[%s] keys %u and %u: the first "
				      "call returned %u after %u -ENOSPC", k->name, pairs[p][0],
				      pairs[p][1], w.got, w.enospc);
			enospc += w.enospc;
			if (k->batch_cursor_is_key) {
				/* One element per call, then the end. */
				ck_assert_msg(more && rhb_batch_walk_step(&w) && w.got == 1 &&
					      !rhb_batch_walk_step(&w) && w.got == 0,
					      "[%s] keys %u and %u, count 1: expected 1, 1, then "
					      "-ENOENT with 0; the last call returned %u", k->name,
					      pairs[p][0], pairs[p][1], w.got);
			}
			rhb_batch_walk_free(&w);
			rhb_delete_range(k, fd, pairs[p][0], 1);
			rhb_delete_range(k, fd, pairs[p][1], 1);
		}
		ck_assert_msg(k->batch_cursor_is_key ? !enospc : enospc >= 1,
			      "[%s] count 1 on the pairs of keys 0, 1, 2: %u -ENOSPC, expected %s",
			      k->name, enospc, k->batch_cursor_is_key ? "none" : "at least one");
		close(fd);
	}
}
END_TEST

/* RHASH: the cursor is a key */

/* Key @i of @size bytes: 0x5a bytes, @i in the first byte. */
static void make_key(unsigned char *key, __u32 size, __u32 i)
{
	memset(key, 0x5a, size);
	key[0] = i;
}

RHB_TEST(cursor_is_the_last_key_returned_key_size_bytes)
{
	static const __u32 sizes[] = { 1, 12, 64 };
	unsigned char keys[5 * 64], out[64 + 16], in[64], want[64];
	__u64 vals[5], val = 0;
	unsigned int s, seen;
	__u32 i, count;
	int err;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		__u32 size = sizes[s];
		int fd = rhb_map_create(rh(), size, sizeof(__u64), 64, 0, NULL);

		ck_assert_msg(fd >= 0, "create key_size %u: errno %d", size, errno);
		for (i = 0; i < 20; i++) {
			make_key(want, size, i);
			rhb_assert_ok(bpf_map_update_elem(fd, want, &val, BPF_NOEXIST));
		}
		seen = 0;
		err = 0;
		for (bool started = false; !err; started = true) {
			count = 5;
			memset(out, 0xee, sizeof(out));
			err = bpf_map_lookup_batch(fd, started ? in : NULL, out, keys, vals, &count,
						   NULL);
			ck_assert_msg(!err || errno == ENOENT, "key_size %u: %d (%s)", size, err,
				      strerror(errno));
			seen += count;
			if (!count)
				break;
			ck_assert_msg(!memcmp(out, keys + (count - 1) * size, size),
				      "key_size %u: out_batch is not the last key returned", size);
			for (i = size; i < sizeof(out); i++)
				ck_assert_msg(out[i] == 0xee, "key_size %u: out_batch byte %u "
					      "written", size, i);
			memcpy(in, out, size);
		}
		ck_assert_msg(seen == 20, "key_size %u: the walk returned %u keys, expected 20",
			      size, seen);
		close(fd);
	}
}
END_TEST

#define ORDER_KEYS 1000

/* Asserts that @got (n keys) is @want (m keys): same keys, same order. */
static void expect_sequence(const char *what, const __u32 *got, __u32 n, const __u32 *want,
			    __u32 m)
{
	__u32 i;

	for (i = 0; i < n && i < m; i++)
		ck_assert_msg(got[i] == want[i], "%s: key %u of the walk is %u, expected %u", what,
			      i, got[i], want[i]);
	ck_assert_msg(n == m, "%s: the walk returned %u keys, expected %u", what, n, m);
}

RHB_TEST(resumes_after_the_cursor_key_deleted_between_calls)
{
	__u32 *order = calloc(ORDER_KEYS + 1, sizeof(*order));
	__u32 *got = calloc(ORDER_KEYS, sizeof(*got)), *want = calloc(ORDER_KEYS, sizeof(*want));
	int fd = create(rh(), ORDER_KEYS);
	struct rhb_batch_walk w;
	__u32 n = 0, m = 0, i;

	ck_assert(order && got && want);
	rhb_insert_range(rh(), fd, 0, ORDER_KEYS);
	ck_assert_int_eq(rhb_batch_order(fd, order, ORDER_KEYS), ORDER_KEYS);

	rhb_batch_walk_init(&w, rh(), fd, 10, false);
	ck_assert(rhb_batch_walk_step(&w) && w.got == 10);
	memcpy(got, w.keys, 10 * sizeof(*got));
	n = 10;
	/*
	 * The cursor (order[9]) and the key after it go; one further on goes,
	 * and the cursor key comes back: behind the cursor now, it is not
	 * returned.
	 */
	rhb_delete_range(rh(), fd, order[9], 1);
	rhb_delete_range(rh(), fd, order[10], 1);
	rhb_delete_range(rh(), fd, order[500], 1);
	ck_assert(rhb_batch_walk_step(&w) && w.got == 10);
	memcpy(got + n, w.keys, 10 * sizeof(*got));
	n += 10;
	rhb_insert_range(rh(), fd, order[9], 1);
	n += rhb_batch_walk_rest(&w, got + n, ORDER_KEYS - n);
	for (i = 0; i < ORDER_KEYS; i++)
		if (i != 10 && i != 500)
			want[m++] = order[i];
	expect_sequence("cursor deleted between calls", got, n, want, m);
	rhb_batch_walk_free(&w);
	close(fd);
	free(want);
	free(got);
	free(order);
}
END_TEST

RHB_TEST(resumes_after_a_key_never_in_the_map)
{
	__u32 *order = calloc(ORDER_KEYS + 2, sizeof(*order));
	__u32 *tail = calloc(ORDER_KEYS + 1, sizeof(*tail));
	int fd = create(rh(), ORDER_KEYS + 1);
	struct rhb_batch_walk w;
	__u32 x, n, m, pos;

	/*
	 * in_batch only names a place in the walk order: a key that is not in
	 * the map resumes where it would be. Its place is found by inserting
	 * it once; then the map without it, walked from it, gives the rest.
	 */
	ck_assert(order && tail);
	rhb_insert_range(rh(), fd, 0, ORDER_KEYS);
	for (x = 1000000; x < 1000000 + 8; x++) {
		rhb_insert_range(rh(), fd, x, 1);
		n = rhb_batch_order(fd, order, ORDER_KEYS + 1);
		ck_assert_int_eq(n, ORDER_KEYS + 1);
		for (pos = 0; order[pos] != x; pos++)
			ck_assert(pos < n);
		rhb_delete_range(rh(), fd, x, 1);
		rhb_batch_walk_init(&w, rh(), fd, 64, false);
		w.cursor = x;
		w.started = true;
		m = rhb_batch_walk_rest(&w, tail, ORDER_KEYS);
		rhb_batch_walk_free(&w);
		expect_sequence("from a key not in the map", tail, m, order + pos + 1,
				n - pos - 1);
	}
	close(fd);
	free(tail);
	free(order);
}
END_TEST

/* Keys there for the whole walk; churn keys come 8 times as many at a time. */
#define STABLE 300
#define CHURN (8 * STABLE)
#define CHURN_BASE (1U << 20)
/* Churn keys a test may insert in all. */
#define CHURN_CAP (128 * CHURN)

RHB_TEST(resizes_between_calls_lose_and_repeat_nothing)
{
	static const __u32 sizes[] = { 1, 7, 64 };
	int fd = create(rh(), 1 << 20);
	__u32 order[STABLE + 1], i, j;
	struct rhb_walk_check c;
	struct rhb_batch_walk w;
	struct rhb_churn ch;
	unsigned int every;
	bool more;

	rhb_insert_range(rh(), fd, 0, STABLE);
	ck_assert_int_eq(rhb_batch_order(fd, order, STABLE), STABLE);
	rhb_churn_init(&ch, fd, STABLE, CHURN_BASE, CHURN, CHURN_CAP);
	rhb_walk_check_init(&c, "lookup_batch across resizes", order, STABLE, CHURN_BASE,
			    &ch.next, CHURN_CAP);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* About as many resizes for every count. */
		every = sizes[i] < 7 ? 8 : 1;
		rhb_walk_check_start(&c);
		rhb_batch_walk_init(&w, rh(), fd, sizes[i], false);
		do {
			more = rhb_batch_walk_step(&w);
			for (j = 0; j < w.got; j++)
				rhb_walk_check_elem(&c, w.keys[j], w.vals[j]);
			if (more && w.calls % every == 0)
				rhb_churn_between(&ch, w.calls / every);
		} while (more);
		rhb_walk_check_end(&c);
		ck_assert_msg(c.churn_seen_count, "count %u: no churn key returned: no call ran "
			      "through a grown table", sizes[i]);
		rhb_batch_walk_free(&w);
		rhb_churn_shrink(&ch, true);
	}
	/* Each grow waited for the table to follow: so many resizes happened. */
	ck_assert_msg(ch.grows >= 40, "only %u grows between calls", ch.grows);
	rhb_walk_check_free(&c);
	close(fd);
}
END_TEST
