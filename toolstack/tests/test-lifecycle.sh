#!/usr/bin/env bash
# test-lifecycle.sh: domains driven with `xpv` as a user drives xl:
# (after every step the store is checked against xenstore-schemas/)
# create, list (xl's columns, -l as JSON), pause, unpause, mem-set
# (memory/target, the balloon, the cgroup's limit), vcpu-set, shutdown
# and reboot (with on_poweroff / on_reboot honoured), a crash
# (on_crash), init exiting, preserve, destroy; after each end, nothing
# of the domain is left. Bad input gets one message and leaves nothing.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest xpv-blkback
xpv_instance xpv-lifecycle
cfg=$XPV_RUN/guest.cfg
cat >"$cfg" <<'CFG'
name = "life"
memory = 64
maxmem = 96
vcpus = 1
maxvcpus = 2
init = [ "/bin/sh", "-c", "echo guest up; exec sleep 1000" ]
on_crash = "restart"
CFG

out=$("$BIN/xpv" create "$cfg" 2>&1)
check "create starts the services and the domain" $? "$out"
[[ $out == "Parsing config from $cfg" ]]
check "create says only what xl says" $? "$out"
id=$(domid_of life)
[[ -n $id ]]
check "list shows it" $? "$("$BIN/xpv" list)"
head=$("$BIN/xpv" list | head -n 1)
[[ $head == "Name                                        ID   Mem VCPUs	State	Time(s)" ]]
check "list has xl's columns" $? "$head"
row=$("$BIN/xpv" list life | tail -n 1)
[[ $row =~ ^life\ +$id\ +64\ +1\ +r-----\ +[0-9.]+$ ]]
check "its row: name, id, 64 MiB, 1 vcpu, running" $? "$row"
json=$("$BIN/xpv" list -l life)
python3 -c 'import json, sys
d = json.loads(sys.stdin.read())
assert len(d) == 1 and d[0]["domid"] == '"$id"'
c = d[0]["config"]
assert c["c_info"]["name"] == "life"
assert c["b_info"]["max_memkb"] == 96 * 1024 and c["b_info"]["target_memkb"] == 64 * 1024
assert c["on_crash"] == "restart"' <<<"$json"
check "list -l is its config as JSON" $? "$json"
wait_for 30 grep -q "domain $id up; running /bin/sh" "$XPV_LOGDIR/xpv-life.log"
check "the guest kernel ran init (its log)" $? "$(cat "$XPV_LOGDIR/xpv-life.log")"
store_valid "after create"

# The store, as libxl writes it.
home=/local/domain/$id
[[ $(xenstore-read "$home/name") == life && $(xenstore-read "$home/domid") == "$id" &&
	$(xenstore-read "$home/memory/static-max") == $((96 * 1024)) &&
	$(xenstore-read "$home/memory/target") == $((64 * 1024)) &&
	$(xenstore-read "$home/cpu/1/availability") == offline &&
	$(xenstore-read "$(xenstore-read "$home/vm")/name") == life &&
	$(xenstore-read "/libxl/$id/type") == pv ]]
check "its store directories" $?
[[ $(xenstore-ls -p "$home" | grep -c '^') -gt 20 && $(xenstore-read "$home/control/feature-poweroff") == 1 ]]
check "the guest said it honours poweroff" $?
perms=$(xenstore-ls -p "$home" | grep -E '^ ?(control|data) ')
grep -q "^ *control = .*(n0,r$id)\$" <<<"$perms" && grep -q "^ *data = .*(n$id)\$" <<<"$perms"
check "permissions as libxl's (control read-only, data the guest's)" $? "$perms"

# pause / unpause
"$BIN/xpv" pause life && [[ $(state_of life) == --p--- ]]
check "pause: state p" $? "$(state_of life)"
"$BIN/xpv" unpause life && [[ $(state_of life) == r----- ]]
check "unpause: running again" $? "$(state_of life)"
store_valid "after pause and unpause"

# mem-set: the target, the balloon, the hypervisor's limit
"$BIN/xpv" mem-set life 48
check "mem-set succeeds" $?
[[ $(xenstore-read "$home/memory/target") == $((48 * 1024)) ]]
check "mem-set writes memory/target" $?
wait_for 30 grep -q "balloon: target 49152 KiB; 12288 of 24576 pages given back" "$XPV_LOGDIR/xpv-life.log"
check "the guest's balloon gives the pages back" $? "$(grep balloon "$XPV_LOGDIR/xpv-life.log")"
limit=$(cat "$(cgroup_file "$id" memory memory.limit_in_bytes)")
[[ $limit -eq $(((48 * 1024 + 1024) * 1024 + 64 * 1024 * 1024)) ]]
check "mem-set moves the cgroup's memory limit" $? "limit $limit"
[[ $("$BIN/xpv" list life | awk 'NR == 2 { print $3 }') == 48 ]]
check "list shows the new target" $?
out=$("$BIN/xpv" mem-set life 200 2>&1)
[[ $? -eq 1 && $out == *"more than domain $id's maxmem"* ]]
check "mem-set above maxmem is refused" $? "$out"
# A size past what 64 bits of KiB hold is refused, not shifted past the
# top (undefined; UBSan's report under check-asan).
out=$("$BIN/xpv" mem-set life 9000000000000000t 2>&1)
[[ $? -eq 1 && $out == *"invalid memory size"* ]]
check "mem-set of a size past 64 bits is refused" $? "$out"
store_valid "after mem-set"

