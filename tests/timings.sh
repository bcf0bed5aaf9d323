#!/usr/bin/env bash
# The project's speed figures, measured here and now. Each MODE prints
# "timings: WHAT  SECONDS s" lines (the README's Figures come from them).
#
# usage: tests/timings.sh [MODE...]      (no MODE: --loop)
#   --loop      the edit loop and the suites: no-op make; touch the RHASH
#               source -> make kernel; boot -> verdict of one suite; touch ->
#               ./run.sh SUITE -> verdict; boot -> verdict of every default
#               suite, in one guest and in one per CPU (-j)
#   --kunit N   the edit loop against kunit.py's, alternated N times in one
#               run: touch kernel/bpf/rhashtab.c -> ./run.sh rhash_ops,
#               and touch lib/rhashtable.c -> kunit.py run (its default
#               kunitconfig, built once in BUILD/kunit); then the same
#               with an edit (a comment appended, so the compiler cannot
#               be skipped; the files get their text back at the end);
#               medians, ratios
#   --cold      a cold build of each variant without ccache (scratch BUILD)
#   --clone     a second clone of this checkout in another directory, with
#               the compiler cache as this machine has it: its first make
#   --fresh     a fresh machine: a Debian bookworm chroot made with
#               debootstrap (root, network to Debian) holding git and make
#               only, with this machine's Debian mirror and apt sources; a
#               clone inside runs ./run.sh, then make check, as the
#               README says (16 minutes here). Each command's own last
#               line says where its time went.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
build=$(realpath -m "${BUILD:-$top/build}")
tree=$build/linux
python=/usr/bin/python3

die() {
	echo "timings: $*" >&2
	exit 1
}

# secs CMD...: CMD's wall time in seconds, its output hidden; fails with it.
secs() {
	local start end out
	out=$(mktemp)
	start=$(date +%s.%N)
	"$@" >"$out" 2>&1 || {
		tail -n 20 "$out" >&2
		rm -f "$out"
		die "'$*' failed (its last lines above)"
	}
	end=$(date +%s.%N)
	rm -f "$out"
	printf '%.1f' "$(echo "$end - $start" | bc)"
}

row() { printf 'timings: %-58s %7s s\n' "$1" "$2"; }

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

loop() {
	local file=kernel/bpf/rhashtab.c suite=rhash_ops
	make -s guest >/dev/null
	row "no-op make (kernel, tools, suites, rootfs)" "$(secs make -s guest)"
	row "no-op kbuild of the kernel (make kernel)" "$(secs make -s kernel)"
	touch "$tree/$file"
	row "touch $file -> make kernel" "$(secs make -s kernel)"
	row "boot -> verdict of $suite (--no-build)" "$(secs ./run.sh --no-build "$suite")"
	touch "$tree/$file"
	row "touch $file -> ./run.sh $suite -> verdict" "$(secs ./run.sh "$suite")"
	row "boot -> verdict of every default suite (one guest)" "$(secs ./run.sh --no-build)"
	row "boot -> verdict of every default suite, -j $(nproc) guests" \
		"$(secs ./run.sh --no-build -j "$(nproc)")"
}

# change HOW FILE ROUND: touch FILE (HOW=touch: make's mtime says rebuild,
# the compiler cache still hits) or append a comment to it (HOW=edit: a new
# text, so the compiler runs, as after a real edit). An edited FILE gets its
# text back when we exit, whatever else it held (put_back).
declare -A saved=()
change() {
	local f=$tree/$2
	if [ "$1" = touch ]; then
		touch "$f"
		return
	fi
	if [ -z "${saved[$f]+set}" ]; then
		saved[$f]=$(mktemp)
		cp "$f" "${saved[$f]}"
	fi
	printf '/* tests/timings.sh, round %s */\n' "$3" >>"$f"
}
put_back() {
	local f
	for f in "${!saved[@]}"; do
		cat "${saved[$f]}" >"$f"
		rm -f "${saved[$f]}"
	done
}

kunit() {
	local n=$1 kdir=$build/kunit i how t
	local -A ours=() theirs=()
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "--kunit takes a number of rounds, not '$n'"
	make -s guest >/dev/null
	echo "timings: building kunit.py's UML kernel in $kdir (once)"
	mkdir -p "$kdir"
	kunit_py() { (cd "$tree" && "$python" tools/testing/kunit/kunit.py "$@" --build_dir="$kdir"); }
	secs kunit_py build --jobs "$(nproc)" >/dev/null
	for ((i = 1; i <= n; i++)); do
		for how in touch edit; do
			# Each loop starts from a tree its build is up to date with.
			secs make -s guest >/dev/null
			change "$how" kernel/bpf/rhashtab.c "$i"
			t=$(secs ./run.sh rhash_ops)
			ours[$how]+=" $t"
			secs kunit_py build --jobs "$(nproc)" >/dev/null
			change "$how" lib/rhashtable.c "$i"
			theirs[$how]+=" $(secs kunit_py run --jobs "$(nproc)")"
			row "round $i, $how: ours, kunit.py" "$t, ${theirs[$how]##* }"
		done
	done
	local a b
	for how in touch edit; do
		a=$(median <<<"${ours[$how]# }")
		b=$(median <<<"${theirs[$how]# }")
		row "$how kernel/bpf/rhashtab.c -> ./run.sh rhash_ops, median of $n" "$a"
		row "$how lib/rhashtable.c -> kunit.py run, median of $n" "$b"
		printf 'timings: %-58s %7.2f\n' "$how: ratio ours / kunit.py (goal <= 0.7)" \
			"$(echo "$a / $b" | bc -l)"
	done
}

