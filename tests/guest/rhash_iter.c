// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_iter: iter/bpf_map_elem on BPF_MAP_TYPE_RHASH beyond what bpf_iter
 * checks on every kind. The RHASH iterator remembers the key it showed last
 * and resumes after it, so reads of any size, restarting the seq_file walk
 * each time, neither skip nor repeat an element even when the bucket table
 * grows 8 times over and shrinks back between two reads; it shows elements
 * in the same order as lookup batches; and a program may delete each
 * element it is shown. progs/rhash_iter.bpf.c writes a struct rhb_iter_rec per
 * element and counts them.
 */
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <unistd.h>

#include "rhash_iter.skel.h"
#include "walk.h"

RHB_SUITE("rhash_iter");

static const struct rhb_map_kind *rh(void)
{
	return rhb_map_kind("rhash");
}

static struct rhash_iter *load(void)
{
	struct rhash_iter *skel = rhash_iter__open_and_load();

	ck_assert_msg(skel, "rhash_iter__open_and_load: errno %d (%s)", errno, strerror(errno));
	return skel;
}

/* The map of the skeleton, which dump_delete deletes from. */
static int map_fd(struct rhash_iter *skel)
{
	return bpf_map__fd(skel->maps.rh);
}

static void reset_counters(struct rhash_iter *skel)
{
	memset(skel->bss, 0, sizeof(*skel->bss));
}

/* Asserts what the program counted: @n elements shown, keys 0..@n-1, one end. */
static void expect_counted(struct rhash_iter *skel, __u32 n)
{
	const struct rhash_iter__bss *b = skel->bss;
	__u64 want_values = 0, key;

	for (key = 0; key < n; key++)
		want_values += rhb_range_val(key);
	ck_assert_msg(b->shown == n && b->key_sum == (__u64)n * (n - 1) / 2 &&
		      b->value_sum == want_values && b->ends == 1,
		      "program counted %llu elements, key sum %llu, value sum %llu, %llu ends; "
		      "expected %u, %llu, %llu, 1", (unsigned long long)b->shown,
		      (unsigned long long)b->key_sum, (unsigned long long)b->value_sum,
		      (unsigned long long)b->ends, n, (unsigned long long)n * (n - 1) / 2,
		      (unsigned long long)want_values);
}

/*
 * Reads of this size end after 256 whole records, before the next would
 * overflow the 32 KiB seq_file buffer: bpf_seq_read() would run the program
 * on that element, throw its output away and run it again on the next read,
 * counting (or deleting) it twice.
 */
#define PAGE_READ 4096

RHB_TEST(iter_counts_and_sums_exact_at_64_and_100k)
{
	static const __u32 sizes[] = { 64, 100000 };
	struct rhash_iter *skel = load();
	int fd = map_fd(skel);
	struct rhb_walk_check c;
	unsigned int i;
	struct rhb_iter it;
	__u32 *order;

	for (i = 0; i < 2; i++) {
		__u32 n = sizes[i];

		order = calloc(n + 1, sizeof(*order));
		ck_assert(order);
		rhb_insert_range(rh(), fd, 0, n);
		/* The iterator walks in the order lookup batches do. */
		ck_assert_int_eq(rhb_batch_order(fd, order, n), n);
		rhb_walk_check_init(&c, "iterator", order, n, 0, NULL, 0);
		rhb_walk_check_start(&c);
		reset_counters(skel);
		rhb_iter_open(&it, skel->progs.dump, fd);
		ck_assert_int_eq(rhb_iter_read_walk(&it, PAGE_READ, &c, NULL, NULL, 0), n);
		rhb_walk_check_end(&c);
		expect_counted(skel, n);
		rhb_iter_close(&it);
		rhb_walk_check_free(&c);
		rhb_delete_range(rh(), fd, 0, n);
		free(order);
	}
	rhash_iter__destroy(skel);
}
END_TEST

/* Keys there for the whole walk; churn keys come 8 times as many at a time. */
#define STABLE 300
#define CHURN (8 * STABLE)
#define CHURN_BASE (1U << 20)
#define CHURN_CAP (128 * CHURN)
/* Records between two resizes. */
#define EVERY 10

