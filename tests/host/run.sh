#!/usr/bin/env bash
# Host-side tests of the tooling: every tests/host/test_* program, KTAP out,
# judged like a guest console (tests/harness/console.py): closing line
# "host: N passed, N failed, N skipped".
#
# usage: tests/host/run.sh [--summary FILE] [SUBSTRING...]
#   SUBSTRING   run only the tests whose names contain one of these
#   --summary   also write the verdict as JSON (make check sums them)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
summary=()
if [ "${1:-}" = --summary ]; then
	[ $# -ge 2 ] || {
		echo "tests/host/run.sh: --summary needs a file" >&2
		exit 2
	}
	mkdir -p "$(dirname "$2")"
	summary=(--summary "$2")
	shift 2
fi
tests=()
for t in "$here"/test_*; do
	# test_data/ holds recorded consoles, not a test
	{ [ -f "$t" ] && [ -x "$t" ]; } || continue
	if [ $# -gt 0 ]; then
		match=0
		for f in "$@"; do [[ ${t##*/} == *"$f"* ]] && match=1; done
		[ $match = 1 ] || continue
	fi
	tests+=("$t")
done

ktap=$(mktemp)
trap 'rm -f "$ktap"' EXIT
{
	echo "KTAP version 1"
	echo "1..${#tests[@]}"
	i=0
	for t in "${tests[@]}"; do
		i=$((i + 1))
		name=${t##*/}
		log=$(mktemp)
		start=$(date +%s)
		if "$t" >"$log" 2>&1; then
			echo "ok $i $name # $(($(date +%s) - start)) s"
		else
			sed 's/^/# /' "$log"
			echo "not ok $i $name"
		fi
		rm -f "$log"
	done
} | tee "$ktap"
/usr/bin/python3 "$here/../harness/console.py" "$ktap" --label host "${summary[@]}"
