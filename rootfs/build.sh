#!/usr/bin/env bash
# Stages the guest root: busybox-static, /init and the test suites. UML boots
# it through hostfs, so nothing is packed into an image: a rebuilt suite is
# live at the next boot. Kernel modules are installed by make (modules_install).
#
# usage: rootfs/build.sh ROOT TESTS_OUT
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -eq 2 ] || {
	echo "usage: $0 ROOT TESTS_OUT" >&2
	exit 2
}
root=$1 tests=$2
busybox=/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
	echo "rootfs/build.sh: no static $busybox: run 'make deps' (installs busybox-static)" >&2
	exit 1
fi

mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc,lib/modules,tests/suites}
ln -sfn bin "$root/sbin"
cp -u "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$here/init" "$root/init"
rsync -a --delete "$tests/suites/" "$root/tests/suites/"
