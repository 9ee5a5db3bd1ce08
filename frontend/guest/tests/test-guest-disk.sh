#!/usr/bin/env bash
# test-guest-disk.sh - a sim guest's vbd is a disk its own programs use
# (docs/block.md, "The guest's disk on sim"): guests made by `xpv create`
# with xpv-hv, xpv-xenstored and xpv-blkback, each running a script as its
# init. Inside: mkfs.ext4 on /dev/xvda, fuse2fs mounts it, files with
# known content are written and synced, unmounted, fsck.ext4 finds it
# clean; once on a raw and once on a qcow2 image. Then in dom0, with the
# guest gone, the image is checked by tools that know nothing of ours
# (raw: e2fsck and debugfs; qcow2: qemu-img check, convert to raw, the
# same). Then the raw image as a read-only vbd: a write in the guest is
# refused, reading it works, and the image is unchanged. Last, a disk
# hot-plugged into a running guest (xpv block-attach) appears as
# /dev/xvdb, takes a write, and goes with block-detach. Exit 0 pass, 77
# skip, else fail.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-blkback xpv-guest xpv-consoled
for tool in fuse2fs mkfs.ext4 e2fsck debugfs qemu-img; do
	command -v "$tool" >/dev/null || xpv_skip "no $tool (make deps)"
done
xpv_instance xpv-guest-disk
# The scripts of this tree, whichever build (build/asan too) runs xpv.
export XPV_HOTPLUGDIR=$top/hotplug

# What the guests write, and what dom0 expects to read back.
SEQ_SUM=$(seq 1 20000 | md5sum | cut -d' ' -f1)
BIG_SUM=$(yes line-of-the-guest | head -n 100000 | md5sum | cut -d' ' -f1)

# Each step prints "GUEST-<STEP> <status>" on the console. The scripts
# become one line of an xl.cfg string: no double quotes in them, and no
# line ending in "&".
write_script=$(cat <<'GUEST'
r() { echo GUEST-$1 $2; }
[ -f /dev/xvda ] && [ -s /dev/xvda ]; r DEV $?
mkfs.ext4 -F -q /dev/xvda >/tmp/mkfs.log 2>&1; r MKFS $?
mkdir /tmp/mnt
fuse2fs -f /dev/xvda /tmp/mnt >/tmp/fuse2fs.log 2>&1 & p=$!
i=0; until grep -q ' /tmp/mnt ' /proc/self/mountinfo || [ $i -ge 100 ]; do i=$((i+1)); sleep 0.1; done
grep -q ' /tmp/mnt ' /proc/self/mountinfo; r MOUNT $?
mkdir /tmp/mnt/dir && seq 1 20000 >/tmp/mnt/dir/seq.txt && yes line-of-the-guest | head -n 100000 >/tmp/mnt/big.txt && sync; r WRITE $?
umount /tmp/mnt; r UMOUNT $?
wait $p; r FUSE2FS $?
fsck.ext4 -fn /dev/xvda >/tmp/fsck.log 2>&1; r FSCK $?
cat /tmp/fsck.log
GUEST
)

read_only_script=$(cat <<'GUEST'
r() { echo GUEST-$1 $2; }
[ -f /dev/xvda ]; r DEV $?
dd if=/dev/zero of=/dev/xvda bs=4096 count=1 conv=notrunc 2>/dev/null; r WRITE $?
fsck.ext4 -fn /dev/xvda >/dev/null 2>&1; r FSCK $?
debugfs -R 'cat /dir/seq.txt' /dev/xvda 2>/dev/null | md5sum | cut -d' ' -f1 >/tmp/sum; r READ $?
echo GUEST-SUM $(cat /tmp/sum)
GUEST
)

hotplug_script=$(cat <<'GUEST'
r() { echo GUEST-$1 $2; }
i=0; until [ -s /dev/xvdb ] || [ $i -ge 300 ]; do i=$((i+1)); sleep 0.1; done
[ -s /dev/xvdb ]; r SEEN $?
printf hot-plugged | dd of=/dev/xvdb bs=512 conv=sync,notrunc 2>/dev/null && sync; r WROTE $?
i=0; while [ -e /dev/xvdb ] && [ $i -lt 300 ]; do i=$((i+1)); sleep 0.1; done
[ ! -e /dev/xvdb ]; r GONE $?
GUEST
)

# run_guest NAME IMAGE FORMAT ACCESS SCRIPT: create it, wait until it is
# gone; its console lines in $out.
run_guest()
{
	local name=$1 cfg=$XPV_RUN/$1.cfg script
	script=$(tr '\n' ';' <<<"$5")
	cat >"$cfg" <<-EOF
		name = "$name"
		memory = 128
		disk = [ 'format=$3, vdev=xvda, access=$4, target=$2' ]
		init = [ "/bin/sh", "-c", "$script" ]
	EOF
	out=$("$BIN/xpv" create -q "$cfg" 2>&1) || { echo "create: $out"; return 1; }
	wait_for 120 bash -c "! '$BIN/xpv' list 2>/dev/null | grep -q '^$name '" ||
		{ echo "$name did not finish"; "$BIN/xpv" destroy "$name"; }
	out=$(tr -d '\r' <"$XPV_LOGDIR/console/guest-$name.log")
}

