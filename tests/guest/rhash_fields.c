// SPDX-License-Identifier: GPL-2.0
/*
 * rhash_fields: special fields in BPF_MAP_TYPE_RHASH values, every case run
 * over rhb_map_kinds[] with HASH as the reference. A spin lock is shared by
 * bpf_spin_lock() in syscall programs and BPF_F_LOCK from userspace, across
 * updates (in place for RHASH). A bpf_timer can be set up from a syscall
 * program (the interpreter refuses its callback, so it never starts) and is
 * freed when its element is deleted, overwritten without BPF_F_LOCK, or the
 * last user reference to the map goes; an update with BPF_F_LOCK keeps it.
 * That nothing leaks is proven by the kasan variant, whose kmemleak scan at
 * the end of the run fails it on any leak. bpf_wq and kptrs need kfuncs,
 * which the interpreter refuses (pinned below); the KUnit suite bpf_rhash
 * covers the release of kptrs.
 */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "maps.h"
#include "progs.h"
#include "rhash_fields.skel.h"

RHB_SUITE("rhash_fields");

/* struct locked_val and struct timer_val of rhash_fields.bpf.c */
struct locked_val {
	struct bpf_spin_lock lock;
	__u32 a;
	__u64 b;
};

struct timer_val {
	struct bpf_spin_lock lock;
	struct bpf_timer timer;
	__u64 n;
};

/* The kind the maps locked and timers are of: messages name it. */
static const struct rhb_map_kind *kind;

/* Loads the object with locked and timers of kind @k (the others stay RHASH). */
static struct rhash_fields *load(const struct rhb_map_kind *k)
{
	struct rhash_fields *skel = rhash_fields__open();
	int err;

	ck_assert_msg(skel, "rhash_fields__open: errno %d (%s)", errno, strerror(errno));
	rhb_map_set_kind(skel->maps.locked, k);
	rhb_map_set_kind(skel->maps.timers, k);
	err = rhash_fields__load(skel);
	ck_assert_msg(!err, "[%s] rhash_fields__load: %d (%s)", k->name, err, strerror(-err));
	kind = k;
	return skel;
}

/* Runs syscall program @prog with key @key, arg @arg, flags @flags; returns its ret. */
static long run(struct rhash_fields *skel, struct bpf_program *prog, __u32 key, __u64 arg,
		__u64 flags)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	skel->bss->key = key;
	skel->bss->arg = arg;
	skel->bss->flags = flags;
	skel->bss->ret = 1;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	ck_assert_msg(!err && opts.retval == 0, "[%s] test run of %s: %d (errno %d: %s), retval "
		      "%u", kind->name, bpf_program__name(prog), err, errno, strerror(errno),
		      opts.retval);
	ck_assert_msg(skel->bss->ret != 1, "[%s] %s did not set ret", kind->name,
		      bpf_program__name(prog));
	return skel->bss->ret;
}

