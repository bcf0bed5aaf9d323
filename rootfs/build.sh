#!/usr/bin/env bash
# Stages the guest root: busybox-static, /init, the test suites, the
# benchmark (/tests/bench/rhb_bench, ./run.sh bench) and the static bpftool
# (as /bin/bpftool, for the suites that drive it). UML boots
# it through hostfs, so nothing is packed into an image: a rebuilt suite is
# live at the next boot. Kernel modules are installed by make (modules_install).
#
# usage: rootfs/build.sh ROOT TESTS_OUT [BPFTOOL]
# BPFTOOL defaults to the one make builds beside TESTS_OUT (build/tools).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 2 ] || [ $# -eq 3 ] || {
	echo "usage: $0 ROOT TESTS_OUT [BPFTOOL]" >&2
	exit 2
}
root=$1 tests=$2
bpftool=${3:-$(dirname "$tests")/tools/bpftool/bpftool}
busybox=/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
	echo "rootfs/build.sh: no static $busybox: run 'make deps' (installs busybox-static)" >&2
	exit 1
fi
if [ ! -x "$bpftool" ] || ldd "$bpftool" >/dev/null 2>&1; then
	echo "rootfs/build.sh: no static bpftool at $bpftool: run 'make tools'" >&2
	exit 1
fi

mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,lib/modules,tests/suites,tests/bench}
ln -sfn bin "$root/sbin"
cp -u "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$here/init" "$root/init"
cp -u "$bpftool" "$root/bin/bpftool"
rsync -a --delete "$tests/suites/" "$root/tests/suites/"
rsync -a "$tests/bench/rhb_bench" "$root/tests/bench/"
