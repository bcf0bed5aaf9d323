# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # the callers set and read these variables
# Sourced by run.sh and tests/bench/run.sh: what every mode shares. The
# variants, usage errors, the build, booting guests under a watchdog, the
# results lock, and the line that says where the time went.
#
# Callers set: prog (name in messages), help_cmd (how to get --help), top
# (the checkout), build (BUILD).

python=/usr/bin/python3

variants() { "$top/uml-config/configure.sh" --list | paste -sd' '; }

# usage_error MESSAGE: the message, a pointer at --help, status 2.
usage_error() {
	printf '%s: %s\nTry '\''%s'\'' for more information.\n' "$prog" "$1" "$help_cmd" >&2
	exit 2
}

# common_option ARG...: takes the option every mode has at $1 (with its
# value), or --help (the caller's usage()); sets used to how many arguments
# that was. Any other option is a usage error.
common_option() {
	used=1
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	--variant=*) variant=${1#*=} ;;
	--variant | --timeout | --mem)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case $1 in
		--variant) variant=$2 ;;
		--timeout) timeout=$2 ;;
		--mem) mem=$2 ;;
		esac
		used=2
		;;
	--no-build) build_first=0 ;;
	*) usage_error "unknown option $1" ;;
	esac
}

# check_common: validates the options every mode has.
check_common() {
	case " $(variants) " in
	*" $variant "*) ;;
	*) usage_error "no variant '$variant' (variants: $(variants))" ;;
	esac
	[[ $timeout =~ ^[0-9]+$ ]] || usage_error "--timeout takes whole seconds, not '$timeout'"
	[[ $mem =~ ^[0-9]+[KMG]?$ ]] || usage_error "--mem takes a size like 512M or 1G, not '$mem'"
}

# The steps of this run and their seconds ("STEP SECONDS" lines): make's
# steps (tests/harness/progress.py) and ours.
RHB_STEPS=$(mktemp)
export RHB_STEPS
trap 'rm -f "$RHB_STEPS"' EXIT
run_start=$(date +%s.%N)

step_done() { printf '%s %s\n' "$1" "$2" >>"$RHB_STEPS"; }

# time_line VERDICT: "run.sh: PASS in 31.2 s (kernel 9.1 s, boot 0.7 s, ...)".
time_line() {
	local total parts
	total=$(echo "$(date +%s.%N) - $run_start" | bc)
	parts=$(awk '$2 >= 0.05 { t[$1] += $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
		END { for (i = 0; i < n; i++) printf "%s%s %.1f s", i ? ", " : "", order[i], t[order[i]] }' \
		"$RHB_STEPS")
	printf '%s: %s in %.1f s%s\n' "$prog" "$1" "$total" "${parts:+ ($parts)}"
}

# build_guest: make what booting $variant needs.
build_guest() {
	echo "$prog: make VARIANT=$variant (builds what is missing or stale)"
	make -s -C "$top" BUILD="$build" VARIANT="$variant" guest ||
		{
			echo "$prog: build failed (see above); fix it and run again" >&2
			exit 1
		}
}

# need_kernel: sets kout and kernel for $variant; fails if it is not built.
need_kernel() {
	kout=$build/kernel/$variant
	kernel=$kout/linux
	[ -x "$kernel" ] || {
		echo "$prog: no kernel at $kernel: run without --no-build" >&2
		exit 1
	}
}

# The kernel command line every boot starts with.
base_cmdline() {
	# shellcheck disable=SC2054 # con0=fd:0,fd:1 is one argument
	cmdline=(mem="$mem" root=/dev/root rootfstype=hostfs hostfs="$build/rootfs" rw init=/init
		con=null con0=fd:0,fd:1)
}

# hold_lock DIR: holds DIR's lock until we exit, waiting for whoever holds
# it: two runs would write the same console logs.
hold_lock() {
	local fd
	mkdir -p "$1"
	exec {fd}>"$1/.lock"
	flock -n "$fd" && return
	echo "$prog: another run holds $1; waiting for it"
	flock "$fd"
}

# guest_cpu K: the host CPU guest K runs on, the K-th of those we may use
# (modulo their number). A guest syscall is a ptrace round trip between
# UML's kernel process and the guest process: on one CPU a switch, on two
# a wake-up of an idle CPU each way. Every suite runs 5 to 7 times faster
# with the whole guest on one CPU.
guest_cpu() {
	local cpus=() parts part
	IFS=, read -ra parts <<<"$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/self/status)"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then
			mapfile -t -O "${#cpus[@]}" cpus < <(seq "${part%-*}" "${part#*-}")
		else
			cpus+=("$part")
		fi
	done
	echo "${cpus[($1 - 1) % ${#cpus[@]}]}"
}

# boot LOG PREFIX K COMMAND...: runs guest K on its CPU (guest_cpu), in its
# own session (so a timeout kills all of UML's processes), its console saved
# in LOG and streamed, each line after PREFIX. Status: the guest's, 137 if
# the watchdog killed it.
boot() {
	local log=$1 prefix=$2 cpu guest watchdog status=0
	cpu=$(guest_cpu "$3")
	shift 3
	if [ -n "$prefix" ]; then
		setsid taskset -c "$cpu" "$@" </dev/null > >(tee "$log" | sed -u "s/^/$prefix/") 2>&1 &
	else
		setsid taskset -c "$cpu" "$@" </dev/null > >(tee "$log") 2>&1 &
	fi
	guest=$!
	watchdog=""
	if [ "$timeout" -gt 0 ]; then
		(
			# Killed early when the guest finishes: take the sleep along, or
			# it would hold our stdout open for the full timeout.
			trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
			sleep "$timeout" &
			sleeper=$!
			wait "$sleeper"
			echo "$prog: TIMEOUT after ${timeout}s: killing the guest${prefix:+ $prefix}" >&2
			kill -KILL -- "-$guest" 2>/dev/null
		) &
		watchdog=$!
	fi
	wait "$guest" || status=$?
	[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || true
	# Any UML helper left behind dies with the session.
	kill -KILL -- "-$guest" 2>/dev/null || true
	wait
	return "$status"
}

# exit_arg STATUS SECONDS NAME: console.py's --exit-code for a guest's
# status; says how a guest that died by a signal went.
exit_arg() {
	if [ "$1" -ge 128 ]; then
		# UML aborts on a kernel panic; the watchdog kills with SIGKILL.
		printf '%s: %s died of SIG%s after %.1f s\n' "$prog" "$3" "$(kill -l "$1")" "$2" >&2
		echo none
	else
		echo "$1"
	fi
}
