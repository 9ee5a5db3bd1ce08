#!/bin/sh
# guest-demo.sh ROLE MY-IP PEER-IP - what each demo guest runs as its
# init (examples/guest-raw.cfg, guest-qcow2.cfg), on its console. Every
# result is one line starting "DEMO", which examples/demo.sh reads from
# the console log:
#   its disk: mkfs.ext4 on /dev/xvda, mounted (fuse2fs), a file written,
#   read back after a remount and compared, fsck clean;
#   its NIC: eth0 up with MY-IP, the peer pinged;
#   iperf3: the server (ROLE server) serves one test, the client runs it.
role=$1 me=$2 peer=$3
say() { echo "DEMO $*"; }

ip link set lo up
ip link set eth0 up && ip addr add "$me/24" dev eth0 || say "FAIL eth0"
[ "$role" = server ] && iperf3 -s -1 >/dev/null 2>&1 &

# The file system is mounted with fuse2fs (ext4 through FUSE: the guest
# is root of its own namespaces only, where the kernel's ext4 may not be
# mounted).
mounted() { grep -q " $1 " /proc/self/mountinfo; }
disk()
{
	local size i p
	[ -e /dev/xvda ] || { say "FAIL disk: no /dev/xvda"; return; }
	size=$(($(stat -c %s /dev/xvda) / 1048576))
	mkfs.ext4 -q -F /dev/xvda >/tmp/mkfs.log 2>&1 ||
		{ say "FAIL disk: mkfs.ext4: $(tail -n 1 /tmp/mkfs.log)"; return; }
	mkdir -p /tmp/disk
	fuse2fs -f /dev/xvda /tmp/disk >/tmp/fuse2fs.log 2>&1 & p=$!
	i=0
	until mounted /tmp/disk || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
	mounted /tmp/disk || { say "FAIL disk: fuse2fs: $(tail -n 1 /tmp/fuse2fs.log)"; return; }
	head -c 1048576 /dev/urandom >/tmp/file
	cp /tmp/file /tmp/disk/file && sync
	umount /tmp/disk && wait $p
	# Mounted again: what is read comes from the disk, not a cache.
	fuse2fs -f -o ro /dev/xvda /tmp/disk >/dev/null 2>&1 & p=$!
	i=0
	until mounted /tmp/disk || [ $i -ge 100 ]; do i=$((i + 1)); sleep 0.1; done
	if cmp -s /tmp/file /tmp/disk/file; then
		umount /tmp/disk && wait $p
		e2fsck -fn /dev/xvda >/dev/null 2>&1 &&
			say "disk /dev/xvda ${size} MiB: mkfs.ext4, mounted, 1 MiB file written, read back after a remount, fsck clean" ||
			say "FAIL disk: fsck"
	else
		umount /tmp/disk
		say "FAIL disk: the file did not read back"
	fi
}
disk

tries=0
until ping -c 1 -W 1 "$peer" >/dev/null 2>&1; do
	tries=$((tries + 1))
	[ $tries -ge 30 ] && { say "FAIL ping $peer"; break; }
	sleep 0.2
done
rtt=$(ping -c 5 -i 0.2 -q "$peer" 2>/dev/null | sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p')
[ -n "$rtt" ] && say "ping $peer: 5 of 5, average $rtt ms"

if [ "$role" = client ]; then
	tries=0
	until out=$(iperf3 -c "$peer" -t 3 -f m 2>/dev/null); do
		tries=$((tries + 1))
		[ $tries -ge 20 ] && { say "FAIL iperf3 to $peer"; break; }
		sleep 0.3
	done
	# (no awk: it is a link through /etc/alternatives, which the
	# guest's minimal root does not have)
	rate=$(echo "$out" | sed -n 's|.* \([0-9.]*\) Mbits/sec .*sender$|\1 Mbit/s|p')
	[ -n "$rate" ] && say "iperf3 to $peer, 3 s of TCP: $rate"
fi
say done
exec sleep 1000
