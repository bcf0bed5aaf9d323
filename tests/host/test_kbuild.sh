#!/usr/bin/env bash
# linux/build.py on the default build: a changed source of vmlinux is
# recompiled and relinked without kbuild's tree walk, and kbuild then finds
# nothing left to do (the fast path left its state exactly as its own
# build would); nothing changed, nothing runs; a Makefile or a header that
# a generated file depends on sends the build through kbuild's walk.
# Needs the default guest built.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tree=$top/build/linux
kout=$top/build/kernel/default
mk() { make -s -C "$top" "$@" kernel; }
mtime() { stat -c %Y.%y "$1"; }

expect_status 0 mk
before=$(mtime "$kout/vmlinux")

# Nothing changed: no compile, no link, no kbuild.
expect_status 0 mk
expect_no_output 'build\.py:'
[ "$(mtime "$kout/vmlinux")" = "$before" ] || fail "an up-to-date kernel was relinked"

touch "$tree/kernel/bpf/rhashtab.c"
expect_status 0 mk
expect_output '^build\.py: 1 object\(s\) to rebuild \(kernel/bpf/rhashtab\.o\): relinking without the tree walk$'
[ "$(mtime "$kout/vmlinux")" != "$before" ] || fail "vmlinux was not relinked"
after=$(mtime "$kout/vmlinux")

# kbuild's own walk agrees: nothing to compile, nothing to link.
expect_status 0 mk FULL=1 V=1
expect_no_output ' -c -o kernel/bpf/rhashtab\.o '
expect_no_output ' -r -o vmlinux\.o '
[ "$(mtime "$kout/vmlinux")" = "$after" ] || fail "kbuild relinked after the fast path"

# What the fast path cannot judge goes through kbuild, which says why.
touch "$tree/kernel/bpf/Makefile"
expect_status 0 mk
expect_output '^build\.py: kbuild walks the tree: kernel/bpf/Makefile changed, which no object of vmlinux is built from$'
touch "$tree/scripts/kallsyms.c"
expect_status 0 mk
expect_output '^build\.py: kbuild walks the tree: scripts/kallsyms\.c changed, which something other than an object of vmlinux depends on$'
done_checks
