#!/usr/bin/env bash
# test-sched.sh: `xpv sched-credit` and `xpv vcpu-pin` as xl's: the
# config's cpus, cpu_weight and cap applied at create; sched-credit lists
# (Name ID Weight Cap) and sets the weight (cpu.shares) and the cap
# (cpu.cfs_quota_us); `xpv info` names the scheduler (sim-cgroup);
# weights change cpu time measurably (two busy guests
# on one cpu, 256 against 1024); vcpu-pin moves cpuset.cpus and the
# guest's own affinity. Bad input gets one message and exit status 1.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest
xpv_instance xpv-sched
[[ -d /sys/fs/cgroup/cpu && -d /sys/fs/cgroup/cpuset ]] ||
	xpv_skip "needs the v1 cpu and cpuset controllers (this test reads their files)"

busy_cfg()
{
	cat >"$XPV_RUN/$1.cfg" <<CFG
name = "$1"
memory = 32
vcpus = 1
cpus = "0"
cpu_weight = $2
init = [ "/bin/sh", "-c", "while :; do :; done" ]
CFG
}
busy_cfg light 256
busy_cfg heavy 1024
"$BIN/xpv" create -q "$XPV_RUN/light.cfg" && "$BIN/xpv" create -q "$XPV_RUN/heavy.cfg"
check "create two busy guests pinned to cpu 0" $?
light=$(domid_of light) heavy=$(domid_of heavy)

[[ $(cat "$(cgroup_file "$heavy" cpu cpu.shares)") == 4096 &&
	$(cat "$(cgroup_file "$light" cpu cpu.shares)") == 1024 ]]
check "cpu_weight at create: cpu.shares = weight * 4" $?
[[ $(cat "$(cgroup_file "$heavy" cpuset cpuset.cpus)") == 0 ]]
check "cpus at create: cpuset.cpus" $?

out=$("$BIN/xpv" sched-credit)
[[ $(awk '$1 == "Name" { print $2, $3, $4 }' <<<"$out") == "ID Weight Cap" &&
	$(awk '$1 == "heavy" { print $2, $3, $4 }' <<<"$out") == "$heavy 1024 0" &&
	$(awk '$1 == "light" { print $3 }' <<<"$out") == 256 ]]
check "sched-credit lists Name ID Weight Cap" $? "$out"

# xl info names the scheduler that runs; on sim no credit accounting
# does, the host kernel's scheduler over the domains' cgroups does.
out=$("$BIN/xpv" info)
[[ $(awk -F': ' '$1 ~ /^xen_scheduler / { print $2 }' <<<"$out") == sim-cgroup &&
	$(awk -F': ' '$1 ~ /^platform / { print $2 }' <<<"$out") == sim ]]
check "info names sim's scheduler: xen_scheduler sim-cgroup" $? "$out"

# Each domain's cpu share over 3 s, as xpv top's CPU(%) (hv_domain_info's
# cpu time, in ns) of its second sample.
shares=$("$BIN/xpv" top -b -d 3 -i 2 | awk '$1 == "light" || $1 == "heavy" { p[$1] = $4 } END { print p["light"], p["heavy"] }')
read -r pl ph <<<"$shares"
awk -v l="$pl" -v h="$ph" 'BEGIN { exit !(h > 2 * l && h > 0) }'
check "weight 1024 gets more than twice weight 256's cpu time" $? "light ${pl}%, heavy ${ph}%"
echo "     (cpu over 3 s, both on cpu 0: weight 256 ${pl}%, weight 1024 ${ph}%)"

"$BIN/xpv" sched-credit -d heavy -w 512 -c 50
check "sched-credit -w -c" $?
[[ $(cat "$(cgroup_file "$heavy" cpu cpu.shares)") == 2048 &&
	$(cat "$(cgroup_file "$heavy" cpu cpu.cfs_quota_us)") == 50000 ]]
check "sched-credit moves cpu.shares and the quota (cap 50%)" $? \
	"$(cat "$(cgroup_file "$heavy" cpu cpu.shares)" "$(cgroup_file "$heavy" cpu cpu.cfs_quota_us)")"
[[ $("$BIN/xpv" sched-credit -d heavy | awk '$1 == "heavy" { print $3, $4 }') == "512 50" ]]
check "sched-credit -d shows the new values" $?
"$BIN/xpv" sched-credit -d heavy -c 0 &&
	[[ $(cat "$(cgroup_file "$heavy" cpu cpu.cfs_quota_us)") == 100000 ]]
check "cap 0: the vcpus' bound again" $?

out=$("$BIN/xpv" sched-credit -d heavy -w 0 2>&1)
[[ $? -eq 1 && $out == *"expected 1-65535"* ]]
check "weight 0 refused" $? "$out"
out=$("$BIN/xpv" sched-credit -d nosuch -w 5 2>&1)
[[ $? -eq 1 ]]
check "unknown domain refused" $? "$out"
out=$("$BIN/xpv" sched-credit -d 0 -w 5 2>&1)
[[ $? -eq 1 ]]
check "dom0 refused" $? "$out"

if [[ $(nproc) -ge 2 ]]; then
	"$BIN/xpv" vcpu-pin light all 1
	check "vcpu-pin all 1" $?
	pid=$(init_pid "$light")
	[[ $(cat "$(cgroup_file "$light" cpuset cpuset.cpus)") == 1 &&
		$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status") == 1 ]]
	check "vcpu-pin moves cpuset.cpus and the guest's affinity" $? \
		"$(grep Cpus_allowed_list "/proc/$pid/status")"
	"$BIN/xpv" vcpu-pin light all all &&
		[[ $(cat "$(cgroup_file "$light" cpuset cpuset.cpus)") == "0-$(($(nproc) - 1))" ]]
	check "vcpu-pin all all: every cpu" $? "$(cat "$(cgroup_file "$light" cpuset cpuset.cpus)")"
fi
out=$("$BIN/xpv" vcpu-pin light all 999 2>&1)
[[ $? -eq 1 ]]
check "vcpu-pin to a cpu the host lacks refused" $? "$out"
out=$("$BIN/xpv" vcpu-pin light 0 1 2>&1)
[[ $? -eq 1 && $out == *"only \`all'"* ]]
check "vcpu-pin of one vcpu refused (the domain's cpuset is shared)" $? "$out"

"$BIN/xpv" destroy light && "$BIN/xpv" destroy heavy
check "destroy both" $?
finish
