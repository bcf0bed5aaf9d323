#!/usr/bin/env bash
# The figures of the edit loop, measured here and now: no-op make; touch the
# RHASH source -> rebuild -> boot -> one suite's verdict, and its parts; boot
# to verdict of every default suite; with --cold, also a cold build of each
# variant into a scratch BUILD (no ccache; takes minutes).
# usage: tests/timings.sh [--cold]
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
tree=${BUILD:-$top/build}/linux
file=kernel/bpf/rhashtab.c
suite=rhash_ops

secs() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || {
		echo "timings: '$*' failed" >&2
		exit 1
	}
	end=$(date +%s.%N)
	printf '%.1f' "$(echo "$end - $start" | bc)"
}

row() { printf 'timings: %-48s %6s s\n' "$1" "$2"; }

make -s guest >/dev/null
row "no-op make" "$(secs make -s guest)"
row "no-op kbuild of the kernel (make kernel)" "$(secs make -s kernel)"
touch "$tree/$file"
row "touch $file -> make kernel" "$(secs make -s kernel)"
row "boot -> verdict of $suite (--no-build)" "$(secs ./run.sh --no-build "$suite")"
touch "$tree/$file"
row "touch $file -> ./run.sh $suite (verdict)" "$(secs ./run.sh "$suite")"
row "boot -> verdict of every default suite" "$(secs ./run.sh --no-build)"
if [ "${1:-}" = --cold ]; then
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	mkdir -p "$scratch/build"
	ln -s "$tree" "$scratch/build/linux"
	for v in $(cd uml-config && printf '%s\n' *.config | sed -e '/^common/d' -e 's/\.config$//'); do
		row "cold build of $v (no ccache)" \
			"$(secs make -s BUILD="$scratch/build" VARIANT="$v" CCACHE= kernel)"
	done
fi
