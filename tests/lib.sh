# shellcheck shell=bash
# tests/lib.sh - sourced by the test scripts that run daemons: one private
# runtime directory, daemons started in it and waited for, and all of it
# stopped and removed on exit, even on failure or an interrupt.
#
#   . "$top/tests/lib.sh"      sets BIN (default: $top/${BUILD:-build}/bin)
#   xpv_skip MESSAGE...         print MESSAGE and exit 77 (skip)
#   xpv_need PROG...            skip unless every $BIN/PROG is built
#   xpv_rundir PREFIX           make the private directory $XPV_RUN
#                               (/tmp/PREFIX.XXXXXX) and arm the EXIT trap
#   xpv_spawn NAME SOCKET CMD...
#                               run CMD in the background, its output in
#                               $XPV_RUN/NAME.log, and wait for SOCKET
#   xpv_start_hv [OPTION...]    a private xpv-hv (sim) in $XPV_RUN, socket
#                               $XPV_RUN/hv.sock; exports XPV_RUNDIR and
#                               XPV_PLATFORM for everything after it
#   xpv_start_xenstored SOCKET [OPTION...]
#                               our xpv-xenstored in the foreground on SOCKET
#   xpv_track NAME PID LOG      stop PID on exit; LOG is shown if it fails
#   xpv_wait_socket NAME SOCKET up to 10 s for NAME's SOCKET; else print
#                               why and its log's tail, and return 1
#   xpv_alive NAME              0 while NAME runs
#   xpv_stop NAME               SIGTERM it and wait (its exit status)
#
# A started daemon's pid is XPV_PIDS[NAME], its log XPV_LOGS[NAME]. The
# EXIT trap first evaluates $XPV_CLEANUP (a script's own cleanup, if set),
# then stops the daemons, the last started first (a client before the
# hypervisor it runs on), then removes $XPV_RUN.

XPV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-$XPV_TOP/${BUILD:-build}/bin}
XPV_RUN=
XPV_CLEANUP=${XPV_CLEANUP:-}
declare -A XPV_PIDS XPV_LOGS
XPV_ORDER=()

xpv_skip()
{
	echo "$*"
	exit 77
}

xpv_need()
{
	local prog
	for prog in "$@"; do
		[[ -x $BIN/$prog ]] || xpv_skip "$BIN/$prog is not built yet"
	done
}

xpv_cleanup()
{
	# The script's own cleanup first, before locals here could shadow
	# the variables it uses.
	[[ -n $XPV_CLEANUP ]] && eval "$XPV_CLEANUP"
	local i pid
	for ((i = ${#XPV_ORDER[@]} - 1; i >= 0; i--)); do
		pid=${XPV_PIDS[${XPV_ORDER[i]}]:-}
		[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[[ -n $XPV_RUN ]] && rm -rf "$XPV_RUN"
	return 0
}

xpv_rundir()
{
	XPV_RUN=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	trap xpv_cleanup EXIT
	trap 'exit 130' INT TERM
}

xpv_track()
{
	XPV_PIDS[$1]=$2
	XPV_LOGS[$1]=$3
	XPV_ORDER+=("$1")
}

xpv_alive()
{
	[[ -n ${XPV_PIDS[$1]:-} ]] && kill -0 "${XPV_PIDS[$1]}" 2>/dev/null
}

xpv_wait_socket()
{
	local name=$1 sock=$2 i
	for ((i = 0; i < 200; i++)); do
		[[ -S $sock ]] && return 0
		xpv_alive "$name" || break
		sleep 0.05
	done
	echo "$name did not create $sock; its log (${XPV_LOGS[$name]}):" >&2
	tail -n 20 "${XPV_LOGS[$name]}" >&2
	return 1
}

xpv_spawn()
{
	local name=$1 sock=$2 log="$XPV_RUN/$1.log"
	shift 2
	"$@" >"$log" 2>&1 &
	xpv_track "$name" $! "$log"
	xpv_wait_socket "$name" "$sock"
}

xpv_start_hv()
{
	export XPV_RUNDIR=$XPV_RUN XPV_PLATFORM=sim
	xpv_spawn xpv-hv "$XPV_RUN/hv.sock" \
		"$BIN/xpv-hv" --rundir "$XPV_RUN" --foreground "$@"
}

xpv_start_xenstored()
{
	local sock=$1
	shift
	xpv_spawn xpv-xenstored "$sock" \
		"$BIN/xpv-xenstored" --no-fork --socket "$sock" "$@"
}

xpv_stop()
{
	local pid=${XPV_PIDS[$1]} rc
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	unset "XPV_PIDS[$1]"
	return "$rc"
}
