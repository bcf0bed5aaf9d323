#!/usr/bin/env bash
# Boots the rhashbox UML kernel and runs the guest suites: ./run.sh --help.
# "./run.sh bench ..." is tests/bench/run.sh; everything else is here, on
# the pieces every mode shares (tests/harness/guest.sh).
set -euo pipefail
trap 'echo "run.sh: internal error: line $LINENO exited $? (please report)" >&2' ERR

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(realpath -m "${BUILD:-$top/build}")
prog=run.sh
help_cmd="./run.sh --help"

if [ "${1:-}" = bench ]; then
	shift
	exec "$top/tests/bench/run.sh" "$@"
fi

# shellcheck source=tests/harness/guest.sh
source "$top/tests/harness/guest.sh"

usage() {
	cat <<EOF
usage: ./run.sh [OPTIONS] [FILTER...]
       ./run.sh bench [OPTIONS] [GROUP...]    (./run.sh bench --help)

Builds what is missing or stale (make), boots the UML kernel with the guest
root on hostfs, runs every guest suite that FILTER selects and streams the
console. Exits 0 only if every test passed, every guest powered off cleanly
and no console shows a kernel splat (BUG, WARNING, KASAN, lockdep, kmemleak,
RCU stall, Oops, panic); splats are printed decoded (file:line).

  FILTER          kunit.py-style glob "suite[.test]", e.g. hash_ops or
                  'hash_*.update_*'; several FILTERs select their union
                  (built-in KUnit suites take one glob: all of them run
                  when two FILTERs name no guest suite)
  --variant V     kernel variant: $(variants) (default: default)
  -j N, --jobs N  share the suites out among N guests booted side by side,
                  one verdict for all (default 1; --gdb runs one). Each
                  guest's console is streamed with a "[N] " prefix when
                  there are several.
  --list          list the tests FILTER selects; run nothing
  --shell         boot to an interactive guest shell ('exit' powers off)
  --gdb           run the kernel under gdb, kernel GDB scripts loaded
                  (lx-dmesg, lx-ps, ...), UML's own signals passed silently
  --gdb-batch F   the same, non-interactive: run gdb command file F
                  (it must contain 'run'); exit status is the guest's verdict
  --timeout S     kill a guest after S seconds and fail (default 600, 0: none)
  --mem SIZE      memory of each guest (default 1G)
  --no-build      boot what is built; do not run make
  -h, --help      this text

Results in $build/results/VARIANT/: console.log (console-N.log, one per
guest, with -j), junit.xml, summary.json (counts, timings). The last line
says where the time went (make's steps, boot, suites).
Exit status: 0 pass, 1 fail (tests, splat, timeout, build), 2 bad usage.
EOF
}

variant=default mode=run gdb="" gdb_file="" timeout=600 mem=1G build_first=1 jobs=""
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	-j | --jobs)
		[ $# -ge 2 ] || usage_error "$1 needs a number of guests"
		jobs=$2
		shift
		;;
	-j*) jobs=${1#-j} ;;
	--jobs=*) jobs=${1#*=} ;;
	--list) mode=list ;;
	--shell) mode=shell ;;
	--gdb) gdb=interactive ;;
	--gdb-batch)
		[ $# -ge 2 ] || usage_error "--gdb-batch needs a command file"
		gdb=batch gdb_file=$2
		shift
		;;
	--) shift && filters+=("$@") && break ;;
	-*)
		common_option "$@"
		shift $((used - 1))
		;;
	*) filters+=("$1") ;;
	esac
	shift
done

check_common
for f in "${filters[@]}"; do
	[ "$f" != bench ] || usage_error "bench is a mode: it comes first (./run.sh bench --help)"
	[[ $f =~ ^[][A-Za-z0-9_.*?-]+$ ]] ||
		usage_error "FILTER '$f': use letters, digits, _ - . and the globs * ? []"
done
if [ -n "$gdb_file" ] && [ ! -r "$gdb_file" ]; then
	usage_error "--gdb-batch: cannot read '$gdb_file'"
fi
[ -z "$gdb" ] || [ "$mode" != list ] || usage_error "--list and --gdb do not go together"
if [ -n "$jobs" ]; then
	[[ $jobs =~ ^[1-9][0-9]?$ ]] || usage_error "--jobs takes 1..99 guests, not '$jobs'"
	[ -z "$gdb" ] || [ "$jobs" = 1 ] || usage_error "--gdb runs one guest: no --jobs"
fi
if [ "$mode" = list ]; then
	# Only the names go to stdout (fd 5): progress and builds go to stderr.
	exec 5>&1 1>&2
fi

[ "$build_first" = 0 ] || build_guest
need_kernel
results=$build/results/$variant
base_cmdline
# Built-in KUnit suites run at boot, and KUnit takes one glob. A FILTER that
# names a guest suite (before its dot) is not KUnit's; of the others, one is
# KUnit's glob, and with several every KUnit suite runs. No other: no KUnit.
kunit_filters=()
for f in "${filters[@]}"; do
	[ -x "$build/rootfs/tests/suites/${f%%.*}" ] || kunit_filters+=("$f")
