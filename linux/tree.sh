#!/usr/bin/env bash
# The kernel build tree: the pristine Debian base plus the series of linux/.
#
# The tree is a git repository. Its first commit (tag "base") is the unpacked
# linux-source tarball; each sub-series named in linux/series is a branch
# stacked on the previous one (base -> sandbox -> rhash), one commit per patch.
# Work on a sub-series on its branch; "export" writes every branch back to
# linux/<name>/ as git format-patch files.
#
# BASE_TARBALL=FILE replaces the Debian tarball (the host tests use a tiny one).
#
# The base commit is the same for every clone on a machine: the first one
# keeps it in BASE_CACHE (default ~/.cache/rhashbox), a bare repository per
# base version, and later ones clone it (seconds) instead of unpacking and
# committing 80000 files again (a minute and a half). BASE_CACHE= turns this off.
#
# The tree never loses work: "sync" re-applies linux/ only when the tree holds
# nothing that linux/ does not (no unexported commit, no uncommitted edit).
set -euo pipefail
# Interrupted, still run the EXIT traps that remove temporary worktrees.
trap 'exit 1' INT TERM HUP

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=${TREE:-$here/../build/linux}
state_name=rhashbox.state
# A stand-in base is not cached unless BASE_CACHE says where.
base_cache=${BASE_CACHE-$([ -n "${BASE_TARBALL:-}" ] || echo "${XDG_CACHE_HOME:-$HOME/.cache}/rhashbox")}

usage() {
	cat <<EOF
usage: linux/tree.sh COMMAND     (TREE=$tree)

  sync          create the tree, or re-apply linux/ if it changed and the
                tree holds no unexported work
  export        write the tree's branches back to linux/<series>/
  status        what the tree holds that linux/ does not
  apply-alone S check that sub-series S applies alone on the pristine base
  build-each CONFIG OUTDIR
                build every commit of the series in order with CONFIG
  version       print the base version
EOF
}

die() {
	printf 'tree.sh: %s\n' "$*" >&2
	exit 1
}

git_t() { git -C "$tree" "$@"; }

# The sub-series, in order: the non-comment lines of linux/series.
series_names() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/series"; }

# The patches of one sub-series, in order.
series_patches() {
	local f=$here/$1/series
	[ -f "$f" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$f"
}

base_field() { sed -n "s/^$1=//p" "$here/base"; }

# A fingerprint of everything tree.sh applies: changes when linux/ does.
linux_hash() {
	(
		cd "$here"
		find . -name '*.patch' -o -name series -o -name base | LC_ALL=C sort |
			xargs sha256sum
	) | sha256sum | cut -d' ' -f1
}

state_file() { printf '%s/%s' "$(git_t rev-parse --absolute-git-dir)" "$state_name"; }

# Rewrites the state only if it changed: make rebuilds what depends on it.
record_state() {
	local name sf
	sf=$(state_file)
	{
		printf 'linux %s\n' "$(linux_hash)"
		for name in $(series_names); do
			printf 'tip %s %s\n' "$name" "$(git_t rev-parse "refs/heads/$name")"
		done
	} >"$sf.new"
	if cmp -s "$sf.new" "$sf"; then rm -f "$sf.new"; else mv "$sf.new" "$sf"; fi
}

# Prints one line per piece of work the tree holds that linux/ does not.
unexported_work() {
	local sf name recorded now
	sf=$(state_file)
	if [ ! -f "$sf" ]; then
		echo "no record of what was applied ($sf is missing)"
		return
	fi
	for name in $(series_names); do
		recorded=$(awk -v n="$name" '$1 == "tip" && $2 == n { print $3 }' "$sf")
		now=$(git_t rev-parse -q --verify "refs/heads/$name" || true)
		[ "$recorded" = "$now" ] ||
			echo "branch $name has commits not exported (recorded ${recorded:0:12}, now ${now:0:12})"
	done
	git_t status --porcelain | sed 's/^/uncommitted: /'
}

check_base_package() {
	local pkg want have
	if [ -n "${BASE_TARBALL:-}" ]; then # tests/host: a tiny stand-in base
		tarball=$BASE_TARBALL
		base_version=$(basename "$tarball")
		return
	fi
	pkg=$(base_field package)
	want=$(base_field version)
	tarball=/usr/src/$pkg.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: run 'make deps' (installs $pkg)"
	have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo unknown)
	if [ "$have" != "$want" ]; then
		printf 'tree.sh: WARNING: linux/base pins %s %s but %s is installed;\n' \
			"$pkg" "$want" "$have" >&2
		printf 'tree.sh: WARNING: building on %s (update linux/base once the series applies)\n' \
			"$have" >&2
	fi
	base_version="$pkg $have"
}

