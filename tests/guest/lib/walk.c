// SPDX-License-Identifier: GPL-2.0
/* Map walks: lookup batches a checked call at a time, and what walks return. */
#include <stdlib.h>
#include <unistd.h>

#include "walk.h"

static void reserve(struct rhb_batch_walk *w, __u32 n)
{
	if (n <= w->cap)
		return;
	w->keys = realloc(w->keys, n * sizeof(*w->keys));
	w->vals = realloc(w->vals, n * sizeof(*w->vals));
	ck_assert(w->keys && w->vals);
	w->cap = n;
}

void rhb_batch_walk_init(struct rhb_batch_walk *w, const struct rhb_map_kind *k, int fd,
			 __u32 count, bool do_delete)
{
	memset(w, 0, sizeof(*w));
	w->k = k;
	w->fd = fd;
	w->count = count;
	w->do_delete = do_delete;
	reserve(w, count);
}

bool rhb_batch_walk_step(struct rhb_batch_walk *w)
{
	const char *op = w->do_delete ? "lookup_and_delete_batch" : "lookup_batch";
	__u32 ask = w->count, in = w->cursor, out = ~0U;
	int err;

	for (;;) {
		w->got = ask;
		w->calls++;
		err = (w->do_delete ? bpf_map_lookup_and_delete_batch : bpf_map_lookup_batch)
			(w->fd, w->started ? &in : NULL, &out, w->keys, w->vals, &w->got, NULL);
		if (!err || errno != ENOSPC)
			break;
		ck_assert_msg(!w->k->batch_cursor_is_key, "[%s] %s of %u after %u calls: "
			      "expected elements or -ENOENT, got -ENOSPC", w->k->name, op, ask,
			      w->calls - 1);
		ck_assert_msg(w->got == 0, "[%s] %s of %u: -ENOSPC with count %u, expected 0",
			      w->k->name, op, ask, w->got);
		w->enospc++;
		ask *= 2;
		reserve(w, ask);
	}
	ck_assert_msg(!err || errno == ENOENT, "[%s] %s of %u after %u calls: expected elements "
		      "or -ENOENT, got %d (errno %d: %s)", w->k->name, op, ask, w->calls - 1, err,
		      errno, strerror(errno));
	ck_assert_msg(w->got <= ask, "[%s] %s of %u returned %u elements", w->k->name, op, ask,
		      w->got);
	ck_assert_msg(err || w->got, "[%s] %s of %u returned 0 with no element: expected "
		      "some, or -ENOENT at the end", w->k->name, op, ask);
	if (w->k->batch_cursor_is_key && w->got)
		ck_assert_msg(out == w->keys[w->got - 1], "[%s] %s of %u: out_batch %u, expected "
			      "the last key returned, %u", w->k->name, op, ask, out,
			      w->keys[w->got - 1]);
	/* A delete batch may pass over elements deleted meanwhile: not this one. */
	if (w->k->batch_cursor_is_key && !w->got && w->started && !w->do_delete)
		ck_assert_msg(out == in, "[%s] %s of %u returned nothing from cursor %u but "
			      "moved it to %u", w->k->name, op, ask, in, out);
	w->cursor = out;
	w->started = true;
	return !err;
}

void rhb_batch_walk_free(struct rhb_batch_walk *w)
{
	free(w->keys);
	free(w->vals);
}

__u32 rhb_batch_walk_rest(struct rhb_batch_walk *w, __u32 *keys, __u32 max)
{
	__u32 n = 0;
	bool more;

	do {
		more = rhb_batch_walk_step(w);
		ck_assert_msg(n + w->got <= max, "[%s] the walk returned more than %u keys",
			      w->k->name, max);
		memcpy(keys + n, w->keys, w->got * sizeof(*keys));
		n += w->got;
	} while (more);
	return n;
}

__u32 rhb_batch_order(int fd, __u32 *order, __u32 max)
{
	struct rhb_batch_walk w;
	__u32 n;

	rhb_batch_walk_init(&w, rhb_map_kind("rhash"), fd, 4096, false);
	n = rhb_batch_walk_rest(&w, order, max);
	rhb_batch_walk_free(&w);
	return n;
}

