/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map kinds the map suites run every case against, and helpers around them.
 *
 * A case loops with rhb_for_each_map_kind() and names the kind in each
 * message (the rhb_kassert_* macros do it), so one case body checks every
 * kind and a failure says which kind broke. The HASH entries are the
 * reference for BPF_MAP_TYPE_RHASH; where RHASH differs on purpose, a field
 * of struct rhb_map_kind says what the kind does and the case expects that.
 */
#ifndef RHB_MAPS_H
#define RHB_MAPS_H

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "rhb_test.h"

struct rhb_map_kind {
	const char *name;
	enum bpf_map_type type;
	/* Creation flags that make this kind (e.g. BPF_F_NO_PREALLOC). */
	__u32 map_flags;
	/*
	 * Elements come from a preallocated pool; kinds without one allocate
	 * per insert from bpf_mem_alloc.
	 */
	bool prealloc;
	/*
	 * map_extra is the initial size hint (RHASH); other kinds refuse any
	 * map_extra with -EINVAL.
	 */
	bool map_extra_hint;
	/* Takes BPF_F_ZERO_SEED; RHASH keeps one random seed per map: -EINVAL. */
	bool zero_seed;
	/*
	 * An update of an existing key writes the new value over the old one
	 * (RHASH); HASH links a new element and frees the old one, so a pointer
	 * taken before the update still shows the old value.
	 */
	bool update_in_place;
	/*
	 * The lookup batch cursor is the key of the last element returned
	 * (key_size bytes) and any count >= 1 works (RHASH); HASH's cursor is
	 * a bucket index (4 bytes) and a count that the next bucket's
	 * elements do not fit in gives -ENOSPC.
	 */
	bool batch_cursor_is_key;
};

extern const struct rhb_map_kind rhb_map_kinds[];
extern const unsigned int rhb_nr_map_kinds;

#define rhb_for_each_map_kind(k) \
	for ((k) = rhb_map_kinds; (k) < rhb_map_kinds + rhb_nr_map_kinds; (k)++)

/* The kind named @name; fails the test if there is none. */
const struct rhb_map_kind *rhb_map_kind(const char *name);

/* rhb_assert_errno() that names map kind @k. */
#define rhb_kassert_errno(k, expr, e)					\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		ck_assert_msg(__r < 0 && __e == (e),			\
			      "[%s] %s: expected -%s, got %ld (errno %d: %s)", \
			      (k)->name, #expr, #e, __r, __e, strerror(__e)); \
	} while (0)

/* rhb_assert_ok() that names map kind @k. */
#define rhb_kassert_ok(k, expr)						\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		ck_assert_msg(__r >= 0,					\
			      "[%s] %s: expected success, got %ld (errno %d: %s)", \
			      (k)->name, #expr, __r, __e, strerror(__e)); \
	} while (0)

/* Asserts that unsigned @got equals @want, naming map kind @k. */
#define rhb_kassert_u64_eq(k, got, want)				\
	do {								\
		unsigned long long __g = (got), __w = (want);		\
		ck_assert_msg(__g == __w, "[%s] %s: expected %llu, got %llu", \
			      (k)->name, #got, __w, __g);		\
	} while (0)

/*
 * Creates a map of kind @k with @extra_flags or-ed into its flags and
 * @opts (may be NULL) for the rest. Returns the fd, or a negative error
 * with errno set, so creation failures can be asserted on.
 */
int rhb_map_create(const struct rhb_map_kind *k, __u32 key_size, __u32 value_size,
		   __u32 max_entries, __u32 extra_flags, struct bpf_map_create_opts *opts);

/* rhb_map_create() without extras that fails the test if creation fails. */
int rhb_map_create_ok(const struct rhb_map_kind *k, __u32 key_size, __u32 value_size,
		      __u32 max_entries);

/* Makes map @map of an opened, not yet loaded, BPF object of kind @k. */
void rhb_map_set_kind(struct bpf_map *map, const struct rhb_map_kind *k);

/* Value of the maps rhb_map_create_locked() makes: BTF-described spin lock. */
struct rhb_locked_val {
	struct bpf_spin_lock lock;
	__u32 cnt;
};

/*
 * Creates a map of kind @k, __u32 keys and struct rhb_locked_val values,
 * with the BTF the kernel needs to find the spin lock (BPF_F_LOCK requires
 * it). Fails the test if creation fails.
 */
int rhb_map_create_locked(const struct rhb_map_kind *k, __u32 max_entries);

/*
 * Key ranges of __u32 -> __u64 maps in one BPF_MAP_UPDATE_BATCH or
 * BPF_MAP_DELETE_BATCH call rather than a syscall per element: key @first + i
 * (i < @n) with value rhb_range_val(key). Every element must go in (come
 * out), or the test fails naming kind @k.
 */
static inline __u64 rhb_range_val(__u32 key)
{
	return key * 3ULL + 1;
}

void rhb_insert_range(const struct rhb_map_kind *k, int fd, __u32 first, __u32 n);
void rhb_delete_range(const struct rhb_map_kind *k, int fd, __u32 first, __u32 n);

/* Fills @buf with bytes that depend on @seed and on their place. */
void rhb_pattern(unsigned char *buf, size_t size, unsigned int seed);

/* The map's "memlock:" in /proc/self/fdinfo: what its map_mem_usage() says. */
unsigned long long rhb_map_memlock(int fd);

/*
 * Polls rhb_map_memlock(@fd) until it lies in [@lo, @hi] or @timeout_ms
 * pass, for changes a kernel worker makes shortly after the operation that
 * asked for them (rhashtable resizes). Returns the last value read.
 */
unsigned long long rhb_wait_memlock(int fd, unsigned long long lo, unsigned long long hi,
				    unsigned int timeout_ms);

/*
 * An RHASH map's memlock as rhtab_map_mem_usage() adds it up: the empty map
 * (its first bucket table included), a fixed size per element, and the bucket
 * tables beyond the first. rhb_rhash_mem_model() measures the first two on a
 * scratch map of the same layout, so that a case can tell from a map's
 * memlock and element count how large its bucket tables are.
 */
struct rhb_rhash_mem_model {
	unsigned long long empty;
	unsigned long long per_elem;
};

/* Buckets of an RHASH map's first table without a size hint (rhashtable's default). */
#define RHB_RHASH_FIRST_BUCKETS 64

void rhb_rhash_mem_model(__u32 key_size, __u32 value_size, struct rhb_rhash_mem_model *m);

/*
 * The memlock of a map of model @m with @n elements and bucket tables of
 * @buckets buckets in all (one bucket is a pointer).
 */
unsigned long long rhb_rhash_memlock(const struct rhb_rhash_mem_model *m, unsigned long long n,
				     unsigned long long buckets);

/*
 * Waits (a bounded poll) for RHASH map @fd of model @m, holding @n elements,
 * to have grown to at least a bucket per element (rhashtable keeps at most
 * 3/4 of them used), and fails the test if it does not in time.
 */
void rhb_rhash_wait_grown(int fd, const struct rhb_rhash_mem_model *m, unsigned long long n);

/*
 * Likewise for a shrink after deletes: at most 4 buckets per element
 * (rhashtable shrinks below 3/10 use to fit 2/3 use), and no more than the
 * first table when nearly empty.
 */
void rhb_rhash_wait_shrunk(int fd, const struct rhb_rhash_mem_model *m, unsigned long long n);

/* Runs socket filter @prog_fd @repeat times on a 64-byte packet; 0 or -errno. */
int rhb_run_socket_prog(int prog_fd, __u32 repeat);

#endif
