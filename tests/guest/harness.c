// SPDX-License-Identifier: GPL-2.0
/*
 * Deliberate failures that prove run.sh reports them (tests/host). Explicit
 * only: they run when a filter names "harness" literally, never by default.
 */
#include <bpf/bpf.h>
#include <unistd.h>

#include "kernel.h"
#include "rhb_test.h"

RHB_SUITE_EXPLICIT("harness");

RHB_TEST(pass)
{
	ck_assert_int_eq(1 + 1, 2);
}
END_TEST

RHB_TEST(fail)
{
	ck_abort_msg("deliberate failure");
}
END_TEST

/* The whole guest panics: results after this one never come. */
RHB_TEST(panic)
{
	rhb_write_file("/proc/sysrq-trigger", "c");
	ck_abort_msg("still running after sysrq-c");
}
END_TEST

RHB_TEST(hang)
{
	for (;;)
		pause();
}
END_TEST

/* A kernel WARNING while the test itself passes. */
RHB_TEST(warn)
{
	ck_assert_int_eq(rhb_write_file("/sys/kernel/debug/provoke-crash/DIRECT", "WARNING"), 0);
}
END_TEST

/* Sanitizer reports (kasan variant), each provoked through LKDTM. */
static void provoke(const char *what)
{
	ck_assert_int_eq(rhb_write_file("/sys/kernel/debug/provoke-crash/DIRECT", what), 0);
}

RHB_TEST(kasan)
{
	provoke("READ_AFTER_FREE");
}
END_TEST

RHB_TEST(lockdep)
{
	provoke("LOCK_INVERSION");
}
END_TEST

/* The leak is reported by the kmemleak scan at the end of the run. */
RHB_TEST(kmemleak)
{
	provoke("MEMORY_LEAK");
}
END_TEST

/* One update of a known key: tests/host/test_gdb.sh breaks on it. */
RHB_TEST(map_update)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	__u32 key = 0x2a2a;
	__u64 value = 7;
	int fd = bpf_map_create(BPF_MAP_TYPE_RHASH, "gdb_probe", sizeof(key), sizeof(value), 4,
				&opts);

	ck_assert_int_ge(fd, 0);
	rhb_assert_ok(bpf_map_update_elem(fd, &key, &value, BPF_ANY));
	close(fd);
}
END_TEST
