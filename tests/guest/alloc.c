// SPDX-License-Identifier: GPL-2.0
/*
 * alloc: BPF_F_NO_PREALLOC hash maps take every element from bpf_mem_alloc,
 * whose per-CPU caches are refilled from irq_work. UML ran irq_work only at
 * the next tick, so a burst of inserts drained the cache and failed with
 * -ENOMEM after a handful of elements. These cases make 100000 allocations
 * back to back, from userspace and from BPF, and require every one to work.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.skel.h"
#include "maps.h"

RHB_SUITE("alloc");

/* max_entries and CHURN_WINDOW of progs/alloc.bpf.c */
#define NR_INSERTS 100000
#define CHURN_WINDOW 64

/* Keys and values fetched per BPF_MAP_LOOKUP_BATCH call. */
#define BATCH 4096

/* The value every case stores for @key (alloc.bpf.c computes the same). */
static __u64 val_of(__u32 key)
{
	return key * 3ULL + 1;
}

static int create_no_prealloc(__u32 max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "alloc", sizeof(__u32), sizeof(__u64),
				max_entries, &opts);

	ck_assert_msg(fd >= 0, "create NO_PREALLOC hash of %u: errno %d (%s)", max_entries,
		      errno, strerror(errno));
	return fd;
}

/*
 * Asserts that map @fd holds exactly keys @first..@first+@n-1, each once,
 * with val_of(key). Walks the map with BPF_MAP_LOOKUP_BATCH: a few dozen
 * syscalls instead of one per element.
 */
static void expect_contents(int fd, __u32 first, __u32 n)
{
	__u32 *keys = calloc(BATCH, sizeof(*keys)), batch, count, i, total = 0;
	__u64 *vals = calloc(BATCH, sizeof(*vals));
	unsigned char *seen = calloc(n, 1);
	void *in = NULL;
	int err;

	ck_assert(keys && vals && seen);
	do {
		count = BATCH;
		err = bpf_map_lookup_batch(fd, in, &batch, keys, vals, &count, NULL);
		/* -ENOENT: this was the last batch (@count may still be > 0). */
		ck_assert_msg(!err || errno == ENOENT,
			      "lookup_batch after %u elements: %d (errno %d: %s)", total, err,
			      errno, strerror(errno));
		for (i = 0; i < count; i++) {
			__u32 key = keys[i];

			ck_assert_msg(key - first < n, "unexpected key %u in the map (want %u..%u)",
				      key, first, first + n - 1);
			ck_assert_msg(!seen[key - first], "key %u returned twice", key);
			seen[key - first] = 1;
			ck_assert_msg(vals[i] == val_of(key), "key %u: expected value %llu, got %llu",
				      key, (unsigned long long)val_of(key),
				      (unsigned long long)vals[i]);
		}
		total += count;
		in = &batch;
	} while (!err);
	ck_assert_msg(total == n, "expected %u elements in the map, found %u", n, total);
	free(seen);
	free(vals);
	free(keys);
}

/* Spot-checks single lookups of the first, a middle and the last key. */
static void expect_lookups(int fd, __u32 n)
{
	__u32 keys[] = { 0, 1, n / 2, n - 2, n - 1 }, missing = n;
	unsigned int i;
	__u64 v;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = 0;
		rhb_assert_ok(bpf_map_lookup_elem(fd, &keys[i], &v));
		ck_assert_msg(v == val_of(keys[i]), "lookup of key %u: expected %llu, got %llu",
			      keys[i], (unsigned long long)val_of(keys[i]),
			      (unsigned long long)v);
	}
	rhb_assert_errno(bpf_map_lookup_elem(fd, &missing, &v), ENOENT);
}

static struct alloc *load(void)
{
	struct alloc *skel = alloc__open_and_load();

	ck_assert_msg(skel, "alloc__open_and_load: errno %d (%s)", errno, strerror(errno));
	return skel;
}

/* Runs socket program @prog @repeat times. */
static void run(struct bpf_program *prog, __u32 repeat)
{
	int err = rhb_run_socket_prog(bpf_program__fd(prog), repeat);

	ck_assert_msg(!err, "test run of %s, repeat %u: %d (%s)", bpf_program__name(prog),
		      repeat, err, strerror(-err));
}

