# shellcheck shell=bash
# hotplug/tests/netns.sh - sourced by the network tests after tests/lib.sh:
# network namespaces of the test's own, with names unique to the run (so
# parallel runs never meet), deleted on exit with everything in them.
#
#   netns_need             skip unless root with `ip netns` working
#   netns_new VAR          create one, its name in $VAR
#   in_ns NS CMD...        run CMD in NS (with its own /sys)
#   sysnet NS DEV FILE     /sys/class/net/DEV/FILE as NS sees it
#   master_of NS DEV       the name of DEV's bridge, "" if none

NETNS_LIST=()

netns_cleanup()
{
	local ns
	for ns in "${NETNS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

netns_need()
{
	[[ $(id -u) == 0 ]] || xpv_skip "needs root (network namespaces)"
	command -v ip >/dev/null || xpv_skip "needs ip (iproute2)"
	local probe="xpvprobe-$$-$RANDOM"
	ip netns add "$probe" 2>/dev/null || xpv_skip "ip netns add does not work here"
	ip netns del "$probe"
	XPV_CLEANUP="${XPV_CLEANUP:+$XPV_CLEANUP; }netns_cleanup"
}

netns_new()
{
	local ns
	ns="xpv-$(basename "$0" .sh | tr -cd 'a-z0-9' | tail -c 8)-$$-$RANDOM"
	ip netns add "$ns" || exit 1
	NETNS_LIST+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

in_ns()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

sysnet()
{
	ip netns exec "$1" cat "/sys/class/net/$2/$3" 2>/dev/null
}

master_of()
{
	local m
	m=$(ip netns exec "$1" readlink "/sys/class/net/$2/master" 2>/dev/null) || return 0
	basename "$m"
}
