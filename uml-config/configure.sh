#!/usr/bin/env bash
# Writes OUTDIR/.config for one variant: ARCH=um defconfig, then common.config
# and VARIANT.config merged with the tree's merge_config.sh, then olddefconfig.
# Fails naming every option a fragment asks for that Kconfig dropped.
#
# The variants are the fragments beside common.config; everything that needs
# their list asks this script.
#
# usage: uml-config/configure.sh SRCTREE OUTDIR VARIANT [make args...]
#        uml-config/configure.sh --list     (the variants, one per line)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
variants() {
	local f
	for f in "$here"/*.config; do
		f=${f##*/}
		[ "$f" = common.config ] || echo "${f%.config}"
	done
}
if [ "${1:-}" = --list ]; then
	variants
	exit 0
fi
[ $# -ge 3 ] || {
	echo "usage: $0 SRCTREE OUTDIR VARIANT [make args...] | --list" >&2
	exit 2
}
src=$1 out=$2 variant=$3
shift 3
frag=$here/$variant.config
case " $(variants | paste -sd' ') " in
*" $variant "*) ;;
*)
	printf 'configure.sh: no variant "%s"; variants: %s\n' "$variant" "$(variants | paste -sd' ')" >&2
	exit 2
	;;
esac

mkdir -p "$out"
printf 'configure.sh: %s = defconfig + common.config + %s.config\n' "$variant" "$variant"
make -s -C "$src" O="$out" ARCH=um "$@" defconfig >/dev/null
ARCH=um "$src/scripts/kconfig/merge_config.sh" -Q -m -O "$out" "$out/.config" \
	"$here/common.config" "$frag" >/dev/null
make -s -C "$src" O="$out" ARCH=um "$@" olddefconfig >/dev/null

# Every "CONFIG_X=v" must be in .config as asked; every "# CONFIG_X is not set"
# must not be set to anything.
dropped=$(
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)/set \1/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/unset \1/p' \
		"$here/common.config" "$frag" |
		while read -r what opt; do
			name=${opt%%=*}
			got=$(grep -E "^$name=|^# $name is not set" "$out/.config" || echo "$name absent")
			if [ "$what" = set ] && [ "$got" != "$opt" ]; then
				echo "  asked $opt, got: $got"
			elif [ "$what" = unset ] && [ "${got#"$name="}" != "$got" ]; then
				echo "  asked $name unset, got: $got"
			fi
		done
)
if [ -n "$dropped" ]; then
	printf 'configure.sh: Kconfig dropped options of variant %s (a dependency is missing; see "make ARCH=um O=%s menuconfig", search for the option):\n%s\n' \
		"$variant" "$out" "$dropped" >&2
	exit 1
fi
