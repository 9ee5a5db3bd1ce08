#!/usr/bin/env bash
# test-xenstored-socket.sh: the daemon as a process: table-driven wire
# cases over its socket (xs-wire), the read-only socket, --trace, --log and
# SIGHUP reopening it, --pid-file (and one it cannot write), and SIGTERM
# removing the socket.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-xenstored xs-wire
xsd=$BIN/xpv-xenstored

# The daemon forks (--pid-file): not a child the library could stop.
# Stop it and wait until it is gone, lest it write in $dir being removed.
pid=
stop_daemon()
{
	[[ -n $pid ]] || return 0
	kill "$pid" 2>/dev/null
	# Gone, or a zombie (exited; whoever adopted it has not reaped it).
	for _ in $(seq 50); do
		[[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) =~ ^[^ZX]$ ]] || break
		sleep 0.1
	done
}
XPV_CLEANUP=stop_daemon
xpv_rundir xpv-xssock
dir=$XPV_RUN
fail() { echo "FAIL: $*"; exit 1; }

export XPV_RUNDIR=$dir/run
"$xsd" --no-domains --ro-socket "$dir/ro" --log "$dir/log" \
	--trace "$dir/trace" --pid-file "$dir/pid" || fail "daemon did not start"
pid=$(cat "$dir/pid")
sock=$dir/run/xenstored/socket
[[ -S $sock ]] || fail "no socket at the default \$XPV_RUNDIR/xenstored/socket"

"$BIN/xs-wire" "$sock" || fail "wire cases"

# The read-only socket reads but refuses changes with EROFS.
if command -v xenstore-read >/dev/null; then
	XENSTORED_PATH=$dir/ro xenstore-read /s/a | grep -qx v ||
		fail "read on the read-only socket"
	XENSTORED_PATH=$dir/ro xenstore-write /s/a w 2>/dev/null &&
		fail "write on the read-only socket succeeded"
	XENSTORED_PATH=$sock xenstore-read /s/a | grep -qx v ||
		fail "the read-only socket changed a node"
fi

# A second daemon on the same socket refuses to start, and the first keeps
# its socket (it used to be replaced: new clients reached the second
# daemon's empty store, and its exit removed the path of both).
if "$xsd" --no-domains --pid-file "$dir/pid2" 2>"$dir/second.err"; then
	kill "$(cat "$dir/pid2")" 2>/dev/null
	fail "a second daemon started on a socket a daemon serves"
fi
grep -q 'Address already in use' "$dir/second.err" ||
	fail "the second daemon did not say the socket is in use"
XENSTORED_PATH=$sock xenstore-read /s/a | grep -qx v ||
	fail "the first daemon lost its socket"

# Not a socket: left alone.
: >"$dir/plain"
"$xsd" --no-domains --socket "$dir/plain" --pid-file "$dir/pid3" \
	2>/dev/null && { kill "$(cat "$dir/pid3")"; fail "replaced a plain file"; }
[[ -f $dir/plain ]] || fail "a plain file at the socket path was removed"

# A directory too long for one reply: libxenstore pages it with
# DIRECTORY_PART after DIRECTORY answers E2BIG.
if command -v xenstore-list >/dev/null; then
	args=()
	for i in $(seq 300); do args+=("/big/a-rather-long-child-name-$i" x); done
	XENSTORED_PATH=$sock xenstore-write "${args[@]}" || fail "big write"
	n=$(XENSTORED_PATH=$sock xenstore-list /big | wc -l)
	[[ $n == 300 ]] || fail "xenstore-list of 300 children gave $n"
	XENSTORED_PATH=$sock xenstore-list /big | tail -n 1 |
		grep -qx 'a-rather-long-child-name-300' || fail "paging order"
fi

grep -q '^IN .* WRITE req=99 tx=0 len=6 "/s/a\\0v"$' "$dir/trace" ||
	fail "trace lacks the WRITE request line"
grep -q '^OUT .* WRITE req=99 tx=0 len=3 "OK\\0"$' "$dir/trace" ||
	fail "trace lacks the WRITE reply line"
grep -q 'control: hello' "$dir/log" || fail "CONTROL print not logged"

# SIGHUP reopens the log (as after logrotate).
mv "$dir/log" "$dir/log.1"
kill -HUP "$pid"
sleep 0.2
XENSTORED_PATH=$sock xenstore-write /s/b 1 || fail "write after SIGHUP"
[[ -f $dir/log ]] || fail "SIGHUP did not reopen the log"

kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "SIGTERM did not stop the daemon"
pid=
[[ -e $sock ]] && fail "socket left behind after SIGTERM"
grep -q 'exiting' "$dir/log" || fail "no exit line in the log"
# Out of file descriptors: extra clients are refused, the daemon neither
# spins on its listener nor stops serving.
(ulimit -n 24; exec "$xsd" --no-domains --socket "$dir/small" \
	--log "$dir/small.log" --pid-file "$dir/small.pid") ||
	fail "daemon with few fds did not start"
pid=$(cat "$dir/small.pid")
"$BIN/xs-wire" --hold 40 "$dir/small" &
holder=$!
sleep 0.5
# While the refused clients wait, the daemon must be idle, not spinning.
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 1
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
wait "$holder" || fail "could not connect 40 clients"
((t1 - t0 < 20)) || fail "daemon busy ($((t1 - t0)) ticks/s) with idle clients"
grep -q 'client refused' "$dir/small.log" || fail "no refusal logged"
XENSTORED_PATH=$dir/small xenstore-write /after 1 2>/dev/null ||
	"$BIN/xs-wire" "$dir/small" >/dev/null ||
	fail "not serving after running out of fds"
kill -TERM "$pid" # stop_daemon waits for it
stop_daemon
pid=

# A pid file that cannot be written: the daemon serves on, and its log
# says why (the function's own error, not a stale errno).
xpv_start_xenstored "$dir/nopid" --no-domains --pid-file "$dir/none/pid" ||
	fail "daemon with an unwritable pid file did not start"
grep -q "cannot write $dir/none/pid: No such file or directory" \
	"${XPV_LOGS[xpv-xenstored]}" || fail "pid file error not logged right"
echo "test-xenstored-socket: ok"
