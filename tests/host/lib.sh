# shellcheck shell=bash
# Sourced by tests/host/test_*.sh: assertions that say what was expected.
set -euo pipefail
# shellcheck disable=SC2034 # for the tests that source this file
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
checks=0

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# expect_status WANT CMD... : runs CMD, output in $out, exit status must be WANT.
expect_status() {
	local want=$1 got=0
	shift
	out=$("$@" 2>&1) || got=$?
	checks=$((checks + 1))
	[ "$got" = "$want" ] ||
		fail "'$*' exited $got, expected $want; output:"$'\n'"$(tail -n 40 <<<"$out")"
}

# expect_output REGEX: the last expect_status output matches (grep -E).
expect_output() {
	checks=$((checks + 1))
	grep -Eq -- "$1" <<<"$out" ||
		fail "output lacks /$1/; output:"$'\n'"$(tail -n 40 <<<"$out")"
}

expect_no_output() {
	checks=$((checks + 1))
	! grep -Eq -- "$1" <<<"$out" || fail "output has /$1/; output:"$'\n'"$(tail -n 40 <<<"$out")"
}

done_checks() { echo "$checks checks passed"; }
