// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_resize: BPF_MAP_TYPE_RHASH at volume and across resizes. The
 * programs of progs/rhash_resize.bpf.c insert or delete one known key per
 * run, so BPF_PROG_TEST_RUN with a large repeat count fills a map to 100k
 * elements or drains it without a syscall per element. The cases pin that
 * the bucket table (seen in memlock) grows and shrinks back with the
 * elements, that max_entries stays exact, and that a get_next_key walk
 * returns every key present for the whole walk exactly once, and never a
 * key that was not inserted, while the table grows and shrinks between
 * (or, from a second thread, during) its steps.
 */
#include <bpf/libbpf.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "maps.h"
#include "rhash_resize.skel.h"

RHB_SUITE("rhash_resize");

#define VOLUME 100000

/* One of the skeleton's maps (rh32 or rh64) and its programs. */
struct target {
	struct rhash_resize *skel;
	int fd;
	__u32 key_size;
	int insert_fd;
	int delete_fd;
	struct rhb_rhash_mem_model mem;
};

/* Loads the skeleton with @max_entries for both maps and picks rh64 if @wide. */
static void load(struct target *t, __u32 max_entries, bool wide)
{
	struct rhash_resize *skel = rhash_resize__open();
	int err;

	ck_assert_msg(skel, "rhash_resize__open: errno %d (%s)", errno, strerror(errno));
	ck_assert_int_eq(bpf_map__set_max_entries(skel->maps.rh32, max_entries), 0);
	ck_assert_int_eq(bpf_map__set_max_entries(skel->maps.rh64, max_entries), 0);
	err = rhash_resize__load(skel);
	ck_assert_msg(!err, "rhash_resize__load: %d (%s)", err, strerror(-err));
	t->skel = skel;
	t->key_size = wide ? sizeof(__u64) : sizeof(__u32);
	t->fd = bpf_map__fd(wide ? skel->maps.rh64 : skel->maps.rh32);
	t->insert_fd = bpf_program__fd(wide ? skel->progs.insert_rh64 : skel->progs.insert_rh32);
	t->delete_fd = bpf_program__fd(wide ? skel->progs.delete_rh64 : skel->progs.delete_rh32);
	rhb_rhash_mem_model(t->key_size, sizeof(__u64), &t->mem);
}

static __u64 val_of(__u64 key)
{
	return key * 3 + 1;
}

