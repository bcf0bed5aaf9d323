#!/usr/bin/env bash
# run.sh's verdict: usage errors, and each way a guest run can go wrong made
# to happen for real (tests/guest/harness.c): a failing test, a kernel panic,
# a hang, a splat while every test passes. Needs the default guest built.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run() { "$top/run.sh" --no-build "$@"; }

# Bad usage: a message, the usage text, status 2.
for args in "--bogus" "--variant nope" "--variant" "--timeout 1x" "--timeout" \
	"--mem lots" "--gdb-batch /nonexistent" "a;b" "--list --gdb"; do
	# shellcheck disable=SC2086 # split the case into arguments
	expect_status 2 run $args
	expect_output '^usage: \./run\.sh'
done
expect_status 0 run --help
expect_output 'FILTER'

expect_status 0 run --list
expect_output '^rhashtable\.test_rhashtable_module'
expect_output '^bpf_rhash\.rhash_update_in_place$'
expect_no_output '^harness\.'
# stdout is the names alone: builds and the console go elsewhere.
names=$(run --list 2>/dev/null)
stray=$(grep -Ev '^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$' <<<"$names" || true)
[ -z "$stray" ] || fail "--list printed more than names: $(head -n 3 <<<"$stray")"
expect_status 0 run --list 'harness.p*'
expect_output '^harness\.pass'
expect_output '^harness\.panic'
expect_no_output '^harness\.fail'

expect_status 0 run harness.pass
expect_output '^default: 1 passed, 0 failed'
expect_output 'run\.sh: PASS'

expect_status 1 run harness.fail
expect_output '^FAIL harness\.fail: guest/harness\.c:[0-9]+: deliberate failure'
expect_output '^default: 0 passed, 1 failed'
junit=$top/build/results/default/junit.xml
python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); f = r.findall(".//testcase[@name=\"fail\"]/failure"); sys.exit(0 if f else 1)' "$junit" ||
	fail "$junit has no failure for harness.fail"

expect_status 1 run harness.panic harness.pass
expect_output '^SPLAT Kernel panic - not syncing: sysrq triggered crash'
expect_output 'died of SIGABRT'
expect_output 'FAIL harness\.<missing'

expect_status 1 run --timeout 3 harness.hang
expect_output 'TIMEOUT after 3s'
expect_output 'died of SIGKILL'

# Every test passes, but the kernel warned: the run fails, the report is decoded.
expect_status 1 run harness.warn
expect_output '^default: 1 passed, 0 failed'
expect_output '^SPLAT WARNING: CPU: 0 PID: [0-9]+ at drivers/misc/lkdtm/bugs\.c'
expect_output 'lkdtm_WARNING \(drivers/misc/lkdtm/bugs\.c:[0-9]+'
expect_output 'run\.sh: FAIL'
done_checks
