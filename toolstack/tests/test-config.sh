#!/usr/bin/env bash
# test-config.sh: xpv reads xl.cfg files through libxlutil as xl would, and
# names the file, the line and what is expected for every bad key.
#
#   configs/*.cfg with a *.err beside: `xpv create -n` must fail with
#   exactly those lines on stderr (so the line numbers walked out of
#   libxlutil's settings list, toolstack/xlu_view.c, are checked too);
#   full.cfg and minimal.cfg: the JSON it prints holds what the file says,
#   and libxl's defaults for what it does not.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv
cd "$top/toolstack/tests/configs" || exit 1
fails=0

check()
{
	if [[ $2 == ok ]]; then
		echo "ok   $1"
	else
		echo "FAIL $1: $3"
		fails=$((fails + 1))
	fi
}

for cfg in bad-*.cfg; do
	out=$("$BIN/xpv" create -n "$cfg" 2>&1 >/dev/null)
	rc=$?
	if [[ $rc -ne 1 ]]; then
		check "$cfg" fail "exit status $rc, expected 1"
	elif ! diff <(echo "$out") "${cfg%.cfg}.err" >/dev/null; then
		check "$cfg" fail "messages differ: $(diff <(echo "$out") "${cfg%.cfg}.err")"
	else
		check "$cfg" ok
	fi
done

# What a good file holds, as JSON, asserted key by key.
json_check()
{
	local name=$1 cfg=$2 script=$3 out
	shift 3
	if ! out=$("$BIN/xpv" create -n "$cfg" "$@" 2>&1); then
		check "$name" fail "xpv create -n failed: $out"
		return
	fi
	if python3 -c "import json, sys
c = json.loads(sys.stdin.read())['config']
b = c['b_info']
$script" <<<"$out"; then
		check "$name" ok
	else
		check "$name" fail "$out"
	fi
}

json_check full full.cfg '
assert c["c_info"] == {"type": "pv", "name": "full-guest",
                       "uuid": "12345678-9abc-4def-8123-456789abcdef"}
assert (b["target_memkb"], b["max_memkb"]) == (64 * 1024, 128 * 1024)
assert (b["vcpus"], b["max_vcpus"]) == (2, 4)
assert b["cpus"] == [0, 2, 3]
assert b["sched_params"] == {"sched": "credit", "weight": 512, "cap": 50}
assert b["kernel"] == "/boot/vmlinuz" and b["ramdisk"] == "/boot/initrd.img"
assert b["cmdline"] == "root=/dev/xvda1 console=hvc0", b["cmdline"]
assert b["init"] == ["/bin/sh", "-c", "echo hello"]
assert b["env"] == ["LANG=C", "PATH=/bin:/usr/bin"] and b["rootdir"] == "/srv/guest"
disks = [(d["vdev"], d["devid"], d["backend"], d["format"], d["readwrite"],
          d["is_cdrom"], d["pdev_path"]) for d in c["disks"]]
assert disks == [
    ("xvda", 51712, "phy", "raw", 1, 0, "/images/a.img"),
    ("xvdb", 51728, "qdisk", "qcow2", 0, 0, "/images/b.qcow2"),
    ("d20p3", (1 << 28) | (20 << 8) | 3, "phy", "raw", 1, 0, "/dev/loop7"),
    ("sdb2", (8 << 8) | (1 << 4) | 2, "qdisk", "raw", 0, 1, "/images/c.iso"),
    ("hdc", 22 << 8, "phy", "raw", 1, 0, "/images/pos.img")], disks
n0, n1 = c["nics"]
assert (n0["devid"], n0["mac"], n0["bridge"], n0["mtu"]) == (0, "00:16:3e:00:00:01", "br-test", 9000)
# 10 Mbit/s in 20 ms windows: 25000 bytes per interval (xlu_vif_parse_rate)
assert (n0["rate_bytes_per_interval"], n0["rate_interval_usecs"]) == (25000, 20000)
assert (n1["devid"], n1["mac"], n1["bridge"], n1["ip"], n1["ifname"], n1["script"]) == \
       (1, None, "xenbr0", "10.0.0.2", "guest-eth1", "vif-custom")
assert (c["on_poweroff"], c["on_reboot"], c["on_crash"]) == ("preserve", "destroy", "coredump-restart")
'

# libxl's defaults: 32 MiB, 1 vcpu, weight 256, destroy/restart/destroy.
json_check defaults minimal.cfg '
assert (b["target_memkb"], b["max_memkb"], b["vcpus"], b["max_vcpus"]) == (32768, 32768, 1, 1)
assert b["sched_params"]["weight"] == 256 and b["sched_params"]["cap"] == 0
assert b["cpus"] == "all" and c["disks"] == [] and c["nics"] == []
assert (c["on_poweroff"], c["on_reboot"], c["on_crash"]) == ("destroy", "restart", "destroy")
assert len(c["c_info"]["uuid"]) == 36 and c["c_info"]["uuid"][14] == "4"
'

# key=value on the command line wins over the file, as xl create's.
json_check overrides full.cfg '
assert b["target_memkb"] == 96 * 1024 and c["c_info"]["name"] == "other"
' memory=96 'name="other"'

out=$("$BIN/xpv" create -n minimal.cfg memory=\"lots\" 2>&1 >/dev/null)
[[ $out == "minimal.cfg: command line: memory: expected a number of MiB, 1-65536 (memory = 256), got \`lots'" ]]
check "override named as the command line" "$([[ $? -eq 0 ]] && echo ok)" "$out"

out=$("$BIN/xpv" create -n minimal.cfg memory=lots 2>&1 >/dev/null)
[[ $out == "minimal.cfg: command line \`memory=lots':1: config parsing error near \`lots': syntax error, unexpected IDENT, expecting STRING or NUMBER or '['" ]]
check "override that does not parse" "$([[ $? -eq 0 ]] && echo ok)" "$out"

out=$("$BIN/xpv" create -n minimal.cfg nonsense 2>&1 >/dev/null)
[[ $out == "minimal.cfg: command line: \`nonsense': expected key=value (as in memory=512)" ]]
check "override without =" "$([[ $? -eq 0 ]] && echo ok)" "$out"

# libxlutil aborts on a NUL inside a quoted string (found by fuzz-config):
# refused before it sees the file.
nul=$(mktemp)
printf 'name = "guest1"\nextra = "a\0b"\n' >"$nul"
out=$("$BIN/xpv" create -n "$nul" 2>&1 >/dev/null)
rc=$?
rm -f "$nul"
[[ $rc -eq 1 && $out == "$nul:2: a NUL byte: a config file is text" ]]
check "a NUL byte is refused with its line" "$([[ $? -eq 0 ]] && echo ok)" "rc $rc: $out"

out=$("$BIN/xpv" create -n /nonexistent/x.cfg 2>&1 >/dev/null)
[[ $out == "/nonexistent/x.cfg: cannot read the config file: No such file or directory" ]]
check "missing config file" "$([[ $? -eq 0 ]] && echo ok)" "$out"

exit $((fails > 0))