/* Asserts that the helper result @got (from run()) is @want. */
#define expect_ret(got, want)						\
	do {								\
		long __g = (got), __w = (want);				\
		ck_assert_msg(__g == __w, "[%s] %s: expected %ld (%s), got %ld", kind->name, \
			      #got, __w, #want, __g);			\
	} while (0)

/* Spin lock */

/* Asserts from userspace (BPF_F_LOCK lookup) that @key of locked has a = b = @want. */
static void expect_locked(struct rhash_fields *skel, __u32 key, __u64 want)
{
	struct locked_val v;

	memset(&v, 0xff, sizeof(v));
	rhb_kassert_ok(kind, bpf_map__lookup_elem(skel->maps.locked, &key, sizeof(key), &v,
						  sizeof(v), BPF_F_LOCK));
	ck_assert_msg(v.a == want && v.b == want && !v.lock.val, "[%s] BPF_F_LOCK lookup of key "
		      "%u: a %u b %llu lock %u, expected %llu, %llu, 0", kind->name, key, v.a,
		      (unsigned long long)v.b, v.lock.val, (unsigned long long)want,
		      (unsigned long long)want);
}

/* Updates @key of locked from userspace to a = b = @n, the lock word set, with @flags. */
static void update_locked(struct rhash_fields *skel, __u32 key, __u32 n, __u64 flags)
{
	/* A lock word taken in what userspace writes: the kernel must not copy it. */
	struct locked_val v = { .lock = { .val = ~0U }, .a = n, .b = n };

	rhb_kassert_ok(kind, bpf_map__update_elem(skel->maps.locked, &key, sizeof(key), &v,
						  sizeof(v), flags));
}

RHB_TEST(spin_lock_shared_by_programs_and_f_lock_from_userspace)
{
	LIBBPF_OPTS(bpf_map_batch_opts, lock_opts, .elem_flags = BPF_F_LOCK);
	__u32 key = 3, keys[2], count, out_batch;
	const struct rhb_map_kind *k;
	struct locked_val v, out[2];

	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);

		update_locked(skel, key, 100, BPF_NOEXIST | BPF_F_LOCK);
		expect_ret(run(skel, skel->progs.lock_add, key, 5, 0), 0);
		expect_locked(skel, key, 105);
		/* Over the value (in place for RHASH): the program still takes the lock. */
		update_locked(skel, key, 7, BPF_EXIST);
		expect_ret(run(skel, skel->progs.lock_add, key, 1, 0), 0);
		expect_locked(skel, key, 8);
		update_locked(skel, key, 20, BPF_EXIST | BPF_F_LOCK);
		expect_ret(run(skel, skel->progs.lock_read, key, 0, 0), 0);
		ck_assert_msg(skel->bss->got_a == 20 && skel->bss->got_b == 20, "[%s] read under "
			      "the lock: a %u b %llu, expected 20 and 20", k->name,
			      skel->bss->got_a, (unsigned long long)skel->bss->got_b);

		/* A lookup batch with BPF_F_LOCK: under the lock, the lock word zeroed. */
		count = 2;
		memset(out, 0xff, sizeof(out));
		rhb_kassert_errno(k, bpf_map_lookup_batch(bpf_map__fd(skel->maps.locked), NULL,
							  &out_batch, keys, out, &count,
							  &lock_opts), ENOENT);
		ck_assert_msg(count == 1 && keys[0] == key && out[0].a == 20 && out[0].b == 20 &&
			      !out[0].lock.val, "[%s] BPF_F_LOCK lookup_batch: %u elements, key "
			      "%u a %u b %llu lock %u; expected 1, %u, 20, 20, 0", k->name, count,
			      keys[0], out[0].a, (unsigned long long)out[0].b, out[0].lock.val,
			      key);

		memset(&v, 0xff, sizeof(v));
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_elem_flags(
					  bpf_map__fd(skel->maps.locked), &key, &v, BPF_F_LOCK));
		ck_assert_msg(v.a == 20 && v.b == 20 && !v.lock.val, "[%s] BPF_F_LOCK "
			      "lookup_and_delete: a %u b %llu lock %u, expected 20, 20, 0",
			      k->name, v.a, (unsigned long long)v.b, v.lock.val);
		expect_ret(run(skel, skel->progs.lock_add, key, 1, 0), -ENOENT);
		rhash_fields__destroy(skel);
	}
}
END_TEST

/* Timers */

#define CLOCK_MONOTONIC_ID 1
#define CLOCK_PROCESS_CPUTIME_ID_ID 2
#define CLOCK_BOOTTIME_ID 7

/* Inserts or updates @key of timers from userspace, n = @n, with @flags. */
static void timer_update(struct rhash_fields *skel, __u32 key, __u64 n, __u64 flags)
{
	struct timer_val v = { .n = n };

	rhb_kassert_ok(kind, bpf_map__update_elem(skel->maps.timers, &key, sizeof(key), &v,
						  sizeof(v), flags));
}

/* bpf_timer_init() of @key's timer, CLOCK_MONOTONIC: 0, or -EBUSY if it has one. */
static long timer_init(struct rhash_fields *skel, __u32 key)
{
	return run(skel, skel->progs.timer_init, key, CLOCK_MONOTONIC_ID, 0);
}

