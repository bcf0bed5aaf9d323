#!/usr/bin/env bash
# Host-side tests of the tooling: every tests/host/test_* program, KTAP out,
# closing line "host: N passed, N failed". Filters are substrings of names.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
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

echo "KTAP version 1"
echo "1..${#tests[@]}"
passed=0 failed=0 i=0
for t in "${tests[@]}"; do
	i=$((i + 1))
	name=${t##*/}
	log=$(mktemp)
	start=$(date +%s)
	if "$t" >"$log" 2>&1; then
		echo "ok $i $name # $(($(date +%s) - start)) s"
		passed=$((passed + 1))
	else
		sed 's/^/# /' "$log"
		echo "not ok $i $name"
		failed=$((failed + 1))
	fi
	rm -f "$log"
done
echo "host: $passed passed, $failed failed"
[ "$failed" = 0 ]
