#!/usr/bin/env bash
# test-netif.sh - xpv-netif (hotplug/netif/) in a network namespace of its
# own: every command, checked through sysfs rather than through
# xpv-netif's own output; attach is all or nothing; bad input is refused
# with exit 2 and a message.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/hotplug/tests/netns.sh"
xpv_need xpv-netif
netns_need
xpv_rundir test-netif

fails=0
check()
{
	local name=$1
	shift
	if "$@"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		fails=$((fails + 1))
	fi
}
eq() { [[ $1 == "$2" ]] || { echo "  got '$1', want '$2'" >&2; return 1; }; }

netns_new NS
X=("$BIN/xpv-netif" --netns "$NS")
err=$XPV_RUN/err

# bridges
check "bridge-add makes a bridge that is up" \
	"${X[@]}" bridge-add br0
check "  it is a bridge" in_ns "$NS" test -d /sys/class/net/br0/bridge
check "  it is up" eq "$(( $(sysnet "$NS" br0 flags) & 1 ))" 1
check "bridge-add of an existing bridge is fine" "${X[@]}" bridge-add br0
in_ns "$NS" ip link add v0 type veth peer name v1
check "bridge-add over a link that is not a bridge fails" \
	bash -c '! "$@" 2>'"$err" _ "${X[@]}" bridge-add v1
check "  and says so" grep -q "not a bridge" "$err"
check "bridges lists it" eq "$("${X[@]}" bridges)" br0

# attach / detach
in_ns "$NS" ip link set br0 mtu 1400 2>/dev/null # no ports: MTU is its own
check "attach v0 br0 1400" "${X[@]}" attach v0 br0 1400
check "  v0 is on br0" eq "$(master_of "$NS" v0)" br0
check "  v0 is up" eq "$(( $(sysnet "$NS" v0 flags) & 1 ))" 1
check "  v0 MTU 1400" eq "$(sysnet "$NS" v0 mtu)" 1400
check "attach again is fine" "${X[@]}" attach v0 br0
check "show reports it" bash -c '"$@" | grep -q "name=v0 .*mtu=1400 up=1 bridge=0 master=br0 "' _ "${X[@]}" show v0
check "detach" "${X[@]}" detach v0
check "  v0 is on no bridge" eq "$(master_of "$NS" v0)" ""
check "  v0 is down" eq "$(( $(sysnet "$NS" v0 flags) & 1 ))" 0

# attach takes the bridge's MTU when none is given
in_ns "$NS" ip link set v1 mtu 1500
in_ns "$NS" ip link add br9 type bridge
in_ns "$NS" ip link set br9 mtu 1280
check "attach without MTU" "${X[@]}" attach v1 br9
check "  v1 has the bridge's MTU" eq "$(sysnet "$NS" v1 mtu)" 1280
"${X[@]}" detach v1

# all or nothing: a missing bridge, a missing device, a non-bridge, and a
# step the kernel refuses after the MTU was changed (a bridge cannot be a
# port of a bridge: ELOOP)
check "attach to a missing bridge fails" \
	bash -c '! "$@" 2>'"$err" _ "${X[@]}" attach v0 nosuchbr
check "  one line saying the bridge does not exist" \
	eq "$(grep -c "bridge nosuchbr does not exist" "$err")/$(wc -l <"$err")" 1/1
check "  v0 untouched" eq "$(master_of "$NS" v0)/$(sysnet "$NS" v0 mtu)" /1400
check "attach of a missing device fails" \
	bash -c '! "$@" 2>'"$err" _ "${X[@]}" attach nosuchdev br0
check "  and says so" grep -q "no network device nosuchdev" "$err"
check "attach to a link that is no bridge fails" \
	bash -c '! "$@" 2>/dev/null' _ "${X[@]}" attach v0 v1
check "  v0 untouched" eq "$(master_of "$NS" v0)" ""
in_ns "$NS" ip link add brx type bridge
in_ns "$NS" ip link set brx mtu 1300
check "attach refused by the kernel fails" \
	bash -c '! "$@" 2>'"$err" _ "${X[@]}" attach brx br0 1350
check "  and says it left it as it was" grep -q "left as it was" "$err"
check "  MTU restored" eq "$(sysnet "$NS" brx mtu)" 1300
check "  not on the bridge" eq "$(master_of "$NS" brx)" ""

# single steps
check "master" "${X[@]}" master v0 br0
check "  v0 on br0" eq "$(master_of "$NS" v0)" br0
check "release" "${X[@]}" release v0
check "  v0 off" eq "$(master_of "$NS" v0)" ""
check "release of a free link is fine" "${X[@]}" release v0
check "mtu" "${X[@]}" mtu v0 1000
check "  1000" eq "$(sysnet "$NS" v0 mtu)" 1000
check "up" "${X[@]}" up v0
check "  up" eq "$(( $(sysnet "$NS" v0 flags) & 1 ))" 1
check "down" "${X[@]}" down v0
check "  down" eq "$(( $(sysnet "$NS" v0 flags) & 1 ))" 0
check "address" "${X[@]}" address v0 fe:ff:ff:ff:ff:ff
check "  set" eq "$(sysnet "$NS" v0 address)" fe:ff:ff:ff:ff:ff
check "rename" "${X[@]}" rename v0 vifx.0
check "  renamed" in_ns "$NS" test -e /sys/class/net/vifx.0
check "bridge-del" "${X[@]}" bridge-del br9
check "  gone" in_ns "$NS" test ! -e /sys/class/net/br9
check "bridge-del of a non-bridge fails" \
	bash -c '! "$@" 2>/dev/null' _ "${X[@]}" bridge-del v1

# bad usage: exit 2
usage_rc()
{
	"${X[@]}" "$@" >/dev/null 2>&1
	eq "$?" 2
}
check "no command: usage" usage_rc
check "unknown command: usage" usage_rc frobnicate v0
check "too many arguments: usage" usage_rc up v0 v1
check "bad MTU: usage" usage_rc mtu vifx.0 12x
check "MTU too small: usage" usage_rc mtu vifx.0 10
check "bad MAC: usage" usage_rc address vifx.0 fe:ff:ff
check "missing device: exit 1" \
	bash -c '"$@" 2>/dev/null; [[ $? == 1 ]]' _ "${X[@]}" up nosuchdev
check "an over-long name is refused" \
	bash -c '! "$@" 2>/dev/null' _ "${X[@]}" up 0123456789abcdefXYZ
check "a missing namespace is refused" \
	bash -c '! "$@" 2>/dev/null' _ "$BIN/xpv-netif" --netns "no-such-ns-$$" bridges

[[ $fails == 0 ]] || { echo "$fails failed"; exit 1; }
echo "all passed"
