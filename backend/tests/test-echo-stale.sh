#!/usr/bin/env bash
# test-echo-stale.sh - a hostile echo frontend (xpv-echo-stale-guest, in a
# sim domain made by the demo's toolstack xpv-demo) against the real
# xpv-echoback: round after round the test unplugs its device as a
# toolstack does (online=0, Closing), and the guest, ringing its event
# channel all along, answers Closed: the backend frees the device in the
# dispatch of that event while the notification waits in the same epoll
# batch. Then online=1 again and the guest reconnects. Asserted, within
# deadlines: every round reconnects (the guest says "ok N rounds"),
# xpv-echoback still runs and stops cleanly on SIGTERM, and (make
# check-asan) says nothing. Before the core ran last in each batch,
# xpv-echoback served the stale event of the freed device.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored xpv-echoback xpv-demo xpv-echo-stale-guest
command -v xenstore-write >/dev/null || xpv_skip "xenstore-utils is not installed (make deps)"
rounds=${XPV_STALE_ROUNDS:-200}

xpv_rundir xpv-echo-stale
export XENSTORED_PATH=$XPV_RUN/xs.sock
xpv_start_hv || exit 1
xpv_start_xenstored "$XENSTORED_PATH" || exit 1
xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
"$BIN/xpv-echoback" >"$XPV_RUN/echoback.log" 2>&1 &
xpv_track xpv-echoback $! "$XPV_RUN/echoback.log"

fails=0
check()
{
	if [[ $2 == 0 ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		fails=$((fails + 1))
	fi
}

# Up to 30 s for node $1 to read $2 (only a guard against a hang: on a
# loaded machine a step can take seconds).
wait_node()
{
	local deadline=$((SECONDS + 30))
	until [[ $(xenstore-read "$1" 2>/dev/null) == "$2" ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.01
	done
}

"$BIN/xpv-demo" "$BIN/xpv-echo-stale-guest" "$rounds" >"$XPV_RUN/demo.log" 2>&1 &
demo=$!
be=/local/domain/0/backend/echo/1/0
fe=/local/domain/1/device/echo/0
for ((r = 1; r <= rounds; r++)); do
	wait_node "$fe/state" 4 || break
	xenstore-write "$be/online" 0 "$be/state" 5
	((r < rounds)) || continue # the guest powers off after the last
	wait_node "$be/state" 6 || break
	xenstore-write "$be/online" 1
done
((r > rounds))
check "$rounds unplugs answered by Closed while ringing, each replugged" $?
wait "$demo"
check "xpv-demo: the guest ran and powered off" $?
grep -q "guest: ok $rounds rounds" "$XPV_RUN/demo.log"
check "the guest connected again after each" $?
xpv_alive xpv-echoback
check "xpv-echoback is still running" $?
xpv_stop xpv-echoback
check "and exits 0 on SIGTERM" $?
if ((fails)); then
	echo "round $r"
	tail -n 12 "$XPV_RUN/demo.log" | sed 's/^/    demo: /'
	tail -n 25 "$XPV_RUN/echoback.log" | sed 's/^/    echoback: /'
	exit 1
fi
