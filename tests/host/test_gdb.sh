#!/usr/bin/env bash
# ./run.sh --gdb-batch: a breakpoint in the RHASH map update is hit while the
# guest test harness.map_update runs, gdb prints the key the test inserted,
# and the guest then finishes with a passing verdict.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

here=$(dirname "${BASH_SOURCE[0]}")
expect_status 0 "$top/run.sh" --no-build --timeout 120 --gdb-batch "$here/test_gdb.gdb" harness.map_update
expect_output '^Breakpoint 1 at 0x[0-9a-f]+: file .*kernel/bpf/rhashtab\.c'
expect_output '^gdb: update key=0x2a2a$'
expect_output '^#1 .* in bpf_map_update_value'
expect_output '^default: 1 passed, 0 failed'
expect_output 'run\.sh: PASS'
done_checks
