#!/usr/bin/env bash
# test-services.sh: `xpv up` starts dom0's services in the background and
# waits for them, `xpv status` shows them, `xpv down` stops them; a
# daemon that dies is reported and restarted by the next `up`, and one
# that cannot start is named with the end of its log.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv xpv-hv xpv-xenstored
[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (xpv-hv makes cgroups)"
xpv_rundir xpv-services
export XPV_RUNDIR=$XPV_RUN/run XPV_LOGDIR=$XPV_RUN/log XPV_PLATFORM=sim
export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
XPV_CLEANUP='"$BIN/xpv" down >/dev/null 2>&1'
fails=0

check()
{
	if [[ $2 == 0 ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1${3:+: $3}"
		fails=$((fails + 1))
	fi
}

pid_of() { cat "$XPV_RUNDIR/$1.pid" 2>/dev/null; }

# Gone, or a zombie its reaper has not collected yet (a detached daemon
# is an orphan).
wait_gone()
{
	local i
	for ((i = 0; i < 100; i++)); do
		[[ ! -e /proc/$1 || $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == Z ]] && return 0
		sleep 0.05
	done
	return 1
}

out=$("$BIN/xpv" up 2>&1)
rc=$?
check "up succeeds" $rc "$out"
grep -q "^started xpv-hv (pid [0-9]*, log $XPV_LOGDIR/xpv-hv.log)" <<<"$out"
check "up says it started xpv-hv" $? "$out"
grep -q "^started xpv-xenstored" <<<"$out"
check "up says it started xpv-xenstored" $? "$out"
hv=$(pid_of xpv-hv) xs=$(pid_of xpv-xenstored)
kill -0 "$hv" && kill -0 "$xs"
check "both run in the background" $?
[[ -S $XPV_RUNDIR/hv.sock && -S $XENSTORED_PATH ]]
check "their sockets exist once up returned" $?
[[ $(xenstore-read /local/domain/0/name) == Domain-0 ]]
check "dom0's name is in the store" $?
[[ -s $XPV_LOGDIR/xpv-hv.log ]]
check "xpv-hv logs to its file" $?

out=$("$BIN/xpv" status)
check "status is 0 while all run" $?
grep -q "^xpv-xenstored *running (pid $xs)" <<<"$out"
check "status shows xenstored's pid" $? "$out"

out=$("$BIN/xpv" up)
! grep -q started <<<"$out" && [[ $(pid_of xpv-hv) == "$hv" ]]
check "a second up starts nothing" $? "$out"

kill -KILL "$xs"
while kill -0 "$xs" 2>/dev/null; do sleep 0.05; done
out=$("$BIN/xpv" status)
rc=$?
[[ $rc -eq 1 ]] && grep -q "^xpv-xenstored *stopped" <<<"$out"
check "status shows a daemon that died, exit 1" $? "$out"
out=$("$BIN/xpv" up)
grep -q "^started xpv-xenstored" <<<"$out" && ! grep -q "started xpv-hv" <<<"$out" &&
	[[ $(xenstore-read /local/domain/0/name) == Domain-0 ]]
check "up restarts only what died" $? "$out"

# A daemon that cannot start: named, with the end of its log.
fake=$XPV_RUN/fakebin
mkdir -p "$fake"
ln -s "$BIN/xpv-hv" "$fake/xpv-hv"
printf '#!/bin/sh\necho "cannot listen: the fake daemon always fails" >&2\nexit 1\n' \
	>"$fake/xpv-xenstored"
chmod +x "$fake/xpv-xenstored"
"$BIN/xpv" down >/dev/null
out=$(XPV_BINDIR=$fake "$BIN/xpv" up 2>&1)
rc=$?
[[ $rc -eq 1 ]] && grep -q "xpv: xpv-xenstored did not start (it failed)" <<<"$out" &&
	grep -q "the fake daemon always fails" <<<"$out"
check "a daemon that fails is named with its log" $? "$out"
XPV_BINDIR=$fake "$BIN/xpv" down >/dev/null

out=$("$BIN/xpv" up && "$BIN/xpv" down)
hv=$(grep -o 'started xpv-hv (pid [0-9]*' <<<"$out" | grep -o '[0-9]*$')
grep -q "^stopped xpv-xenstored" <<<"$out" && grep -q "^stopped xpv-hv" <<<"$out" &&
	wait_gone "$hv" && [[ ! -e $XPV_RUNDIR/xpv-hv.pid && ! -e $XPV_RUNDIR/hv.sock ]]
check "down stops them and leaves no pid file or socket" $? "$out"
"$BIN/xpv" status >/dev/null
[[ $? -eq 1 ]]
check "status is 1 when they are down" $?

exit $((fails > 0))