# Applies every sub-series as a branch stacked on the previous one.
apply_series() {
	local prev=base name patch
	for name in $(series_names); do
		git_t checkout -q -B "$name" "$prev"
		for patch in $(series_patches "$name"); do
			[ -f "$here/$name/$patch" ] || die "linux/$name/series names $patch, which does not exist"
			GIT_COMMITTER_NAME=rhashbox GIT_COMMITTER_EMAIL=rhashbox@localhost \
				git_t am -q --whitespace=nowarn "$here/$name/$patch" ||
				die "linux/$name/$patch does not apply: fix it in the tree ('git -C $tree am --show-current-patch'), or 'git -C $tree am --abort'"
		done
		printf 'tree.sh: %-8s %2d patches\n' "$name" "$(git_t rev-list --count "$prev..$name")"
		prev=$name
	done
	record_state
}

# The cached base repository of this base version ("" when not cached).
cached_base() {
	[ -n "$base_cache" ] || return 0
	# The recipe's version too: a change to how the base commit is made
	# (below) must not reuse a cache made the old way.
	printf '%s/base-%s-v1.git' "$base_cache" "$(echo "$base_version" | tr ' ~' '_-')"
}

create_tree() {
	local tmp=$tree.new cache
	rm -rf "$tmp"
	cache=$(cached_base)
	if [ -n "$cache" ] && git -C "$cache" rev-parse -q --verify refs/tags/base >/dev/null 2>&1; then
		printf 'tree.sh: cloning the base from %s\n' "$cache"
		git clone -q --local --branch base-root "$cache" "$tmp"
		git -C "$tmp" remote remove origin
		mv "$tmp" "$tree"
		apply_series
		return
	fi
	mkdir -p "$tmp"
	printf 'tree.sh: unpacking %s\n' "$tarball"
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	# Debian's .gitignore ends by ignoring every top-level path (its packaging
	# repository only tracks debian/). Drop that block, or new files such as
	# kernel/bpf/*.c would silently stay out of commits and exported patches.
	awk '/^# Debian packaging: ignore everything/ { exit } { print }' \
		"$tmp/.gitignore" | sed '$ { /^#$/d }' | sed '$ { /^$/d }' >"$tmp/.gitignore.new"
	mv "$tmp/.gitignore.new" "$tmp/.gitignore"
	printf 'tree.sh: committing the pristine base\n'
	git -C "$tmp" init -q -b base-root
	git -C "$tmp" add -A
	GIT_AUTHOR_NAME=rhashbox GIT_AUTHOR_EMAIL=rhashbox@localhost \
		GIT_COMMITTER_NAME=rhashbox GIT_COMMITTER_EMAIL=rhashbox@localhost \
		git -C "$tmp" commit -q -m "base: $base_version"
	git -C "$tmp" tag base
	if [ -n "$cache" ]; then
		# Concurrent first clones: whoever renames first wins, the rest drop theirs.
		printf 'tree.sh: keeping the base in %s for the next clone\n' "$cache"
		mkdir -p "$base_cache"
		git clone -q --bare --local "$tmp" "$cache.$$" &&
			{ mv -T "$cache.$$" "$cache" 2>/dev/null || rm -rf "$cache.$$"; }
	fi
	mv "$tmp" "$tree"
	apply_series
}

cmd_sync() {
	check_base_package
	if [ ! -d "$tree/.git" ]; then
		printf 'tree.sh: base %s\n' "$base_version"
		create_tree
		return
	fi
	local sf work
	sf=$(state_file)
	if [ -f "$sf" ] && [ "$(awk '$1 == "linux" { print $2 }' "$sf")" = "$(linux_hash)" ]; then
		return 0
	fi
	work=$(unexported_work)
	if [ -n "$work" ]; then
		printf 'tree.sh: linux/ changed, but %s holds work that is not in linux/:\n' "$tree" >&2
		printf '  %s\n' "$work" | head -n 20 >&2
		cat >&2 <<EOF
tree.sh: nothing was touched. Either
  - commit the edits, then 'make export FORCE=1' (the tree's series replace
    linux/; 'git diff linux/' then shows what to merge back), or
  - move the tree aside ('mv $tree $tree.old') and run make again.
EOF
		exit 1
	fi
	printf 'tree.sh: linux/ changed: re-applying the series on base %s\n' "$base_version"
	git_t checkout -q --detach base
	apply_series
}

