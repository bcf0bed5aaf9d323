// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_churn: walks of a BPF_MAP_TYPE_RHASH map while a writer thread
 * inserts and deletes other keys fast enough to make the bucket table grow
 * 9 times over and shrink back, again and again. Keys 0..STABLE-1 stay for
 * the whole walk, churn keys from CHURN_BASE up come and go (each inserted
 * once): get_next_key, lookup batches of 1, 7, 64 and 4096 and the element
 * iterator must return every stable key exactly once, in the order of a
 * quiet walk, every churn key at most once and nothing else.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "rhash_iter.skel.h"
#include "walk.h"

RHB_SUITE("rhash_churn");

#define STABLE 500
#define CHURN (8 * STABLE)
#define CHURN_BASE (1U << 24)
/* Churn keys the writer may insert: far more than it can in a test. */
#define CHURN_CAP (1U << 22)

/* Walks of each kind, at least, and writer cycles during them, at least. */
#define MIN_WALKS 2
#define MIN_CYCLES 3
/* Bounds the walks of each kind (KASAN runs are slow). */
#define MAX_WALK_MS 20000

static const struct rhb_map_kind *rh(void)
{
	return rhb_map_kind("rhash");
}

/* The map, its writer and the checker of the walks. */
struct churn_test {
	int fd;
	struct rhb_churn ch;
	struct rhb_walk_check c;
	pthread_t writer;
	bool stop;
	/* Grow and shrink cycles the writer completed (atomic). */
	unsigned int cycles;
	/* Walks during which the writer completed a grow or a shrink. */
	unsigned int churned_walks;
};

/*
 * Grows the table by CHURN keys and shrinks it back, waiting each time for
 * the resize to happen, until told to stop: every cycle is two resizes.
 * After each it lets the walk run (one CPU) on the table as it is, grown
 * with churn keys in it, or shrunk.
 */
