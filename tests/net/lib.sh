# shellcheck shell=bash
# tests/net/lib.sh - sourced by the network tests and benchmarks on sim,
# after tests/lib.sh and hotplug/tests/netns.sh: the whole stack in a
# private directory and network namespace.
#
#   net_setup                 xpv-hv, xpv-xenstored, a namespace $NS0 for
#                             dom0's side of the vifs with bridge xenbr0
#                             (10.77.0.1/24, fd77::1/64), xpv-netback in
#                             it; skip when not root or not built
#   net_netback_start / net_netback_stop [SIGNAL]
#                             (stop returns xpv-netback's exit status)
#   net_guest NAME IP4 IP6 [--vif SPEC]... [-- XPV-NETFRONT OPTION...]
#                             a domain running tests/net/guest-agent.sh,
#                             its domid in ${DOMID[NAME]}; waits for
#                             "AGENT READY"
#   net_run NAME TIMEOUT CMD...
#                             run CMD (one line: newlines become spaces)
#                             in the guest, in a subshell; its output in
#                             $OUT, its status returned
#   net_in0 CMD...            run CMD in $NS0 (dom0's side)
#   net_testbed ARGS...       xpv-net-testbed in $NS0
#   net_wait FILE PATTERN SECS   until grep -q PATTERN FILE
#   net_vif_stat VIF KEY      a counter of xpv-netback's statistics file

declare -A DOMID CONSOLE FIFO FIFO_FD
NET_SEQ=0
OUT=

net_in0()
{
	ip netns exec "$NS0" "$@"
}

net_testbed()
{
	net_in0 env XPV_VIF_SCRIPT="$XPV_TOP/hotplug/vif-bridge" \
		"$BIN/xpv-net-testbed" "$@"
}

net_wait()
{
	local file=$1 pattern=$2 secs=$3 i
	for ((i = 0; i < secs * 20; i++)); do
		grep -q -- "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Not through net_in0: a function run in the background is a subshell,
# and its pid would not be the daemon's.
net_netback_start()
{
	local log=$XPV_RUN/netback.log
	ip netns exec "$NS0" "$BIN/xpv-netback" \
		--stats-dir "$XPV_RUN/netback" >>"$log" 2>&1 &
	xpv_track xpv-netback $! "$log"
}

net_netback_stop()
{
	local pid=${XPV_PIDS[xpv-netback]} rc
	kill "-${1:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	unset "XPV_PIDS[xpv-netback]"
	return "$rc"
}

net_cleanup()
{
	local name
	for name in "${!DOMID[@]}"; do
		net_testbed destroy "${DOMID[$name]}" >/dev/null 2>&1
	done
}

net_setup()
{
	xpv_need xpv-hv xpv-xenstored xpv-netback xpv-netfront xpv-netif \
		xpv-net-testbed xpv-net-xfer
	netns_need
	for tool in ping sha256sum xenstore-read; do
		command -v $tool >/dev/null || xpv_skip "needs $tool (make deps)"
	done
	xpv_rundir "${1:-test-net}"
	chmod 755 "$XPV_RUN"
	XPV_CLEANUP="net_cleanup; netns_cleanup"
	xpv_start_hv || exit 1
	xpv_start_xenstored "$XPV_RUN/xs.sock" || exit 1
	export XENSTORED_PATH=$XPV_RUN/xs.sock
	netns_new NS0
	"$BIN/xpv-netif" --netns "$NS0" bridge-add xenbr0 || exit 1
	net_in0 ip addr add 10.77.0.1/24 dev xenbr0
	net_in0 ip -6 addr add fd77::1/64 dev xenbr0 nodad
	net_netback_start
}

net_guest()
{
	local name=$1 ip4=$2 ip6=$3 opts=() nf=() id fd
	shift 3
	while (($#)); do
		if [[ $1 == -- ]]; then
			shift
			nf=("$@")
			break
		fi
		opts+=("$1")
		shift
	done
	CONSOLE[$name]=$XPV_RUN/$name.console
	FIFO[$name]=$XPV_RUN/$name.stdin
	mkfifo "${FIFO[$name]}"
	# Held open here too, so that a write never waits for a reader (a
	# guest that died).
	exec {fd}<>"${FIFO[$name]}"
	FIFO_FD[$name]=$fd
	: >"${CONSOLE[$name]}"
	id=$(net_testbed create --console "${CONSOLE[$name]}" \
		--stdin "${FIFO[$name]}" --ro "$BIN" --ro "$XPV_TOP/tests/net" \
		"${opts[@]}" -- "$XPV_TOP/tests/net/guest-agent.sh" "$BIN" \
		"$ip4" "$ip6" "${nf[@]}") || return 1
	DOMID[$name]=$id
	net_wait "${CONSOLE[$name]}" "AGENT READY" 20 || {
		echo "guest $name did not come up; its console:"
		cat "${CONSOLE[$name]}"
		return 1
	}
}

net_run()
{
	local name=$1 secs=$2 id cmd
	shift 2
	NET_SEQ=$((NET_SEQ + 1))
	id=$NET_SEQ
	cmd="$*"
	echo "$id ${cmd//$'\n'/ }" >&"${FIFO_FD[$name]}"
	if ! net_wait "${CONSOLE[$name]}" "^DONE $id " "$secs"; then
		OUT="(no answer within ${secs}s)"
		return 124
	fi
	OUT=$(sed -n "s/^OUT $id: //p" "${CONSOLE[$name]}")
	return "$(sed -n "s/^DONE $id //p" "${CONSOLE[$name]}")"
}

# net_until SECS CMD...: until CMD succeeds (1 after SECS). The statistics
# files are rewritten once a second, when the daemon is scheduled: a fixed
# sleep read stale counters on a loaded machine. SECS only guards against
# a hang.
net_until()
{
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

net_vif_stat()
{
	sed -n "s/^$2 //p" "$XPV_RUN/netback/$1" 2>/dev/null
}