void rhb_walk_check_init(struct rhb_walk_check *c, const char *what, const __u32 *order,
			 __u32 nstable, __u32 churn_base, const __u32 *churn_next,
			 __u32 churn_cap)
{
	__u32 i;

	memset(c, 0, sizeof(*c));
	c->what = what;
	c->nstable = nstable;
	c->churn_base = churn_base;
	c->churn_next = churn_next;
	c->churn_cap = churn_cap;
	c->rank = malloc((nstable ? nstable : 1) * sizeof(*c->rank));
	c->churn_seen = malloc(churn_cap ? churn_cap : 1);
	ck_assert(c->rank && c->churn_seen);
	memset(c->rank, 0xff, (nstable ? nstable : 1) * sizeof(*c->rank));
	for (i = 0; i < nstable; i++) {
		ck_assert_msg(order[i] < nstable && c->rank[order[i]] == ~0U,
			      "%s: the quiet walk has key %u twice or out of 0..%u", what,
			      order[i], nstable - 1);
		c->rank[order[i]] = i;
	}
}

void rhb_walk_check_start(struct rhb_walk_check *c)
{
	memset(c->churn_seen, 0, c->churn_cap);
	c->stable_seen = 0;
	c->churn_seen_count = 0;
	c->nr_since_stable = 0;
}

void rhb_walk_check_elem(struct rhb_walk_check *c, __u32 key, __u64 value)
{
	ck_assert_msg(value == rhb_range_val(key), "%s: key %u has value %llu, expected %llu",
		      c->what, key, (unsigned long long)value,
		      (unsigned long long)rhb_range_val(key));
	if (key < c->nstable) {
		ck_assert_msg(c->rank[key] == c->stable_seen, "%s: stable key %u, number %u of "
			      "the quiet walk, came as number %u: skipped, repeated or out of "
			      "order", c->what, key, c->rank[key], c->stable_seen);
		c->stable_seen++;
		c->nr_since_stable = 0;
		return;
	}
	if (key - c->churn_base < c->churn_cap) {
		__u32 i = key - c->churn_base;
		__u32 inserted = c->churn_next ? __atomic_load_n(c->churn_next, __ATOMIC_ACQUIRE)
					       : 0;

		ck_assert_msg(i < inserted, "%s: churn key %u returned, never inserted (%u "
			      "were, from %u)", c->what, key, inserted, c->churn_base);
		ck_assert_msg(!c->churn_seen[i]++, "%s: churn key %u returned twice", c->what,
			      key);
		if (c->nr_since_stable == c->cap_since_stable) {
			c->cap_since_stable = c->cap_since_stable ? 2 * c->cap_since_stable : 64;
			c->since_stable = realloc(c->since_stable,
						  c->cap_since_stable * sizeof(*c->since_stable));
			ck_assert(c->since_stable);
		}
		c->since_stable[c->nr_since_stable++] = i;
		c->churn_seen_count++;
		c->churn_total++;
		return;
	}
	ck_abort_msg("%s: key %u returned, never inserted (stable keys 0..%u, churn keys from "
		     "%u)", c->what, key, c->nstable - 1, c->churn_base);
}

void rhb_walk_check_rewind(struct rhb_walk_check *c)
{
	while (c->nr_since_stable)
		c->churn_seen[c->since_stable[--c->nr_since_stable]] = 0;
}

void rhb_walk_check_end(struct rhb_walk_check *c)
{
	ck_assert_msg(c->stable_seen == c->nstable, "%s: the walk returned %u of the %u stable "
		      "keys (and %llu churn keys)", c->what, c->stable_seen, c->nstable,
		      (unsigned long long)c->churn_seen_count);
}

void rhb_walk_check_free(struct rhb_walk_check *c)
{
	free(c->since_stable);
	free(c->churn_seen);
	free(c->rank);
}

