# shellcheck shell=bash
# sim-setup.sh - sourced, after tests/lib.sh, by the scripts that run
# xpv-blkback on sim for guests of xpv-blk-domain (test-blkback-sim.sh,
# frontend/fio/tests/test-fio-engine.sh, frontend/tests/
# test-blkfront-direct.sh): dom0's side, started once the same way, a
# guest run to its end, and the counting of cases.
#
#   blk_sim_setup PREFIX    a private $run (xpv_rundir PREFIX), xpv-hv and
#                           xpv-xenstored on $run/xs.sock (exported as
#                           XENSTORED_PATH), dom0's name and domid written
#                           as xen-init-dom0 writes them; exits 1 when a
#                           daemon does not start
#   blk_start_blkback [OPTION...]
#                           xpv-blkback (statistics in $run/blkback.stats,
#                           log appended to $run/blkback.log), stopped at
#                           exit
#   blk_guest NAME IMAGE FORMAT MODE STEP...
#                           an xpv-blk-guest domain on IMAGE running STEPs
#                           (blk-guest.c) to its end (60 s at most); its
#                           output in $log (set here); false, with the
#                           guest's lines, unless it says failures=0
#   fail MESSAGE..., pass   a case ($case) failed (counted in $fails) or
#                           passed; a script ends with ((fails == 0))

blk_sim_setup()
{
	xpv_rundir "$1"
	run=$XPV_RUN
	export XENSTORED_PATH=$run/xs.sock
	fails=0
	case=setup
	xpv_start_hv || exit 1
	xpv_start_xenstored "$XENSTORED_PATH" || exit 1
	xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
}

blk_start_blkback()
{
	"$BIN/xpv-blkback" --stats "$run/blkback.stats" "$@" \
		>>"$run/blkback.log" 2>&1 &
	xpv_track xpv-blkback $! "$run/blkback.log"
}

fail()
{
	echo "FAIL $case: $*"
	fails=$((fails + 1))
}

pass()
{
	echo "ok   $case"
}

blk_guest()
{
	local name=$1 img=$2 fmt=$3 mode=$4 i
	shift 4
	log=$run/$name.log
	: >"$log"
	domid=$("$BIN/xpv-blk-domain" create "$img" "$fmt" "$mode" "$log" \
		/dev/null "$BIN/xpv-blk-guest" "$@") || { fail "create"; return 1; }
	for ((i = 0; i < 600; i++)); do
		grep -q "guest: done" "$log" && break
		sleep 0.1
	done
	"$BIN/xpv-blk-domain" destroy "$domid"
	grep -q "guest: done failures=0" "$log" || {
		fail "the guest said:"; sed 's/^/    guest: /' "$log"
		tail -n 20 "$run/blkback.log" | sed 's/^/    blkback: /'
		return 1
	}
}
