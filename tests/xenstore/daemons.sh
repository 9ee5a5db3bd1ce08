# shellcheck shell=bash disable=SC2034 # XS_* are set for the sourcing script
# daemons.sh - sourced by the xenstore tests and the benchmark: start our
# xenstored and Debian's C xenstored 4.17 (the reference peer) on private
# sockets, and stop them on exit, even on failure (on top of tests/lib.sh).
#
#   . tests/xenstore/daemons.sh
#   xs_need_ours            exit 77 (skip) unless build/bin/xpv-xenstored exists
#   xs_need_ref             fetch the reference into $CACHE, or exit 77
#   xs_start ours|ref NAME [daemon options...]
#                           start one daemon; its socket path is then in
#                           $XS_SOCK (and stays in XS_SOCKS[NAME]), its pid
#                           in XS_PIDS[NAME], its private dir in
#                           $XS_TMP/NAME (log, trace)
#   xs_stop NAME            SIGTERM it and wait (0 if it exited cleanly)
#   xs_alive NAME           0 while it runs
#   xs_start_hv             start a private xpv-hv (sim), export XPV_RUNDIR
#                           for what follows; then `xs_start ours-hv NAME`
#                           starts ours with domains (through that xpv-hv)
#   xs_domconn ours|ref NAME DAEMON [DOMID]
#                           a domU's xenstore connection to DAEMON as a
#                           unix socket ($XS_SOCK, XS_SOCKS[NAME]): a sim
#                           domain for ours (its id in $XS_DOMID), the
#                           stand-in's ring file for the reference (DOMID);
#                           with XS_DOMCONN_LATE=1 not introduced: the
#                           INTRODUCE arguments are in $XS_INTRODUCE
#
# Every daemon gets its own directory under one mktemp dir ($XS_TMP), which
# an EXIT trap removes after killing whatever is still running (tests/lib.sh:
# pids in XPV_PIDS[NAME]; a test that needs its own cleanup sets
# XPV_CLEANUP to a command run first).

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
XS_TOP=$XPV_TOP
BUILD=${BUILD:-build}
CACHE=${CACHE:-$XS_TOP/build/cache}
XS_LIB=$(dirname "$BIN")/lib
XS_OURS=$BIN/xpv-xenstored
XS_REF_BIN=$CACHE/root/usr/lib/xen-4.17/bin
XS_REF=$XS_REF_BIN/xenstored
XS_STANDIN=$XS_LIB/libxsref-standin.so

declare -A XS_SOCKS
xpv_rundir xpv-xs
XS_TMP=$XPV_RUN
XS_SOCK=

xs_skip()
{
	xpv_skip "$@"
}

xs_need_ours()
{
	[[ -x $XS_OURS ]] || xs_skip "our xenstored ($XS_OURS) is not built yet"
}

# The reference needs Debian's libxen* (libxen-dev) and the stand-in.
xs_need_ref()
{
	[[ -x $XS_REF ]] ||
		CACHE=$CACHE "$XS_TOP/tests/debcache.sh" xen-utils-4.17 >/dev/null ||
		xs_skip "cannot fetch xen-utils-4.17 (the reference xenstored) into $CACHE"
	[[ -x $XS_REF ]] || xs_skip "no $XS_REF in xen-utils-4.17"
	[[ -f $XS_STANDIN ]] || xs_skip "$XS_STANDIN is not built"
}

xs_start()
{
	local kind=$1 name=$2 dir="$XS_TMP/$2" sock
	shift 2
	mkdir -p "$dir"
	sock=$dir/socket
	case $kind in
	ours)
		XPV_RUNDIR=$dir "$XS_OURS" --no-fork --no-domains \
			--socket "$sock" "$@" >"$dir/log" 2>&1 &
		;;
	ours-hv)
		"$XS_OURS" --no-fork --socket "$sock" "$@" >"$dir/log" 2>&1 &
		;;
	ref)
		# -N without -D: see tests/xenstore/standin.c. A domU's ring
		# and event channel are files in rings/ (xs_domconn).
		mkdir -p "$dir/rings"
		XENSTORED_RUNDIR=$dir XENSTORED_ROOTDIR=$dir \
			XSREF_RINGDIR=$dir/rings LD_PRELOAD=$XS_STANDIN \
			"$XS_REF" -N "$@" >"$dir/log" 2>&1 &
		;;
	*)
		echo "xs_start: ours or ref, not '$kind'" >&2
		return 1
		;;
	esac
	xpv_track "$name" $! "$dir/log"
	XS_SOCKS[$name]=$sock
	XS_SOCK=$sock
	xpv_wait_socket "$name" "$sock"
}

xs_start_hv()
{
	local dir=$XS_TMP/hv
	mkdir -p "$dir"
	export XPV_RUNDIR=$dir XPV_PLATFORM=sim
	"$BIN/xpv-hv" --rundir "$dir" --foreground >"$dir/log" 2>&1 &
	xpv_track hv $! "$dir/log"
	xpv_wait_socket hv "$dir/hv.sock"
}

xs_domconn()
{
	local kind=$1 name=$2 daemon=$3 domid=${4:-} dir="$XS_TMP/$2" i
	local args=("$kind" "${XS_SOCKS[$daemon]}" "$dir/socket" "$BIN/xs-ring-relay")
	[[ $kind == ref ]] && args+=("$XS_TMP/$daemon/rings" "$domid")
	[[ ${XS_DOMCONN_LATE:-0} == 1 ]] && args+=(--late)
	mkdir -p "$dir"
	"$BIN/xs-domconn" "${args[@]}" >"$dir/out" 2>"$dir/log" &
	xpv_track "$name" $! "$dir/log"
	XS_SOCKS[$name]=$dir/socket
	XS_SOCK=$dir/socket
	xpv_wait_socket "$name" "$dir/socket" || return 1
	for ((i = 0; i < 100; i++)); do
		XS_DOMID=$(sed -n 's/^domid=//p' "$dir/out")
		XS_INTRODUCE=$(sed -n 's/^introduce=//p' "$dir/out")
		[[ -n $XS_DOMID ]] && return 0
		sleep 0.05
	done
	return 1
}

xs_alive()
{
	xpv_alive "$1"
}

xs_stop()
{
	xpv_stop "$1"
}