RHB_TEST(timer_init_start_cancel_errnos)
{
	const struct rhb_map_kind *k;
	struct timer_val v, zero = {};
	__u32 key = 1;

	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);

		timer_update(skel, 1, 11, BPF_NOEXIST);
		timer_update(skel, 2, 22, BPF_NOEXIST);
		expect_ret(timer_init(skel, 1), 0);
		expect_ret(timer_init(skel, 1), -EBUSY);
		/* Without a callback (the interpreter cannot have one) no timer starts. */
		expect_ret(run(skel, skel->progs.timer_start, 1, 1000000, 0), -EINVAL);
		expect_ret(run(skel, skel->progs.timer_start, 1, 1000000, BPF_F_TIMER_ABS),
			   -EINVAL);
		expect_ret(run(skel, skel->progs.timer_start, 1, 1000000, 4), -EINVAL);
		expect_ret(run(skel, skel->progs.timer_cancel, 1, 0, 0), 0);
		/* No timer yet: nothing to start or cancel. */
		expect_ret(run(skel, skel->progs.timer_cancel, 2, 0, 0), -EINVAL);
		expect_ret(run(skel, skel->progs.timer_start, 2, 1000000, 0), -EINVAL);
		/* Clocks: CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_BOOTTIME only. */
		expect_ret(run(skel, skel->progs.timer_init, 2, CLOCK_PROCESS_CPUTIME_ID_ID, 0),
			   -EINVAL);
		expect_ret(run(skel, skel->progs.timer_init, 2, 16, 0), -EINVAL);
		expect_ret(run(skel, skel->progs.timer_init, 2, CLOCK_BOOTTIME_ID, 0), 0);
		expect_ret(run(skel, skel->progs.timer_init, 3, CLOCK_MONOTONIC_ID, 0), -ENOENT);
		/* Userspace sees the value, its timer zeroed. */
		memset(&v, 0xff, sizeof(v));
		rhb_kassert_ok(k, bpf_map__lookup_elem(skel->maps.timers, &key, sizeof(key), &v,
						       sizeof(v), 0));
		ck_assert_msg(v.n == 11 && !memcmp(&v.timer, &zero.timer, sizeof(v.timer)),
			      "[%s] lookup of key 1: n %llu, timer %s; expected 11 and zeroes",
			      k->name, (unsigned long long)v.n,
			      memcmp(&v.timer, &zero.timer, sizeof(v.timer)) ? "set" : "zero");
		rhash_fields__destroy(skel);
	}
}
END_TEST

RHB_TEST(timer_freed_when_its_element_is_deleted)
{
	const struct rhb_map_kind *k;
	struct timer_val v;
	__u32 key = 1;

	/* From userspace, from BPF, and by lookup_and_delete. */
	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);

		timer_update(skel, key, 1, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
		rhb_kassert_ok(k, bpf_map__delete_elem(skel->maps.timers, &key, sizeof(key), 0));
		expect_ret(timer_init(skel, key), -ENOENT);
		timer_update(skel, key, 2, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
		expect_ret(run(skel, skel->progs.timer_delete, key, 0, 0), 0);
		timer_update(skel, key, 3, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
		rhb_kassert_ok(k, bpf_map__lookup_and_delete_elem(skel->maps.timers, &key,
								  sizeof(key), &v, sizeof(v), 0));
		rhb_kassert_u64_eq(k, v.n, 3);
		/* A new element of the same key starts without a timer. */
		timer_update(skel, key, 4, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
		rhash_fields__destroy(skel);
	}
}
END_TEST

RHB_TEST(timer_freed_by_update_kept_with_f_lock)
{
	const struct rhb_map_kind *k;
	__u32 key = 1;

	/*
	 * RHASH overwrites the value in place: without BPF_F_LOCK the old
	 * value's timer is freed, as HASH frees it with the element it
	 * replaces, and a new one can be set up; with BPF_F_LOCK, which
	 * writes over the value on both, it stays.
	 */
	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);

		timer_update(skel, key, 1, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
		timer_update(skel, key, 2, BPF_EXIST);
		expect_ret(timer_init(skel, key), 0);
		timer_update(skel, key, 3, BPF_ANY);
		expect_ret(timer_init(skel, key), 0);
		timer_update(skel, key, 4, BPF_EXIST | BPF_F_LOCK);
		expect_ret(timer_init(skel, key), -EBUSY);
		/* The same from BPF. */
		expect_ret(run(skel, skel->progs.timer_update, key, 5, BPF_EXIST), 0);
		expect_ret(timer_init(skel, key), 0);
		expect_ret(run(skel, skel->progs.timer_update, key, 6, BPF_F_LOCK), 0);
		expect_ret(timer_init(skel, key), -EBUSY);
		expect_ret(run(skel, skel->progs.timer_update, key, 7, BPF_ANY), 0);
		expect_ret(timer_init(skel, key), 0);
		rhash_fields__destroy(skel);
	}
}
END_TEST

#define TIMER_KEYS 256

/* Inserts keys 0..TIMER_KEYS-1 into timers, each with a timer set up. */
static void timers_fill(struct rhash_fields *skel)
{
	__u32 key;

	for (key = 0; key < TIMER_KEYS; key++) {
		timer_update(skel, key, key, BPF_NOEXIST);
		expect_ret(timer_init(skel, key), 0);
	}
}

RHB_TEST(timers_freed_by_batch_deletes)
{
	struct timer_val *vals = calloc(TIMER_KEYS, sizeof(*vals));
	__u32 keys[TIMER_KEYS], count, left, out, key;
	const struct rhb_map_kind *k;

	ck_assert(vals);
	/* Some by lookup_and_delete_batch, the rest by delete_batch. */
	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);
		int fd = bpf_map__fd(skel->maps.timers);

		timers_fill(skel);
		count = TIMER_KEYS / 2;
		rhb_kassert_ok(k, bpf_map_lookup_and_delete_batch(fd, NULL, &out, keys, vals,
								  &count, NULL));
		ck_assert_msg(count >= 1 && count <= TIMER_KEYS / 2, "[%s] lookup_and_delete_batch "
			      "of %u: %u", k->name, TIMER_KEYS / 2, count);
		for (key = 0, left = 0; key < TIMER_KEYS; key++)
			if (!bpf_map_lookup_elem(fd, &key, &vals[0]))
				keys[left++] = key;
		rhb_kassert_u64_eq(k, left, TIMER_KEYS - count);
		count = left;
		rhb_kassert_ok(k, bpf_map_delete_batch(fd, keys, &count, NULL));
		rhb_kassert_u64_eq(k, count, left);
		rhb_kassert_errno(k, bpf_map_get_next_key(fd, NULL, &key), ENOENT);
		rhash_fields__destroy(skel);
	}
	free(vals);
}
END_TEST

