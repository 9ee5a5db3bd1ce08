#!/usr/bin/env bash
# test-netback-stale.sh: a frontend that makes xpv-netback tear its queues
# down while their notifications wait in the same epoll batch, against the
# real daemon, its guest a real domain made by `xpv` (in a network
# namespace of the test's own, bridge xenbr0). The guest is
# xpv-netback-stale-guest (tests/stale-guest.c), 8 queues:
# - restart: connected, it writes Initialising (a restart: every queue is
#   disconnected) while ringing every queue, round after round;
# - close: connected, it rings until `xpv network-detach` makes the
#   backend Closing, then writes Closed while ringing (the vif is
#   disconnected and freed in the same dispatch); `xpv network-attach`
#   brings the device back for the next round.
# Asserted, within deadlines: every round reconnects, xpv-netback is the
# same process at the end, and (make check-asan) no sanitizer report.
# Before the core ran last in each batch, xpv-netback died on a NULL queue
# (or a freed vif) within a few rounds.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
if [[ -z ${XPV_NET_TEST_INSIDE:-} ]]; then
	[[ $(id -u) -eq 0 ]] || { echo "needs root (namespaces, cgroups)"; exit 77; }
	XPV_NET_TEST_INSIDE=1 exec unshare --net "$0" "$@"
fi
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-netback xpv-netif xpv-netback-stale-guest
xpv_instance netback-stale
restarts=${XPV_STALE_RESTARTS:-200}
closes=${XPV_STALE_CLOSES:-8}
ip link set lo up
"$BIN/xpv-netif" bridge-add xenbr0
check "dom0's bridge" $?
"$BIN/xpv" up >/dev/null
check "xpv up" $?
nb=$(cat "$XPV_RUNDIR/xpv-netback.pid")

# A domain NAME running the guest in MODE for ROUNDS rounds.
stale_guest()
{
	cat >"$XPV_RUN/$1.cfg" <<CFG
name = "$1"
memory = 64
kernel = "$BIN/xpv-netback-stale-guest"
vif = [ 'bridge=xenbr0' ]
env = [ "STALE_MODE=$2", "STALE_ROUNDS=$3" ]
CFG
	"$BIN/xpv" create -q "$XPV_RUN/$1.cfg"
}

guest_said() { grep -qs "$2" "$XPV_LOGDIR/xpv-$1.log" 2>/dev/null; }
guest_log() { tail -n 5 "$XPV_LOGDIR/xpv-$1.log" 2>/dev/null; }
netback_log() { tail -n 5 "$XPV_LOGDIR/xpv-netback.log" 2>/dev/null; }
netback_alive() { kill -0 "$nb" 2>/dev/null; }

restart_phase()
{
	stale_guest restart restart "$restarts"
	check "create a guest with 8 queues that restarts while ringing them" $?
	wait_for 300 bash -c "grep -qs 'STALE DONE\|STALE FAIL' '$XPV_LOGDIR/xpv-restart.log' || ! kill -0 $nb"
	guest_said restart "STALE DONE $restarts"
	check "it reconnected after each of $restarts restarts" $? "$(guest_log restart)"
	netback_alive
	check "xpv-netback (pid $nb) is still running" $? "$(netback_log)"
	"$BIN/xpv" destroy restart
	check "destroy it" $?
}

close_phase()
{
	local id r
	stale_guest close close "$closes"
	check "create a guest with 8 queues that closes while ringing them" $?
	id=$(domid_of close)
	for ((r = 1; r <= closes; r++)); do
		wait_for 30 guest_said close "STALE CONNECTED $r" || break
		"$BIN/xpv" network-detach "$id" 0 || break
		netback_alive || break
		((r == closes)) || "$BIN/xpv" network-attach "$id" bridge=xenbr0 || break
	done
	((r > closes))
	check "$closes rounds of network-detach while it rings, network-attach" $? \
		"round $r: $(guest_log close)"
	wait_for 30 guest_said close "STALE DONE $closes"
	check "it closed and connected again in each round" $? "$(guest_log close)"
	netback_alive
	check "xpv-netback (pid $nb) is still running" $? "$(netback_log)"
	"$BIN/xpv" destroy close
	check "destroy it" $?
}

((restarts == 0)) || restart_phase
# Each phase on a live daemon, so that each says what it found.
netback_alive || { "$BIN/xpv" up >/dev/null; nb=$(cat "$XPV_RUNDIR/xpv-netback.pid"); }
((closes == 0)) || close_phase
finish
