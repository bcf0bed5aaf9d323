#!/usr/bin/env bash
# The kernel tree machinery (linux/tree.sh through make) on a tiny stand-in
# base: create, export, refuse to touch unexported work, re-apply when clean.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
proj=$tmp/proj
tree=$tmp/build/linux
mkdir -p "$proj"
cp -r "$top/Makefile" "$top/linux" "$top/uml-config" "$proj/"
mkdir -p "$proj/tests" && cp -r "$top/tests/harness" "$proj/tests/"
# Two empty sub-series stand in for the real ones, whatever linux/series lists.
for d in "$proj/linux"/*/; do rm -rf "$d"; done
printf 'sandbox\nrhash\n' >"$proj/linux/series"
for s in sandbox rhash; do
	mkdir "$proj/linux/$s"
	: >"$proj/linux/$s/series"
done

# A base shaped like Debian's: its .gitignore ignores every top-level path.
mkdir -p "$tmp/base/linux-source-6.12/kernel"
printf 'obj-y += a.o\n' >"$tmp/base/linux-source-6.12/kernel/Makefile"
printf '*.o\n\n#\n# Debian packaging: ignore everything at the top level, since it isn'"'"'t\n# included in our repository\n#\n/*\n!/debian/\n' \
	>"$tmp/base/linux-source-6.12/.gitignore"
tar -cJf "$tmp/base.tar.xz" -C "$tmp/base" linux-source-6.12
export BASE_TARBALL=$tmp/base.tar.xz GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
mk() { make -s -C "$proj" BUILD="$tmp/build" "$@"; }
g() { git -C "$tree" "$@"; }

# Creation: base commit without Debian's ignore-all block, one branch per series.
expect_status 0 mk tree
[ "$(g log --format=%s -1 base)" = "base: base.tar.xz" ] || fail "no base commit"
! grep -q '^/\*$' "$tree/.gitignore" || fail ".gitignore still ignores everything"
[ "$(g rev-parse sandbox)" = "$(g rev-parse base)" ] || fail "sandbox branch not at base"
[ "$(g symbolic-ref --short HEAD)" = rhash ] || fail "HEAD is not on the last series"

# A new file committed in the tree reaches the exported patch.
printf 'int a;\n' >"$tree/kernel/new.c"
g add -A && g commit -q -m "bpf: Add new"
expect_status 0 mk export
patch=$proj/linux/rhash/0001-bpf-Add-new.patch
[ -f "$patch" ] || fail "export wrote no $patch"
grep -q '^+++ b/kernel/new.c' "$patch" || fail "new file missing from the patch"
[ "$(cat "$proj/linux/rhash/series")" = 0001-bpf-Add-new.patch ] || fail "series not written"
cp "$patch" "$tmp/first.patch"
expect_status 0 mk export
cmp -s "$patch" "$tmp/first.patch" || fail "re-exporting unchanged commits changed the patch"
expect_status 0 mk tree-status
expect_output 'matches linux/'

# linux/ changes (a pull) while the tree holds an unexported commit: stop.
printf 'int b;\n' >>"$tree/kernel/new.c"
g commit -q -am "bpf: Change new"
head=$(g rev-parse HEAD)
printf '# touched\n' >>"$proj/linux/base"
expect_status 2 mk tree
expect_output 'holds work that is not in linux/'
expect_output 'branch rhash has commits not exported'
[ "$(g rev-parse HEAD)" = "$head" ] || fail "the tree's HEAD moved"
grep -q 'int b;' "$tree/kernel/new.c" || fail "the unexported change was lost"

# ... or an uncommitted edit: stop, and keep the edit.
expect_status 2 mk export
expect_output 'linux/ changed since the tree was synced'
expect_status 0 mk export FORCE=1
printf 'int c;\n' >>"$tree/kernel/new.c"
printf '# touched again\n' >>"$proj/linux/base"
expect_status 2 mk tree
expect_output 'uncommitted:.*kernel/new.c'
grep -q 'int c;' "$tree/kernel/new.c" || fail "the uncommitted edit was lost"
expect_status 2 mk distclean
[ -d "$tree/.git" ] || fail "distclean removed a tree with work in it"

# Clean again: a changed linux/ is re-applied.
g checkout -q -- kernel/new.c
expect_status 0 mk tree
expect_output 're-applying the series'
[ "$(g log --format=%s base..rhash | paste -sd,)" = "bpf: Change new,bpf: Add new" ] ||
	fail "re-applied series differs: $(g log --oneline base..rhash)"
expect_status 0 mk distclean
[ ! -d "$tree" ] || fail "distclean left the tree although it matched linux/"

# The base is kept for the next clone, which clones it instead of unpacking.
export BASE_CACHE=$tmp/cache
expect_status 0 mk tree
expect_output '^tree\.sh: unpacking '
expect_output "^tree\.sh: keeping the base in $BASE_CACHE/base-"
base=$(g rev-parse 'base^{tree}')
expect_status 0 mk distclean
expect_status 0 mk tree
expect_output "^tree\.sh: cloning the base from $BASE_CACHE/base-"
expect_no_output 'unpacking'
[ "$(g rev-parse 'base^{tree}')" = "$base" ] || fail "the cloned base is not the base"
[ -z "$(g remote)" ] || fail "the tree still has a remote: $(g remote)"
[ "$(g log --format=%s base..rhash | paste -sd,)" = "bpf: Change new,bpf: Add new" ] ||
	fail "series not applied on the cloned base: $(g log --oneline base..rhash)"
done_checks