/* Counters the programs update while another thread may run them. */
static __u64 read_counter(const __u64 *counter)
{
	return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

static void expect_no_failures(const struct target *t)
{
	const struct rhash_resize__bss *b = t->skel->bss;

	ck_assert_msg(!b->failures, "%llu helper calls failed, the first with %lld, the last "
		      "with %lld (%llu inserts and %llu deletes worked)",
		      (unsigned long long)b->failures, (long long)b->first_err,
		      (long long)b->last_err, (unsigned long long)b->inserts,
		      (unsigned long long)b->deletes);
}

static void run(int prog_fd, __u32 repeat)
{
	int err = rhb_run_socket_prog(prog_fd, repeat);

	ck_assert_msg(!err, "test run, repeat %u: %d (%s)", repeat, err, strerror(-err));
}

/* Inserts the next @n keys (key_base + ins_next...), all of which must go in. */
static void insert_n(const struct target *t, __u32 n)
{
	run(t->insert_fd, n);
	expect_no_failures(t);
}

/* Runs the delete program @n times: the oldest keys still there go, but the pinned one. */
static void delete_n(const struct target *t, __u32 n)
{
	run(t->delete_fd, n);
	expect_no_failures(t);
}

/* Elements in the map: inserts minus deletes, none of them having failed. */
static __u64 elements(const struct target *t)
{
	return t->skel->bss->inserts - t->skel->bss->deletes;
}

/* A key of either map as bpf(2) takes it. */
union key {
	__u32 k32;
	__u64 k64;
};

static union key to_key(const struct target *t, __u64 key)
{
	union key k;

	if (t->key_size == sizeof(__u32))
		k.k32 = key;
	else
		k.k64 = key;
	return k;
}

static __u64 from_key(const struct target *t, const union key *k)
{
	return t->key_size == sizeof(__u32) ? k->k32 : k->k64;
}

/* Looks @key up from userspace: true and its value checked if present. */
static bool present(const struct target *t, __u64 key)
{
	union key k = to_key(t, key);
	__u64 value = 0;

	if (bpf_map_lookup_elem(t->fd, &k, &value)) {
		ck_assert_msg(errno == ENOENT, "lookup of key %llu: errno %d (%s)",
			      (unsigned long long)key, errno, strerror(errno));
		return false;
	}
	ck_assert_msg(value == val_of(key), "key %llu: value %llu, expected %llu",
		      (unsigned long long)key, (unsigned long long)value,
		      (unsigned long long)val_of(key));
	return true;
}

/* get_next_key after @prev (NULL: the first); false at the end of the walk. */
static bool next_key(const struct target *t, const __u64 *prev, __u64 *next)
{
	union key in = to_key(t, prev ? *prev : 0), out;
	int err = bpf_map_get_next_key(t->fd, prev ? &in : NULL, &out);

	if (err) {
		ck_assert_msg(errno == ENOENT, "get_next_key after %llu: %d (errno %d: %s)",
			      prev ? (unsigned long long)*prev : 0ULL, err, errno,
			      strerror(errno));
		return false;
	}
	*next = from_key(t, &out);
	return true;
}

/*
 * A get_next_key walk of a map holding the stable keys 0..nstable-1 for the
 * whole walk, and churn keys churn_base + i (i < ins_next) coming and going.
 */
struct walk {
	const struct target *t;
	__u64 nstable;
	__u64 churn_base;
	/* How many times the walk returned each stable key. */
	unsigned int *seen;
	__u64 steps;
	__u64 churn_keys;
	/* The key the last step returned, if there was a step. */
	__u64 cursor;
	bool started;
	/* The last stable key returned, if any: the churn never deletes it. */
	__u64 anchor;
	bool anchored;
	/* Over all walks: steps from a churn key that was still there after them, */
	__u64 churn_resumes;
	/* and steps from one that the churn deleted, resumed from the anchor. */
	__u64 fallbacks;
};

/*
 * One step of the walk; false at its end. A walk restarts when its cursor
 * is gone (hash-map semantics), so the churn must leave the cursor alone:
 * each churn key returned is pinned (the delete runs pass over it) until
 * the next one. A delete already under way, from another thread, may still
 * take it; the step may then have restarted the walk, so its key is
 * dropped and the walk resumes from the last stable key instead: the keys
 * between that one and the cursor were churn keys, nothing is skipped.
 */
static bool walk_step(struct walk *w)
{
	bool churn_cursor = w->started && w->cursor >= w->nstable;
	__u64 next, inserted;

	if (!next_key(w->t, w->started ? &w->cursor : NULL, &next))
		return false;
	if (churn_cursor && !present(w->t, w->cursor)) {
		w->fallbacks++;
		w->cursor = w->anchor;
		w->started = w->anchored;
		return true;
	}
	w->churn_resumes += churn_cursor;
	inserted = read_counter(&w->t->skel->bss->ins_next);
	w->steps++;
	ck_assert_msg(w->steps <= w->nstable + inserted * (w->fallbacks + 1) + 1,
		      "walk: %llu steps, but only %llu stable and %llu churn keys were ever in "
		      "the map (a cycle?)", (unsigned long long)w->steps,
		      (unsigned long long)w->nstable, (unsigned long long)inserted);
	if (next < w->nstable) {
		ck_assert_msg(!w->seen[next]++, "walk returned key %llu twice (step %llu)",
			      (unsigned long long)next, (unsigned long long)w->steps);
		w->anchor = next;
		w->anchored = true;
	} else {
		ck_assert_msg(next >= w->churn_base && next - w->churn_base < inserted,
			      "walk returned key %llu, never inserted (stable keys 0..%llu, churn "
			      "keys %llu + 0..%llu)", (unsigned long long)next,
			      (unsigned long long)w->nstable - 1, (unsigned long long)w->churn_base,
			      (unsigned long long)inserted - 1);
		w->churn_keys++;
		__atomic_store_n(&w->t->skel->data->pinned, next, __ATOMIC_RELEASE);
	}
	w->cursor = next;
	w->started = true;
	return true;
}

/* Walks the whole map, calling @between (if any) after each step: each stable key once. */
static void walk_all(struct walk *w, void (*between)(struct walk *w))
{
	__u64 i;

	memset(w->seen, 0, w->nstable * sizeof(*w->seen));
	w->steps = 0;
	w->churn_keys = 0;
	w->started = false;
	w->anchored = false;
	while (walk_step(w))
		if (between)
			between(w);
	for (i = 0; i < w->nstable; i++)
		ck_assert_msg(w->seen[i] == 1, "walk returned key %llu %u times, expected once "
			      "(%llu steps, %llu churn keys)", (unsigned long long)i, w->seen[i],
			      (unsigned long long)w->steps, (unsigned long long)w->churn_keys);
}

static void walk_init(struct walk *w, const struct target *t, __u64 nstable, __u64 churn_base)
{
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->nstable = nstable;
	w->churn_base = churn_base;
	w->seen = calloc(nstable ? nstable : 1, sizeof(*w->seen));
	ck_assert(w->seen);
}

/* Volume */

RHB_TEST(fill_100k_grows_table_drain_shrinks_it)
{
	__u64 memlock, next;
	struct target t;

	load(&t, 1 << 20, false);
	memlock = rhb_map_memlock(t.fd);
	ck_assert_msg(memlock == t.mem.empty, "empty map: memlock %llu, a scratch one had %llu",
		      (unsigned long long)memlock, t.mem.empty);
	insert_n(&t, VOLUME);
	ck_assert_msg(elements(&t) == VOLUME, "%llu inserts, expected %u",
		      (unsigned long long)elements(&t), VOLUME);
	rhb_rhash_wait_grown(t.fd, &t.mem, VOLUME);
	ck_assert(present(&t, 0) && present(&t, VOLUME / 2) && present(&t, VOLUME - 1));
	ck_assert(!present(&t, VOLUME));

	/* Half, then all of it: the table follows down. */
	delete_n(&t, VOLUME / 2);
	rhb_rhash_wait_shrunk(t.fd, &t.mem, VOLUME / 2);
	ck_assert(!present(&t, 0) && present(&t, VOLUME - 1));
	delete_n(&t, VOLUME / 2);
	ck_assert_msg(elements(&t) == 0, "%llu elements left", (unsigned long long)elements(&t));
	rhb_rhash_wait_shrunk(t.fd, &t.mem, 0);
	ck_assert(!next_key(&t, NULL, &next));
	rhash_resize__destroy(t.skel);
}
END_TEST

RHB_TEST(full_map_at_100k_e2big)
{
	struct rhash_resize__bss *b;
	struct target t;
	__u64 value = 1;
	__u32 key;

	/* max_entries bounds the elements, not the grown table. */
	load(&t, VOLUME, false);
	b = t.skel->bss;
	run(t.insert_fd, VOLUME + 1);
	ck_assert_msg(b->inserts == VOLUME && b->failures == 1 && b->first_err == -E2BIG,
		      "%u inserts into a map of %u: expected %u to work and the last to fail "
		      "with %d (-E2BIG), got %llu working, %llu failing, the first with %lld",
		      VOLUME + 1, VOLUME, VOLUME, -E2BIG, (unsigned long long)b->inserts,
		      (unsigned long long)b->failures, (long long)b->first_err);
	ck_assert(!present(&t, VOLUME));
	key = 7;
	rhb_assert_ok(bpf_map_update_elem(t.fd, &key, &value, BPF_EXIST));
	rhb_assert_ok(bpf_map_delete_elem(t.fd, &key));
	key = VOLUME;
	value = val_of(key);
	rhb_assert_ok(bpf_map_update_elem(t.fd, &key, &value, BPF_NOEXIST));
	ck_assert(present(&t, VOLUME));
	rhash_resize__destroy(t.skel);
}
END_TEST

/* Fills @t to each size of @sizes in turn; a quiet walk at each returns each key once. */
static void walk_at_sizes(bool wide, const __u32 *sizes, unsigned int nsizes)
{
	struct target t;
	struct walk w;
	unsigned int i;

	load(&t, 1 << 20, wide);
	for (i = 0; i < nsizes; i++) {
		insert_n(&t, sizes[i] - elements(&t));
		rhb_rhash_wait_grown(t.fd, &t.mem, sizes[i]);
		walk_init(&w, &t, sizes[i], ~0ULL);
		walk_all(&w, NULL);
		ck_assert_msg(w.steps == sizes[i], "walk of %u keys took %llu steps", sizes[i],
			      (unsigned long long)w.steps);
		free(w.seen);
	}
	rhash_resize__destroy(t.skel);
}

RHB_TEST(walk_visits_each_key_once_at_1k_10k_100k)
{
	static const __u32 sizes[] = { 1000, 10000, VOLUME };

	walk_at_sizes(false, sizes, 3);
}
END_TEST

RHB_TEST(walk_visits_each_key_once_at_1k_10k_u64_keys)
{
	static const __u32 sizes[] = { 1000, 10000 };

	walk_at_sizes(true, sizes, 2);
}
END_TEST

/* Walks across resizes */

/* Keys there for the whole walk, and churn keys per grow phase (8 times as many). */
#define STABLE 500
#define CHURN (8 * STABLE)
/* Reader steps between two phases of churn. */
#define PHASE_STEPS 10

/* Stable keys 0..STABLE-1, then the churn counts from @churn_base. */
static void setup_walk(struct target *t, struct walk *w, bool wide)
{
	__u64 churn_base = wide ? 1ULL << 40 : 1ULL << 31;

	load(t, 1 << 20, wide);
	insert_n(t, STABLE);
	t->skel->bss->key_base = churn_base;
	t->skel->bss->ins_next = 0;
	t->skel->bss->del_next = 0;
	walk_init(w, t, STABLE, churn_base);
}

static void grow(struct walk *w, bool wait)
{
	insert_n(w->t, CHURN);
	if (wait)
		rhb_rhash_wait_grown(w->t->fd, &w->t->mem, elements(w->t));
}

/* Deletes every churn key but the pinned one. */
static void shrink(struct walk *w, bool wait)
{
	struct rhash_resize__bss *b = w->t->skel->bss;

	delete_n(w->t, b->ins_next - b->del_next);
	if (wait)
		rhb_rhash_wait_shrunk(w->t->fd, &w->t->mem, elements(w->t));
}

/*
 * Every PHASE_STEPS steps: mostly grow the table 8 times over and shrink it
 * back before the next step; sometimes leave it grown for the next steps
 * (the walk goes through churn keys), or go on while it shrinks.
 */
static void churn_phase(struct walk *w)
{
	if (w->steps % PHASE_STEPS)
		return;
	switch (w->steps / PHASE_STEPS % 8) {
	case 6:
		grow(w, true);
		break;
	case 7:
		shrink(w, false);
		break;
	default:
		grow(w, true);
		shrink(w, true);
	}
}

static void walk_across_resizes(bool wide)
{
	struct target t;
	struct walk w;

	setup_walk(&t, &w, wide);
	walk_all(&w, churn_phase);
	/* Nothing else deletes: the cursor can only go if the churn ignores the pin. */
	ck_assert_msg(!w.fallbacks, "%llu times a pinned churn key, the cursor, was deleted",
		      (unsigned long long)w.fallbacks);
	/* The grown phases leave churn keys in the walk's way, to resume from. */
	ck_assert_msg(w.churn_resumes, "walk of %llu steps (%llu churn keys) never resumed "
		      "from a churn key", (unsigned long long)w.steps,
		      (unsigned long long)w.churn_keys);
	free(w.seen);
	rhash_resize__destroy(t.skel);
}

RHB_TEST(walk_across_grow_and_shrink_between_steps)
{
	walk_across_resizes(false);
}
END_TEST

RHB_TEST(walk_across_grow_and_shrink_between_steps_u64_keys)
{
	walk_across_resizes(true);
}
END_TEST

/* The churn thread: grows the map by CHURN keys and drains it, until told to stop. */
struct churn {
	const struct target *t;
	bool stop;
	__u64 cycles;
	int err;
};

#define CHURN_CHUNK 500

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	unsigned int i;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE) && !c->err) {
		for (i = 0; i < CHURN / CHURN_CHUNK && !c->err; i++)
			c->err = rhb_run_socket_prog(c->t->insert_fd, CHURN_CHUNK);
		for (i = 0; i < CHURN / CHURN_CHUNK && !c->err; i++)
			c->err = rhb_run_socket_prog(c->t->delete_fd, CHURN_CHUNK);
		__atomic_add_fetch(&c->cycles, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

#define CONCURRENT_WALKS 3
#define CONCURRENT_CYCLES 3
#define CONCURRENT_MAX_WALKS 50

RHB_TEST(walk_during_concurrent_grow_and_shrink)
{
	struct churn c = {};
	unsigned int walks;
	struct target t;
	struct walk w;
	pthread_t thread;

	setup_walk(&t, &w, false);
	c.t = &t;
	ck_assert_int_eq(pthread_create(&thread, NULL, churn_thread, &c), 0);
	for (walks = 0; walks < CONCURRENT_MAX_WALKS &&
	     (walks < CONCURRENT_WALKS ||
	      __atomic_load_n(&c.cycles, __ATOMIC_ACQUIRE) < CONCURRENT_CYCLES); walks++)
		walk_all(&w, NULL);
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(thread, NULL), 0);
	ck_assert_msg(!c.err, "churn thread: test run failed with %d (%s)", c.err,
		      strerror(-c.err));
	expect_no_failures(&t);
	ck_assert_msg(c.cycles >= CONCURRENT_CYCLES && w.churn_resumes,
		      "%u walks, %llu churn cycles, %llu steps from a churn key: expected %u "
		      "cycles and some", walks, (unsigned long long)c.cycles,
		      (unsigned long long)w.churn_resumes, CONCURRENT_CYCLES);
	free(w.seen);
	rhash_resize__destroy(t.skel);
}
END_TEST