cold() {
	local scratch v
	scratch=$(mktemp -d)
	mkdir -p "$scratch/build"
	ln -s "$tree" "$scratch/build/linux"
	for v in $(uml-config/configure.sh --list); do
		row "cold build of $v (no ccache)" \
			"$(secs make -s BUILD="$scratch/build" VARIANT="$v" CCACHE= kernel)"
	done
	rm -rf "$scratch"
}

# ccache's counters of hits and misses, "HITS MISSES".
ccache_counts() {
	ccache --print-stats | awk '$1 ~ /^(direct|preprocessed)_cache_hit$/ { h += $2 }
		$1 == "cache_miss" { m += $2 } END { print h + 0, m + 0 }'
}

clone() {
	local dir before after
	dir=$(mktemp -d /tmp/rhashbox-clone.XXXXXX)
	git clone -q "$top" "$dir/rhashbox"
	before=$(ccache_counts)
	export RHB_STEPS=$dir/steps
	row "second clone, first make (compiler cache shared)" "$(secs make -s -C "$dir/rhashbox")"
	unset RHB_STEPS
	after=$(ccache_counts)
	awk '{ printf "timings:   %-56s %7.1f s\n", $1, $2 }' "$dir/steps"
	read -r h0 m0 <<<"$before"
	read -r h1 m1 <<<"$after"
	echo "timings:   compiler cache: $((h1 - h0)) hits, $((m1 - m0)) misses"
	rm -rf "$dir"
}

# The fresh chroot of --fresh; what remove_fresh takes down at exit.
fresh_root=""

# remove_fresh: unmounts everything under the chroot, then deletes it, but
# never while anything is still mounted there (the chroot's /dev is the
# host's).
remove_fresh() {
	[ -n "$fresh_root" ] || return 0
	umount -R "$fresh_root/proc" "$fresh_root/dev" "$fresh_root/tmp" 2>/dev/null || true
	if findmnt -rn -o TARGET | grep -q "^$fresh_root/"; then
		echo "timings: still mounted under $fresh_root, not deleting it:" \
			"umount -R those mounts, then rm -rf $fresh_root" >&2
		return 0
	fi
	rm -rf "$fresh_root"
}

fresh() {
	local root mirror cmd start end rc
	[ "$(id -u)" = 0 ] || die "--fresh needs root (debootstrap, chroot, mount)"
	command -v debootstrap >/dev/null ||
		die "--fresh needs debootstrap: apt-get install debootstrap"
	# This machine's Debian mirror and apt sources, as a new install has them.
	mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources \
		2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list \
		2>/dev/null || true)
	[ -n "$mirror" ] || die "--fresh: no Debian mirror in this machine's apt sources"
	root=$(mktemp -d /tmp/rhashbox-fresh.XXXXXX)
	fresh_root=$root
	echo "timings: debootstrap bookworm into $root (minbase, git, make)"
	debootstrap --variant=minbase --include=git,make,ca-certificates bookworm "$root" \
		"$mirror" >"$root.debootstrap.log" 2>&1 ||
		die "debootstrap failed: $root.debootstrap.log"
	rm -f "$root.debootstrap.log"
	cp -r /etc/apt/sources.list.d "$root/etc/apt/"
	[ ! -e /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	# A slave of the host's /dev: nothing mounted in the chroot reaches it.
	mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
	mount -t tmpfs tmpfs "$root/dev/shm"
	mount -t tmpfs tmpfs "$root/tmp"
	git clone -q "$top" "$root/root/rhashbox"
	for cmd in ./run.sh "make check"; do
		echo "timings: in the chroot: $cmd"
		rc=0
		start=$(date +%s.%N)
		chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/bash -c "cd /root/rhashbox && $cmd" >"$root.log" 2>&1 || rc=$?
		end=$(date +%s.%N)
		{ grep -E '^(run\.sh|check): ' "$root.log" || true; } | tail -n 3 | sed 's/^/timings:   /'
		[ "$rc" = 0 ] || {
			tail -n 40 "$root.log" >&2
			die "'$cmd' failed in the fresh chroot (exit $rc; its whole output: $root.log)"
		}
		row "fresh machine: $cmd, from a fresh clone" "$(printf '%.0f' "$(echo "$end - $start" | bc)")"
	done
	rm -f "$root.log"
}

trap 'put_back; remove_fresh' EXIT
[ $# -gt 0 ] || set -- --loop
while [ $# -gt 0 ]; do
	case $1 in
	--loop) loop ;;
	--kunit)
		[ $# -ge 2 ] || die "--kunit needs a number of rounds"
		kunit "$2"
		shift
		;;
	--cold) cold ;;
	--clone) clone ;;
	--fresh) fresh ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown mode $1 (tests/timings.sh --help)" ;;
	esac
	shift
done
