# shellcheck shell=bash
# toolstack/tests/xpv-lib.sh - sourced by the toolstack's tests, after
# tests/lib.sh: a private xpv instance (its own XPV_RUNDIR, XPV_LOGDIR and
# xenstore socket, stopped with `xpv down` on exit), result lines, and the
# probes the tests share.
#
#   xpv_instance NAME         make the instance under $XPV_RUN (skip if
#                             not root)
#   check NAME STATUS [WHY]   "ok NAME" when STATUS is 0, else "FAIL"
#   finish                    stop the instance, fail on a sanitizer report
#                             in its logs; exit 0 if no check failed, else 1
#   xs_has PATH               the node exists
#   domid_of NAME             the domain's id (from xpv list)
#   state_of NAME             its xl state letters
#   init_pid DOMID            the pid (on the host) of its first process
#   cgroup_file DOMID CTRL FILE   the path of a file of its cgroup
#   hv_fds                    xpv-hv's open fd count
#   domain_marks DOMID        what no_trace checks, taken while it runs
#   no_trace DOMID MARKS      nothing of the domain is left anywhere
#   wait_for SECONDS CMD...   until CMD succeeds (1 on a time-out)
#   console_until TEXT INPUT CMD...
#                             run CMD (`xpv console G`, `xpv create -c`)
#                             with INPUT on its stdin, then Ctrl-] once
#                             TEXT is in its output; prints the output,
#                             returns CMD's status

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

# Stop the instance, then look for what a sanitizer build of a daemon,
# a monitor or a guest said in its log (make check-asan): a report is a
# failure.
finish()
{
	local reports
	if [[ -n ${XPV_LOGDIR:-} && -d ${XPV_LOGDIR:-} ]]; then
		"$BIN/xpv" down >/dev/null 2>&1
		reports=$(grep -rl -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" \
			-e "runtime error:" "$XPV_LOGDIR" 2>/dev/null)
		check "no sanitizer report in the logs" "$([[ -z $reports ]]; echo $?)" \
			"$(for f in $reports; do echo "$f:"; grep -A15 -e Sanitizer -e "runtime error" "$f"; done)"
	fi
	exit $((fails > 0))
}

xpv_instance()
{
	[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (xpv-hv makes cgroups)"
	xpv_rundir "$1"
	export XPV_RUNDIR=$XPV_RUN/run XPV_LOGDIR=$XPV_RUN/log XPV_PLATFORM=sim
	export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
	XPV_CLEANUP='"$BIN/xpv" down >/dev/null 2>&1'
}

xs_has()
{
	xenstore-exists "$1" 2>/dev/null
}

domid_of()
{
	"$BIN/xpv" list 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'
}

state_of()
{
	"$BIN/xpv" list 2>/dev/null | awk -v n="$1" '$1 == n { print $5 }'
}

# The domain's first process is a child of xpv-hv in the cgroup .../dom<N>.
init_pid()
{
	local hv p
	hv=$(cat "$XPV_RUNDIR/xpv-hv.pid") || return 1
	for p in $(pgrep -P "$hv"); do
		grep -q "^[0-9]*:memory:.*/dom$1\$" "/proc/$p/cgroup" 2>/dev/null &&
			{ echo "$p"; return 0; }
	done
	return 1
}

cgroup_file()
{
	local pid path
	pid=$(init_pid "$1") || return 1
	path=$(sed -n "s/^[0-9]*:\([^:]*,\)*$2\(,[^:]*\)*:\(.*\)/\3/p" "/proc/$pid/cgroup")
	[[ -n $path ]] && echo "/sys/fs/cgroup/$2$path/$3"
}

hv_fds()
{
	ls "/proc/$(cat "$XPV_RUNDIR/xpv-hv.pid")/fd" | wc -l
}

# SECONDS is only a guard against a hang: CI runs on two CPUs that other
# work may keep busy, where a guest's boot or a daemon's restart takes many
# times what it takes on an idle machine. Give 30 s or more.
wait_for()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# What no_trace needs to know of a live domain, recorded before it goes:
# "UUID CGROUP_DIR MONITOR_PID".
domain_marks()
{
	local uuid cg mon
	uuid=$(xenstore-read "/local/domain/$1/vm" 2>/dev/null)
	cg=$(cgroup_file "$1" memory "") || cg=-
	mon=$(cat "$XPV_RUNDIR/domains/$1/monitor.pid" 2>/dev/null) || mon=-
	echo "${uuid#/vm/} ${cg%/} $mon"
}

# Nothing of the domain: no store node (its home, /vm/UUID, /libxl/N, a
# backend directory), no process of it, no cgroup, no runtime directory,
# no monitor. MARKS is what domain_marks said while it ran.
no_trace()
{
	local domid=$1 uuid cg mon k
	read -r uuid cg mon <<<"$2"
	xs_has "/local/domain/$domid" && { echo "/local/domain/$domid is left"; return 1; }
	xs_has "/vm/$uuid" && { echo "/vm/$uuid is left"; return 1; }
	xs_has "/libxl/$domid" && { echo "/libxl/$domid is left"; return 1; }
	for k in console vbd qdisk vif; do
		xs_has "/local/domain/0/backend/$k/$domid" &&
			{ echo "backend/$k/$domid is left"; return 1; }
	done
	init_pid "$domid" >/dev/null && { echo "a process of dom$domid is left: $(init_pid "$domid")"; return 1; }
	[[ $cg != - && -d $cg ]] && { echo "cgroup $cg is left"; return 1; }
	[[ -e $XPV_RUNDIR/domains/$domid ]] && { echo "$XPV_RUNDIR/domains/$domid is left"; return 1; }
	[[ $mon != - ]] && ! wait_for 30 bash -c "! kill -0 $mon 2>/dev/null" &&
		{ echo "its monitor is left: $(ps -o pid,stat,args -p "$mon" | tail -n 1)"; return 1; }
	return 0
}

# `xpv check` of every domain: the store is valid under the schemas.
store_valid()
{
	local out
	out=$("$BIN/xpv" check 2>&1)
	check "the store is valid under the schemas ($1)" $? "$out"
}

# A console session that detaches only once the answer is there: a fixed
# `sleep` before Ctrl-] read as "no answer" whenever the guest, consoled or
# `xpv console` itself were not scheduled in time on a loaded machine. The
# 60 s only guard against a hang.
console_until()
{
	local text=$1 input=$2 fifo out pid fd rc
	shift 2
	fifo=$(mktemp -u "$XPV_RUN/console-in.XXXXXX")
	out=$(mktemp "$XPV_RUN/console-out.XXXXXX")
	mkfifo "$fifo" || return 1
	timeout 60 "$@" <"$fifo" >"$out" 2>&1 &
	pid=$!
	exec {fd}>"$fifo"
	printf '%s' "$input" >&"$fd"
	wait_for 60 grep -qF -- "$text" "$out"
	printf '\035' >&"$fd"
	# stdin stays open until CMD is gone: Ctrl-] alone must detach it
	wait "$pid"
	rc=$?
	exec {fd}>&-
	cat "$out"
	rm -f "$fifo" "$out"
	return "$rc"
}
