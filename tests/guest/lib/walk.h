/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walks of __u32 -> __u64 maps (values rhb_range_val(key)): a batch walker
 * and a checker of what a walk of a changing map returns.
 */
#ifndef RHB_WALK_H
#define RHB_WALK_H

#include <bpf/libbpf.h>

#include "maps.h"

/*
 * Walks of a __u32 -> __u64 map with BPF_MAP_LOOKUP_BATCH or
 * BPF_MAP_LOOKUP_AND_DELETE_BATCH, a call at a time, for suites that check
 * what each call returns. Every call is checked against what any kind
 * promises: a count no larger than asked, at least one element unless the
 * walk ended (-ENOENT), and for kinds whose cursor is a key
 * (batch_cursor_is_key) an out_batch that is the last key returned. HASH's
 * -ENOSPC (the next bucket does not fit in count) is answered as a caller
 * must, by asking again for twice as many; other kinds fail the test on it.
 */
struct rhb_batch_walk {
	const struct rhb_map_kind *k;
	int fd;
	bool do_delete;
	/* Elements asked for per call. */
	__u32 count;
	/* out_batch of the last call, in_batch of the next: a key or a bucket. */
	__u32 cursor;
	bool started;
	/* What the last call returned: @got keys and values. */
	__u32 *keys;
	__u64 *vals;
	__u32 got;
	/* Room in keys and vals. */
	__u32 cap;
	/* Calls made; -ENOSPC answers among them. */
	unsigned int calls;
	unsigned int enospc;
};

void rhb_batch_walk_init(struct rhb_batch_walk *w, const struct rhb_map_kind *k, int fd,
			 __u32 count, bool do_delete);

/* Makes the next call; false once it returned -ENOENT (w->got may be > 0 then). */
bool rhb_batch_walk_step(struct rhb_batch_walk *w);

void rhb_batch_walk_free(struct rhb_batch_walk *w);

/*
 * Steps @w to the end of the map, its keys into @keys (room for @max, which
 * the map must not hold more than); returns how many.
 */
__u32 rhb_batch_walk_rest(struct rhb_batch_walk *w, __u32 *keys, __u32 max);

/* The keys of RHASH map @fd in walk order, by lookup batches of 4096. */
__u32 rhb_batch_order(int fd, __u32 *order, __u32 max);

/*
 * What a walk (get_next_key, lookup batches, the element iterator) of a map
 * may return while stable keys 0..nstable-1 are in it throughout and churn
 * keys churn_base + i (i < *churn_next, never inserted twice) come and go:
 * every stable key exactly once, in the order of a quiet walk, since that
 * order only depends on the keys; every churn key at most once; nothing
 * else; values rhb_range_val(key).
 */
struct rhb_walk_check {
	const char *what;
	__u32 nstable;
	/* Place of each stable key in the quiet walk. */
	__u32 *rank;
	__u32 churn_base;
	/* Churn keys inserted so far; raised before their insert (atomic). */
	const __u32 *churn_next;
	/* Room in churn_seen: churn keys must stay below churn_base + churn_cap. */
	__u32 churn_cap;
	unsigned char *churn_seen;
	/* Churn keys returned since the last stable key, for a rewind. */
	__u32 *since_stable;
	__u32 nr_since_stable;
	__u32 cap_since_stable;
	/* This walk: stable keys returned, churn keys returned. */
	__u32 stable_seen;
	__u64 churn_seen_count;
	/* Over all walks: churn keys returned. */
	__u64 churn_total;
};

/*
 * @order: the nstable stable keys in the order of a quiet walk. @what names
 * the walk in messages.
 */
void rhb_walk_check_init(struct rhb_walk_check *c, const char *what, const __u32 *order,
			 __u32 nstable, __u32 churn_base, const __u32 *churn_next,
			 __u32 churn_cap);

/* A new walk. */
void rhb_walk_check_start(struct rhb_walk_check *c);

/* Checks one element the walk returned. */
void rhb_walk_check_elem(struct rhb_walk_check *c, __u32 key, __u64 value);

/*
 * The walk goes back to the last stable key it returned (the start if
 * none): the churn keys since then may come again.
 */
void rhb_walk_check_rewind(struct rhb_walk_check *c);

/* The walk ended: every stable key must have come. */
void rhb_walk_check_end(struct rhb_walk_check *c);

void rhb_walk_check_free(struct rhb_walk_check *c);

/*
 * iter/bpf_map_elem walks: the iterator of a program over a map, and a
 * reader of the records a program writes, one per element.
 */
struct rhb_iter {
	struct bpf_link *link;
	int fd;
};

/* One element as the iterator programs of progs/rhash_iter.bpf.c write it. */
struct rhb_iter_rec {
	__u32 key;
	__u32 seq_num;
	__u64 value;
};

/* Attaches @prog to map @map_fd and opens an iterator; fails the test if it cannot. */
void rhb_iter_open(struct rhb_iter *it, struct bpf_program *prog, int map_fd);
void rhb_iter_close(struct rhb_iter *it);

/*
 * Reads @it to its end, @chunk bytes per read(): each record goes to @c as
 * it is complete, and must have the next seq_num; @between (if any) runs
 * with a count of calls after every read that completed @every more
 * records. Returns the records read.
 */
__u32 rhb_iter_read_walk(struct rhb_iter *it, size_t chunk, struct rhb_walk_check *c,
			 void (*between)(void *arg, unsigned int i), void *arg, __u32 every);

/*
 * Churn of an RHASH __u32 -> __u64 map that holds @nstable other keys: churn
 * keys base + i, a step of them at a time (each inserted once at most), are
 * inserted and deleted oldest first with batch commands, to make the bucket
 * table grow and shrink under a walk.
 */
struct rhb_churn {
	int fd;
	__u32 nstable;
	__u32 base;
	__u32 step;
	/* Churn keys there may be in all. */
	__u32 cap;
	struct rhb_rhash_mem_model mem;
	/* The oldest churn key in the map, and the next to insert. */
	__u32 first;
	/* Raised (atomic) before the keys below it go in: a walk's bound. */
	__u32 next;
	unsigned int grows;
	unsigned int shrinks;
};

void rhb_churn_init(struct rhb_churn *ch, int fd, __u32 nstable, __u32 base, __u32 step,
		    __u32 cap);

/* Inserts the next step of churn keys; if @wait, until the table has grown for them. */
void rhb_churn_grow(struct rhb_churn *ch, bool wait);

/* Deletes every churn key in the map; if @wait, until the table has shrunk. */
void rhb_churn_shrink(struct rhb_churn *ch, bool wait);

/*
 * What happens between two reads of walk: grow the table and shrink it back
 * (@i % 3 == 0); or leave it grown for the next read, which then runs
 * through churn keys (1); or shrink it without waiting, so that the next
 * read may meet a rehash under way (2).
 */
void rhb_churn_between(struct rhb_churn *ch, unsigned int i);

#endif
