// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_iter: iter/bpf_map_elem over every kind of rhb_map_kinds[] (the cases
 * fill maps with BPF_MAP_UPDATE_BATCH). progs/bpf_iter.bpf.c writes one
 * struct rec per element; the cases read the iterator fd and require every
 * element exactly once, with whole-buffer reads and with tiny reads that
 * make bpf_seq_read() stop and restart the walk between (and inside)
 * records.
 */
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf_iter.skel.h"
#include "maps.h"

RHB_SUITE("bpf_iter");

/* One element as dump() writes it; seq_num is the iterator's object index. */
struct rec {
	__u32 key;
	__u32 seq_num;
	__u64 value;
};

/* A read() size larger than the seq_file buffer (8 pages). */
#define BIG_READ (1 << 16)

static __u64 val_of(__u32 key)
{
	return key * 1000ULL + 7;
}

/* Creates a map of kind @k with room for @n and keys 0..@n-1 -> val_of(key). */
static int create_filled(const struct rhb_map_kind *k, __u32 n)
{
	int fd = rhb_map_create_ok(k, sizeof(__u32), sizeof(__u64), n ? n : 1);
	__u32 *keys = calloc(n + 1, sizeof(*keys)), i, count = n;
	__u64 *vals = calloc(n + 1, sizeof(*vals));

	ck_assert(keys && vals);
	for (i = 0; i < n; i++) {
		keys[i] = i;
		vals[i] = val_of(i);
	}
	if (n)
		rhb_kassert_ok(k, bpf_map_update_batch(fd, keys, vals, &count, NULL));
	rhb_kassert_u64_eq(k, count, n);
	free(vals);
	free(keys);
	return fd;
}

/* Attaches dump() to the map @map_fd. */
static struct bpf_link *attach(const struct rhb_map_kind *k, struct bpf_iter *skel, int map_fd)
{
	union bpf_iter_link_info linfo = { .map.map_fd = map_fd };
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo,
		    .link_info_len = sizeof(linfo));
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.dump, &opts);

	ck_assert_msg(link, "[%s] bpf_program__attach_iter: errno %d (%s)", k->name, errno,
		      strerror(errno));
	return link;
}

static int iter_create(const struct rhb_map_kind *k, struct bpf_link *link)
{
	int fd = bpf_iter_create(bpf_link__fd(link));

	ck_assert_msg(fd >= 0, "[%s] bpf_iter_create: %d (errno %d: %s)", k->name, fd, errno,
		      strerror(errno));
	return fd;
}

/* Reads @fd to its end, @chunk bytes per read(); returns the bytes, *@len set. */
static char *read_all(const struct rhb_map_kind *k, int fd, size_t chunk, size_t *len)
{
	size_t cap = BIG_READ;
	char *buf = malloc(cap);
	ssize_t n;

	*len = 0;
	ck_assert(buf);
	for (;;) {
		if (*len + chunk > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert(buf);
		}
		n = read(fd, buf + *len, chunk);
		ck_assert_msg(n >= 0, "[%s] read %zu bytes at offset %zu: errno %d (%s)", k->name,
			      chunk, *len, errno, strerror(errno));
		ck_assert_msg((size_t)n <= chunk, "[%s] read of %zu returned %zd", k->name, chunk,
			      n);
		if (!n)
			return buf;
		*len += n;
	}
}

/*
 * Asserts that @buf holds exactly one record per key 0..@n-1, in iterator
 * order (seq_num 0, 1, ...), each with val_of(key).
 */
static void expect_records(const struct rhb_map_kind *k, const char *buf, size_t len, __u32 n)
{
	unsigned char *seen = calloc(n + 1, 1);
	__u64 key_sum = 0, val_sum = 0, want_val_sum = 0;
	size_t i, nr = len / sizeof(struct rec);
	struct rec r;

	ck_assert(seen);
	ck_assert_msg(len % sizeof(r) == 0, "[%s] read %zu bytes, not a multiple of %zu",
		      k->name, len, sizeof(r));
	for (i = 0; i < nr; i++) {
		memcpy(&r, buf + i * sizeof(r), sizeof(r));
		ck_assert_msg(r.key < n, "[%s] record %zu: key %u not in the map (0..%u)", k->name,
			      i, r.key, n - 1);
		ck_assert_msg(!seen[r.key], "[%s] record %zu: key %u visited twice", k->name, i,
			      r.key);
		seen[r.key] = 1;
		ck_assert_msg(r.value == val_of(r.key),
			      "[%s] record %zu: key %u has value %llu, expected %llu", k->name, i,
			      r.key, (unsigned long long)r.value,
			      (unsigned long long)val_of(r.key));
		ck_assert_msg(r.seq_num == i, "[%s] record %zu (key %u) has seq_num %u", k->name,
			      i, r.key, r.seq_num);
		key_sum += r.key;
		val_sum += r.value;
	}
	for (i = 0; i < n; i++) {
		ck_assert_msg(seen[i], "[%s] key %zu never visited (%zu of %u records read)",
			      k->name, i, nr, n);
		want_val_sum += val_of(i);
	}
	rhb_kassert_u64_eq(k, nr, n);
	rhb_kassert_u64_eq(k, key_sum, (__u64)n * (n - 1) / 2);
	rhb_kassert_u64_eq(k, val_sum, want_val_sum);
	free(seen);
}

