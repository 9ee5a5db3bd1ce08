# blk-guest.sh: the block test guest of the real-Xen test bed (busybox sh,
# sourced by tests/xen/domU/init when the command line says
# xpv_blk=MODE:NONCE, after the modules are loaded;
# tests/xen/dom0/plan-blk.sh drives it). Its disk, /dev/xvda, is served
# by xpv-blkback to Linux's xen-blkfront. Every line goes to the console,
# which xenconsoled logs in dom0.
#
#   blk_guest ext4:NONCE     mkfs.ext4 on /dev/xvda, e2fsck clean; mount,
#                            /xpv.txt ("XPVEXT4 NONCE") and /big (4 MiB of
#                            random bytes, its md5 printed) written and
#                            synced; unmounted, mounted again, both read
#                            back; unmounted, e2fsck clean again:
#                            "xpv-guest: ext4 rc=0"
#   blk_guest restart:NONCE  blocks 1..BLK_BLOCKS of 4 KiB written in
#                            order, each synced ("XPVBLK NONCE i", then
#                            "xpv-guest: wrote i"), with reads of blocks
#                            512.. going on meanwhile, while dom0 kills and
#                            restarts xpv-blkback; then every block read
#                            back past the page cache: "xpv-guest:
#                            restart rc=0"
#   blk_guest rw:NONCE       blocks 1..16 of 4 KiB written ("XPVBLK NONCE
#                            i"), synced, then read back past the page
#                            cache: "xpv-guest: rw rc=0"
#                            (tests/xen/dom0/plan-hotplug.sh)

BLK_BLOCKS=150

blk_say()
{
	echo "xpv-guest: $*"
}

blk_wait_disk()
{
	local n=120
	while [ ! -b /dev/xvda ] && [ $n -gt 0 ]; do
		sleep 0.5
		n=$((n - 1))
	done
	[ -b /dev/xvda ]
}

blk_ext4()
{
	local nonce=$1 sum
	mkfs.ext4 -q -F /dev/xvda || return 1
	blk_say "mkfs.ext4 done"
	e2fsck -fn /dev/xvda || return 2
	mkdir -p /mnt/x
	mount -t ext4 /dev/xvda /mnt/x || return 3
	echo "XPVEXT4 $nonce" >/mnt/x/xpv.txt
	dd if=/dev/urandom of=/mnt/x/big bs=64k count=64 2>/dev/null
	sum=$(md5sum </mnt/x/big | cut -d' ' -f1)
	blk_say "big md5 $sum"
	sync
	umount /mnt/x || return 4
	mount -t ext4 /dev/xvda /mnt/x || return 5
	[ "$(cat /mnt/x/xpv.txt)" = "XPVEXT4 $nonce" ] || return 6
	[ "$(md5sum </mnt/x/big | cut -d' ' -f1)" = "$sum" ] || return 7
	blk_say "read back after remount"
	umount /mnt/x || return 8
	e2fsck -fn /dev/xvda || return 9
	return 0
}

# blk_block I: block I as written
blk_block()
{
	printf 'XPVBLK %s %d\n' "$1" "$2"
}

# blk_reader: reads far from the written blocks, the page cache dropped
# each time, so that requests are in flight whenever dom0 kills the
# backend (the writer alone leaves the ring empty between its dd runs).
blk_reader()
{
	while :; do
		dd if=/dev/xvda of=/dev/null bs=64k skip=32 count=32 2>/dev/null
		echo 1 >/proc/sys/vm/drop_caches
	done
}

blk_restart()
{
	local nonce=$1 i=1 got reader
	blk_reader &
	reader=$!
	while [ $i -le $BLK_BLOCKS ]; do
		blk_block "$nonce" $i |
			dd of=/dev/xvda bs=4096 seek=$i conv=notrunc,sync,fsync \
				2>/dev/null || return 1
		blk_say "wrote $i"
		i=$((i + 1))
	done
	kill $reader
	sync
	echo 3 >/proc/sys/vm/drop_caches
	i=1
	while [ $i -le $BLK_BLOCKS ]; do
		got=$(dd if=/dev/xvda bs=4096 skip=$i count=1 2>/dev/null |
			head -n 1)
		[ "$got" = "$(blk_block "$nonce" $i)" ] || {
			blk_say "block $i reads '$got'"
			return 2
		}
		i=$((i + 1))
	done
	blk_say "read back $BLK_BLOCKS blocks"
	return 0
}

blk_rw()
{
	local nonce=$1 i=1 got
	while [ $i -le 16 ]; do
		blk_block "$nonce" $i |
			dd of=/dev/xvda bs=4096 seek=$i conv=notrunc,sync \
				2>/dev/null || return 1
		i=$((i + 1))
	done
	sync
	echo 3 >/proc/sys/vm/drop_caches
	i=1
	while [ $i -le 16 ]; do
		got=$(dd if=/dev/xvda bs=4096 skip=$i count=1 2>/dev/null |
			head -n 1)
		[ "$got" = "$(blk_block "$nonce" $i)" ] || {
			blk_say "block $i reads '$got'"
			return 2
		}
		i=$((i + 1))
	done
	blk_say "read back 16 blocks"
	return 0
}

blk_guest()
{
	local mode=${1%%:*} nonce=${1#*:} rc
	blk_wait_disk || {
		blk_say "no /dev/xvda after 60 s"
		return
	}
	case $mode in
	ext4) blk_ext4 "$nonce" ;;
	restart) blk_restart "$nonce" ;;
	rw) blk_rw "$nonce" ;;
	*) false ;;
	esac
	rc=$?
	blk_say "$mode rc=$rc"
}
