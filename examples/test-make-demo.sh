#!/usr/bin/env bash
# test-make-demo.sh: `make demo` (examples/demo.sh) succeeds, says what each
# guest did with its disk and its NIC, and leaves nothing running.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest xpv-consoled xpv-blkback \
	xpv-netback xpv-netif
[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (namespaces, cgroups)"
for tool in qemu-img fuse2fs iperf3 ping mkfs.ext4; do
	command -v $tool >/dev/null || xpv_skip "needs $tool (make deps)"
done
out=$(timeout 120 "$top/examples/demo.sh" 2>&1)
rc=$?
echo "$out"
fails=0
expect()
{
	if grep -q -- "$2" <<<"$out"; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		fails=$((fails + 1))
	fi
}
[[ $rc -eq 0 ]] && echo "ok   the demo exits 0" || { echo "FAIL the demo exits $rc"; fails=$((fails + 1)); }
expect "the raw guest's disk" "^demo-raw: disk /dev/xvda 64 MiB: mkfs.ext4, mounted, 1 MiB file written, read back after a remount, fsck clean"
expect "the qcow2 guest's disk" "^demo-qcow2: disk /dev/xvda 64 MiB: mkfs.ext4, mounted, 1 MiB file written, read back after a remount, fsck clean"
expect "they ping each other" "^demo-qcow2: ping 10.80.0.11: 5 of 5"
expect "iperf3 between them" "^demo-qcow2: iperf3 to 10.80.0.11, 3 s of TCP: [0-9.]* Mbit/s"
expect "the qcow2 image is clean" "qemu-img check demo-qcow2.qcow2: no errors"
expect "nothing left" "0 domains, 0 vifs left in dom0"
exit $((fails > 0))
