#!/bin/sh
# guest-demo.sh ROLE MY-IP PEER-IP - what each demo guest runs as its
# init (examples/guest-raw.cfg, guest-qcow2.cfg), on its console. Every
# result is one line starting "DEMO", which examples/demo.sh reads from
# the console log:
#   its disk: mkfs.ext4 on /dev/xvda, a file written into the new file
#   system and read back (debugfs: no mount needed), checked;
#   its NIC: eth0 up with MY-IP, the peer pinged;
#   iperf3: the server (ROLE server) serves one test, the client runs it.
role=$1 me=$2 peer=$3
say() { echo "DEMO $*"; }

ip link set lo up
ip link set eth0 up && ip addr add "$me/24" dev eth0 || say "FAIL eth0"
[ "$role" = server ] && iperf3 -s -1 >/dev/null 2>&1 &

if [ -e /dev/xvda ]; then
	size=$(($(blockdev --getsize64 /dev/xvda 2>/dev/null || stat -c %s /dev/xvda) / 1048576))
	if mkfs.ext4 -q -F /dev/xvda >/tmp/mkfs.log 2>&1; then
		head -c 65536 /dev/urandom >/tmp/file
		debugfs -w -R "write /tmp/file file" /dev/xvda >/dev/null 2>&1
		debugfs -R "dump file /tmp/back" /dev/xvda >/dev/null 2>&1
		if cmp -s /tmp/file /tmp/back && e2fsck -fn /dev/xvda >/dev/null 2>&1; then
			say "disk /dev/xvda ${size} MiB: mkfs.ext4, 64 KiB file written and read back, fsck clean"
		else
			say "FAIL disk: the file did not read back (or fsck)"
		fi
	else
		say "FAIL disk: mkfs.ext4: $(tail -n 1 /tmp/mkfs.log)"
	fi
else
	say "FAIL disk: no /dev/xvda"
fi

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
