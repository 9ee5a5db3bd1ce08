#!/usr/bin/env bash
# test-vif-bridge.sh - hotplug/vif-bridge run as libxl runs it (online /
# offline with type_if=vif, XENBUS_PATH and vif in the environment; add /
# remove with type_if=tap and INTERFACE), against a real xpv-xenstored, on
# TAP devices in a network namespace of the test's own. Asserted: the vif
# on and off its bridge (through sysfs), hotplug-status written, MTU and
# vifname honoured, and every failure one clear hotplug-error with the vif
# left as it was.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/hotplug/tests/netns.sh"
xpv_need xpv-netif xpv-xenstored
command -v xenstore-write >/dev/null || xpv_skip "needs xenstore-utils (make deps)"
netns_need
xpv_rundir test-vif-bridge
xpv_start_xenstored "$XPV_RUN/xs.sock" || exit 1
export XENSTORED_PATH=$XPV_RUN/xs.sock XPV_BIN=$BIN

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
up_of() { echo $(( $(sysnet "$NS" "$1" flags) & 1 )); }

netns_new NS
out=$XPV_RUN/out
script=$top/hotplug/vif-bridge

# hotplug CMD DEV PATH [ARG...]: run the script in the namespace as libxl
# does (PATH is XENBUS_PATH), its stderr in $out.
hotplug()
{
	local cmd=$1 dev=$2 path=$3
	shift 3
	in_ns "$NS" env XENBUS_PATH="$path" vif="$dev" XENBUS_TYPE=vif \
		"$script" "$cmd" type_if=vif "$@" 2>"$out"
}

