# fs-guest.sh: the guest of tests/xen/dom0/plan-xpv.sh (sourced by the
# guest's /init, busybox sh). Every step says on the console how it went;
# dom0 reads the console log that xpv-consoled keeps.

# fs_disk: a file system on /dev/xvda with a file written and read back;
# without mke2fs or the ext4 module, 1 MiB of data through the raw disk.
fs_disk()
{
	local sum got
	head -c 1048576 /dev/urandom >/tmp/fs.data
	sum=$(sha256sum /tmp/fs.data | cut -d' ' -f1)
	if command -v mke2fs >/dev/null && [ -f /lib/xpv/ext4.ko ]; then
		mke2fs -q /dev/xvda || { echo "xpv-guest: mke2fs failed"; return 1; }
		mkdir -p /mnt/disk
		mount -t ext2 /dev/xvda /mnt/disk ||
			{ echo "xpv-guest: mount failed"; return 1; }
		cp /tmp/fs.data /mnt/disk/data
		umount /mnt/disk && mount -t ext2 /dev/xvda /mnt/disk ||
			{ echo "xpv-guest: remount failed"; return 1; }
		got=$(sha256sum /mnt/disk/data | cut -d' ' -f1)
		umount /mnt/disk
		echo "xpv-guest: made ext2 on xvda"
	else
		dd if=/tmp/fs.data of=/dev/xvda bs=64k conv=fsync 2>/dev/null
		echo 3 >/proc/sys/vm/drop_caches
		got=$(dd if=/dev/xvda bs=64k count=16 2>/dev/null | sha256sum |
			cut -d' ' -f1)
		echo "xpv-guest: no mke2fs or ext4 module: raw data on xvda"
	fi
	[ "$got" = "$sum" ] || { echo "xpv-guest: disk data altered"; return 1; }
	echo "xpv-guest: disk ok $sum"
}

fs_guest()
{
	local ip=$1 m n=120
	for m in $(cat /lib/xpv/order); do
		case $m in
		xen-blkfront) insmod /lib/xpv/$m.ko & ;;
		*) insmod /lib/xpv/$m.ko ;;
		esac
	done
	while [ ! -b /dev/xvda ] && [ $n -gt 0 ]; do
		sleep 0.5
		n=$((n - 1))
	done
	if [ -b /dev/xvda ]; then
		fs_disk
	else
		echo "xpv-guest: no /dev/xvda after 60 s"
	fi
	ip addr add "$ip/24" dev eth0 && ip link set eth0 up &&
		echo "xpv-guest: eth0 up as $ip"
	n=0
	until ping -c 1 -W 2 10.99.0.1 >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -ge 30 ] && { echo "xpv-guest: no ping reply from dom0"; return 1; }
	done
	ping -c 3 10.99.0.1 | grep -E 'transmitted'
	echo "xpv-guest: pinged dom0"
}
