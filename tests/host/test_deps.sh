#!/usr/bin/env bash
# A fresh machine, without root or network: BUILD does not exist yet,
# dpkg-query says no package is installed, apt-get and id are fakes on PATH.
# make deps creates what it writes into, asks apt-get for every package of
# the list, and when apt-get fails shows the tail of its log and what to do.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fake=$tmp/bin
build=$tmp/no/such/build
mkdir -p "$fake"

# dpkg-query: every package missing, unless FAKE_INSTALLED names the file
# of those that are installed. apt-get: records its arguments, prints what
# apt prints, fails when FAKE_APT_FAIL is set. id -u: FAKE_UID.
cat >"$fake/dpkg-query" <<'EOF'
#!/bin/sh
pkg=$(eval echo "\${$#}")
if [ -n "${FAKE_INSTALLED:-}" ] && grep -qx "$pkg" "$FAKE_INSTALLED"; then
	echo "install ok installed"
	exit 0
fi
echo "dpkg-query: no packages found matching $pkg" >&2
exit 1
EOF
cat >"$fake/apt-get" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_APT_CALLS"
case $1 in
update) echo "Reading package lists..." ;;
install)
	if [ -n "${FAKE_APT_FAIL:-}" ]; then
		echo "E: Unable to locate package clang-19" >&2
		exit 100
	fi
	for p; do case $p in -*|install) ;; *) echo "Setting up $p (1.0) ..." ;; esac; done
	# The compiler cache, as the real ccache package would put it on PATH.
	printf '#!/bin/sh\nexec "$@"\n' >"$(dirname "$0")/ccache" && chmod +x "$(dirname "$0")/ccache"
	sleep "${FAKE_APT_SECONDS:-0}"
	;;
esac
EOF
cat >"$fake/id" <<'EOF'
#!/bin/sh
echo "${FAKE_UID:-0}"
EOF
chmod +x "$fake"/*
export FAKE_APT_CALLS=$tmp/apt-calls PATH="$fake:$PATH"
packages=$(make -s -C "$top" BUILD="$build" print-packages)
[ -n "$packages" ] || fail "make print-packages printed nothing"

# Not root: nothing is installed, the message says how.
expect_status 2 env FAKE_UID=1000 make -s -C "$top" BUILD="$build" deps
expect_output "deps: not root: run 'sudo apt-get install linux-source-6\.12 .*', then make again"
[ ! -e "$FAKE_APT_CALLS" ] || fail "apt-get ran without root"

# apt-get fails: its log's tail and what to do; no stamp, so make tries again.
expect_status 2 env FAKE_APT_FAIL=1 make -s -C "$top" BUILD="$build" deps
expect_output '^deps: installing Debian packages: linux-source-6\.12 '
expect_output '  E: Unable to locate package clang-19'
expect_output "^deps: apt-get failed \\(exit 100; the whole log: $build/apt\\.log\\)\\. Check the network and the apt sources .*bookworm-security.* then run make again\\.$"
[ -f "$build/apt.log" ] || fail "no $build/apt.log"
[ ! -e "$build/.deps" ] || fail "a failed install left the deps stamp"

# apt-get works: every package of the list is asked for, the stamp is made;
# while it runs, status lines say how far it got.
: >"$FAKE_APT_CALLS"
expect_status 0 env FAKE_APT_SECONDS=3 RHB_EVERY=1 make -s -C "$top" BUILD="$build" deps
expect_output '^deps: [0-9]+ packages set up, 0:0[0-9]$'
expect_output '^deps: done in 0:0[0-9]$'
grep -qx update "$FAKE_APT_CALLS" || fail "apt-get update was not run: $(cat "$FAKE_APT_CALLS")"
asked=$(grep '^install ' "$FAKE_APT_CALLS" | tr ' ' '\n' | grep -v '^-' | grep -vx install | sort)
[ "$asked" = "$(tr ' ' '\n' <<<"$packages" | sort)" ] ||
	fail "apt-get install was asked for: $asked; the list is: $packages"
checks=$((checks + 2))
[ -f "$build/.deps" ] || fail "no deps stamp after a good install"

# ccache arrives with the packages, and the make that installed them builds
# with it: it reads the Makefile again (a first build without the cache and
# a second with it would compile the kernel twice). A PATH of this machine's
# programs but its own ccache shows it.
rm -f "$build/.deps" "$fake/ccache"
sys=$tmp/sys
mkdir -p "$sys"
for f in /usr/local/bin/* /usr/bin/* /usr/sbin/*; do
	name=${f##*/}
	[ "$name" = ccache ] || [ -e "$sys/$name" ] || ln -s "$f" "$sys/$name"
done
# shellcheck disable=SC2016 # $(CCACHE) is make's
expect_status 0 env PATH="$fake:$sys" make -s -C "$top" BUILD="$build" \
	--eval 'show-ccache: ; @echo "CCACHE=$(CCACHE)"' show-ccache
expect_output '^CCACHE=ccache$'

# Everything installed: apt-get is not run again.
tr ' ' '\n' <<<"$packages" >"$tmp/installed"
rm -f "$build/.deps" "$FAKE_APT_CALLS"
expect_status 0 env FAKE_INSTALLED="$tmp/installed" make -s -C "$top" BUILD="$build" deps
[ ! -e "$FAKE_APT_CALLS" ] || fail "apt-get ran although every package is installed"
done_checks
