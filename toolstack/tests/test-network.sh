#!/usr/bin/env bash
# test-network.sh: vifs through `xpv create`, in a network namespace of
# the test's own (dom0's side: bridge xenbr0, 10.98.0.1): dom0 makes each
# guest's NIC (eth0, the vif's MAC) and hands it in, xpv-guest's vif
# driver runs netfront on it, xpv-netback's vif<domid>.0 is put on the
# bridge by hotplug/vif-bridge; two guests ping each other and dom0; the
# store is valid; destroy takes the vif off the bridge and away; a vif on
# a bridge that does not exist fails create with the script's own message
# and leaves nothing.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -z ${XPV_NET_TEST_INSIDE:-} ]]; then
	[[ $(id -u) -eq 0 ]] || { echo "needs root (namespaces, cgroups)"; exit 77; }
	XPV_NET_TEST_INSIDE=1 exec unshare --net "$0" "$@"
fi
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest xpv-netback xpv-netif
command -v ping >/dev/null || xpv_skip "needs ping (iputils-ping)"
xpv_instance xpv-network
ip link set lo up
"$BIN/xpv-netif" bridge-add xenbr0 && ip addr add 10.98.0.1/24 dev xenbr0
check "dom0's bridge" $?

guest()
{
	local name=$1 n=$2 peer=$3
	cat >"$XPV_RUN/$name.cfg" <<CFG
name = "$name"
memory = 64
vif = [ 'mac=00:16:3e:00:98:0$n, bridge=xenbr0' ]
init = [ "/bin/sh", "-c", "ip link set eth0 up && ip addr add 10.98.0.1$n/24 dev eth0 && ping -c 2 -W 5 10.98.0.1 >/dev/null && echo dom0-reachable; while ! ping -c 1 -W 1 $peer >/dev/null; do sleep 0.2; done; ping -c 20 -i 0.05 -s 1400 $peer >/dev/null; echo peer-reachable; exec sleep 1000" ]
CFG
	"$BIN/xpv" create -q "$XPV_RUN/$name.cfg"
}

guest left 1 10.98.0.12
check "create a guest with a vif" $?
guest right 2 10.98.0.11
check "create a second one on the same bridge" $?
l=$(domid_of left) r=$(domid_of right)
# (ip, not /sys: sysfs shows the namespace it was mounted in)
vifs() { ip -o link show | awk -F': ' '$2 ~ /^vif/ { sub(/@.*/, "", $2); print $2 }'; }
master=$(ip -o link show master xenbr0 | awk -F': ' '{ print $2 }')
[[ $master == *"vif$l.0"* ]]
check "vif$l.0 is on xenbr0" $? "$master"
for g in left right; do
	wait_for 30 grep -q peer-reachable "$XPV_LOGDIR/console/guest-$g.log"
	check "$g reaches dom0 and the other guest" $? "$(cat "$XPV_LOGDIR/console/guest-$g.log")"
done
[[ $(xenstore-read "/local/domain/$l/device/vif/0/state") == 4 &&
	$(xenstore-read "/local/domain/0/backend/vif/$l/0/hotplug-status") == connected ]]
check "both ends Connected, hotplug-status connected" $?
store_valid "with two vifs connected"
top=$("$BIN/xpv" top -b -i 1)
row=$(awk '$1 == "left"' <<<"$top")
read -r _ _ _ _ _ _ _ nets tx rx _ <<<"$row"
[[ $nets == 1 && $tx -ge 20 && $rx -ge 20 ]]
check "xpv top -b: left's vif and its traffic (KiB)" $? "$top"

# Hot-plug: a second vif into a running guest, and out again.
out=$("$BIN/xpv" network-attach right mac=00:16:3e:00:98:22 bridge=xenbr0 2>&1)
check "network-attach" $? "$out"
[[ $(xenstore-read "/local/domain/$r/device/vif/1/state") == 4 &&
	$(xenstore-read "/local/domain/0/backend/vif/$r/1/state") == 4 ]]
