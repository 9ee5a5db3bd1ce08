# lib.sh: how dom0 runs one test of the plan and reports it (busybox sh).
#
# run_test NAME LIMIT FUNC NEEDS...: unless the run is filtered to other
# tests, run FUNC in a subshell with its output in /tmp/xpv-log/NAME.log,
# killed after LIMIT seconds; print the log indented and then one line
#   XPV-TEST NAME PASS|FAIL|SKIP why
# FUNC exits 0 (pass), 77 (skip) or anything else (fail); its last output
# line is the why. A test whose NEEDS did not all pass is skipped, naming
# them. Results are kept in /tmp/xpv-results for later NEEDS checks.
#
# FUNC runs in a session of its own, so that a test that times out is
# killed with everything it started, however deep (a hung xl, a client
# blocked on a dead store). Daemons that detach (xl's domain monitor,
# xenconsoled) make sessions of their own and are not touched.

lib_init()
{
	mkdir -p /tmp/xpv-log
	: >/tmp/xpv-results
}

# result NAME: PASS, FAIL, SKIP or nothing if NAME did not run.
result()
{
	sed -n "s/^$1 //p" /tmp/xpv-results | tail -n 1
}

# report NAME RES WHY
report()
{
	echo "$1 $2" >>/tmp/xpv-results
	echo "XPV-TEST $1 $2 $3"
}

# store_alive: the store daemon started by the plan is still running.
store_alive()
{
	[ -s /run/xpv/store.pid ] || return 0
	kill -0 "$(cat /run/xpv/store.pid)" 2>/dev/null
}

# kill_test PID WHY LOG: end test session PID, saying why in its log.
kill_test()
{
	echo "$2" >>"$3"
	kill -TERM -- "-$1" 2>/dev/null
	sleep 1
	kill -KILL -- "-$1" 2>/dev/null
}

# now: seconds since boot. Deadlines are kept on this clock, not by
# counting sleeps: under emulation each loop turn costs far more than its
# sleep.
now()
{
	cut -d. -f1 /proc/uptime
}

# watch_test PID LIMIT LOG: return when test session PID ends; end it
# after LIMIT seconds, or at once when the store daemon dies under it (its
# clients would otherwise wait on the kernel's xenbus for ever).
watch_test()
{
	local pid=$1 end=$(($(now) + $2))
	while kill -0 "$pid" 2>/dev/null; do
		if ! store_alive; then
			kill_test "$pid" "the store daemon died" "$3"
			return
		fi
		if [ "$(now)" -ge $end ]; then
			kill_test "$pid" "timed out after $2 s" "$3"
			return
		fi
		sleep 0.5
	done
}

# store_log_tail NAME: what the store daemon said last, under a failure.
store_log_tail()
{
	local f
	for f in /var/log/xenstored.out /var/log/xpv-xenstored.log; do
		[ -s $f ] || continue
		tail -n 15 $f | sed "s#^#  $1| ${f##*/}: #"
	done
}

run_test()
{
	local name=$1 limit=$2 fn=$3 need log pid rc why t0 t1
	shift 3
	for need in "$@"; do
		[ "$(result "$need")" = PASS ] && continue
		report "$name" SKIP "needs $need, which did not pass"
		return 0
	done
	log=/tmp/xpv-log/$name.log
	echo "XPV-START $name $limit"
	t0=$(now)
	setsid sh -c ". /xpv/lib.sh; . /xpv/plan.sh; $fn" \
		>"$log" 2>&1 </dev/null &
	pid=$!
	watch_test "$pid" "$limit" "$log"
	wait "$pid"
	rc=$?
	t1=$(now)
	sed "s/^/  $name| /" "$log"
	why=$(grep -v '^ *$' "$log" | tail -n 1)
	if ! store_alive; then
		rc=1
		why="the store daemon (pid $(cat /run/xpv/store.pid)) died"
		dmesg | grep -i -E 'segfault|killed' | tail -n 3 |
			sed "s/^/  $name| dmesg: /"
	fi
	case $rc in
	0 | 77) ;;
	*)
		store_log_tail "$name"
		dmesg | tail -n 8 | sed "s/^/  $name| dmesg: /"
		;;
	esac
	case $rc in
	0) report "$name" PASS "$((t1 - t0))s" ;;
	77) report "$name" SKIP "$why" ;;
	*) report "$name" FAIL "${why:-exit $rc}" ;;
	esac
}

# wait_for SECONDS CMD...: retry CMD every half second until it succeeds.
wait_for()
{
	local end=$(($(now) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now)" -ge $end ] && return 1
		sleep 0.5
	done
}

fail()
{
	echo "$*"
	exit 1
}

skip()
{
	echo "$*"
	exit 77
}
