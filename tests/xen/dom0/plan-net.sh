# plan-net.sh: the network tests of the plan (sourced by plan.sh): our
# netfront against the kernel's xen-netback, then xen-netback unloaded and
# xpv-netback serving Linux's xen-netfront, with our vif-bridge as xl's
# hotplug script.
#
#   net-user-guest  a guest whose NIC is xpv-netfront (our netfront in its
#                   user space; xen-netfront not loaded) on the kernel's
#                   xen-netback: dom0 pings it over IPv4 and IPv6 and sends
#                   it 1 MiB of random bytes over TCP, whose sha256 the
#                   guest prints
#   net-xpv-guest   xen-netback unloaded; xpv-netback started; `xl create`
#                   of a guest with a vif whose script is our vif-bridge:
#                   vif<domid>.0 on xenbr0, Linux's xen-netfront connected,
#                   the same pings and transfer, xpv-netback's statistics
#                   count them; `xl network-attach` puts a second vif on
#                   xenbr0 and both ends connect, `xl network-detach` takes
#                   it away; `xl destroy` leaves no vif and no backend
#                   node; xpv-netback exits cleanly on SIGTERM
#
# The guests run tests/xen/domU/net-guest.sh (xpv_net= on their command
# line); dom0 is 10.99.0.1 and fd99::1 on xenbr0 (made by guest-create).

NETGUEST=xpvnet
NETUSER=xpvnetu

net_cfg()
{
	local name=$1 mac=$2 script=$3 net=$4
	cat >/tmp/$name.cfg <<-EOF
		name = "$name"
		kernel = "/guest/vmlinuz"
		ramdisk = "/guest/initrd.gz"
		extra = "console=hvc0 xpv_net=$net"
		memory = 160
		vcpus = 1
		vif = [ 'mac=$mac, bridge=xenbr0, script=$script' ]
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF
}

net_console()
{
	local f=/var/log/xen/console/guest-$1.log
	[ -f "$f" ] && tr -d '\r' <"$f" | sed 's/^/guest console: /' | tail -n 30
}

net_dump()
{
	local domid
	net_console "$1"
	domid=$(xl domid "$1")
	xenstore-ls -f "/local/domain/$domid/device/vif" 2>&1 | tail -n 30
	xenstore-ls -f "/local/domain/0/backend/vif/$domid" 2>&1 | tail -n 30
}

net_up()
{
	grep -q "xpv-guest: net up" "/var/log/xen/console/guest-$1.log"
}

net_dom0_v6()
{
	ip -6 addr show dev xenbr0 | grep -q fd99::1 ||
		ip -6 addr add fd99::1/64 dev xenbr0
}

# net_traffic NAME IP4 IP6: pings both ways' addresses and 1 MiB over TCP
# to the guest, checked by its sha256.
net_traffic()
{
	local name=$1 ip4=$2 ip6=$3 f sum domid
	f=/var/log/xen/console/guest-$name.log
	wait_for 240 net_up "$name" || {
		net_dump "$name"
		fail "$name did not bring its network up within 240 s"
	}
	wait_for 30 ping -c 1 -W 2 "$ip4" || {
		net_dump "$name"
		fail "no IPv4 ping reply from $name ($ip4)"
	}
	ping -c 3 "$ip4" || fail "IPv4 pings to $name lost"
	wait_for 20 ping6 -c 1 -W 2 "$ip6" || fail "no IPv6 ping reply from $name ($ip6)"
	head -c 1048576 /dev/urandom >/tmp/net.tx
	sum=$(sha256sum /tmp/net.tx | cut -d' ' -f1)
	wait_for 20 sh -c "nc $ip4 5001 </tmp/net.tx" ||
		fail "cannot send to $name on TCP port 5001"
	wait_for 60 grep -q "xpv-guest: rx sha256" "$f" || {
		net_console "$name"
		fail "$name did not report what it received"
	}
	tr -d '\r' <"$f" | grep -q "xpv-guest: rx sha256 $sum" || {
		net_console "$name"
		fail "1 MiB over TCP arrived altered (sent sha256 $sum)"
	}
	echo "$name: pings over IPv4 and IPv6, 1 MiB over TCP intact ($sum)"
}

t_net_user_guest()
{
	[ -x /xpv/bin/xpv-netfront ] || skip "build/bin/xpv-netfront not built"
	grep -q '^xen_netback ' /proc/modules || skip "xen-netback is not loaded"
	net_dom0_v6
	net_cfg $NETUSER 00:16:3e:00:00:05 /etc/xen/scripts/hotplug-vif \
		10.99.0.4,fd99::4,user
	xl create /tmp/$NETUSER.cfg || fail "xl create failed (exit $?)"
	net_traffic $NETUSER 10.99.0.4 fd99::4
	echo "our netfront, in the guest's user space, talked to the kernel's xen-netback"
	xl destroy $NETUSER || fail "xl destroy $NETUSER failed"
}

