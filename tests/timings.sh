#!/usr/bin/env bash
# The figures of the edit loop, measured here and now:
#   no-op make; touch one kernel file -> rebuild -> boot -> one suite's verdict;
#   boot to verdict of every default suite; with --cold, also a cold build of
#   each variant into a scratch BUILD (no ccache; takes minutes).
# usage: tests/timings.sh [--cold]
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
tree=${BUILD:-$top/build}/linux
file=kernel/bpf/hashtab.c

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

make -s guest >/dev/null
printf 'timings: no-op make                          %6s s\n' "$(secs make -s guest)"
touch "$tree/$file"
printf 'timings: touch %s -> make guest     %6s s\n' "$file" "$(secs make -s guest)"
touch "$tree/$file"
printf 'timings: touch -> ./run.sh hash_ops (verdict)   %6s s\n' "$(secs ./run.sh hash_ops)"
printf 'timings: ./run.sh --no-build (every suite)      %6s s\n' "$(secs ./run.sh --no-build)"
if [ "${1:-}" = --cold ]; then
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	mkdir -p "$scratch/build"
	ln -s "$tree" "$scratch/build/linux"
	for v in $(cd uml-config && printf '%s\n' *.config | sed -e '/^common/d' -e 's/\.config$//'); do
		printf 'timings: cold build of %-8s (no ccache)   %6s s\n' "$v" \
			"$(secs make -s BUILD="$scratch/build" VARIANT="$v" CCACHE= kernel)"
	done
fi
