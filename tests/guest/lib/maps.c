// SPDX-License-Identifier: GPL-2.0
/* Map kinds of the map suites, helpers to create and fill maps, and their memlock. */
#include <bpf/btf.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"

const struct rhb_map_kind rhb_map_kinds[] = {
	{
		.name = "hash",
		.type = BPF_MAP_TYPE_HASH,
		.prealloc = true,
		.zero_seed = true,
	},
	{
		.name = "hash_no_prealloc",
		.type = BPF_MAP_TYPE_HASH,
		.map_flags = BPF_F_NO_PREALLOC,
		.zero_seed = true,
	},
	{
		.name = "rhash",
		.type = BPF_MAP_TYPE_RHASH,
		.map_flags = BPF_F_NO_PREALLOC,
		.map_extra_hint = true,
		.update_in_place = true,
		.batch_cursor_is_key = true,
	},
};

const unsigned int rhb_nr_map_kinds = sizeof(rhb_map_kinds) / sizeof(rhb_map_kinds[0]);

const struct rhb_map_kind *rhb_map_kind(const char *name)
{
	const struct rhb_map_kind *k;

	rhb_for_each_map_kind(k)
		if (!strcmp(k->name, name))
			return k;
	ck_abort_msg("no map kind named %s in rhb_map_kinds[]", name);
	return NULL;
}

int rhb_map_create(const struct rhb_map_kind *k, __u32 key_size, __u32 value_size,
		   __u32 max_entries, __u32 extra_flags, struct bpf_map_create_opts *opts)
{
	LIBBPF_OPTS(bpf_map_create_opts, defaults);

	if (!opts)
		opts = &defaults;
	opts->map_flags |= k->map_flags | extra_flags;
	return bpf_map_create(k->type, "rhb_test", key_size, value_size, max_entries, opts);
}

int rhb_map_create_ok(const struct rhb_map_kind *k, __u32 key_size, __u32 value_size,
		      __u32 max_entries)
{
	int fd = rhb_map_create(k, key_size, value_size, max_entries, 0, NULL);

	ck_assert_msg(fd >= 0, "[%s] create key_size %u value_size %u max_entries %u: "
		      "expected success, got %d (errno %d: %s)", k->name, key_size,
		      value_size, max_entries, fd, errno, strerror(errno));
	return fd;
}

void rhb_map_set_kind(struct bpf_map *map, const struct rhb_map_kind *k)
{
	ck_assert_int_eq(bpf_map__set_type(map, k->type), 0);
	ck_assert_int_eq(bpf_map__set_map_flags(map, k->map_flags), 0);
}

/* BTF for __u32 keys and struct rhb_locked_val values; returns the fd. */
static int load_locked_btf(struct btf **btfp, __u32 *key_id, __u32 *value_id)
{
	struct btf *btf = btf__new_empty();
	int u32_id, lock_id, val_id;

	ck_assert_msg(btf, "btf__new_empty: errno %d", errno);
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	ck_assert_msg(u32_id > 0, "btf__add_int: %d", u32_id);
	/* The kernel finds the lock by this struct name and size. */
	lock_id = btf__add_struct(btf, "bpf_spin_lock", sizeof(struct bpf_spin_lock));
	ck_assert_msg(lock_id > 0, "btf__add_struct(bpf_spin_lock): %d", lock_id);
	ck_assert_int_eq(btf__add_field(btf, "val", u32_id, 0, 0), 0);
	val_id = btf__add_struct(btf, "rhb_locked_val", sizeof(struct rhb_locked_val));
	ck_assert_msg(val_id > 0, "btf__add_struct(rhb_locked_val): %d", val_id);
	ck_assert_int_eq(btf__add_field(btf, "lock", lock_id,
					offsetof(struct rhb_locked_val, lock) * 8, 0), 0);
	ck_assert_int_eq(btf__add_field(btf, "cnt", u32_id,
					offsetof(struct rhb_locked_val, cnt) * 8, 0), 0);
	ck_assert_msg(!btf__load_into_kernel(btf), "btf__load_into_kernel: errno %d (%s)",
		      errno, strerror(errno));
	*btfp = btf;
	*key_id = u32_id;
	*value_id = val_id;
	return btf__fd(btf);
}

int rhb_map_create_locked(const struct rhb_map_kind *k, __u32 max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct btf *btf;
	int fd;

	opts.btf_fd = load_locked_btf(&btf, &opts.btf_key_type_id, &opts.btf_value_type_id);
	fd = rhb_map_create(k, sizeof(__u32), sizeof(struct rhb_locked_val), max_entries, 0,
			    &opts);
	ck_assert_msg(fd >= 0, "[%s] create with spin lock value: expected success, "
		      "got %d (errno %d: %s)", k->name, fd, errno, strerror(errno));
	/* The map holds its own reference to the BTF. */
	btf__free(btf);
	return fd;
}

void rhb_insert_range(const struct rhb_map_kind *k, int fd, __u32 first, __u32 n)
{
	__u32 *keys = malloc((n ? n : 1) * sizeof(*keys)), i, count = n;
	__u64 *vals = malloc((n ? n : 1) * sizeof(*vals));

	ck_assert(keys && vals);
	for (i = 0; i < n; i++) {
		keys[i] = first + i;
		vals[i] = rhb_range_val(first + i);
	}
	ck_assert_msg(!bpf_map_update_batch(fd, keys, vals, &count, NULL) && count == n,
		      "[%s] update_batch of keys %u..%u: %u went in, errno %d (%s)", k->name,
		      first, first + n - 1, count, errno, strerror(errno));
	free(vals);
	free(keys);
}