netback_pid()
{
	cat /run/xpv/netback.pid 2>/dev/null
}

net_xpv_create()
{
	local domid vif
	[ -x /xpv/bin/xpv-netback ] || skip "build/bin/xpv-netback not built"
	[ -x /etc/xen/scripts/vif-bridge ] || skip "hotplug/vif-bridge not in the image"
	# A guest of an earlier test still holds a vif of xen-netback.
	xl destroy $NETUSER 2>/dev/null
	if grep -q '^xen_netback ' /proc/modules; then
		wait_for 20 rmmod xen-netback || {
			ls /sys/class/net
			fail "cannot unload xen-netback"
		}
	fi
	mkdir -p /run/xpv/netback
	/xpv/bin/xpv-netback --stats-dir /run/xpv/netback \
		>/var/log/xpv-netback.log 2>&1 &
	echo $! >/run/xpv/netback.pid
	sleep 1
	kill -0 "$(netback_pid)" || {
		cat /var/log/xpv-netback.log
		fail "xpv-netback did not start"
	}
	net_dom0_v6
	net_cfg $NETGUEST 00:16:3e:00:00:06 vif-bridge 10.99.0.3,fd99::3
	XPV_BIN=/xpv/bin xl create /tmp/$NETGUEST.cfg || {
		tail -n 20 /var/log/xpv-netback.log
		fail "xl create with xpv-netback and vif-bridge failed (exit $?)"
	}
	domid=$(xl domid $NETGUEST) || fail "xl domid $NETGUEST failed"
	vif=vif$domid.0
	[ "$(basename "$(readlink "/sys/class/net/$vif/master")")" = xenbr0 ] ||
		fail "$vif is not on xenbr0"
	[ "$(xenstore-read "/local/domain/0/backend/vif/$domid/0/hotplug-status")" = connected ] ||
		fail "vif-bridge did not write hotplug-status=connected"
	echo "$vif made by xpv-netback, put on xenbr0 by vif-bridge"
	net_traffic $NETGUEST 10.99.0.3 fd99::3
	sleep 2 # the statistics file is written once a second
	grep -E '^(tx|rx)_packets' "/run/xpv/netback/$vif"
	[ "$(sed -n 's/^rx_packets //p' "/run/xpv/netback/$vif")" -gt 0 ] ||
		fail "xpv-netback's statistics count nothing"
	tail -n 5 /var/log/xpv-netback.log
}

vif_on_bridge()
{
	[ "$(basename "$(readlink "/sys/class/net/$1/master" 2>/dev/null)")" = xenbr0 ]
}

vif_connected()
{
	[ "$(xenstore-read "$1/state" 2>/dev/null)" = 4 ]
}

net_attach_detach()
{
	local domid=$1 be fe
	be=/local/domain/0/backend/vif/$domid/1
	fe=/local/domain/$domid/device/vif/1
	XPV_BIN=/xpv/bin xl network-attach $NETGUEST mac=00:16:3e:00:00:07 \
		bridge=xenbr0 script=vif-bridge || fail "xl network-attach failed"
	wait_for 30 vif_on_bridge "vif$domid.1" || fail "vif$domid.1 is not on xenbr0"
	wait_for 60 vif_connected "$be" ||
		fail "the backend of the new vif did not connect ($(xenstore-read "$be/state"))"
	wait_for 60 vif_connected "$fe" ||
		fail "Linux's xen-netfront did not connect the new vif ($(xenstore-read "$fe/state"))"
	echo "network-attach: vif$domid.1 on xenbr0, both ends Connected"
	xl network-detach $NETGUEST 1 || fail "xl network-detach failed"
	wait_for 30 sh -c "! [ -e /sys/class/net/vif$domid.1 ]" ||
		fail "vif$domid.1 is still there after network-detach"
	xenstore-exists "$be" && fail "$be is still there after network-detach"
	echo "network-detach: vif$domid.1 and its backend directory gone"
}

net_stop()
{
	local domid=$1 pid
	xl destroy $NETGUEST || fail "xl destroy $NETGUEST failed"
	wait_for 30 sh -c "! xenstore-exists /local/domain/0/backend/vif/$domid" ||
		fail "backend/vif/$domid is still there after destroy"
	wait_for 10 sh -c "! [ -e /sys/class/net/vif$domid.0 ]" ||
		fail "vif$domid.0 is still there after destroy"
	pid=$(netback_pid)
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" || fail "xpv-netback did not stop"
	tail -n 3 /var/log/xpv-netback.log
	echo "xl destroy left no vif; xpv-netback stopped"
}

t_net_xpv_guest()
{
	local domid
	net_xpv_create
	domid=$(xl domid $NETGUEST)
	net_attach_detach "$domid"
	net_stop "$domid"
}
