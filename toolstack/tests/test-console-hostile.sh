#!/usr/bin/env bash
# test-console-hostile.sh: xpv-consoled against guests that abuse their
# console ring: one publishes an impossible index (its console is stopped,
# one log line says so), one floods without pause (its log stops at 4 MiB
# with a line saying so); meanwhile a third guest's console still answers
# at once, and xpv-consoled is still there. The flooder, re-created twice
# under its name (as a reboot does), floods a new console each time: its
# log is rotated (guest-flooder.log.1), no file passes 4 MiB and the
# name has at most 8 MiB on disk.
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
wait_for 30 grep -q "broke its console ring; console stopped" "$XPV_LOGDIR/xpv-consoled.log"
check "consoled stops the broken console and says so once" $? "$(tail -3 "$XPV_LOGDIR/xpv-consoled.log")"
[[ $(grep -c "broke its console ring" "$XPV_LOGDIR/xpv-consoled.log") -eq 1 ]]
check "(once)" $?
wait_for 30 grep -q "console log reached 4194304 bytes" "$XPV_LOGDIR/xpv-consoled.log"
check "the flood's log stops at 4 MiB" $? "$(ls -l "$XPV_LOGDIR/console/")"
[[ $(stat -c %s "$XPV_LOGDIR/console/guest-flooder.log") -eq 4194304 ]]
check "(exactly)" $? "$(stat -c %s "$XPV_LOGDIR/console/guest-flooder.log")"
start=$(date +%s%N)
out=$(console_until calm-42 'echo calm-$((20 + 22))
' "$BIN/xpv" console calm)
grep -q calm-42 <<<"$out"
check "the calm guest's console answers meanwhile" $? "$out"
kill -0 "$(cat "$XPV_RUNDIR/xpv-consoled.pid")"
check "xpv-consoled is still there" $?
for g in breaker calm; do "$BIN/xpv" destroy $g; done

logs=$XPV_LOGDIR/console
capped() { [[ $(grep -c "console log reached 4194304 bytes" "$XPV_LOGDIR/xpv-consoled.log") -ge $1 ]]; }
for boot in 2 3; do
	"$BIN/xpv" destroy flooder &&
		"$BIN/xpv" create -q "$cfg" 'name="flooder"' "kernel=\"$hostile\"" 'init=["flood"]'
	check "the flooder re-created (boot $boot)" $?
	wait_for 30 capped $boot
	check "its new console logs its 4 MiB too (boot $boot)" $? "$(ls -l "$logs")"
	sizes=$(stat -c '%n %s' "$logs"/guest-flooder*)
	[[ $(ls "$logs"/guest-flooder* | wc -l) -eq 2 &&
		$(stat -c %s "$logs/guest-flooder.log") -le 4194304 &&
		$(stat -c %s "$logs/guest-flooder.log.1") -le 4194304 ]]
	check "the log was rotated: two files of at most 4 MiB (boot $boot)" $? "$sizes"
done
"$BIN/xpv" destroy flooder
finish