# vcpu-set
"$BIN/xpv" vcpu-set life 2 && [[ $(xenstore-read "$home/cpu/1/availability") == online ]]
check "vcpu-set 2: vcpu 1 online" $?
quota=$(cat "$(cgroup_file "$id" cpu cpu.cfs_quota_us)")
period=$(cat "$(cgroup_file "$id" cpu cpu.cfs_period_us)")
[[ $quota -eq $((2 * period)) ]]
check "vcpu-set moves the cpu cap to 2 cpus" $? "quota $quota period $period"
out=$("$BIN/xpv" vcpu-set life 3 2>&1)
[[ $? -eq 1 && $out == *"1-2 (domain $id's maxvcpus)"* ]]
check "vcpu-set above maxvcpus is refused" $? "$out"
store_valid "after vcpu-set"

# reboot: on_reboot restart, the same name, a new start
start=$(xenstore-read "$(xenstore-read "$home/vm")/start_time")
out=$("$BIN/xpv" reboot -w life)
check "reboot -w" $? "$out"
restarted()
{
	local i
	i=$(domid_of life)
	[[ -n $i ]] && xs_has "/local/domain/$i/control/feature-reboot" &&
		[[ $(xenstore-read "$(xenstore-read "/local/domain/$i/vm")/start_time") != "$start" ]]
}
wait_for 30 restarted
check "rebooted: a new domain of the same name" $?
id2=$(domid_of life)
wait_for 30 grep -q "restarted as domain $id2" "$XPV_LOGDIR/xpv-life.log"
check "the monitor logged the restart" $?
store_valid "after reboot"

# A crash (the guest's kernel killed): on_crash restart
pid=$(init_pid "$id2")
kill -KILL "$pid"
wait_for 30 bash -c "grep -q 'shut down (crash); on_crash is restart' '$XPV_LOGDIR/xpv-life.log'"
check "a crash is seen and on_crash followed" $? "$(tail -3 "$XPV_LOGDIR/xpv-life.log")"
wait_for 30 bash -c "[[ \$('$BIN/xpv' list life 2>/dev/null | awk 'NR == 2 { print \$5 }') == r----- ]]"
check "the crashed domain runs again" $?
store_valid "after a crash and restart"

# on_crash coredump-destroy: the domain's memory kept, then destroyed
"$BIN/xpv" create -q "$cfg" 'name="dumped"' 'on_crash="coredump-destroy"'
idd=$(domid_of dumped)
wait_for 30 grep -q "guest up" "$XPV_LOGDIR/console/guest-dumped.log" 2>/dev/null ||
	wait_for 30 xs_has "/local/domain/$idd/control/feature-poweroff"
kill -KILL "$(init_pid "$idd")"
core=$XPV_LOGDIR/dump/dumped-$idd.core
wait_for 30 bash -c "[[ -z \$('$BIN/xpv' list dumped 2>/dev/null | tail -n +2) ]]"
check "coredump-destroy: the crashed domain is destroyed" $?
[[ $(stat -c %s "$core" 2>/dev/null) -eq $((96 * 1024 * 1024)) ]] && grep -aq "guest up" "$core"
check "its core holds its memory (the console ring's text in it)" $? "$(ls -l "$core" 2>&1)"

# shutdown: on_poweroff destroy, nothing left
id3=$(domid_of life)
marks=$(domain_marks "$id3")
out=$("$BIN/xpv" shutdown -w life)
[[ $out == $'Shutting down domain '"$id3"$'\nWaiting for 1 domains\nDomain '"$id3"' has been destroyed.' ]]
check "shutdown -w says what xl says" $? "$out"
msg=$(no_trace "$id3" "$marks")
check "after shutdown nothing of it is left" $? "$msg"
store_valid "after shutdown"

# init exits: the domain powers off
"$BIN/xpv" create -q "$cfg" 'name="brief"' 'init=["/bin/true"]'
check "create a domain whose init exits at once" $?
wait_for 30 bash -c "[[ -z \$('$BIN/xpv' list brief 2>/dev/null | tail -n +2) ]]"
check "when init exits the domain powers off and is destroyed" $?
grep -q "init exited with status 0" "$XPV_LOGDIR/xpv-brief.log"
check "its log says init exited" $?

