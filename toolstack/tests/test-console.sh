#!/usr/bin/env bash
# test-console.sh: a guest's console end to end: xpv-guest puts init on
# the console ring, xpv-consoled (on the backend core) logs it per domain
# and serves it on a pty named in console/tty, `xpv console` is
# interactive and Ctrl-] detaches, `xpv create -c` attaches at once; a
# restarted xpv-consoled serves the same consoles again.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest xpv-consoled
xpv_instance xpv-console
cfg=$XPV_RUN/guest.cfg
printf 'name = "talk"\nmemory = 32\n' >"$cfg"

"$BIN/xpv" create -q "$cfg" 'init=["/bin/sh", "-c", "echo marker-$((40 + 2)); exec /bin/sh"]'
check "create a guest whose init is a shell" $?
id=$(domid_of talk)
log=$XPV_LOGDIR/console/guest-talk.log
wait_for 30 grep -q marker-42 "$log"
check "its console output is logged in console/guest-<name>.log" $? "$(cat "$log" 2>/dev/null)"
tty=$(xenstore-read "/local/domain/$id/console/tty")
[[ $tty == /dev/pts/* && -c $tty ]]
check "console/tty names a pty" $? "$tty"

out=$(console_until answer-42 'echo answer-$((6 * 7))
' "$BIN/xpv" console talk)
rc=$?
[[ $rc -eq 0 ]] && grep -q "answer-42" <<<"$out"
check "xpv console: typed, run by the guest's shell, answered" $? "rc $rc: $out"
[[ $(state_of talk) == r----- ]]
check "Ctrl-] detached and left the domain running" $? "$(state_of talk)"
grep -q "answer-42" "$log"
check "the session is in the log too" $?

# A restarted console daemon finds the console again (a new pty).
kill "$(cat "$XPV_RUNDIR/xpv-consoled.pid")"
wait_for 30 bash -c "! '$BIN/xpv' status >/dev/null"
"$BIN/xpv" up >/dev/null
# The new daemon publishes each console's pty once it has found the
# console again, which may come after it said it was ready; until then
# console/tty names the killed daemon's pty, which went with it.
wait_for 30 bash -c "[[ -c \$(xenstore-read /local/domain/$id/console/tty) ]]"
check "the restarted xpv-consoled publishes a pty" $?
out=$(console_until again-42 'echo again-$((7 * 6))
' "$BIN/xpv" console talk)
grep -q "again-42" <<<"$out"
check "after xpv-consoled restarts, the console works again" $? "$out"

# create -c: attached from the start, so the first words are seen
out=$(console_until first-words '' "$BIN/xpv" create -q -c "$cfg" \
	'name="early"' 'init=["/bin/sh", "-c", "echo first-words; exec sleep 100"]')
grep -q "first-words" <<<"$out"
check "create -c shows the guest's first output" $? "$out"

# The console goes with its domain.
"$BIN/xpv" destroy talk
[[ ! -e $tty ]] || ! xenstore-exists "/local/domain/$id/console/tty"
check "destroy removes the console" $?
finish
