#!/usr/bin/env bash
# The project's test command (make check): builds every variant, runs the
# host tests of the tooling, then every guest suite in every variant. Each
# part prints "NAME: N passed, N failed"; the last line sums them. Exit 0
# only if every part passed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
variants=$(cd "$top/uml-config" && printf '%s\n' *.config | sed -e '/^common/d' -e 's/\.config$//')
passed=0 failed=0 skipped=0 rc=0

# Runs one part, streaming its output, and adds its closing line to the sums.
part() {
	local out line
	out=$(mktemp)
	"$@" 2>&1 | tee "$out" || rc=1
	line=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1) ||
		{
			echo "check: '$*' printed no results line"
			failed=$((failed + 1))
			rc=1
		}
	rm -f "$out"
	[[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]] || return 0
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
	skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
}

# Every variant first: the host tests boot both.
for v in $variants; do
	echo "check: make VARIANT=$v guest"
	make -s -C "$top" VARIANT="$v" guest || {
		echo "check: the $v variant does not build (see above); nothing was tested"
		exit 1
	}
done
part "$top/tests/host/run.sh"
for v in $variants; do
	part "$top/run.sh" --no-build --variant "$v"
done
echo "check: $passed passed, $failed failed, $skipped skipped"
exit $rc
