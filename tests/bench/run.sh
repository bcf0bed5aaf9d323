#!/usr/bin/env bash
# ./run.sh bench: RHASH against HASH in one guest; ./run.sh bench --help.
set -euo pipefail
trap 'echo "run.sh bench: internal error: line $LINENO exited $? (please report)" >&2' ERR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(realpath -m "${BUILD:-$top/build}")
prog="run.sh bench"
help_cmd="./run.sh bench --help"
# shellcheck source=tests/harness/guest.sh
source "$top/tests/harness/guest.sh"
groups=$("$python" "$here/report.py" --groups)

usage() {
	cat <<EOF
usage: ./run.sh bench [OPTIONS] [GROUP...]

BPF_MAP_TYPE_RHASH against BPF_MAP_TYPE_HASH, preallocated and with
BPF_F_NO_PREALLOC, on the same keys in one boot, every kind in turn in every
repetition; map operations timed in the kernel (the native map bench and
interpreted BPF programs), KUnit off. Prints a table per workload: ns/op
median [min..max] over the repetitions and the HASH/RHASH ratios, memory in
MiB; then how the targets fare. Fails if the output is incomplete, an
operation failed or the kernel splats; never on speed. Time the default
variant (no lockdep, no KASAN), the one with the kernel's map bench
(CONFIG_BPF_MAP_BENCH). A run of the same variant under way is waited for;
other load on the host is not.

  GROUP           $groups
                  (default: all of them)
  --reps N        repetitions of every measurement (default 5)
  --smoke         every group once with tiny sizes (seconds), to check that
                  the bench works; results in $build/results/bench-smoke
  --variant V     kernel variant: $(variants) (default: default)
  --timeout S     kill the guest after S seconds and fail (default 600, 0: none)
  --mem SIZE      guest memory (default 1G)
  --no-build      boot what is built; do not run make
  -h, --help      this text

Results: $build/results/bench/{console.log,report.txt,bench.json,memory.png}.
Exit status: 0 pass, 1 fail (bench, splat, timeout, build), 2 bad usage.
EOF
}

variant=default timeout=600 mem=1G build_first=1 smoke=0 reps=""
picked=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--reps)
		[ $# -ge 2 ] || usage_error "--reps needs a count"
		reps=$2
		shift
		;;
	-*)
		common_option "$@"
		shift $((used - 1))
		;;
	*) picked+=("$1") ;;
	esac
	shift
done

check_common
[ -z "$reps" ] || [[ $reps =~ ^[1-9][0-9]{0,2}$ ]] || usage_error "--reps takes 1..999, not '$reps'"
for g in "${picked[@]}"; do
	[[ $g =~ ^[a-z_]+$ ]] || usage_error "GROUP '$g': the groups are $groups"
done

[ "$build_first" = 0 ] || build_guest
need_kernel
results=$build/results/bench$([ $smoke = 0 ] || echo -smoke)
# A test run of the same variant would slow the bench down: wait for it.
hold_lock "$build/results/$variant"
hold_lock "$results"
ulimit -c 0
base_cmdline
filter=$(
	IFS=,
	echo "${picked[*]}"
)
cmdline+=(kunit.enable=0 RHB_MODE=bench RHB_FILTER="$filter" RHB_BENCH_SMOKE="$smoke"
	RHB_BENCH_REPS="$reps")
log=$results/console.log
echo "$prog: booting $variant: $kernel ${cmdline[*]}"
start=$(date +%s.%N)
status=0
boot "$log" "" 1 "$kernel" "${cmdline[@]}" || status=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
step_done bench "$elapsed"

verdict=PASS
"$python" "$top/tests/harness/console.py" "$log" --label "$variant" \
	--exit-code "$(exit_arg "$status" "$elapsed" guest)" \
	--vmlinux "$kout/vmlinux" --srctree "$build/linux" || verdict=FAIL
"$python" "$here/report.py" "$log" --out "$results" --variant "$variant" --mem "$mem" ||
	verdict=FAIL
time_line "$verdict"
[ "$verdict" = PASS ] || exit 1
