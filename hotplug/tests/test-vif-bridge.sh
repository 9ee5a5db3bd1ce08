#!/usr/bin/env bash
# test-vif-bridge.sh - hotplug/vif-bridge run as libxl runs it (online /
# offline with type_if=vif, XENBUS_PATH and vif in the environment; add /
# remove with type_if=tap and INTERFACE), against a real xpv-xenstored, on
# TAP devices in a network namespace of the test's own. Asserted: the vif
# on and off its bridge (through sysfs), hotplug-status written, MTU and
# vifname honoured, and every failure one clear hotplug-error with the vif
# left as it was; with the ip key (xl's ip=), a spoofed frame from the
# guest dropped and its own arriving.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
. "$top/hotplug/tests/netns.sh"
xpv_need xpv-netif xpv-xenstored
command -v xenstore-write >/dev/null || xpv_skip "needs xenstore-utils (make deps)"
command -v nft >/dev/null || xpv_skip "needs nft (make deps)"
command -v python3 >/dev/null || xpv_skip "needs python3"
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

# ip=: anti-spoofing. A guest's frames (written into its vif as netfront's
# would be) reach dom0 through the bridge from its own address only.
frames=$top/hotplug/tests/frames.py
in_ns "$NS" ip tuntap add mode tap name vif7.0
in_ns "$NS" ip addr add 10.88.0.1/24 dev xenbr0
# spoof_round TAG: a legitimate and a spoofed frame to dom0's 10.88.0.1,
# in rounds until the legitimate one arrived (the bridge forwards once
# the kernel has seen the TAP's carrier, which may take a while on a
# loaded machine; 30 tries only guard against a hang); what arrived, one
# payload a line, in $XPV_RUN/got.
spoof_round()
{
	local ctl=$XPV_RUN/recv.ctl ready=$XPV_RUN/recv.ready rx fd i
	rm -f "$ctl" "$ready"
	mkfifo "$ctl"
	in_ns "$NS" python3 "$frames" recv 10.88.0.1 9999 "$ready" \
		<"$ctl" >"$XPV_RUN/got" &
	rx=$!
	exec {fd}>"$ctl"
	for ((i = 0; i < 300; i++)); do
		[[ -e $ready ]] && break
		sleep 0.1
	done
	i=0
	until got "legit-$1" || ((i++ >= 30)); do
		in_ns "$NS" python3 "$frames" send vif7.0 "$(sysnet "$NS" xenbr0 address)" \
			"10.88.0.7:legit-$1" "10.88.0.66:spoofed-$1" 10.88.0.1 9999
	done
	exec {fd}>&-
	wait $rx
}
got() { grep -qx -- "$1" "$XPV_RUN/got"; }
has_table() { in_ns "$NS" nft list table netdev "xpv-antispoof-$1" >/dev/null 2>&1; }
be=backend/vif/7/0
backend $be bridge xenbr0
check "online without ip=" hotplug online vif7.0 $be
check "  no filter" not has_table vif7.0
spoof_round open
check "  the guest's own address arrives" got legit-open
check "  and any other (nothing filters without ip=)" got spoofed-open
backend $be bridge xenbr0 ip "10.88.0.7 fd88::7"
check "online with ip=10.88.0.7 fd88::7" hotplug online vif7.0 $be
check "  hotplug-status connected" eq "$(xenstore-read $be/hotplug-status)" connected
check "  the vif's filter is there" has_table vif7.0
spoof_round ip
check "  a frame from 10.88.0.7 arrives" got legit-ip
check "  a frame from 10.88.0.66 (spoofed) does not" not got spoofed-ip
check "  the filter counted drops" bash -c "ip netns exec $NS nft list table netdev xpv-antispoof-vif7.0 | grep -Eq 'meta protocol ip counter packets [1-9]'"
check "offline" hotplug offline vif7.0 $be
check "  the filter is gone" not has_table vif7.0
backend $be bridge xenbr0 ip "10.88.0.7 not-an-address"
check "online with a bad ip= fails" not hotplug online vif7.0 $be
check "  hotplug-error names it" \
	bash -c '[[ $(xenstore-read '$be'/hotplug-error) == *"not-an-address"*"is not an IPv4 or IPv6 address"* ]]'
check "  vif7.0 on no bridge, no filter" eq "$(master_of "$NS" vif7.0)$(has_table vif7.0 && echo filtered)" ""
backend $be bridge xenbr9 ip 10.88.0.7
check "online with ip= to a missing bridge fails" not hotplug online vif7.0 $be
check "  no filter left behind" not has_table vif7.0

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