# preserve: shut down and kept until destroyed
"$BIN/xpv" create -q "$cfg" 'name="kept"' 'on_poweroff="preserve"'
id4=$(domid_of kept)
wait_for 30 xs_has "/local/domain/$id4/control/feature-poweroff"
marks=$(domain_marks "$id4")
out=$("$BIN/xpv" shutdown -w kept)
[[ $out == *"Domain $id4 has been shut down." && $(state_of kept) == ---s-- ]]
check "on_poweroff preserve keeps it, shut down" $? "$out / $(state_of kept)"
store_valid "with a preserved domain"
"$BIN/xpv" destroy kept
msg=$(no_trace "$id4" "$marks")
check "destroy removes a preserved domain entirely" $? "$msg"

# destroy of a running domain
"$BIN/xpv" create -q "$cfg" 'name="doomed"'
id5=$(domid_of doomed)
marks=$(domain_marks "$id5")
fds=$(hv_fds)
"$BIN/xpv" destroy doomed
check "destroy" $?
msg=$(no_trace "$id5" "$marks")
check "destroy leaves no trace" $? "$msg"
[[ $(hv_fds) -lt $fds ]]
check "xpv-hv closed the domain's memfds" $? "$fds -> $(hv_fds)"
store_valid "after destroy"

# A device that never connects (a kernel with no frontends): the create
# fails, and shows what the guest's kernel said before it went with it.
truncate -s 16M "$XPV_RUN/never.img"
out=$(XPV_DEVICE_TIMEOUT=3 "$BIN/xpv" create -q "$cfg" 'kernel="/usr/bin/env"' \
	"disk=[\"format=raw, vdev=xvda, access=rw, target=$XPV_RUN/never.img\"]" \
	'init=["/bin/sh", "-c", "printf \"no frontends here\\033[2J\\n\" >&2; exec sleep 60"]' 2>&1)
[[ $? -eq 1 && $out == *"xvda did not reach Connected in time"* &&
	$out == *"xpv: the guest's kernel said: no frontends here?[2J"* ]]
check "a device that never connects: the kernel's words are shown (escapes defused)" $? "$out"
[[ -z $(xenstore-ls /local/domain/0/backend/vbd) && -z $(pgrep -P "$(cat "$XPV_RUNDIR/xpv-hv.pid")") ]]
check "that failed create leaves nothing either" $? "$(xenstore-ls /local/domain/0/backend/vbd)"

# Bad input: one message each, exit 1, nothing left behind
before=$(xenstore-ls / | wc -l)
for bad in "destroy nosuch" "pause nosuch" "shutdown 9999" "mem-set nosuch 10" \
	"list nosuch" "console nosuch"; do
	# shellcheck disable=SC2086
	out=$("$BIN/xpv" $bad 2>&1)
	rc=$?
	[[ $rc -eq 1 && $(wc -l <<<"$out") -eq 1 && $out == *"is an invalid domain identifier"* ]]
	check "xpv $bad: one message" $? "rc $rc: $out"
done
"$BIN/xpv" create -q "$cfg" 'name="dup"'
out=$("$BIN/xpv" create -q "$cfg" 'name="dup"' 2>&1)
[[ $? -eq 1 && $out == *"domain with name \`dup' already exists"* ]]
check "a duplicate name is refused" $? "$out"
"$BIN/xpv" destroy dup
out=$("$BIN/xpv" create -q "$cfg" 'disk=["vdev=xvda, target=/nonexistent.img"]' 2>&1)
[[ $? -eq 1 && $out == "xpv: disk xvda: /nonexistent.img: No such file or directory" ]]
check "a missing image is named" $? "$out"
out=$("$BIN/xpv" create -q "$cfg" 'memory="lots"' 2>&1)
[[ $? -eq 1 && $out == *"memory: expected a number of MiB"* ]]
check "a malformed config is refused" $? "$out"
out=$("$BIN/xpv" create -q "$cfg" 'kernel="/nonexistent/kernel"' 2>&1)
[[ $? -eq 1 && $out == *"cannot start its kernel /nonexistent/kernel"* ]]
check "a kernel that does not exist is named" $? "$out"
[[ $(xenstore-ls / | wc -l) -eq $before && -z $(pgrep -P "$(cat "$XPV_RUNDIR/xpv-hv.pid")") ]]
check "failed creates leave nothing in the store or the hypervisor" $? \
	"$(xenstore-ls / | wc -l) vs $before lines"
store_valid "after failed creates"
out=$("$BIN/xpv" shutdown 0 2>&1)
[[ $? -eq 1 && $out == *"domain 0 is dom0"* ]]
check "dom0 is refused" $? "$out"

# A daemon that is down
"$BIN/xpv" down >/dev/null
out=$("$BIN/xpv" list 2>&1)
[[ $? -eq 1 && $out == *"start dom0's services with \`xpv up'"* ]]
check "with the services down, list says to start them" $? "$out"
finish
