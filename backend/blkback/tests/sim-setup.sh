# shellcheck shell=bash
# sim-setup.sh - sourced, after tests/lib.sh, by the scripts that run
# xpv-blkback on sim for guests of xpv-blk-domain (test-blkback-sim.sh,
# frontend/fio/tests/test-fio-engine.sh): dom0's side, started once the
# same way, and the counting of cases.
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