/* Asserts that the runs so far made @inserts inserts and @deletes deletes, none failing. */
static void expect_counts(struct alloc *skel, __u32 runs, __u64 inserts, __u64 deletes)
{
	ck_assert_msg(!skel->bss->failures,
		      "%llu helper calls failed, the first with %lld, the last with %lld "
		      "(%llu inserts and %llu deletes worked)",
		      (unsigned long long)skel->bss->failures, (long long)skel->bss->first_err,
		      (long long)skel->bss->last_err, (unsigned long long)skel->bss->inserts,
		      (unsigned long long)skel->bss->deletes);
	ck_assert_msg(skel->bss->next_key == runs, "expected %u program runs, got %u", runs,
		      skel->bss->next_key);
	ck_assert_msg(skel->bss->inserts == inserts, "expected %llu inserts, got %llu",
		      (unsigned long long)inserts, (unsigned long long)skel->bss->inserts);
	ck_assert_msg(skel->bss->deletes == deletes, "expected %llu deletes, got %llu",
		      (unsigned long long)deletes, (unsigned long long)skel->bss->deletes);
}

/*
 * One BPF_MAP_UPDATE_BATCH call: the kernel inserts element after element
 * through the same path as bpf_map_update_elem(), back to back, with no
 * syscall (a ptrace round trip on UML) between two of them for irq_work to
 * catch up in. Every key is new, so every update is an insert (batches take
 * no BPF_NOEXIST).
 */
RHB_TEST(hash_no_prealloc_100k_inserts_from_userspace)
{
	int fd = create_no_prealloc(NR_INSERTS), err;
	__u32 *keys = calloc(NR_INSERTS, sizeof(*keys)), count = NR_INSERTS, key;
	__u64 *vals = calloc(NR_INSERTS, sizeof(*vals));

	ck_assert(keys && vals);
	for (key = 0; key < NR_INSERTS; key++) {
		keys[key] = key;
		vals[key] = val_of(key);
	}
	err = bpf_map_update_batch(fd, keys, vals, &count, NULL);
	ck_assert_msg(!err && count == NR_INSERTS,
		      "update_batch of %u new keys: %d (errno %d: %s), %u inserted, "
		      "the first failing key %u", NR_INSERTS, err, err ? errno : 0,
		      strerror(err ? errno : 0), count, count);
	expect_lookups(fd, NR_INSERTS);
	expect_contents(fd, 0, NR_INSERTS);
	free(vals);
	free(keys);
	close(fd);
}
END_TEST

RHB_TEST(hash_no_prealloc_100k_inserts_from_bpf)
{
	struct alloc *skel = load();
	int fd = bpf_map__fd(skel->maps.hash);

	run(skel->progs.insert, NR_INSERTS);
	expect_counts(skel, NR_INSERTS, NR_INSERTS, 0);
	expect_lookups(fd, NR_INSERTS);
	expect_contents(fd, 0, NR_INSERTS);
	alloc__destroy(skel);
}
END_TEST

RHB_TEST(hash_no_prealloc_full_map_after_100k_inserts_e2big)
{
	struct alloc *skel = load();

	/* A full map refuses the next insert as full, not as out of memory. */
	run(skel->progs.insert, NR_INSERTS + 1);
	ck_assert_msg(skel->bss->inserts == NR_INSERTS, "expected %u inserts, got %llu",
		      NR_INSERTS, (unsigned long long)skel->bss->inserts);
	ck_assert_msg(skel->bss->failures == 1 && skel->bss->first_err == -E2BIG,
		      "insert %u into the full map: expected one failure with %d (-E2BIG), "
		      "got %llu, the first with %lld", NR_INSERTS + 1, -E2BIG,
		      (unsigned long long)skel->bss->failures, (long long)skel->bss->first_err);
	alloc__destroy(skel);
}
END_TEST

RHB_TEST(hash_no_prealloc_100k_delete_insert_churn_from_bpf)
{
	struct alloc *skel = load();

	/* Each run frees an element and allocates one in a full map. */
	run(skel->progs.churn, NR_INSERTS);
	expect_counts(skel, NR_INSERTS, NR_INSERTS, NR_INSERTS - CHURN_WINDOW);
	expect_contents(bpf_map__fd(skel->maps.churn_hash), NR_INSERTS - CHURN_WINDOW,
			CHURN_WINDOW);
	alloc__destroy(skel);
}
END_TEST
