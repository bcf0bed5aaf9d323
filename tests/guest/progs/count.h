/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Outcome counters for BPF programs that call map helpers many times per
 * BPF_PROG_TEST_RUN (repeat): userspace reads them from the skeleton's bss.
 */
#ifndef RHB_PROGS_COUNT_H
#define RHB_PROGS_COUNT_H

/* Helper calls that succeeded. */
__u64 inserts;
__u64 deletes;
/* Helper calls that failed, and the errors of the first and last of them. */
__u64 failures;
__s64 first_err;
__s64 last_err;

/* Counts a helper's return code @err: in *@ok if it worked, as a failure if not. */
static void count(long err, __u64 *ok)
{
	if (!err) {
		(*ok)++;
		return;
	}
	if (!failures)
		first_err = err;
	failures++;
	last_err = err;
}

#endif