RHB_TEST(timers_freed_with_the_map)
{
	const struct rhb_map_kind *k;

	/* Freed by the last user reference and by the map's free: kmemleak would tell. */
	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);

		timers_fill(skel);
		rhash_fields__destroy(skel);
	}
}
END_TEST

RHB_TEST(timers_released_when_the_last_user_reference_goes)
{
	const struct rhb_map_kind *k;

	/*
	 * The programs still hold the map, no fd does: map_release_uref()
	 * releases every value's timer. A timer still there would make
	 * bpf_timer_init() return -EBUSY; with none, it refuses a new one,
	 * since no user reference would release it.
	 */
	rhb_for_each_map_kind(k) {
		struct rhash_fields *skel = load(k);
		int fd = bpf_map__fd(skel->maps.timers), null = open("/dev/null", O_RDONLY);

		timers_fill(skel);
		ck_assert_msg(null >= 0 && dup2(null, fd) == fd, "dup2 over the map's fd: errno %d",
			      errno);
		expect_ret(timer_init(skel, 0), -EPERM);
		expect_ret(timer_init(skel, TIMER_KEYS - 1), -EPERM);
		/* The map still works for the programs. */
		expect_ret(run(skel, skel->progs.timer_update, TIMER_KEYS, 1, BPF_NOEXIST), 0);
		expect_ret(timer_init(skel, TIMER_KEYS), -EPERM);
		expect_ret(run(skel, skel->progs.timer_delete, 0, 0, 0), 0);
		close(null);
		/* libbpf closes the fd number, now /dev/null's. */
		rhash_fields__destroy(skel);
	}
}
END_TEST

/* What the interpreter refuses */

static char log_buf[1 << 16];

/* The kernel's ENOTSUPP, which no userspace header has. */
#define ENOTSUPP 524

/* Loads the object with program @name enabled: fails with -@e, the log saying @why. */
static void expect_refused(const char *name, int e, const char *why)
{
	struct rhash_fields *skel = rhash_fields__open();
	int err;

	ck_assert_msg(skel, "rhash_fields__open: errno %d (%s)", errno, strerror(errno));
	rhb_prog_enable(skel->obj, name, log_buf, sizeof(log_buf));
	err = rhash_fields__load(skel);
	ck_assert_msg(err == -e && strstr(log_buf, why), "loading %s: expected %d and \"%s\", "
		      "got %d (%s), log:\n%s", name, -e, why, err, strerror(-err), log_buf);
	rhash_fields__destroy(skel);
}

RHB_TEST(timer_callback_refused_by_the_interpreter)
{
	expect_refused("timer_set_callback", EINVAL,
		       "callbacks are not allowed in non-JITed programs");
}
END_TEST

RHB_TEST(wq_and_kptr_kfuncs_refused_by_the_interpreter)
{
	/*
	 * The maps themselves load: RHASH takes bpf_wq and kptr fields. The
	 * verifier refuses the kfuncs as it meets them, -ENOTSUPP.
	 */
	expect_refused("wq_init", ENOTSUPP, "JIT is required for calling kernel function");
	expect_refused("kptr_store", ENOTSUPP, "JIT is required for calling kernel function");
}
END_TEST
