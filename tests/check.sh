#!/usr/bin/env bash
# The project's test command (make check): builds every variant, runs the
# host tests of the tooling, then every guest suite in every variant. Each
# part writes its verdict as JSON (tests/harness/console.py --summary); the
# last lines say where the time went and sum the verdicts. Exit 0 only if
# every part passed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${BUILD:-$top/build}")
variants=$("$top/uml-config/configure.sh" --list)
rc=0
summaries=() times=()

# timed NAME COMMAND...: runs COMMAND, notes how long it took as NAME.
timed() {
	local name=$1 start status=0
	shift
	start=$(date +%s)
	"$@" || status=$?
	times+=("$name $(($(date +%s) - start))")
	return "$status"
}

# part SUMMARY NAME COMMAND...: runs one part; its verdict is in SUMMARY.
part() {
	local summary=$1
	shift
	rm -f "$summary"
	timed "$@" || rc=1
	summaries+=("$summary")
}

# Every variant first: the host tests boot both.
for v in $variants; do
	echo "check: make VARIANT=$v guest"
	timed "build-$v" make -s -C "$top" BUILD="$build" VARIANT="$v" guest || {
		echo "check: the $v variant does not build (see above); nothing was tested"
		exit 1
	}
done
part "$build/results/host/summary.json" host \
	"$top/tests/host/run.sh" --summary "$build/results/host/summary.json"
for v in $variants; do
	part "$build/results/$v/summary.json" "$v" "$top/run.sh" --no-build --variant "$v"
done

/usr/bin/python3 - "${times[*]}" "${summaries[@]}" <<'EOF' || rc=1
import json, sys
times, paths = sys.argv[1].split(), sys.argv[2:]
clock = lambda s: f'{int(s) // 60}:{int(s) % 60:02d}'
total = {'passed': 0, 'failed': 0, 'skipped': 0}
verdicts = []
for path in paths:
    try:
        doc = json.load(open(path))
    except (OSError, ValueError) as err:
        print(f'check: no verdict in {path} ({err}): that part failed before judging')
        total['failed'] += 1
        continue
    for k in total:
        total[k] += doc[k]
    verdicts.append(f"{doc['label']} {doc['verdict']}")
spent = ', '.join(f'{n} {clock(s)}' for n, s in zip(times[::2], times[1::2]))
print(f"check: {', '.join(verdicts)}; in {clock(sum(map(int, times[1::2])))} ({spent})")
print(f"check: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
sys.exit(1 if total['failed'] or len(verdicts) < len(paths) else 0)
EOF
exit $rc