# backend PATH [KEY VALUE]...: a fresh backend directory with those keys.
backend()
{
	local path=$1 kv=()
	shift
	while (($# >= 2)); do
		kv+=("$path/$1" "$2")
		shift 2
	done
	xenstore-rm "$path" 2>/dev/null
	xenstore-write "$path/frontend-id" 3 "${kv[@]}"
}

# not CMD...: CMD must fail.
not() { ! "$@"; }

in_ns "$NS" ip tuntap add mode tap name vif3.0
in_ns "$NS" ip tuntap add mode tap name vif3.1
in_ns "$NS" ip tuntap add mode tap name vif4.0
"$BIN/xpv-netif" --netns "$NS" bridge-add xenbr0
"$BIN/xpv-netif" --netns "$NS" bridge-add xenbr1

# online: the named bridge; libxl's relative XENBUS_PATH
be=backend/vif/3/0
backend $be bridge xenbr1
check "online" hotplug online vif3.0 $be
check "  vif3.0 on xenbr1" eq "$(master_of "$NS" vif3.0)" xenbr1
check "  vif3.0 up" eq "$(up_of vif3.0)" 1
check "  hotplug-status connected" eq "$(xenstore-read $be/hotplug-status)" connected
check "online again is fine" hotplug online vif3.0 $be
check "offline" hotplug offline vif3.0 $be
check "  vif3.0 off the bridge" eq "$(master_of "$NS" vif3.0)" ""
check "  vif3.0 down" eq "$(up_of vif3.0)" 0
check "offline again is fine" hotplug offline vif3.0 $be

# an absolute path; mtu from the backend directory
be=/local/domain/0/backend/vif/3/1
backend $be bridge xenbr0 mtu 1400
check "online with mtu=1400" hotplug online vif3.1 $be
check "  MTU 1400" eq "$(sysnet "$NS" vif3.1 mtu)" 1400
check "  on xenbr0" eq "$(master_of "$NS" vif3.1)" xenbr0
hotplug offline vif3.1 $be

# no bridge key: the first bridge there is
be=backend/vif/4/0
backend $be
check "online without a bridge key" hotplug online vif4.0 $be
check "  on the first bridge" eq "$(master_of "$NS" vif4.0)" xenbr0
hotplug offline vif4.0 $be

# a bridge that does not exist: one clear error, nothing half done
be=backend/vif/3/0
backend $be bridge xenbr7
mtu_before=$(sysnet "$NS" vif3.0 mtu)
check "online to a missing bridge fails" not hotplug online vif3.0 $be
check "  hotplug-status error" eq "$(xenstore-read $be/hotplug-status)" error
check "  hotplug-error names the bridge" \
	bash -c '[[ $(xenstore-read '$be'/hotplug-error) == *"bridge xenbr7 does not exist"* ]]'
check "  one line on stderr" eq "$(wc -l <"$out")" 1
check "  vif3.0 on no bridge" eq "$(master_of "$NS" vif3.0)" ""
check "  vif3.0 still down" eq "$(up_of vif3.0)" 0
check "  vif3.0 MTU unchanged" eq "$(sysnet "$NS" vif3.0 mtu)" "$mtu_before"

# a vif that does not exist; a bad MTU; no bridge at all
be=backend/vif/5/0
backend $be bridge xenbr0
check "online of a missing vif fails" not hotplug online vif5.0 $be
check "  hotplug-error says so" \
	bash -c '[[ $(xenstore-read '$be'/hotplug-error) == *"no network device vif5.0"* ]]'
be=backend/vif/3/0
backend $be bridge xenbr0 mtu lots
check "online with a bad mtu fails" not hotplug online vif3.0 $be
check "  hotplug-error says so" \
	bash -c '[[ $(xenstore-read '$be'/hotplug-error) == *"bad MTU"* ]]'
check "  vif3.0 on no bridge" eq "$(master_of "$NS" vif3.0)" ""

# vifname: renamed at online, found by that name at offline
be=backend/vif/3/0
backend $be bridge xenbr0 vifname guest3
check "online with vifname" hotplug online vif3.0 $be
check "  renamed and on the bridge" eq "$(master_of "$NS" guest3)" xenbr0
check "offline with vifname" hotplug offline vif3.0 $be
check "  off the bridge" eq "$(master_of "$NS" guest3)" ""

# type_if=tap (an emulated NIC): add / remove, XENBUS_PATH from the name
in_ns "$NS" ip tuntap add mode tap name tap6.0
xenstore-write backend/vif/6/0/bridge xenbr1
check "add type_if=tap" in_ns "$NS" env INTERFACE=tap6.0 "$script" add type_if=tap
check "  tap6.0 on xenbr1" eq "$(master_of "$NS" tap6.0)" xenbr1
check "  no hotplug-status for a tap" bash -c '! xenstore-read backend/vif/6/0/hotplug-status 2>/dev/null'
check "remove type_if=tap" in_ns "$NS" env INTERFACE=tap6.0 "$script" remove type_if=tap
check "  tap6.0 off" eq "$(master_of "$NS" tap6.0)" ""
check "add for a vif does nothing (as in Xen)" hotplug add vif3.1 backend/vif/3/1
check "  vif3.1 untouched" eq "$(master_of "$NS" vif3.1)" ""

# the environment and the command are checked
check "a bad command fails" not hotplug frob vif3.1 backend/vif/3/1
check "  and says so" grep -q "invalid command" "$out"
check "no XENBUS_PATH fails" \
	not in_ns "$NS" env vif=vif3.1 "$script" online 2>"$out"
check "  and says so" grep -q "XENBUS_PATH is not set" "$out"
check "no vif fails, writing the error" \
	not in_ns "$NS" env XENBUS_PATH=backend/vif/3/1 "$script" online 2>/dev/null
check "  hotplug-error says vif is not set" \
	bash -c '[[ $(xenstore-read backend/vif/3/1/hotplug-error) == *"vif"*"not set"* ]]'

# no bridge anywhere
"$BIN/xpv-netif" --netns "$NS" bridge-del xenbr0
"$BIN/xpv-netif" --netns "$NS" bridge-del xenbr1
be=backend/vif/4/0
backend $be
check "online with no bridge at all fails" not hotplug online vif4.0 $be
check "  and says there is none" \
	bash -c '[[ $(xenstore-read '$be'/hotplug-error) == *"there is none"* ]]'

[[ $fails == 0 ]] || { echo "$fails failed"; exit 1; }
echo "all passed"
