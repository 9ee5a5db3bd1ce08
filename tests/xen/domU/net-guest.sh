# net-guest.sh: the network test guest of the real-Xen test bed (busybox
# sh, sourced by tests/xen/domU/init when the command line says
# xpv_net=IP4,IP6[,user]; tests/xen/dom0/plan-net.sh drives it).
#
#   net_guest IP4,IP6[,user]
#
# Loads the frontend modules (but xen-netfront with `user`: then
# xpv-netfront, our netfront in user space, makes eth0 as a TAP), gives
# eth0 IP4/24 and IP6/64, says "xpv-guest: net up", then receives one TCP
# transfer on port 5001 and prints "xpv-guest: rx sha256 <sum>". Every
# line goes to the console, which xenconsoled logs in dom0.

net_guest()
{
	local ip4 ip6 mode m n
	ip4=$(echo "$1" | cut -d, -f1)
	ip6=$(echo "$1" | cut -d, -f2)
	mode=$(echo "$1" | cut -d, -f3)
	for m in $(cat /lib/xpv/order); do
		case $m in
		xen-blkfront) ;;
		xen-netfront) [ "$mode" = user ] || insmod /lib/xpv/$m.ko ;;
		*) insmod /lib/xpv/$m.ko ;;
		esac
	done
	if [ "$mode" = user ]; then
		ls -l /dev/net/tun /dev/xen 2>&1 | sed 's/^/xpv-guest: /'
		mount -t xenfs xenfs /proc/xen
		LD_LIBRARY_PATH=/lib/x86_64-linux-gnu /xpv/bin/xpv-netfront \
			--vif 0=eth0 --timeout 300000 &
	fi
	# The handshake waits for xl's hotplug script in dom0: slow under
	# emulation.
	n=1200
	while ! ip link show eth0 >/dev/null 2>&1 && [ $n -gt 0 ]; do
		sleep 0.2
		n=$((n - 1))
	done
	ip link set lo up
	ip link set eth0 up
	ip addr add "$ip4/24" dev eth0
	ip -6 addr add "$ip6/64" dev eth0
	echo "xpv-guest: net up ($mode)"
	echo "xpv-guest: rx sha256 $(nc -l -p 5001 | sha256sum | cut -d' ' -f1)"
}