static void churn_between(void *arg, unsigned int i)
{
	rhb_churn_between(arg, i);
}

/* Reads of @chunk bytes, with the table grown and shrunk every EVERY records. */
static void reads_across_resizes(size_t chunk)
{
	struct rhash_iter *skel = load();
	int fd = map_fd(skel);
	__u32 order[STABLE + 1];
	struct rhb_walk_check c;
	struct rhb_churn ch;
	struct rhb_iter it;

	rhb_insert_range(rh(), fd, 0, STABLE);
	ck_assert_int_eq(rhb_batch_order(fd, order, STABLE), STABLE);
	rhb_churn_init(&ch, fd, STABLE, CHURN_BASE, CHURN, CHURN_CAP);
	rhb_walk_check_init(&c, "iterator across resizes", order, STABLE, CHURN_BASE, &ch.next,
			    CHURN_CAP);
	rhb_walk_check_start(&c);
	rhb_iter_open(&it, skel->progs.dump, fd);
	rhb_iter_read_walk(&it, chunk, &c, churn_between, &ch, EVERY);
	rhb_walk_check_end(&c);
	ck_assert_msg(c.churn_seen_count, "reads of %zu: no churn key shown: no read ran "
		      "through a grown table", chunk);
	/* Each grow waited for the table to follow. */
	ck_assert_msg(ch.grows >= STABLE / EVERY / 2, "reads of %zu: only %u grows", chunk,
		      ch.grows);
	rhb_iter_close(&it);
	rhb_walk_check_free(&c);
	rhash_iter__destroy(skel);
}

RHB_TEST(iter_1_byte_reads_across_grow_and_shrink)
{
	/* A restart per byte: start() resumes after the last key shown 16 times per record. */
	reads_across_resizes(1);
}
END_TEST

RHB_TEST(iter_7_byte_reads_across_grow_and_shrink)
{
	/* Reads straddle records. */
	reads_across_resizes(7);
}
END_TEST

RHB_TEST(iter_10_record_reads_across_grow_and_shrink)
{
	reads_across_resizes(EVERY * sizeof(struct rhb_iter_rec));
}
END_TEST

/* Reads exactly @len bytes from @it, one byte per read(). */
static void read_bytes(const struct rhb_map_kind *k, struct rhb_iter *it, size_t len)
{
	size_t i;
	char byte;

	for (i = 0; i < len; i++)
		ck_assert_msg(read(it->fd, &byte, 1) == 1, "[%s] byte %zu of %zu: expected 1 byte, "
			      "got EOF or errno %d", k->name, i, len, errno);
}

/* Asserts that @it is at its end: read() returns 0 and the program saw one end. */
static void expect_eof(const struct rhb_map_kind *k, struct rhash_iter *skel, struct rhb_iter *it,
		       __u32 n, const char *when)
{
	struct rhb_iter_rec r;
	ssize_t got;

	got = read(it->fd, &r, sizeof(r));
	ck_assert_msg(got == 0, "[%s] %s: expected EOF, read returned %zd (key %u, seq_num %u)",
		      k->name, when, got, got == sizeof(r) ? r.key : 0,
		      got == sizeof(r) ? r.seq_num : 0);
	ck_assert_msg(skel->bss->shown == n && skel->bss->ends == 1, "[%s] %s: the program was "
		      "shown %llu elements and %llu ends, expected %u and 1", k->name, when,
		      (unsigned long long)skel->bss->shown, (unsigned long long)skel->bss->ends,
		      n);
}

/*
 * Inserts @batch keys from *@next on; for RHASH, again until one of them
 * comes after key @last in the walk order, where a walk resumed after @last
 * would find it.
 */
static void insert_after(const struct rhb_map_kind *k, int fd, __u32 *next, __u32 last,
			 __u32 batch)
{
	__u32 in = last, out, key, count;
	__u64 value;
	int err;

	do {
		rhb_insert_range(k, fd, *next, batch);
		*next += batch;
		if (!k->batch_cursor_is_key)
			return;
		count = 1;
		err = bpf_map_lookup_batch(fd, &in, &out, &key, &value, &count, NULL);
		ck_assert_msg(!err || errno == ENOENT, "lookup_batch from key %u: errno %d", last,
			      errno);
	} while (!count);
}

