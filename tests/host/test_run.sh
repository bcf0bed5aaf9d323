#!/usr/bin/env bash
# run.sh's verdict: usage errors, and each way a guest run can go wrong made
# to happen for real (tests/guest/harness.c): a failing test, a kernel panic,
# a hang, a splat while every test passes. Needs the default guest built.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run() { "$top/run.sh" --no-build "$@"; }

# Bad usage: what is wrong and where the manual is (git's and kunit.py's
# convention), not the whole manual; status 2.
for args in "--bogus" "--variant nope" "--variant" "--timeout 1x" "--timeout" \
	"--mem lots" "--gdb-batch /nonexistent" "a;b" "--list --gdb" "-j 0" "-j" \
	"--jobs x" "--gdb -j 2" "rhash_ops bench"; do
	# shellcheck disable=SC2086 # split the case into arguments
	expect_status 2 run $args
	expect_output '^run\.sh: '
	expect_output "^Try '\./run\.sh --help' for more information\.$"
	expect_no_output '^usage:'
	[ "$(wc -l <<<"$out")" = 2 ] || fail "'run.sh $args' printed more than two lines: $out"
done
expect_status 0 run --help
expect_output '^usage: \./run\.sh \[OPTIONS\] \[FILTER\.\.\.\]'
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
expect_output '^run\.sh: FAIL in '
expect_no_output 'internal error'
results=$top/build/results/default
python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); f = r.findall(".//testcase[@name=\"fail\"]/failure"); sys.exit(0 if f else 1)' "$results/junit.xml" ||
	fail "$results/junit.xml has no failure for harness.fail"

# Two guests side by side, one suite each: one verdict over both consoles,
# the failure of one guest fails the run, the summary counts both.
expect_status 1 run -j 2 harness.fail 'rhash_ops.create_zero_seed_einval'
expect_output "^run\.sh: booting 2 default guests side by side"
expect_output '^\[1\] |^\[2\] '
expect_output '^FAIL harness\.fail: guest/harness\.c:[0-9]+: deliberate failure'
expect_output '^default: 1 passed, 1 failed, 0 skipped$'
expect_output '^run\.sh: FAIL in [0-9.]+ s \(boot [0-9.]+ s, suites [0-9.]+ s\)$'
{ [ -f "$results/console-1.log" ] && [ -f "$results/console-2.log" ]; } ||
	fail "no console-1.log and console-2.log in $results"
python3 - "$results/summary.json" <<'EOF' || fail "$results/summary.json does not hold both guests' verdict"
import json, sys
doc = json.load(open(sys.argv[1]))
assert (doc['passed'], doc['failed'], doc['verdict']) == (1, 1, 'fail'), doc
assert set(doc['suite_seconds']) == {'harness', 'rhash_ops'}, doc
assert doc['boot_seconds'] > 0, doc
EOF
checks=$((checks + 2))
expect_status 0 run -j 2 harness.pass 'rhash_ops.create_zero_seed_einval'
expect_output '^default: 2 passed, 0 failed, 0 skipped$'
expect_output 'run\.sh: PASS in '

expect_status 1 run harness.panic harness.pass
expect_output '^SPLAT Kernel panic - not syncing: sysrq triggered crash'
expect_output 'guest died of SIGABRT'
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