void rhb_iter_open(struct rhb_iter *it, struct bpf_program *prog, int map_fd)
{
	union bpf_iter_link_info linfo = { .map.map_fd = map_fd };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo,
		    .link_info_len = sizeof(linfo));

	it->link = bpf_program__attach_iter(prog, &opts);
	ck_assert_msg(it->link, "attaching %s: errno %d (%s)", bpf_program__name(prog), errno,
		      strerror(errno));
	it->fd = bpf_iter_create(bpf_link__fd(it->link));
	ck_assert_msg(it->fd >= 0, "bpf_iter_create: errno %d (%s)", errno, strerror(errno));
}

void rhb_iter_close(struct rhb_iter *it)
{
	close(it->fd);
	bpf_link__destroy(it->link);
}

__u32 rhb_iter_read_walk(struct rhb_iter *it, size_t chunk, struct rhb_walk_check *c,
			 void (*between)(void *arg, unsigned int i), void *arg, __u32 every)
{
	unsigned char *buf = malloc(chunk), part[sizeof(struct rhb_iter_rec)];
	__u32 nrec = 0, last_between = 0;
	struct rhb_iter_rec r;
	size_t have = 0;
	ssize_t n, i;

	ck_assert(buf);
	while ((n = read(it->fd, buf, chunk))) {
		ck_assert_msg(n > 0 && (size_t)n <= chunk, "%s: read of %zu after %u records: "
			      "%zd (errno %d: %s)", c->what, chunk, nrec, n, errno,
			      strerror(errno));
		for (i = 0; i < n; i++) {
			part[have++] = buf[i];
			if (have < sizeof(r))
				continue;
			memcpy(&r, part, sizeof(r));
			have = 0;
			ck_assert_msg(r.seq_num == nrec, "%s: record %u (key %u) has seq_num %u, "
				      "expected %u", c->what, nrec, r.key, r.seq_num, nrec);
			rhb_walk_check_elem(c, r.key, r.value);
			nrec++;
		}
		if (between && nrec - last_between >= every) {
			last_between = nrec;
			between(arg, nrec / every);
		}
	}
	ck_assert_msg(!have, "%s: the walk ended inside a record (%zu bytes of it)", c->what,
		      have);
	free(buf);
	return nrec;
}

void rhb_churn_init(struct rhb_churn *ch, int fd, __u32 nstable, __u32 base, __u32 step,
		    __u32 cap)
{
	memset(ch, 0, sizeof(*ch));
	ch->fd = fd;
	ch->nstable = nstable;
	ch->base = base;
	ch->step = step;
	ch->cap = cap;
	rhb_rhash_mem_model(sizeof(__u32), sizeof(__u64), &ch->mem);
}

static __u32 churn_elements(const struct rhb_churn *ch)
{
	return ch->nstable + ch->next - ch->first;
}

void rhb_churn_grow(struct rhb_churn *ch, bool wait)
{
	__u32 first = ch->next;

	ck_assert_msg(first + ch->step <= ch->cap, "churn: %u keys inserted, no room for %u more",
		      first, ch->step);
	__atomic_store_n(&ch->next, first + ch->step, __ATOMIC_RELEASE);
	rhb_insert_range(rhb_map_kind("rhash"), ch->fd, ch->base + first, ch->step);
	if (wait)
		rhb_rhash_wait_grown(ch->fd, &ch->mem, churn_elements(ch));
	/* Another thread may count them. */
	__atomic_add_fetch(&ch->grows, 1, __ATOMIC_RELAXED);
}

void rhb_churn_shrink(struct rhb_churn *ch, bool wait)
{
	rhb_delete_range(rhb_map_kind("rhash"), ch->fd, ch->base + ch->first,
			 ch->next - ch->first);
	ch->first = ch->next;
	if (wait)
		rhb_rhash_wait_shrunk(ch->fd, &ch->mem, churn_elements(ch));
	__atomic_add_fetch(&ch->shrinks, 1, __ATOMIC_RELAXED);
}

void rhb_churn_between(struct rhb_churn *ch, unsigned int i)
{
	switch (i % 3) {
	case 0:
		rhb_churn_grow(ch, true);
		rhb_churn_shrink(ch, true);
		break;
	case 1:
		rhb_churn_grow(ch, true);
		break;
	default:
		rhb_churn_shrink(ch, false);
	}
}
