#!/usr/bin/env bash
# test-consoled-hostile.sh: hostile guests against the real xpv-consoled,
# each a real domain made by `xpv`, its kernel xpv-consoled-test-guest
# (tests/cons-guest.c):
# - a guest breaks its console ring, then 4 KiB are typed into its pty:
#   consoled stops that console and goes back to sleep (it used to spin
#   for good on the pty it could no longer empty), and still serves a
#   domain created after;
# - a guest rings its console without pause while its console is removed
#   from the store (its events and the removal in one epoll batch),
#   several times: consoled lives on (it used to serve the freed console)
#   and serves a new domain's console.
# Deadlines only; make check-asan also fails on a sanitizer report.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-consoled xpv-guest xpv-consoled-test-guest
xpv_instance consoled-hostile
removals=${XPV_CONS_REMOVALS:-4}
"$BIN/xpv" up >/dev/null
check "xpv up" $?
cd_pid=$(cat "$XPV_RUNDIR/xpv-consoled.pid")
cd_log=$XPV_LOGDIR/xpv-consoled.log

# A domain NAME whose kernel is the test guest in MODE.
hostile()
{
	printf 'name = "%s"\nmemory = 32\nkernel = "%s"\nenv = [ "CONS_MODE=%s" ]\n' \
		"$1" "$BIN/xpv-consoled-test-guest" "$2" >"$XPV_RUN/$1.cfg"
	"$BIN/xpv" create -q "$XPV_RUN/$1.cfg"
}
said() { grep -qs "$2" "$XPV_LOGDIR/xpv-$1.log"; }

# A guest of the ordinary kind whose console says MARK: consoled serves
# consoles (and has handled everything that came before its creation).
served()
{
	printf 'name = "%s"\nmemory = 32\ninit = [ "/bin/sh", "-c", "echo %s; exec sleep 1000" ]\n' \
		"$1" "$2" >"$XPV_RUN/$1.cfg"
	"$BIN/xpv" create -q "$XPV_RUN/$1.cfg" || return 1
	wait_for 30 grep -qs "$2" "$XPV_LOGDIR/console/guest-$1.log"
}

# The main thread of consoled is asleep (in epoll_wait), not spinning.
asleep() { [[ $(awk '{ print $3 }' "/proc/$cd_pid/stat" 2>/dev/null) == S ]]; }
consoled_alive() { kill -0 "$cd_pid" 2>/dev/null; }
# consoled closed the console's pty (it keeps the slave PATH open).
holds_no() { consoled_alive && ! ls -l "/proc/$cd_pid/fd" | grep -q " -> $1\$"; }

hostile broken break
check "create a guest that breaks its console ring" $?
wait_for 30 grep -qs "broke its console ring" "$cd_log"
check "consoled stopped its console" $? "$(tail -n 3 "$cd_log")"
id=$(domid_of broken)
tty=$(xenstore-read "/local/domain/$id/console/tty")
head -c 4096 /dev/zero | tr '\0' a | timeout 10 dd of="$tty" bs=4096 status=none
check "4 KiB typed into its pty" $?
served witness marker-$((40 + 2))
check "a domain created after it gets its console served" $?
wait_for 30 asleep
check "consoled sleeps (it does not spin on the broken console's pty)" $? \
	"state $(awk '{ print $3 }' "/proc/$cd_pid/stat" 2>/dev/null)"
"$BIN/xpv" destroy broken && "$BIN/xpv" destroy witness
check "destroy both" $?

for ((r = 1; r <= removals; r++)); do
	hostile ringer ring || break
	wait_for 30 said ringer "CONS RINGING" || break
	id=$(domid_of ringer)
	tty=$(xenstore-read "/local/domain/$id/console/tty") || break
	xenstore-rm "/local/domain/0/backend/console/$id/0" || break
	wait_for 30 holds_no "$tty" || break
	consoled_alive || break
	"$BIN/xpv" destroy ringer || break
done
((r > removals))
check "$removals consoles removed while their guests ring them" $? \
	"round $r: $(tail -n 3 "$cd_log")"
consoled_alive
check "xpv-consoled (pid $cd_pid) is still running" $? "$(tail -n 5 "$cd_log")"
served after marker-$((6 * 7))
check "and serves a new domain's console" $?
"$BIN/xpv" destroy after
finish