done
if [ ${#kunit_filters[@]} -eq 1 ]; then
	cmdline+=("kunit.filter_glob=${kunit_filters[0]}")
elif [ ${#filters[@]} -gt 0 ] && [ ${#kunit_filters[@]} -eq 0 ]; then
	cmdline+=(kunit.enable=0)
fi

# UML's own signals: page faults, timers, I/O interrupts, IPIs to itself.
# paths.gdb says where the sources named in the debug info are (Makefile).
gdb_setup=(-q -nx
	-iex "add-auto-load-safe-path $kout"
	-iex "set pagination off"
	-iex "set print inferior-events off"
	-iex "set print thread-events off"
	-ex "handle SIGSEGV SIGUSR1 SIGUSR2 SIGALRM SIGVTALRM SIGIO SIGWINCH SIGPROF SIGCHLD nostop noprint pass"
	-ex "source $kout/paths.gdb"
	-ex "source $kout/vmlinux-gdb.py")

filter=$(
	IFS=,
	echo "${filters[*]}"
)
if [ "$mode" = shell ] || [ "$gdb" = interactive ]; then
	cmdline+=(RHB_MODE="$mode" RHB_FILTER="$filter")
	echo "$prog: booting $variant interactively: ${cmdline[*]}"
	pin=(taskset -c "$(guest_cpu 1)")
	if [ -n "$gdb" ]; then
		exec "${pin[@]}" gdb "${gdb_setup[@]}" --args "$kernel" "${cmdline[@]}"
	fi
	exec "${pin[@]}" "$kernel" "${cmdline[@]}"
fi

hold_lock "$results"
ulimit -c 0

if [ "$mode" = list ]; then
	log=$results/console.log
	boot "$log" "" 1 "$kernel" "${cmdline[@]}" RHB_MODE=list RHB_FILTER="$filter" \
		kunit.action=list >/dev/null || status=$?
	# KUnit (kunit.action=list) and the guest suites both print suite.test.
	tr -d '\r' <"$log" | grep -E '^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$' >&5 || true
	[ "${status:-0}" = 0 ] || echo "$prog: listing failed (status $status): see $log" >&2
	exit "${status:-0}"
fi

# The guest suites FILTER selects, listed by running them on the host (they
# are static binaries; --list touches no BPF).
selected=()
for suite in "$build/rootfs/tests/suites"/*; do
	[ -x "$suite" ] || continue
	[ -z "$("$suite" --list "${filters[@]}")" ] || selected+=("${suite##*/}")
done

# How many guests, and which suites each runs: the longest first, each to
# the guest with the least work so far, by the last run's durations
# (a suite never timed counts 10 s).
if [ -n "$gdb" ]; then
	jobs=1
fi
jobs=${jobs:-1}
[ "$jobs" -le "${#selected[@]}" ] || jobs=$((${#selected[@]} > 0 ? ${#selected[@]} : 1))
mapfile -t shares < <("$python" - "$jobs" "$results/summary.json" "${selected[@]}" <<'EOF'
import json, sys
jobs, last, suites = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
try:
    seconds = json.load(open(last)).get('suite_seconds', {})
except (OSError, ValueError):
    seconds = {}
load, shares = [0.0] * jobs, [[] for _ in range(jobs)]
for s in sorted(suites, key=lambda s: -seconds.get(s, 10.0)):
    i = load.index(min(load))
    load[i] += seconds.get(s, 10.0)
    shares[i].append(s)
for share in shares:
    print(','.join(sorted(share)) or '-')
EOF
)

rm -f "$results"/console*.log
logs=() statuses=()
start=$(date +%s.%N)
if [ "$jobs" = 1 ]; then
	logs=("$results/console.log")
	launch=("$kernel" "${cmdline[@]}" RHB_MODE=run RHB_FILTER="$filter")
	if [ -n "$gdb" ]; then
		# shellcheck disable=SC2016 # $_exitcode is gdb's, not ours
		launch=(gdb -batch "${gdb_setup[@]}" -x "$gdb_file" -ex 'quit $_exitcode'
			--args "${launch[@]}")
	fi
	echo "$prog: booting $variant: ${launch[*]}"
	status=0
	boot "${logs[0]}" "" 1 "${launch[@]}" || status=$?
	statuses=("$status")
else
	# KUnit runs at boot in the first guest only; each guest runs its share.
	echo "$prog: booting $jobs $variant guests side by side: ${cmdline[*]}"
	pids=()
	for ((k = 1; k <= jobs; k++)); do
		logs+=("$results/console-$k.log")
		share=${shares[k - 1]}
		echo "$prog: guest $k runs ${share//,/ }"
		extra=()
		[ "$k" = 1 ] || extra=(kunit.enable=0)
		(
			status=0
			boot "${logs[k - 1]}" "[$k] " "$k" "$kernel" "${cmdline[@]}" "${extra[@]}" \
				RHB_MODE=run RHB_FILTER="$filter" RHB_SUITES="$share" || status=$?
			echo "$status" >"$results/.status-$k"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ((k = 1; k <= jobs; k++)); do
		statuses+=("$(cat "$results/.status-$k")")
		rm -f "$results/.status-$k"
	done
fi
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

verdict_args=()
for ((k = 0; k < ${#logs[@]}; k++)); do
	name=guest
	[ "${#logs[@]}" = 1 ] || name="guest $((k + 1))"
	verdict_args+=(--exit-code "$(exit_arg "${statuses[k]}" "$elapsed" "$name")")
done
verdict=PASS
"$python" "$top/tests/harness/console.py" "${logs[@]}" "${verdict_args[@]}" --label "$variant" \
	--junit "$results/junit.xml" --summary "$results/summary.json" \
	--vmlinux "$kout/vmlinux" --srctree "$build/linux" || verdict=FAIL
boot_s=$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["boot_seconds"] or 0)' \
	"$results/summary.json")
step_done boot "$boot_s"
step_done suites "$(echo "$elapsed - $boot_s" | bc)"
time_line "$verdict"
[ "$verdict" = PASS ] || exit 1