cmd_export() {
	[ -d "$tree/.git" ] || die "no tree at $tree: run 'make tree' first"
	local dirty sf prev=base name n
	dirty=$(git_t status --porcelain)
	[ -z "$dirty" ] || die "uncommitted edits in $tree: commit them to a series branch first"
	sf=$(state_file)
	if [ "${FORCE:-0}" != 1 ] && [ -f "$sf" ] &&
		[ "$(awk '$1 == "linux" { print $2 }' "$sf")" != "$(linux_hash)" ]; then
		die "linux/ changed since the tree was synced; exporting would overwrite it. 'make export FORCE=1' to let the tree win ('git diff linux/' then shows what to merge back)"
	fi
	for name in $(series_names); do
		git_t rev-parse -q --verify "refs/heads/$name" >/dev/null ||
			die "the tree has no branch $name (linux/series names it)"
		rm -f "$here/$name"/*.patch
		mkdir -p "$here/$name"
		# Stable output: re-exporting unchanged commits rewrites nothing.
		# A fixed signature, not none: checkpatch misreads a patch whose
		# last hunk is not followed by the "-- " line.
		git_t format-patch -q -N --zero-commit --signature=rhashbox \
			-o "$here/$name" "$prev..$name"
		(cd "$here/$name" && find . -maxdepth 1 -name '*.patch' -printf '%f\n' |
			LC_ALL=C sort >series)
		n=$(wc -l <"$here/$name/series")
		printf 'tree.sh: exported %-8s %2d patches to linux/%s/\n' "$name" "$n" "$name"
		prev=$name
	done
	record_state
}

cmd_status() {
	[ -d "$tree/.git" ] || die "no tree at $tree: run 'make tree' first"
	local work
	work=$(unexported_work)
	if [ -z "$work" ]; then
		echo "tree.sh: $tree matches linux/"
	else
		echo "tree.sh: $tree holds work not in linux/ ('make export' writes it):"
		printf '  %s\n' "$work"
	fi
}

cmd_apply_alone() {
	local name=${1:-} patch
	[ -n "$name" ] || die "apply-alone needs a sub-series name"
	[ -d "$tree/.git" ] || die "no tree at $tree: run 'make tree' first"
	# Global: the EXIT trap runs after this function's locals are gone.
	alone_wt=$(mktemp -d)
	trap 'git_t worktree remove --force "$alone_wt" >/dev/null 2>&1 || true; rm -rf "$alone_wt"' EXIT
	git_t worktree add -q --detach "$alone_wt" base
	for patch in $(series_patches "$name"); do
		GIT_COMMITTER_NAME=rhashbox GIT_COMMITTER_EMAIL=rhashbox@localhost \
			git -C "$alone_wt" am -q "$here/$name/$patch" ||
			die "$name/$patch does not apply on the base alone"
	done
	echo "tree.sh: linux/$name applies alone on the base ($(series_patches "$name" | wc -l) patches)"
}

# Builds every commit of the series in order: each patch must build alone.
# A worktree walks the commits; one O= directory takes CONFIG (a variant's
# .config) and builds incrementally. Warnings in files a commit touches fail.
cmd_build_each() {
	local config=${1:-} out=${2:-} last commit n=0 total files
	if [ ! -f "$config" ] || [ -z "$out" ]; then
		die "build-each needs CONFIG and OUTDIR (build a variant first)"
	fi
	[ -d "$tree/.git" ] || die "no tree at $tree: run 'make tree' first"
	last=$(series_names | tail -n 1)
	total=$(git_t rev-list --count "base..$last")
	mkdir -p "$out"
	each_wt=$(mktemp -d)
	trap 'git_t worktree remove --force "$each_wt" >/dev/null 2>&1 || true; rm -rf "$each_wt"' EXIT
	git_t worktree add -q --detach "$each_wt" base
	for commit in $(git_t rev-list --reverse "base..$last"); do
		n=$((n + 1))
		git -C "$each_wt" checkout -q --detach "$commit"
		printf 'tree.sh: build %2d/%d %s\n' "$n" "$total" "$(git_t log -1 --format=%s "$commit")"
		cp "$config" "$out/.config"
		make -s -C "$each_wt" O="$out" ARCH=um ${CC:+CC="$CC"} ${LD:+LD="$LD"} olddefconfig >/dev/null
		make -C "$each_wt" O="$out" ARCH=um ${CC:+CC="$CC"} ${LD:+LD="$LD"} -j"${JOBS:-$(nproc)}" linux \
			>"$out/build.log" 2>&1 ||
			die "commit ${commit:0:12} does not build: see $out/build.log"
		files=$(git_t diff --name-only "$commit~1" "$commit" -- '*.c' '*.h' | paste -sd'|')
		if [ -n "$files" ] && grep -E "^[^ ]*($files):[0-9]+:[0-9]+: warning:" "$out/build.log"; then
			die "commit ${commit:0:12} adds the warnings above"
		fi
	done
	echo "tree.sh: every one of the $total commits builds"
}

case ${1:-} in
sync) cmd_sync ;;
export) cmd_export ;;
status) cmd_status ;;
apply-alone) cmd_apply_alone "${2:-}" ;;
build-each) cmd_build_each "${2:-}" "${3:-}" ;;
version)
	check_base_package
	echo "$base_version"
	;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
