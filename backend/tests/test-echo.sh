#!/usr/bin/env bash
# test-echo.sh - the echo device end to end on the backend core: a sim
# guest (tests/demo's xpv-demo-guest, on frontend/xenbus_dev.h) against
# xpv-echoback, with a private xpv-hv and xpv-xenstored, driven by the
# demo's toolstack (xpv-demo). Each case checks what the guest said it
# verified (every answer) and what the backend logged:
#   rounds     three connections in a row on a 4-page ring (close, reconnect)
#   kill       xpv-echoback killed (-9) under a connected guest and started
#              again: it finds the device, maps the same ring, and the
#              guest's next requests are answered
#   pending    requests sent while no backend runs are answered by the next
#              one, which attaches where the last one stopped
#   unplug     the toolstack writes Closing into the backend's state: the
#              guest follows (Closing, Closed) and connects again
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored xpv-echoback xpv-demo xpv-demo-guest
command -v xenstore-write >/dev/null || xpv_skip "xenstore-utils is not installed (make deps)"

xpv_rundir xpv-echo
run=$XPV_RUN
export XENSTORED_PATH=$run/xs.sock
fails=0
fail() { echo "FAIL $case: $*"; fails=$((fails + 1)); }
pass() { echo "ok   $case"; }

start_backend()
{
	"$BIN/xpv-echoback" >>"$run/echoback.log" 2>&1 &
	xpv_track xpv-echoback $! "$run/echoback.log"
}

# Wait up to 10 s for xenstore node $1 to read $2.
wait_node()
{
	local i
	for ((i = 0; i < 200; i++)); do
		[[ $(xenstore-read "$1" 2>/dev/null) == "$2" ]] && return 0
		sleep 0.05
	done
	return 1
}

# Start the platform and a guest with arguments "$@" in the background.
begin()
{
	: >"$run/echoback.log"
	xpv_start_hv || exit 1
	xpv_start_xenstored "$XENSTORED_PATH" || exit 1
	xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
	start_backend
	"$BIN/xpv-demo" "$BIN/xpv-demo-guest" "$@" >"$run/demo.log" 2>&1 &
	demo_pid=$!
}

# Wait for the demo, check the guest's count, stop everything.
end()
{
	local want=$1 rc
	wait "$demo_pid"
	rc=$?
	if xpv_alive xpv-echoback; then
		xpv_stop xpv-echoback || fail "xpv-echoback exited $? on SIGTERM"
	fi
	[[ $rc -eq 0 ]] || fail "xpv-demo exited $rc"
	grep -q "guest: ok $want requests" "$run/demo.log" ||
		fail "the guest did not check $want answers"
	xpv_stop xpv-xenstored
	xpv_stop xpv-hv
	if ((fails > before)); then
		sed 's/^/    demo: /' "$run/demo.log"
		sed 's/^/    echoback: /' "$run/echoback.log"
	fi
}

held=/local/domain/1/device/echo/0/phase
go=/local/domain/1/device/echo/0/go
be=/local/domain/0/backend/echo/1/0

case=rounds before=$fails
begin --rounds 3 --order 2
end 300000
n=$(grep -c 'InitWait -> Connected' "$run/echoback.log")
[[ $n -eq 3 ]] || fail "the backend connected $n times, not 3"
[[ $(grep -c 'served 100000 requests' "$run/echoback.log") -eq 3 ]] ||
	fail "the backend did not serve 100000 requests on each connection"
((fails == before)) && pass
case=kill before=$fails
begin --hold
wait_node "$held" held || fail "the guest never held"
# (bash reports a child killed by a signal on the shell's stderr)
exec 3>&2 2>/dev/null
kill -9 "${XPV_PIDS[xpv-echoback]}"
wait "${XPV_PIDS[xpv-echoback]}"
exec 2>&3 3>&-
start_backend
wait_node "$be/state" 4 || fail "the new backend did not reconnect"
xenstore-write "$go" 1
end 101000
n=$(grep -c 'Initialising -> InitWait' "$run/echoback.log")
[[ $n -eq 2 ]] || fail "the new backend did not find the device ($n probes)"
grep -q 'served 1000 requests' "$run/echoback.log" ||
	fail "the new backend did not serve the requests after the hold"
((fails == before)) && pass

case=pending before=$fails
begin --hold
wait_node "$held" held || fail "the guest never held"
xpv_stop xpv-echoback
xenstore-write "$go" 1
sleep 0.3
start_backend
end 101000
grep -q 'served 1000 requests' "$run/echoback.log" ||
	fail "the new backend did not answer the pending requests"
((fails == before)) && pass

case=unplug before=$fails
begin --hold
wait_node "$held" held || fail "the guest never held"
xenstore-write "$be/state" 5
xenstore-write "$go" 1
end 101000
grep -q 'reconnecting' "$run/demo.log" || fail "the guest did not reconnect"
n=$(grep -c 'InitWait -> Connected' "$run/echoback.log")
[[ $n -eq 2 ]] || fail "the backend connected $n times, not 2"
((fails == before)) && pass

((fails == 0)) || exit 1
echo "echo tests passed"