/* Dumps a map of kind @k with @n elements, reading @chunk bytes at a time. */
static void check_walk(const struct rhb_map_kind *k, __u32 n, size_t chunk)
{
	struct bpf_iter *skel = bpf_iter__open_and_load();
	struct bpf_link *link;
	int map_fd, iter_fd;
	size_t len;
	char *buf;

	ck_assert_msg(skel, "bpf_iter__open_and_load: errno %d (%s)", errno, strerror(errno));
	map_fd = create_filled(k, n);
	link = attach(k, skel, map_fd);
	iter_fd = iter_create(k, link);
	buf = read_all(k, iter_fd, chunk, &len);
	expect_records(k, buf, len, n);
	free(buf);
	close(iter_fd);
	bpf_link__destroy(link);
	close(map_fd);
	bpf_iter__destroy(skel);
}

RHB_TEST(iter_visits_each_of_64_elements_once)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		check_walk(k, 64, BIG_READ);
}
END_TEST

RHB_TEST(iter_visits_each_of_10000_elements_once)
{
	const struct rhb_map_kind *k;

	/* 160000 bytes: several seq_file buffers, several stop/start. */
	rhb_for_each_map_kind(k)
		check_walk(k, 10000, BIG_READ);
}
END_TEST

RHB_TEST(iter_1_byte_reads_visit_each_element_once)
{
	const struct rhb_map_kind *k;

	/* Each refill shows one element: the walk restarts once per element. */
	rhb_for_each_map_kind(k)
		check_walk(k, 300, 1);
}
END_TEST

RHB_TEST(iter_7_byte_reads_visit_each_element_once)
{
	const struct rhb_map_kind *k;

	/*
	 * Reads straddle records, and the walk restarts once per element: 3000
	 * elements in 4096 buckets put several in many, in HASH and RHASH.
	 */
	rhb_for_each_map_kind(k)
		check_walk(k, 3000, 7);
}
END_TEST

RHB_TEST(iter_empty_map_reads_0_bytes)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		check_walk(k, 0, BIG_READ);
}
END_TEST

RHB_TEST(iter_read_after_end_returns_0)
{
	const struct rhb_map_kind *k;
	char byte;

	rhb_for_each_map_kind(k) {
		struct bpf_iter *skel = bpf_iter__open_and_load();
		int map_fd, iter_fd, i;
		struct bpf_link *link;
		size_t len;
		char *buf;

		ck_assert_msg(skel, "bpf_iter__open_and_load: errno %d (%s)", errno,
			      strerror(errno));
		map_fd = create_filled(k, 64);
		link = attach(k, skel, map_fd);
		iter_fd = iter_create(k, link);
		buf = read_all(k, iter_fd, BIG_READ, &len);
		rhb_kassert_u64_eq(k, len, 64 * sizeof(struct rec));
		for (i = 0; i < 3; i++) {
			ssize_t n = read(iter_fd, &byte, 1);

			ck_assert_msg(n == 0, "[%s] read %d after the end: expected 0, got %zd "
				      "(errno %d)", k->name, i + 1, n, errno);
		}
		free(buf);
		close(iter_fd);
		bpf_link__destroy(link);
		close(map_fd);
		bpf_iter__destroy(skel);
	}
}
END_TEST

RHB_TEST(iter_new_fd_walks_current_map)
{
	const struct rhb_map_kind *k;
	__u32 key = 63;
	__u64 value = val_of(key);

	/* Each bpf_iter_create() is a new walk: it sees changes since the last. */
	rhb_for_each_map_kind(k) {
		struct bpf_iter *skel = bpf_iter__open_and_load();
		int map_fd, iter_fd;
		struct bpf_link *link;
		size_t len;
		char *buf;

		ck_assert_msg(skel, "bpf_iter__open_and_load: errno %d (%s)", errno,
			      strerror(errno));
		map_fd = create_filled(k, 64);
		link = attach(k, skel, map_fd);
		rhb_kassert_ok(k, bpf_map_delete_elem(map_fd, &key));
		iter_fd = iter_create(k, link);
		buf = read_all(k, iter_fd, BIG_READ, &len);
		expect_records(k, buf, len, 63);
		free(buf);
		close(iter_fd);
		rhb_kassert_ok(k, bpf_map_update_elem(map_fd, &key, &value, BPF_NOEXIST));
		iter_fd = iter_create(k, link);
		buf = read_all(k, iter_fd, BIG_READ, &len);
		expect_records(k, buf, len, 64);
		free(buf);
		close(iter_fd);
		bpf_link__destroy(link);
		close(map_fd);
		bpf_iter__destroy(skel);
	}
}
END_TEST