static void *writer(void *arg)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	struct churn_test *t = arg;

	/* Up to the churn keys the checker has room for: walks check the cycles. */
	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) &&
	       t->ch.next + t->ch.step <= t->ch.cap) {
		rhb_churn_grow(&t->ch, true);
		nanosleep(&pause, NULL);
		rhb_churn_shrink(&t->ch, true);
		nanosleep(&pause, NULL);
		__atomic_add_fetch(&t->cycles, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static unsigned int cycles(struct churn_test *t)
{
	return __atomic_load_n(&t->cycles, __ATOMIC_ACQUIRE);
}

static void start(struct churn_test *t, const char *what)
{
	__u32 order[STABLE + 1];

	memset(t, 0, sizeof(*t));
	t->fd = rhb_map_create_ok(rh(), sizeof(__u32), sizeof(__u64), 1 << 20);
	rhb_insert_range(rh(), t->fd, 0, STABLE);
	ck_assert_int_eq(rhb_batch_order(t->fd, order, STABLE), STABLE);
	rhb_churn_init(&t->ch, t->fd, STABLE, CHURN_BASE, CHURN, CHURN_CAP);
	rhb_walk_check_init(&t->c, what, order, STABLE, CHURN_BASE, &t->ch.next, CHURN_CAP);
	ck_assert_int_eq(pthread_create(&t->writer, NULL, writer, t), 0);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Runs @walk until it has run MIN_WALKS times, MIN_WALKS of them across a
 * resize, and the writer MIN_CYCLES cycles meanwhile. How many walks that
 * takes depends on how fast a walk is against a resize.
 */
static void walk_during_churn(struct churn_test *t, void (*walk)(struct churn_test *t, void *arg),
			      void *arg, const char *what)
{
	unsigned long long deadline = now_ms() + MAX_WALK_MS;
	unsigned int from = cycles(t), walks, before;

	t->c.what = what;
	for (walks = 0; (walks < MIN_WALKS || cycles(t) - from < MIN_CYCLES ||
			 t->churned_walks < MIN_WALKS) && now_ms() < deadline; walks++) {
		before = __atomic_load_n(&t->ch.grows, __ATOMIC_RELAXED) +
			 __atomic_load_n(&t->ch.shrinks, __ATOMIC_RELAXED);
		rhb_walk_check_start(&t->c);
		walk(t, arg);
		rhb_walk_check_end(&t->c);
		t->churned_walks += __atomic_load_n(&t->ch.grows, __ATOMIC_RELAXED) +
				    __atomic_load_n(&t->ch.shrinks, __ATOMIC_RELAXED) != before;
	}
	ck_assert_msg(walks >= MIN_WALKS && cycles(t) - from >= MIN_CYCLES, "%s: %u walks (in %d "
		      "ms at most), the writer grew and shrank the table %u times meanwhile, "
		      "expected %u and %u", what, walks, MAX_WALK_MS, cycles(t) - from, MIN_WALKS,
		      MIN_CYCLES);
}

static void finish(struct churn_test *t)
{
	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(t->writer, NULL), 0);
	/* Walks that met a resize, and ran through churn keys. */
	ck_assert_msg(t->churned_walks >= MIN_WALKS && t->c.churn_total,
		      "%s: %u walks met a resize, %llu churn keys returned: expected %u and some",
		      t->c.what, t->churned_walks, (unsigned long long)t->c.churn_total,
		      MIN_WALKS);
	rhb_walk_check_free(&t->c);
	close(t->fd);
}

static bool present(struct churn_test *t, __u32 key)
{
	__u64 value;

	if (!bpf_map_lookup_elem(t->fd, &key, &value))
		return true;
	ck_assert_msg(errno == ENOENT, "lookup of key %u: errno %d (%s)", key, errno,
		      strerror(errno));
	return false;
}

/*
 * A get_next_key walk. A cursor that is gone restarts the walk (hash map
 * semantics), and the writer may delete a churn cursor during the call: a
 * churn cursor still there after the call was there throughout (churn keys
 * are never inserted twice), else the walk goes back to the last stable key
 * returned and on from there; what lies between were churn keys.
 */
static void get_next_key_walk(struct churn_test *t, void *arg)
{
	__u32 cursor = 0, anchor = 0, next;
	bool started = false, anchored = false;

	while (!bpf_map_get_next_key(t->fd, started ? &cursor : NULL, &next)) {
		if (started && cursor >= STABLE && !present(t, cursor)) {
			rhb_walk_check_rewind(&t->c);
			cursor = anchor;
			started = anchored;
			continue;
		}
		/* get_next_key returns no value: the check takes the right one. */
		rhb_walk_check_elem(&t->c, next, rhb_range_val(next));
		if (next < STABLE) {
			anchor = next;
			anchored = true;
		}
		cursor = next;
		started = true;
	}
	ck_assert_msg(errno == ENOENT, "get_next_key: expected -ENOENT at the end, got errno %d "
		      "(%s)", errno, strerror(errno));
}

RHB_TEST(get_next_key_walks_during_churn)
{
	struct churn_test t;

	start(&t, "get_next_key walk during churn");
	walk_during_churn(&t, get_next_key_walk, NULL, "get_next_key");
	finish(&t);
}
END_TEST

static void batch_walk(struct churn_test *t, void *arg)
{
	__u32 count = *(const __u32 *)arg, i;
	struct rhb_batch_walk w;
	bool more;

	rhb_batch_walk_init(&w, rh(), t->fd, count, false);
	do {
		more = rhb_batch_walk_step(&w);
		for (i = 0; i < w.got; i++)
			rhb_walk_check_elem(&t->c, w.keys[i], w.vals[i]);
	} while (more);
	rhb_batch_walk_free(&w);
}

RHB_TEST(lookup_batch_walks_during_churn_counts_1_7_64_4096)
{
	static const __u32 counts[] = { 1, 7, 64, 4096 };
	struct churn_test t;
	char what[32];
	unsigned int i;

	start(&t, "lookup_batch walk during churn");
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		snprintf(what, sizeof(what), "lookup_batch of %u", counts[i]);
		walk_during_churn(&t, batch_walk, (void *)&counts[i], what);
	}
	finish(&t);
}
END_TEST

struct iter_walk {
	struct rhash_iter *skel;
	size_t chunk;
};

static void iter_walk(struct churn_test *t, void *arg)
{
	struct iter_walk *iw = arg;
	struct rhb_iter it;

	rhb_iter_open(&it, iw->skel->progs.dump, t->fd);
	rhb_iter_read_walk(&it, iw->chunk, &t->c, NULL, NULL, 0);
	rhb_iter_close(&it);
}

RHB_TEST(iterator_walks_during_churn_7_byte_and_page_reads)
{
	/* 4096: 256 whole records a read; 7: a restart of the walk per read. */
	static const size_t chunks[] = { 7, 4096 };
	struct iter_walk iw = { .skel = rhash_iter__open_and_load() };
	struct churn_test t;
	char what[32];
	unsigned int i;

	ck_assert_msg(iw.skel, "rhash_iter__open_and_load: errno %d (%s)", errno, strerror(errno));
	start(&t, "iterator walk during churn");
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		iw.chunk = chunks[i];
		snprintf(what, sizeof(what), "iterator, reads of %zu", chunks[i]);
		walk_during_churn(&t, iter_walk, &iw, what);
	}
	finish(&t);
	rhash_iter__destroy(iw.skel);
}
END_TEST