check "the new vif connected (the guest's driver took it)" $?
ip -o link show master xenbr0 | grep -q "vif$r.1"
check "vif$r.1 is on the bridge" $? "$(ip -o link show master xenbr0)"
wait_for 30 grep -q "device/vif/1 (eth1): connected" "$XPV_LOGDIR/xpv-right.log"
check "eth1 is the guest's" $? "$(grep vif "$XPV_LOGDIR/xpv-right.log")"
list=$("$BIN/xpv" network-list right)
[[ $(wc -l <<<"$list") -eq 3 && $list == *"00:16:3e:00:98:22"* ]]
check "network-list shows both" $? "$list"
grep -q "00:16:3e:00:98:22" "$XPV_RUNDIR/domains/$r/config"
check "the kept config has it (a reboot keeps it)" $?
store_valid "after network-attach"
out=$("$BIN/xpv" network-detach right 00:16:3e:00:98:22 2>&1)
check "network-detach by MAC" $? "$out"
! xs_has "/local/domain/$r/device/vif/1" && ! xs_has "/local/domain/0/backend/vif/$r/1" &&
	! vifs | grep -qx "vif$r.1"
check "the vif is gone: store nodes and vif$r.1" $? "$(vifs)"
! grep -q "00:16:3e:00:98:22" "$XPV_RUNDIR/domains/$r/config"
check "and out of the kept config" $?
out=$("$BIN/xpv" network-detach right 7 2>&1)
[[ $? -eq 1 && $out == "xpv: network-detach: domain $r has no vif 7" ]]
check "detaching a vif that is not there" $? "$out"
store_valid "after network-detach"

marks=$(domain_marks "$l")
"$BIN/xpv" destroy left
! vifs | grep -qx "vif$l.0"
check "destroy removes vif$l.0" $? "$(vifs)"
msg=$(no_trace "$l" "$marks")
check "and leaves nothing else" $? "$msg"

before=$(xenstore-ls / | wc -l)
out=$("$BIN/xpv" create -q "$XPV_RUN/right.cfg" 'name="lost"' \
	'vif=["mac=00:16:3e:00:98:09, bridge=nosuchbr"]' 2>&1)
[[ $? -eq 1 && $out == *"vif 0 (vif"*"hotplug script failed"*"nosuchbr"* ]]
check "a bridge that does not exist: create fails with the script's message" $? "$out"
[[ $(xenstore-ls / | wc -l) -eq $before && $(vifs) == "vif$r.0" ]]
check "and leaves no store node or vif behind" $? "$(vifs)"
# A hotplug script that hangs is killed after XPV_HOTPLUG_TIMEOUT; one
# that fails is shown with its own words; neither leaves anything.
printf '#!/bin/sh\nsleep 300\n' >"$XPV_RUN/hang.sh"
printf '#!/bin/sh\necho "cannot reach the switch" >&2\nexit 1\n' >"$XPV_RUN/fail.sh"
chmod +x "$XPV_RUN/hang.sh" "$XPV_RUN/fail.sh"
start=$SECONDS
out=$(XPV_HOTPLUG_TIMEOUT=2 "$BIN/xpv" create -q "$XPV_RUN/right.cfg" 'name="hang"' \
	"vif=[\"mac=00:16:3e:00:98:0a, script=$XPV_RUN/hang.sh\"]" 2>&1)
[[ $? -eq 1 && $out == *"hotplug script failed: no answer within 2 s; killed"* && $((SECONDS - start)) -lt 15 ]]
check "a hotplug script that hangs: killed, create fails and says so" $? "$out"
! pgrep -f "$XPV_RUN/hang.sh" >/dev/null && [[ $(xenstore-ls / | wc -l) -eq $before && $(vifs) == "vif$r.0" ]]
check "and nothing of it is left (script, store, vif)" $? "$(pgrep -af hang.sh) $(vifs)"
out=$("$BIN/xpv" create -q "$XPV_RUN/right.cfg" 'name="fail"' \
	"vif=[\"mac=00:16:3e:00:98:0b, script=$XPV_RUN/fail.sh\"]" 2>&1)
[[ $? -eq 1 && $out == *"hotplug script failed: cannot reach the switch"* ]]
check "a hotplug script that fails: its own message" $? "$out"
[[ $(xenstore-ls / | wc -l) -eq $before && $(vifs) == "vif$r.0" ]]
check "and nothing is left" $? "$(vifs)"

"$BIN/xpv" destroy right
[[ -z $(vifs) ]]
check "no vif left at all" $? "$(vifs)"
finish
