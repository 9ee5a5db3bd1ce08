#!/usr/bin/env bash
# test-net-hostile.sh - a hostile frontend against the real xpv-netback
# while two other guests talk beside it on the same bridge.
#
# Guest h runs xpv-net-hostile (tests/net/hostile.c): seeded rounds of
# garbage slots, malformed packets and grants, extra-info chains, slot
# chains at and past the limits, bad rx buffers, no rx buffers, impossible
# indices, random event indices and broadcast floods, reconnecting
# whenever the backend closes its device. Meanwhile guests a and b ping
# each other and move 4 MiB of random bytes over TCP. Asserted: the
# transfer arrives intact, most pings are answered during the attack and
# every one after, xpv-netback is still running, the backend closed h's
# device for its violations (with `error` set) and counted its drops.
#
# The seed is XPV_HOSTILE_SEED (default: the time), printed so that a
# failure can be run again.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/hotplug/tests/netns.sh"
. "$top/tests/net/lib.sh"
net_setup test-net-hostile
xpv_need xpv-net-hostile

seed=${XPV_HOSTILE_SEED:-$(date +%s)}
rounds=${XPV_HOSTILE_ROUNDS:-300}
echo "seed $seed, $rounds rounds (XPV_HOSTILE_SEED=$seed to run it again)"

fails=0
check()
{
	local name=$1
	shift
	if "$@"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		[[ -n $OUT ]] && printf '%s\n' "$OUT" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
	OUT=
}

net_guest a 10.77.0.2/24 fd77::2/64 --vif mac=00:16:3e:77:00:02,bridge=xenbr0 || exit 1
net_guest b 10.77.0.3/24 fd77::3/64 --vif mac=00:16:3e:77:00:03,bridge=xenbr0 || exit 1
check "a and b talk before" net_run a 20 ping -c 3 -i 0.2 -W 2 10.77.0.3

hcons=$XPV_RUN/h.console
mkfifo "$XPV_RUN/h.stdin"
exec {hfd}<>"$XPV_RUN/h.stdin"
h=$(net_testbed create --console "$hcons" --stdin "$XPV_RUN/h.stdin" \
	--ro "$BIN" --vif mac=00:16:3e:77:00:66,bridge=xenbr0 -- \
	"$BIN/xpv-net-hostile" -s "$seed" -r "$rounds") || exit 1
DOMID[h]=$h
vif_h=vif$h.0
net_wait "$hcons" "HOSTILE CONNECTED" 20 || { cat "$hcons"; exit 1; }

# Traffic beside the attack.
net_run b 40 '(xpv-net-xfer listen 5001 | sha256sum > /tmp/rx.sum) & listening 5001'
net_run a 5 '(ping -c 100 -i 0.05 -W 1 10.77.0.3 > /tmp/ping.out 2>&1) &'
net_run a 120 'head -c 4M /dev/urandom | tee >(sha256sum > /tmp/tx.sum) |
	xpv-net-xfer send 10.77.0.3 5001 && sleep 0.3 && cat /tmp/tx.sum'
tx_sum=${OUT%% *}
net_run b 20 'for i in $(seq 100); do [ -s /tmp/rx.sum ] && break; sleep 0.1; done; cat /tmp/rx.sum'
rx_sum=${OUT%% *}
OUT="sent $tx_sum, received $rx_sum"
check "tcp beside the attack: 4 MiB intact" test -n "$tx_sum" -a "$tx_sum" = "$rx_sum"
net_run a 30 'while pgrep -x ping >/dev/null; do sleep 0.2; done; cat /tmp/ping.out'
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$OUT")
check "ping beside the attack: at least 80 of 100 answered (got ${received:-none})" \
	test "${received:-0}" -ge 80

net_wait "$hcons" "HOSTILE DONE" 180 || { OUT=$(tail -5 "$hcons"); false; }
check "the hostile frontend finished its rounds" grep -q "HOSTILE DONE" "$hcons"
closes=$(sed -n 's/.*closes=\([0-9]*\).*/\1/p' "$hcons")
check "xpv-netback is still running" xpv_alive xpv-netback
OUT="closes=${closes:-?}"
check "the backend closed h's device for its violations" test "${closes:-0}" -gt 0
check "and said why in its error node" \
	grep -q "the frontend broke the ring\|ring protocol\|broke" "$XPV_RUN/netback.log"
h_counted()
{
	local d e
	d=$(net_vif_stat "$vif_h" tx_dropped) e=$(net_vif_stat "$vif_h" tx_errors)
	((${d:-0} + ${e:-0} > 0))
}
net_until 30 h_counted
OUT=$(cat "$XPV_RUN/netback/$vif_h" 2>/dev/null)
check "h's drops and violations counted" \
	test "$(($(net_vif_stat "$vif_h" tx_dropped) + $(net_vif_stat "$vif_h" tx_errors)))" -gt 0
check "a and b talk after: IPv4" net_run a 20 ping -c 5 -i 0.2 -W 2 10.77.0.3
check "a and b talk after: IPv6" net_run b 20 ping -6 -c 5 -i 0.2 -W 2 fd77::2

# xpv-netback ends cleanly after all that (under `make check-asan`: no
# leak, which would make the exit status 1, and no report in its log).
net_netback_stop TERM
rc=$?
check "SIGTERM at the end: xpv-netback exits 0" test "$rc" = 0
check "no sanitizer report in xpv-netback's log" \
	bash -c '! grep -qE "Sanitizer|runtime error" "$1"' _ "$XPV_RUN/netback.log"

if [[ $fails != 0 ]]; then
	echo "--- netback.log"
	tail -n 30 "$XPV_RUN/netback.log"
	echo "--- h.console"
	tail -n 10 "$hcons"
	echo "$fails failed (seed $seed)"
	exit 1
fi
echo "all passed (seed $seed)"