#define END_KEYS 64

RHB_TEST(iter_stays_at_its_end_when_keys_come_after_it)
{
	const struct rhb_map_kind *k;
	__u32 order[END_KEYS + 1], next;

	/*
	 * Once the walk has passed the last element (the program got its
	 * call without an element), later reads return nothing more, even if
	 * keys are inserted after the last one: HASH's walk is over at its
	 * last bucket, and an RHASH walk must not come back to life either.
	 */
	rhb_for_each_map_kind(k) {
		struct rhash_iter *skel = load();
		int fd = rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), 1 << 16);
		struct rhb_iter it;

		rhb_insert_range(k, fd, 0, END_KEYS);
		/* The walk order (a bucket order for HASH: any key will do). */
		if (k->batch_cursor_is_key)
			ck_assert_int_eq(rhb_batch_order(fd, order, END_KEYS), END_KEYS);
		else
			order[END_KEYS - 1] = 0;
		reset_counters(skel);
		rhb_iter_open(&it, skel->progs.dump, fd);
		/* The first byte of the last record: next() has found no element after it. */
		read_bytes(k, &it, (END_KEYS - 1) * sizeof(struct rhb_iter_rec) + 1);
		ck_assert_msg(skel->bss->ends == 1, "[%s] the program got %llu ends after the "
			      "last element was shown, expected 1", k->name,
			      (unsigned long long)skel->bss->ends);
		next = 1000;
		insert_after(k, fd, &next, order[END_KEYS - 1], 64);
		read_bytes(k, &it, sizeof(struct rhb_iter_rec) - 1);
		expect_eof(k, skel, &it, END_KEYS, "keys inserted after the end was reached");
		/* After EOF, the same. */
		insert_after(k, fd, &next, order[END_KEYS - 1], 64);
		expect_eof(k, skel, &it, END_KEYS, "keys inserted after EOF");
		rhb_iter_close(&it);
		close(fd);
		rhash_iter__destroy(skel);
	}
}
END_TEST

/* dump_delete over @n elements read @chunk bytes at a time: each shown once, then none left. */
static void delete_while_iterating(__u32 n, size_t chunk)
{
	struct rhash_iter *skel = load();
	__u32 *order = calloc(n + 1, sizeof(*order)), key;
	const struct rhash_iter__bss *b = skel->bss;
	int fd = map_fd(skel);
	struct rhb_rhash_mem_model m;
	struct rhb_walk_check c;
	struct rhb_iter it;

	ck_assert(order);
	rhb_rhash_mem_model(sizeof(__u32), sizeof(__u64), &m);
	rhb_insert_range(rh(), fd, 0, n);
	ck_assert_int_eq(rhb_batch_order(fd, order, n), n);
	rhb_walk_check_init(&c, "deleting iterator", order, n, 0, NULL, 0);
	rhb_walk_check_start(&c);
	rhb_iter_open(&it, skel->progs.dump_delete, fd);
	ck_assert_int_eq(rhb_iter_read_walk(&it, chunk, &c, NULL, NULL, 0), n);
	rhb_walk_check_end(&c);
	expect_counted(skel, n);
	ck_assert_msg(b->deleted == n && !b->delete_failures, "reads of %zu: %llu deletes "
		      "worked, %llu failed (the first with %lld), expected %u and none", chunk,
		      (unsigned long long)b->deleted, (unsigned long long)b->delete_failures,
		      (long long)b->delete_err, n);
	rhb_assert_errno(bpf_map_get_next_key(fd, NULL, &key), ENOENT);
	rhb_rhash_wait_shrunk(fd, &m, 0);
	rhb_iter_close(&it);
	rhb_walk_check_free(&c);
	free(order);
	rhash_iter__destroy(skel);
}

RHB_TEST(iter_program_deletes_each_element_it_is_shown)
{
	delete_while_iterating(10000, PAGE_READ);
}
END_TEST

RHB_TEST(iter_program_deletes_each_element_it_is_shown_7_byte_reads)
{
	/* Each restart resumes after a key that is gone. */
	delete_while_iterating(1000, 7);
}
END_TEST
