// SPDX-License-Identifier: GPL-2.0
/*
 * lib/test_rhashtable.c (CONFIG_TEST_RHASHTABLE=m) in the guest. The module
 * runs its tests at load and logs the outcome; some failures only reach the
 * log, so the verdict reads both the load's result and the messages. Its
 * rhashtable_next_key() tests come with linux/rhash.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kernel.h"
#include "rhb_test.h"

RHB_SUITE("rhashtable");

RHB_TEST(test_rhashtable_module)
{
	int kmsg = rhb_kmsg_open(), err, threads, failed, rhl;
	char *log, *line;

	ck_assert_msg(kmsg >= 0, "cannot open /dev/kmsg");
	err = rhb_load_module("kernel/lib/test_rhashtable.ko", "");
	log = rhb_kmsg_read(kmsg);
	ck_assert_ptr_nonnull(log);
	if (!err)
		rhb_unload_module("test_rhashtable");
	ck_assert_msg(!err, "loading test_rhashtable.ko: %s\n%s", strerror(-err), log);
	ck_assert_msg(!strstr(log, "Test failed"), "test_rhashtable reported:\n%s", log);
	line = strstr(log, "Started ");
	ck_assert_msg(line && sscanf(line, "Started %d threads, %d failed, rhltable test returns %d",
				     &threads, &failed, &rhl) == 3,
		      "no summary line from test_rhashtable:\n%s", log);
	ck_assert_msg(threads > 0 && failed == 0 && rhl == 0,
		      "%d threads, %d failed, rhltable test returned %d", threads, failed, rhl);
	/* linux/rhash adds rhashtable_next_key() and its tests to the module. */
	ck_assert_msg(strstr(log, "rhashtable_next_key: all tests passed"),
		      "no pass line from the rhashtable_next_key() tests:\n%s", log);
	free(log);
}
END_TEST
