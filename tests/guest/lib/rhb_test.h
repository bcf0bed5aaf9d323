/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rhb_test: Check tests that report KTAP and run by glob.
 *
 * A guest suite is one binary: RHB_SUITE("name") once, then RHB_TEST(test)
 * blocks using Check's ck_assert_* macros. rhb_test.c supplies main():
 *
 *   suite [GLOB...]          run the matching tests, print a KTAP subtest
 *   suite --list [GLOB...]   print "suite.test" for each matching test
 *
 * GLOB is kunit.py's "suite_glob.test_glob" ("suite_glob" alone means every
 * test of the suite). Each test runs in its own forked process (Check's
 * CK_FORK), so a crash fails that test only.
 */
#ifndef RHB_TEST_H
#define RHB_TEST_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

/*
 * Check's ck_assert_msg() records a checkpoint through a pipe on every
 * passing assertion: one syscall each, ~50 us on UML, which made a loop that
 * checks 100k elements take 18 s. Every ck_assert_* macro is built on this
 * one: make passing free; a failure still reports file:line and message.
 */
#undef ck_assert_msg
#define ck_assert_msg(expr, ...)					\
	((expr) ? (void)0 :						\
	 _ck_assert_failed(__FILE__, __LINE__, "Assertion '" #expr "' failed", \
			   ## __VA_ARGS__))

void rhb_register(const TTest *test);

struct rhb_suite_info {
	const char *name;
	/* Run only when a glob names the suite literally (harness self-tests). */
	bool explicit_only;
};
extern const struct rhb_suite_info rhb_suite;

#define RHB_SUITE(n) const struct rhb_suite_info rhb_suite = { .name = n }
#define RHB_SUITE_EXPLICIT(n) \
	const struct rhb_suite_info rhb_suite = { .name = n, .explicit_only = true }

/* A Check test, registered with the suite in source order. */
#define RHB_TEST(t)							\
	static const TTest *t;						\
	__attribute__((constructor)) static void t##_register(void)	\
	{								\
		rhb_register(t);					\
	}								\
	START_TEST(t)

/*
 * Ends the test as skipped ("ok N test # SKIP why"): for what this kernel
 * variant cannot do, never for a behaviour that is wrong.
 */
void rhb_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Asserts that a libbpf/syscall call failed with exactly errno @e. */
#define rhb_assert_errno(expr, e)					\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		ck_assert_msg(__r < 0 && __e == (e),\
			      "%s: expected -%s, got %ld (errno %d: %s)", \
			      #expr, #e, __r, __e, strerror(__e));	\
	} while (0)

/* Asserts that a libbpf/syscall call succeeded. */
#define rhb_assert_ok(expr)						\
	do {								\
		errno = 0;						\
		long __r = (long)(expr);				\
		int __e = errno;					\
		ck_assert_msg(__r >= 0, "%s: expected success, got %ld (errno %d: %s)", \
			      #expr, __r, __e, strerror(__e));		\
	} while (0)

#endif
