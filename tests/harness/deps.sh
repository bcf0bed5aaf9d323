#!/bin/sh
# Installs the Debian packages the build needs (make deps). Plain sh and
# nothing else: on a fresh machine it runs before python3 and bash's friends
# are there. Like tests/harness/progress.py it prints a status line every 15 s
# ($RHB_EVERY, for tests) while apt-get runs, and records its seconds in
# $RHB_STEPS.
#
# usage: tests/harness/deps.sh BUILD PACKAGE...
#   BUILD   where apt-get's log goes (BUILD/apt.log); created if missing
set -eu

[ $# -ge 2 ] || {
	echo "usage: $0 BUILD PACKAGE..." >&2
	exit 2
}
build=$1
shift
mkdir -p "$build"
log=$build/apt.log

missing=""
for p; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
missing=${missing# }

echo "deps: installing Debian packages: $missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root: run 'sudo apt-get install $missing', then make again" >&2
	exit 1
fi

start=$(date +%s)
# shellcheck disable=SC2086 # the package list is words
(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	--no-install-recommends $missing) >"$log" 2>&1 &
apt=$!
ticks=0
while kill -0 "$apt" 2>/dev/null; do
	sleep 1
	ticks=$((ticks + 1))
	if [ $((ticks % ${RHB_EVERY:-15})) = 0 ]; then
		s=$(($(date +%s) - start))
		printf 'deps: %s packages set up, %d:%02d\n' \
			"$(grep -c '^Setting up ' "$log" || true)" $((s / 60)) $((s % 60))
	fi
done
rc=0
wait "$apt" || rc=$?
s=$(($(date +%s) - start))
[ -z "${RHB_STEPS:-}" ] || echo "deps $s" >>"$RHB_STEPS"
if [ "$rc" != 0 ]; then
	tail -n 25 "$log" | sed 's/^/  /' >&2
	echo "deps: apt-get failed (exit $rc; the whole log: $log). Check the network and" \
		"the apt sources (apt-get update must reach Debian bookworm and bookworm-security," \
		"where linux-source-6.12 comes from), then run make again." >&2
	exit 1
fi
printf 'deps: done in %d:%02d\n' $((s / 60)) $((s % 60))
