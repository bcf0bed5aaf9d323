#!/usr/bin/env bash
# ./run.sh bench: its usage errors, and the smoke mode (every workload once,
# tiny sizes) booted for real: every table, the JSON and the plot are there,
# and tests/bench/report.py fails a console whose output is broken. Never
# judges speed. Needs the default guest built.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run() { "$top/run.sh" bench --no-build "$@"; }
report=$top/tests/bench/report.py
smoke=$top/build/results/bench-smoke
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for args in "--reps 0" "--reps x" "--reps" "--list" "--shell" "--gdb" "Lookup" "look-up" \
	"--variant nope"; do
	# shellcheck disable=SC2086 # split the case into arguments
	expect_status 2 run $args
	expect_output '^run\.sh bench: '
	expect_output "^Try '\./run\.sh bench --help' for more information\.$"
	expect_no_output '^usage:'
done
# Options of the bench are not options of the test mode.
for args in "--smoke" "--reps 3"; do
	# shellcheck disable=SC2086 # split the case into arguments
	expect_status 2 "$top/run.sh" --no-build $args
	expect_output "^run\.sh: unknown option"
done
expect_status 0 "$top/run.sh" --help
expect_output '^       \./run\.sh bench '
expect_status 0 run --help
expect_output '^usage: \./run\.sh bench '
expect_output "  GROUP +$(python3 "$report" --groups)"
expect_output 'full_update update lookup insert_delete overwrite batch'

expect_status 0 run --smoke
for title in full_update update lookup insert overwrite batch_lookup memory; do
	expect_output "^$title: "
done
expect_output '^  lookup_miss_k64 +bpf '
expect_output '^  batch_lookup +syscall '
expect_output '^  sparse map .* (met|MISSED)'
expect_output '^report: ok: 27 rows \(case x driver\), 5 memory points, 0 problems'
expect_output '^run\.sh bench: PASS in [0-9.]+ s \(bench [0-9.]+ s\)$'
python3 - "$smoke/bench.json" <<'EOF' || fail "$smoke/bench.json is not what the smoke run printed"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc['meta']['smoke'] and not doc['problems'], doc['problems']
assert len(doc['cases']) == 27 and len(doc['memory']) == 5
for c in doc['cases']:
    assert set(c['kinds']) == {'hash', 'hash_no_prealloc', 'rhash'}, c
    assert c['ratios']['hash/rhash'] > 0, c
EOF
[ "$(head -c 4 "$smoke/memory.png" | tail -c 3)" = PNG ] || fail "$smoke/memory.png is not a PNG"
checks=$((checks + 2))

# Groups select; the guest refuses one it does not have.
expect_status 0 run --smoke update memory
expect_output '^update: '
expect_output '^memory: '
expect_no_output '^lookup: '
expect_output '^report: ok: 2 rows \(case x driver\), 5 memory points'
good=$tmp/good.log
cp "$smoke/console.log" "$good"
expect_status 1 run --smoke nosuch
expect_output 'bench: error: no such group'
expect_output '^run\.sh bench: FAIL'

# The report fails a console that lacks anything or holds a failed operation.
expect_status 0 python3 "$report" "$good" --out "$tmp/ok"
# broken SED_SCRIPT REGEX: the good console edited by SED_SCRIPT fails, saying REGEX.
broken() {
	sed "$1" "$good" >"$tmp/broken.log"
	expect_status 1 python3 "$report" "$tmp/broken.log" --out "$tmp/out"
	expect_output "$2"
}
broken '/^bench: done/d' 'PROBLEM: the bench did not finish'
broken '0,/driver=bpf kind=rhash/{/driver=bpf kind=rhash/d}' \
	'PROBLEM: update bpf rhash: reps \[\], expected 1\.\.1'
broken '0,/errors=0/s//errors=3/' 'PROBLEM: update .* 3 of [0-9]+ operations failed'
broken '0,/ns_per_op=[0-9.]*/s//ns_per_op=fast/' 'does not parse'
broken '/^bench: plan/d' 'the bench did not start'
done_checks
