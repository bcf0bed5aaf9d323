#!/usr/bin/env bash
# Boots the rhashbox UML kernel and runs the guest suites: ./run.sh --help.
set -euo pipefail
trap 'echo "run.sh: internal error: line $LINENO exited $? (please report)" >&2' ERR

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(realpath -m "${BUILD:-$top/build}")

usage() {
	cat <<EOF
usage: ./run.sh [OPTIONS] [FILTER...]
       ./run.sh bench [--smoke] [--reps N] [OPTIONS] [GROUP...]

Builds what is missing or stale (make), boots the UML kernel with the guest
root on hostfs, runs every guest suite that FILTER selects and streams the
console. Exits 0 only if every test passed, the guest powered off cleanly and
the console shows no kernel splat (BUG, WARNING, KASAN, lockdep, kmemleak, RCU
stall, Oops, panic); splats are printed decoded (file:line).

  FILTER          kunit.py-style glob "suite[.test]", e.g. hash_ops or
                  'hash_*.update_*'; several FILTERs select their union
                  (built-in KUnit suites follow a single FILTER, and all
                  run when there are several)
  --variant V     kernel variant: $(variants) (default: default)
  --list          list the tests FILTER selects; run nothing
  --shell         boot to an interactive guest shell ('exit' powers off)
  --gdb           run the kernel under gdb, kernel GDB scripts loaded
                  (lx-dmesg, lx-ps, ...), UML's own signals passed silently
  --gdb-batch F   the same, non-interactive: run gdb command file F
                  (it must contain 'run'); exit status is the guest's verdict
  --timeout S     kill the guest after S seconds and fail (default 600, 0: none)
  --mem SIZE      guest memory (default 1G)
  --no-build      boot what is built; do not run make
  -h, --help      this text

Results: $build/results/VARIANT/{console.log,junit.xml}.

bench: BPF_MAP_TYPE_RHASH against BPF_MAP_TYPE_HASH, preallocated and with
BPF_F_NO_PREALLOC, on the same keys in one boot, every kind in turn in every
repetition; map operations timed in the kernel (the native map bench and
interpreted BPF programs), KUnit off. Prints a table per workload: ns/op
median [min..max] over the repetitions and the HASH/RHASH ratios, memory in
MiB; then how the targets fare. Fails if the output is incomplete, an
operation failed or the kernel splats; never on speed. --variant, --mem,
--timeout and --no-build apply; time the default variant (no lockdep, no
KASAN), the one with the kernel's map bench (CONFIG_BPF_MAP_BENCH). A run of
the same variant under way is waited for; other load on the host is not.
  GROUP           full_update update lookup insert_delete overwrite batch
                  memory (default: all of them)
  --reps N        repetitions of every measurement (default 5)
  --smoke         every group once with tiny sizes (seconds), to check that
                  the bench works; results in $build/results/bench-smoke
Results: $build/results/bench/{console.log,report.txt,bench.json,memory.png}.

Exit status: 0 pass, 1 fail (tests, splat, timeout, build), 2 bad usage.
EOF
}

variants() { (cd "$top/uml-config" && printf '%s\n' *.config | sed -e '/^common/d' -e 's/\.config$//' | paste -sd' '); }

bad_usage() {
	printf 'run.sh: %s\n\n' "$1" >&2
	usage >&2
	exit 2
}

