#!/usr/bin/env bash
# test-console-hostile.sh: xpv-consoled against guests that abuse their
# console ring: one publishes an impossible index (its console is stopped,
# one log line says so), one floods without pause (its log stops at 4 MiB
# with a line saying so); meanwhile a third guest's console still answers
# at once, and xpv-consoled is still there.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest xpv-consoled console-hostile-guest
xpv_instance xpv-console-hostile
cfg=$XPV_RUN/guest.cfg
printf 'memory = 32\n' >"$cfg"
hostile=$BIN/console-hostile-guest

"$BIN/xpv" create -q "$cfg" 'name="breaker"' "kernel=\"$hostile\"" 'init=["break"]'
check "a guest that breaks its console ring" $?
"$BIN/xpv" create -q "$cfg" 'name="flooder"' "kernel=\"$hostile\"" 'init=["flood"]'
check "a guest that floods its console" $?
"$BIN/xpv" create -q "$cfg" 'name="calm"' 'init=["/bin/sh"]'
check "and a calm one" $?
wait_for 10 grep -q "broke its console ring; console stopped" "$XPV_LOGDIR/xpv-consoled.log"
check "consoled stops the broken console and says so once" $? "$(tail -3 "$XPV_LOGDIR/xpv-consoled.log")"
[[ $(grep -c "broke its console ring" "$XPV_LOGDIR/xpv-consoled.log") -eq 1 ]]
check "(once)" $?
wait_for 30 grep -q "console log reached 4194304 bytes" "$XPV_LOGDIR/xpv-consoled.log"
check "the flood's log stops at 4 MiB" $? "$(ls -l "$XPV_LOGDIR/console/")"
[[ $(stat -c %s "$XPV_LOGDIR/console/guest-flooder.log") -eq 4194304 ]]
check "(exactly)" $? "$(stat -c %s "$XPV_LOGDIR/console/guest-flooder.log")"
start=$(date +%s%N)
out=$( (printf 'echo calm-$((20 + 22))\n'; sleep 1; printf '\035') | timeout 10 "$BIN/xpv" console calm)
grep -q calm-42 <<<"$out"
check "the calm guest's console answers meanwhile" $? "$out"
kill -0 "$(cat "$XPV_RUNDIR/xpv-consoled.pid")"
check "xpv-consoled is still there" $?
for g in breaker flooder calm; do "$BIN/xpv" destroy $g; done
finish
