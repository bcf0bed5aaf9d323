#!/usr/bin/env bash
# The kasan variant's checkers, proven live: a KASAN use-after-free, a
# lockdep inversion and a kmemleak leak (LKDTM, tests/guest/harness.c) each
# fail a run whose tests all pass, and each report is printed decoded. A
# clean run of the same kernel passes: the checkers are quiet otherwise.
# Needs the kasan guest built.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run() { "$top/run.sh" --no-build --variant kasan --timeout 300 "$@"; }

expect_status 0 run harness.pass
expect_output '^kasan: 1 passed, 0 failed'
expect_no_output '^SPLAT'

expect_status 1 run harness.kasan
expect_output '^kasan: 1 passed, 0 failed'
expect_output '^SPLAT BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE'
expect_output 'lkdtm_READ_AFTER_FREE \(.*drivers/misc/lkdtm/heap\.c:[0-9]+'
expect_output 'run\.sh: FAIL'

expect_status 1 run harness.lockdep
expect_output '^kasan: 1 passed, 0 failed'
expect_output '^SPLAT WARNING: possible circular locking dependency detected'
expect_output 'lkdtm_LOCK_INVERSION \(.*drivers/misc/lkdtm/bugs\.c:[0-9]+'
expect_output 'run\.sh: FAIL'

expect_status 1 run harness.kmemleak
expect_output '^kasan: 1 passed, 0 failed'
expect_output '^SPLAT (kmemleak: )?unreferenced object 0x[0-9a-f]+ \(size 64\)'
expect_output 'lkdtm_MEMORY_LEAK \(.*drivers/misc/lkdtm/bugs\.c:[0-9]+'
expect_output 'run\.sh: FAIL'
done_checks