# step NAME STEP WANT: the guest's step ended with status WANT (or, with
# WANT "!0", with any other).
step()
{
	local got
	got=$(sed -n "s/^GUEST-$2 //p" <<<"$out" | tail -n 1)
	if [[ $3 == "!0" ]]; then
		[[ -n $got && $got != 0 ]]
	else
		[[ $got == "$3" ]]
	fi
	check "$1" $? "step $2: '${got:-no line}'; console:
$out"
}

# Check an ext4 image (raw) with e2fsprogs alone: clean, and the files.
check_raw()
{
	local img=$1 what=$2 out
	out=$(e2fsck -fn "$img" 2>&1)
	check "$what: e2fsck in dom0 finds it clean" $? "$out"
	[[ $(debugfs -R 'cat /dir/seq.txt' "$img" 2>/dev/null | md5sum | cut -d' ' -f1) == "$SEQ_SUM" ]]
	check "$what: dom0 reads /dir/seq.txt as the guest wrote it" $?
	[[ $(debugfs -R 'cat /big.txt' "$img" 2>/dev/null | md5sum | cut -d' ' -f1) == "$BIG_SUM" ]]
	check "$what: dom0 reads /big.txt as the guest wrote it" $?
}

guest_writes()
{
	local what=$1 img=$2 fmt=$3
	run_guest "disk-$fmt" "$img" "$fmt" rw "$write_script"
	step "$what: the guest has /dev/xvda, of the disk's size" DEV 0
	step "$what: mkfs.ext4 /dev/xvda in the guest" MKFS 0
	step "$what: fuse2fs mounts it in the guest" MOUNT 0
	step "$what: files written and synced in the guest" WRITE 0
	step "$what: unmounted" UMOUNT 0
	step "$what: fuse2fs ended cleanly" FUSE2FS 0
	step "$what: fsck.ext4 -fn in the guest finds it clean" FSCK 0
}

# --- raw ---------------------------------------------------------------------
raw=$XPV_RUN/disk.raw
truncate -s 96M "$raw"
guest_writes raw "$raw" raw
check_raw "$raw" raw

# --- qcow2 ------------------------------------------------------------------
qcow=$XPV_RUN/disk.qcow2
qemu-img create -q -f qcow2 "$qcow" 96M
guest_writes qcow2 "$qcow" qcow2
out=$(qemu-img check "$qcow" 2>&1)
check "qcow2: qemu-img check finds no errors" $? "$out"
qemu-img convert -O raw "$qcow" "$XPV_RUN/qcow2-as.raw"
check_raw "$XPV_RUN/qcow2-as.raw" "qcow2 (converted to raw)"

# --- read-only ---------------------------------------------------------------
before=$(md5sum <"$raw")
run_guest disk-ro "$raw" raw ro "$read_only_script"
step "read-only: the guest has /dev/xvda" DEV 0
step "read-only: a write to it in the guest is refused" WRITE '!0'
step "read-only: fsck.ext4 -fn reads it in the guest" FSCK 0
step "read-only: debugfs reads a file in the guest" READ 0
grep -q "^GUEST-SUM $SEQ_SUM\$" <<<"$out"
check "read-only: the guest reads what the first guest wrote" $?
[[ $(md5sum <"$raw") == "$before" ]]
check "read-only: the image is unchanged" $?

# --- hot-plugged ----------------------------------------------------------
hot=$XPV_RUN/hot.raw
truncate -s 8M "$hot"
cat >"$XPV_RUN/hot.cfg" <<-EOF
	name = "disk-hot"
	memory = 128
	init = [ "/bin/sh", "-c", "$(tr '\n' ';' <<<"$hotplug_script")" ]
EOF
console=$XPV_LOGDIR/console/guest-disk-hot.log
out=$("$BIN/xpv" create -q "$XPV_RUN/hot.cfg" 2>&1)
check "hot-plug: a guest without a disk" $? "$out"
out=$("$BIN/xpv" block-attach disk-hot "format=raw, vdev=xvdb, access=rw, target=$hot" 2>&1)
check "hot-plug: block-attach connects (the guest's driver took it)" $? "$out"
wait_for 30 grep -q GUEST-WROTE "$console"
out=$("$BIN/xpv" block-detach disk-hot xvdb 2>&1)
check "hot-plug: block-detach" $? "$out"
wait_for 60 bash -c "! '$BIN/xpv' list 2>/dev/null | grep -q '^disk-hot '" ||
	"$BIN/xpv" destroy disk-hot
out=$(tr -d '\r' <"$console")
step "hot-plug: /dev/xvdb appears in the running guest" SEEN 0
step "hot-plug: the guest writes it" WROTE 0
step "hot-plug: /dev/xvdb goes with block-detach" GONE 0
[[ $(head -c 11 "$hot") == hot-plugged ]]
check "hot-plug: the bytes are in the image" $?

finish