void rhb_delete_range(const struct rhb_map_kind *k, int fd, __u32 first, __u32 n)
{
	__u32 *keys = malloc((n ? n : 1) * sizeof(*keys)), i, count = n;

	ck_assert(keys);
	for (i = 0; i < n; i++)
		keys[i] = first + i;
	ck_assert_msg(!bpf_map_delete_batch(fd, keys, &count, NULL) && count == n,
		      "[%s] delete_batch of keys %u..%u: %u came out, errno %d (%s)", k->name,
		      first, first + n - 1, count, errno, strerror(errno));
	free(keys);
}

void rhb_pattern(unsigned char *buf, size_t size, unsigned int seed)
{
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(i * 31 + seed + (i >> 8));
}

unsigned long long rhb_map_memlock(int fd)
{
	unsigned long long memlock = 0;
	char path[64], line[256];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	ck_assert_msg(f, "open %s: errno %d (%s)", path, errno, strerror(errno));
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "memlock: %llu", &memlock) == 1;
	fclose(f);
	ck_assert_msg(found, "%s has no memlock: line", path);
	return memlock;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

unsigned long long rhb_wait_memlock(int fd, unsigned long long lo, unsigned long long hi,
				    unsigned int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	unsigned long long deadline = now_ms() + timeout_ms;
	unsigned long long memlock = rhb_map_memlock(fd);

	while ((memlock < lo || memlock > hi) && now_ms() < deadline) {
		nanosleep(&tick, NULL);
		memlock = rhb_map_memlock(fd);
	}
	return memlock;
}

void rhb_rhash_mem_model(__u32 key_size, __u32 value_size, struct rhb_rhash_mem_model *m)
{
	/* Below 3/4 of the first table's buckets: no resize while we count. */
	const unsigned int n = RHB_RHASH_FIRST_BUCKETS / 2;
	const struct rhb_map_kind *k = rhb_map_kind("rhash");
	int fd = rhb_map_create_ok(k, key_size, value_size, n);
	unsigned char key[key_size], value[value_size];
	unsigned long long full;
	unsigned int i;

	memset(key, 0, key_size);
	memset(value, 0, value_size);
	m->empty = rhb_map_memlock(fd);
	for (i = 0; i < n; i++) {
		key[0] = i;
		rhb_kassert_ok(k, bpf_map_update_elem(fd, key, value, BPF_NOEXIST));
	}
	full = rhb_map_memlock(fd);
	close(fd);
	ck_assert_msg(full > m->empty && (full - m->empty) % n == 0,
		      "[rhash] memlock %llu empty, %llu with %u elements: not a size per element",
		      m->empty, full, n);
	m->per_elem = (full - m->empty) / n;
	ck_assert_msg(m->per_elem >= key_size + value_size,
		      "[rhash] memlock counts %llu bytes per element of %u + %u bytes",
		      m->per_elem, key_size, value_size);
}

unsigned long long rhb_rhash_memlock(const struct rhb_rhash_mem_model *m, unsigned long long n,
				     unsigned long long buckets)
{
	/* Fewer buckets than the first table's wrap around and back: still right. */
	return m->empty + n * m->per_elem +
	       (buckets - RHB_RHASH_FIRST_BUCKETS) * sizeof(void *);
}

/* Bounds the wait for rhashtable's resize worker. */
#define RESIZE_TIMEOUT_MS 5000

void rhb_rhash_wait_grown(int fd, const struct rhb_rhash_mem_model *m, unsigned long long n)
{
	unsigned long long want = rhb_rhash_memlock(m, n, n);
	unsigned long long memlock = rhb_wait_memlock(fd, want, ULLONG_MAX, RESIZE_TIMEOUT_MS);

	ck_assert_msg(memlock >= want, "[rhash] memlock %llu with %llu elements, expected %llu or "
		      "more (a bucket per element) within %d ms", memlock, n, want,
		      RESIZE_TIMEOUT_MS);
}

void rhb_rhash_wait_shrunk(int fd, const struct rhb_rhash_mem_model *m, unsigned long long n)
{
	unsigned long long buckets = 4 * n > RHB_RHASH_FIRST_BUCKETS ? 4 * n :
				     RHB_RHASH_FIRST_BUCKETS;
	unsigned long long want = rhb_rhash_memlock(m, n, buckets);
	unsigned long long memlock = rhb_wait_memlock(fd, 0, want, RESIZE_TIMEOUT_MS);

	ck_assert_msg(memlock <= want, "[rhash] memlock %llu with %llu elements, expected %llu or "
		      "less (%llu buckets) within %d ms", memlock, n, want, buckets,
		      RESIZE_TIMEOUT_MS);
}

int rhb_run_socket_prog(int prog_fd, __u32 repeat)
{
	char pkt[64] = {};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);

	return bpf_prog_test_run_opts(prog_fd, &opts) ? -errno : 0;
}
