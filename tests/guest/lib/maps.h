/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map kinds the map suites run every case against, and helpers around them.
 *
 * A case loops with rhb_for_each_map_kind() and names the kind in each
 * message (the rhb_kassert_* macros do it), so one case body checks every
 * kind and a failure says which kind broke. BPF_MAP_TYPE_RHASH joins
 * rhb_map_kinds[] once it exists; the HASH entries are its reference.
 */
#ifndef RHB_MAPS_H
#define RHB_MAPS_H

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <stdbool.h>

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
	/* Implements BPF_MAP_{LOOKUP,UPDATE,DELETE}_BATCH. */
	bool batch_ops;
	/* Walks with iter/bpf_map_elem. */
	bool iter;
};

extern const struct rhb_map_kind rhb_map_kinds[];
extern const unsigned int rhb_nr_map_kinds;

#define rhb_for_each_map_kind(k) \
	for ((k) = rhb_map_kinds; (k) < rhb_map_kinds + rhb_nr_map_kinds; (k)++)

/* The kinds for which @cond (an expression of @k) holds. */
#define rhb_for_each_map_kind_if(k, cond)				\
	rhb_for_each_map_kind(k)					\
		if (!(cond)) {} else

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

/* The map's "memlock:" in /proc/self/fdinfo: what its map_mem_usage() says. */
unsigned long long rhb_map_memlock(int fd);

/*
 * Polls rhb_map_memlock(@fd) until it lies in [@lo, @hi] or @timeout_ms
 * pass, for changes a kernel worker makes shortly after the operation that
 * asked for them (rhashtable resizes). Returns the last value read.
 */
unsigned long long rhb_wait_memlock(int fd, unsigned long long lo, unsigned long long hi,
				    unsigned int timeout_ms);

#endif