variant=default mode=run gdb="" gdb_file="" timeout=600 mem=1G build_first=1
bench=0 smoke=0 reps=""
filters=()
while [ $# -gt 0 ]; do
	case $1 in
	--variant)
		[ $# -ge 2 ] || bad_usage "--variant needs a value"
		variant=$2
		shift
		;;
	--variant=*) variant=${1#*=} ;;
	--list) mode=list ;;
	--shell) mode=shell ;;
	--gdb) gdb=interactive ;;
	--gdb-batch)
		[ $# -ge 2 ] || bad_usage "--gdb-batch needs a command file"
		gdb=batch gdb_file=$2
		shift
		;;
	--timeout)
		[ $# -ge 2 ] || bad_usage "--timeout needs seconds"
		timeout=$2
		shift
		;;
	--mem)
		[ $# -ge 2 ] || bad_usage "--mem needs a size"
		mem=$2
		shift
		;;
	--no-build) build_first=0 ;;
	--smoke) smoke=1 ;;
	--reps)
		[ $# -ge 2 ] || bad_usage "--reps needs a count"
		reps=$2
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	--) shift && filters+=("$@") && break ;;
	-*) bad_usage "unknown option $1" ;;
	bench) if [ $bench = 0 ] && [ ${#filters[@]} -eq 0 ]; then bench=1; else filters+=("$1"); fi ;;
	*) filters+=("$1") ;;
	esac
	shift
done

if [ ! -f "$top/uml-config/$variant.config" ] || [ "$variant" = common ]; then
	bad_usage "no variant '$variant' (variants: $(variants))"
fi
[[ $timeout =~ ^[0-9]+$ ]] || bad_usage "--timeout takes whole seconds, not '$timeout'"
[[ $mem =~ ^[0-9]+[KMG]?$ ]] || bad_usage "--mem takes a size like 512M or 1G, not '$mem'"
for f in "${filters[@]}"; do
	[[ $f =~ ^[][A-Za-z0-9_.*?-]+$ ]] ||
		bad_usage "FILTER '$f': use letters, digits, _ - . and the globs * ? []"
done
if [ $bench = 1 ]; then
	if [ "$mode" != run ] || [ -n "$gdb" ]; then
		bad_usage "bench does not go with --list, --shell or --gdb"
	fi
	[ -z "$reps" ] || [[ $reps =~ ^[1-9][0-9]{0,2}$ ]] || bad_usage "--reps takes 1..999, not '$reps'"
	for f in "${filters[@]}"; do
		[[ $f =~ ^[a-z_]+$ ]] || bad_usage "bench GROUP '$f': see the list below"
	done
	mode=bench
elif [ $smoke = 1 ] || [ -n "$reps" ]; then
	bad_usage "--smoke and --reps are options of bench"
fi
if [ -n "$gdb_file" ] && [ ! -r "$gdb_file" ]; then
	bad_usage "--gdb-batch: cannot read '$gdb_file'"
fi
[ -z "$gdb" ] || [ "$mode" != list ] || bad_usage "--list and --gdb do not go together"
if [ "$mode" = list ]; then
	# Only the names go to stdout (fd 5): progress and builds go to stderr.
	exec 5>&1 1>&2
fi

kout=$build/kernel/$variant
kernel=$kout/linux
root=$build/rootfs
results=$build/results/$variant
if [ $mode = bench ]; then
	results=$build/results/bench$([ $smoke = 0 ] || echo -smoke)
fi
tree=$build/linux

if [ "$build_first" = 1 ]; then
	echo "run.sh: make VARIANT=$variant (builds what is missing or stale)"
	make -s -C "$top" BUILD="$build" VARIANT="$variant" guest ||
		{
			echo "run.sh: build failed (see above); fix it and run again" >&2
			exit 1
		}
fi
[ -x "$kernel" ] || {
	echo "run.sh: no kernel at $kernel: run without --no-build" >&2
	exit 1
}

filter=$(
	IFS=,
	echo "${filters[*]}"
)
# shellcheck disable=SC2054 # con0=fd:0,fd:1 is one argument
cmdline=(mem="$mem" root=/dev/root rootfstype=hostfs hostfs="$root" rw init=/init
	con=null con0=fd:0,fd:1 RHB_MODE="$mode" RHB_FILTER="$filter")
# Built-in KUnit suites run at boot: KUnit takes one glob, so they follow a
# single FILTER and all run when there are several.
if [ ${#filters[@]} -eq 1 ]; then
	cmdline+=("kunit.filter_glob=${filters[0]}")
fi
if [ $mode = list ]; then
	cmdline+=(kunit.action=list)
fi
if [ $mode = bench ]; then
	cmdline+=(kunit.enable=0 RHB_BENCH_SMOKE="$smoke" RHB_BENCH_REPS="$reps")
fi

# UML's own signals: page faults, timers, I/O interrupts, IPIs to itself.
gdb_setup=(-q -nx
	-iex "add-auto-load-safe-path $kout"
	-iex "set pagination off"
	-iex "set print inferior-events off"
	-iex "set print thread-events off"
	-ex "handle SIGSEGV SIGUSR1 SIGUSR2 SIGALRM SIGVTALRM SIGIO SIGWINCH SIGPROF SIGCHLD nostop noprint pass"
	-ex "source $kout/vmlinux-gdb.py")

if [ "$mode" = shell ] || [ "$gdb" = interactive ]; then
	echo "run.sh: booting $variant interactively: ${cmdline[*]}"
	if [ -n "$gdb" ]; then
		exec gdb "${gdb_setup[@]}" --args "$kernel" "${cmdline[@]}"
	fi
	exec "$kernel" "${cmdline[@]}"
fi

# Holds the lock of results directory $1 until we exit, waiting for whoever
# holds it: two runs would write the same console log.
hold_lock() {
	local fd
	mkdir -p "$1"
	exec {fd}>"$1/.lock"
	flock -n "$fd" && return
	echo "run.sh: another run holds $1; waiting for it"
	flock "$fd"
}
# The bench also waits for a run of its variant, which would slow it down.
[ $mode != bench ] || hold_lock "$build/results/$variant"
hold_lock "$results"
log=$results/console.log
ulimit -c 0
if [ -n "$gdb" ]; then
	# shellcheck disable=SC2016 # $_exitcode is gdb's, not ours
	launch=(gdb -batch "${gdb_setup[@]}" -x "$gdb_file" -ex 'quit $_exitcode'
		--args "$kernel" "${cmdline[@]}")
else
	launch=("$kernel" "${cmdline[@]}")
fi
echo "run.sh: booting $variant: ${launch[*]}"

# The guest runs in its own session so that a timeout kills all of UML's
# processes; its console is streamed and saved.
start=$(date +%s.%N)
if [ "$mode" = list ]; then
	setsid "${launch[@]}" </dev/null >"$log" 2>&1 &
else
	setsid "${launch[@]}" </dev/null > >(tee "$log") 2>&1 &
fi
guest=$!
watchdog=""
if [ "$timeout" -gt 0 ]; then
	(
		# Killed early when the guest finishes: take the sleep along, or it
		# would hold our stdout open for the full timeout.
		trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
		sleep "$timeout" &
		sleeper=$!
		wait "$sleeper"
		echo "run.sh: TIMEOUT after ${timeout}s: killing the guest" >&2
		kill -KILL -- "-$guest" 2>/dev/null
	) &
	watchdog=$!
fi
status=0
wait "$guest" || status=$?
[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || true
# Any UML helper left behind dies with the session.
kill -KILL -- "-$guest" 2>/dev/null || true
wait
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

if [ "$mode" = list ]; then
	# KUnit (kunit.action=list) and the guest suites both print suite.test.
	tr -d '\r' <"$log" | grep -E '^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$' >&5 || true
	[ "$status" = 0 ] || echo "run.sh: listing failed (status $status): see $log" >&2
	exit "$status"
fi
exit_arg=$status
if [ "$status" -ge 128 ]; then
	# UML aborts on a kernel panic; the watchdog kills with SIGKILL.
	printf 'run.sh: the guest died of SIG%s after %.1f s\n' "$(kill -l "$status")" "$elapsed" >&2
	exit_arg=none
fi
verdict=0
python3 "$top/tests/harness/console.py" "$log" --label "$variant" \
	--junit "$results/junit.xml" --exit-code "$exit_arg" \
	--vmlinux "$kout/vmlinux" --srctree "$tree" || verdict=1
if [ $mode = bench ]; then
	python3 "$top/tests/bench/report.py" "$log" --out "$results" --variant "$variant" \
		--mem "$mem" || verdict=1
fi
printf 'run.sh: %s in %.1f s (console %s)\n' "$([ $verdict = 0 ] && echo PASS || echo FAIL)" \
	"$elapsed" "$log"
exit $verdict
