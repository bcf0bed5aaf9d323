// SPDX-License-Identifier: GPL-2.0
/* main() of every guest suite: glob selection, one fork per test, KTAP. */
#include <fnmatch.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "rhb_test.h"

#define RHB_MAX_TESTS 512

static const TTest *tests[RHB_MAX_TESTS];
static int nr_tests;

/* Why the running test skipped; shared with its forked child. */
#define RHB_SKIP_LEN 256
static char *skip_reason;

void rhb_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, RHB_SKIP_LEN, fmt, ap);
	va_end(ap);
	/* Leaves the test's child: Check counts it as passed. */
	exit(0);
}

void rhb_register(const TTest *test)
{
	if (nr_tests == RHB_MAX_TESTS) {
		fprintf(stderr, "rhb_test: more than %d tests\n", RHB_MAX_TESTS);
		exit(2);
	}
	tests[nr_tests++] = test;
}

/* Constructors run in no promised order: sort by source line. */
static int by_line(const void *a, const void *b)
{
	const TTest *x = *(const TTest * const *)a, *y = *(const TTest * const *)b;

	return x->line - y->line;
}

/* kunit.py's filter: "suite_glob" or "suite_glob.test_glob". */
static bool glob_matches(const char *glob, const char *test)
{
	const char *dot = strchr(glob, '.');
	size_t suite_len = dot ? (size_t)(dot - glob) : strlen(glob);
	char suite_glob[256];

	if (suite_len >= sizeof(suite_glob))
		return false;
	memcpy(suite_glob, glob, suite_len);
	suite_glob[suite_len] = '\0';
	if (rhb_suite.explicit_only ? strcmp(suite_glob, rhb_suite.name) :
	    fnmatch(suite_glob, rhb_suite.name, 0))
		return false;
	return !dot || !fnmatch(dot + 1, test, 0);
}

static bool selected(const TTest *t, int nglobs, char **globs)
{
	int i;

	if (!nglobs)
		return !rhb_suite.explicit_only;
	for (i = 0; i < nglobs; i++)
		if (glob_matches(globs[i], t->name))
			return true;
	return false;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs one test in a forked child; prints its KTAP line, with the seconds
 * it took after the "#" (KTAP's diagnostic data). Returns pass.
 */
static bool run_one(const TTest *t, int index)
{
	Suite *s = suite_create(rhb_suite.name);
	TCase *tc = tcase_create(t->name);
	double start = now();
	SRunner *sr;
	bool pass;

	/* run.sh's wall clock bounds a hung guest; KASAN runs are slow. */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_FORK);
	skip_reason[0] = '\0';
	srunner_run_all(sr, CK_SILENT);
	pass = srunner_ntests_failed(sr) == 0;
	if (pass && skip_reason[0]) {
		printf("    ok %d %s # SKIP %s\n", index, t->name, skip_reason);
		fflush(stdout);
		srunner_free(sr);
		return true;
	}
	if (!pass) {
		TestResult **failures = srunner_failures(sr);

		printf("    # %s: %s:%d: %s\n", t->name, tr_lfile(failures[0]),
		       tr_lno(failures[0]), tr_msg(failures[0]));
		free(failures);
	}
	printf("    %sok %d %s # %.3f s\n", pass ? "" : "not ", index, t->name, now() - start);
	fflush(stdout);
	srunner_free(sr);
	return pass;
}

int main(int argc, char **argv)
{
	bool list = argc > 1 && !strcmp(argv[1], "--list");
	int first_glob = list ? 2 : 1;
	int nglobs = argc - first_glob, i, planned = 0, failed = 0;
	char **globs = argv + first_glob;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * A page's first touch costs a trip through the UML kernel. Keep freed
	 * memory in the heap, not unmapped: libbpf's every load of vmlinux BTF
	 * (2.4 MB) then reuses the pages of the last one (0.2 s -> 0.03 s).
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	skip_reason = mmap(NULL, RHB_SKIP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			   -1, 0);
	if (skip_reason == MAP_FAILED) {
		perror("rhb_test: mmap");
		return 2;
	}
	qsort(tests, nr_tests, sizeof(tests[0]), by_line);
	for (i = 0; i < nr_tests; i++)
		planned += selected(tests[i], nglobs, globs);
	if (list) {
		for (i = 0; i < nr_tests; i++)
			if (selected(tests[i], nglobs, globs))
				printf("%s.%s\n", rhb_suite.name, tests[i]->name);
		return 0;
	}
	if (!planned)
		return 0;
	printf("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", rhb_suite.name, planned);
	planned = 0;
	for (i = 0; i < nr_tests; i++)
		if (selected(tests[i], nglobs, globs))
			failed += !run_one(tests[i], ++planned);
	return failed ? 1 : 0;
}
