#!/usr/bin/env bash
# The project's test command (make check): builds every variant, runs the
# host tests of the tooling, then every guest suite in every variant. Each
# part writes its verdict as JSON (tests/harness/console.py --summary); the
# last line sums them. Exit 0 only if every part passed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath -m "${BUILD:-$top/build}")
variants=$("$top/uml-config/configure.sh" --list)
start=$(date +%s)
rc=0
summaries=()

# part SUMMARY COMMAND...: runs one part; its verdict is in SUMMARY.
part() {
	local summary=$1
	shift
	rm -f "$summary"
	"$@" || rc=1
	summaries+=("$summary")
}

# Every variant first: the host tests boot both.
for v in $variants; do
	echo "check: make VARIANT=$v guest"
	make -s -C "$top" BUILD="$build" VARIANT="$v" guest || {
		echo "check: the $v variant does not build (see above); nothing was tested"
		exit 1
	}
done
part "$build/results/host/summary.json" "$top/tests/host/run.sh" --summary "$build/results/host/summary.json"
for v in $variants; do
	part "$build/results/$v/summary.json" "$top/run.sh" --no-build --variant "$v"
done

/usr/bin/python3 - "$(($(date +%s) - start))" "${summaries[@]}" <<'EOF' || rc=1
import json, sys
seconds, paths = int(sys.argv[1]), sys.argv[2:]
total = {'passed': 0, 'failed': 0, 'skipped': 0}
parts = []
for path in paths:
    try:
        doc = json.load(open(path))
    except (OSError, ValueError) as err:
        print(f'check: no verdict in {path} ({err}): that part failed before judging')
        total['failed'] += 1
        continue
    for k in total:
        total[k] += doc[k]
    parts.append(f"{doc['label']} {doc['verdict']}")
print(f"check: {', '.join(parts)} in {seconds // 60}:{seconds % 60:02d}")
print(f"check: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
sys.exit(1 if total['failed'] or len(parts) < len(paths) else 0)
EOF
exit $rc
