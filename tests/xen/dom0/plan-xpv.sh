# plan-xpv.sh: our toolstack on real Xen (sourced by plan.sh): `xpv` builds
# a Linux PV guest itself (hv/xen/build.c, libxenguest) and dom0's services
# are all ours: xpv-xenstored, xpv-consoled, xpv-blkback, xpv-netback,
# started by `xpv up`. Nothing of Debian's toolstack runs from here on (no
# xl toolstack, no xenconsoled, no Debian xenstored; the kernel's
# xen-blkback and xen-netback are unloaded), so these tests come last: the
# first one takes dom0's store over from the plan's. xl is run only to
# read what Xen says (`xl info`, `xl vcpu-list`) against what xpv says.
#
#   xpv-create    `xpv up`; `xpv create` of a guest with a disk (a raw image
#                 through our hotplug/block) and a vif (our vif-bridge on
#                 xenbr0): the domain exists, its devices connected
#   xpv-console   its console log (xpv-consoled) shows the kernel's boot
#                 and the guest's /init; `xpv console` attaches to its pty
#   xpv-list      `xpv list` shows it, `xpv check` finds its tree valid
#   xpv-sched     `xpv sched-credit -d G -w 512 -c 50`, then `xpv
#                 sched-credit -d G` reads 512 and 50 back: through the
#                 scheduler of the guest's cpupool (credit2, Xen 4.17's
#                 default), then back to 256 and no cap; `xpv info`'s
#                 xen_scheduler is `xl info`'s
#   xpv-pin       `xpv vcpu-pin G all 1`: `xl vcpu-list G` shows vcpu 0's
#                 hard affinity 1; `all` gives every cpu back (the
#                 hypervisor's, also with XEN_ARGS=dom0_max_vcpus=1);
#                 `xpv info`'s max_cpu_id is `xl info`'s
#   xpv-disk      the guest made a file system on its disk, a file written
#                 and read back intact (tests/xen/domU/fs-guest.sh)
#   xpv-net       the guest pinged dom0, and dom0 pings the guest
#   xpv-shutdown  `xpv shutdown -w`: the guest powers off, its monitor
#                 destroys it (on_poweroff), nothing is left (no domain in
#                 Xen's list, no xenstore nodes, backends or vif)
#   xpv-destroy   a second guest, `xpv destroy`: nothing is left; `xpv
#                 down` stops dom0's services

XPVGUEST=xpvts
XPVGUEST_IP=10.99.0.8

# xpv_env: what xpv, its daemons and scripts, and xenstore-* use; set in
# each test only (plan.sh sources this file for every test).
xpv_env()
{
	export XPV_RUNDIR=/run/xpv-ts XPV_LOGDIR=/var/log/xpv-ts \
		XPV_HOTPLUGDIR=/etc/xen/scripts XPV_BIN=/xpv/bin
	export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
	# xpv create waits for both ends of every device; the guest's
	# kernel boots in about a minute under QEMU's emulation, where a
	# hotplug script (bash, a few xenstore-* runs) took over 10 s.
	export XPV_DEVICE_TIMEOUT=200 XPV_HOTPLUG_TIMEOUT=100
}

xpv_console_log()
{
	echo "$XPV_LOGDIR/console/guest-$1.log"
}

xpv_console_tail()
{
	local f
	f=$(xpv_console_log "$1")
	[ -f "$f" ] && tr -d '\r' <"$f" | sed 's/^/guest console: /' | tail -n 40
}

xpv_logs_tail()
{
	local f
	for f in "$XPV_LOGDIR"/*.log; do
		[ -f "$f" ] && tail -n 8 "$f" | sed "s|^|${f##*/}: |"
	done
}

# The plan's store and console daemon (Debian's or ours) give way to the
# ones `xpv up` starts. The watchdog (lib.sh) follows store.pid: it names
# this test while the store changes hands, then our xenstored.
xpv_take_dom0()
{
	local pid
	if [ -s /run/xpv/store.pid ]; then
		pid=$(cat /run/xpv/store.pid)
		echo $$ >/run/xpv/store.pid
		kill "$pid" 2>/dev/null
		wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" ||
			fail "the plan's store (pid $pid) did not stop"
		echo "stopped the plan's store (pid $pid)"
	fi
	if [ -s /run/xenconsoled.pid ]; then
		kill "$(cat /run/xenconsoled.pid)" 2>/dev/null
		rm -f /run/xenconsoled.pid
		echo "stopped xenconsoled"
	fi
	for m in xen_blkback xen_netback; do
		grep -q "^$m " /proc/modules || continue
		wait_for 20 rmmod "$m" || fail "cannot unload $m"
		echo "unloaded $m"
	done
}

xpv_make_disk()
{
	rm -f /tmp/xpvts.img
	dd if=/dev/zero of=/tmp/xpvts.img bs=1M count=16 2>/dev/null ||
		fail "cannot make /tmp/xpvts.img"
}

xpv_make_bridge()
{
	[ -d /sys/class/net/xenbr0 ] && return 0
	brctl addbr xenbr0 || fail "cannot create bridge xenbr0"
	ip addr add 10.99.0.1/24 dev xenbr0
	ip link set xenbr0 up
}

# xpv_cfg NAME IP: a guest with a disk and a vif, on_poweroff destroy.
xpv_cfg()
{
	cat >/tmp/$1.cfg <<-EOF
		name = "$1"
		kernel = "/guest/vmlinuz"
		ramdisk = "/guest/initrd.gz"
		extra = "console=hvc0 xpv_fs=$2"
		memory = 160
		vcpus = 1
		disk = [ 'format=raw, vdev=xvda, access=rw, target=/tmp/xpvts.img' ]
		vif = [ 'mac=00:16:3e:00:00:08, bridge=xenbr0' ]
		on_poweroff = "destroy"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF
}

xpv_domid()
{
	cat /run/xpv/xpvts.domid
}

# xpv_id NAME: the domain's id, from `xpv list NAME`.
xpv_id()
{
	xpv list "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }' | grep .
}

t_xpv_create()
{
	local domid
	xpv_env
	[ -x /xpv/bin/xpv ] || skip "build/bin/xpv not built"
	xpv_take_dom0
	mkdir -p "$XPV_RUNDIR" "$XPV_LOGDIR"
	xpv up || {
		xpv_logs_tail
		fail "xpv up failed"
	}
	xpv status
	cat "$XPV_RUNDIR/xpv-xenstored.pid" >/run/xpv/store.pid
	xpv_make_disk
	xpv_make_bridge
	xpv_cfg $XPVGUEST $XPVGUEST_IP
	xpv create /tmp/$XPVGUEST.cfg || {
		xpv_console_tail $XPVGUEST
		xpv_logs_tail
		fail "xpv create failed"
	}
	domid=$(xpv_id $XPVGUEST) || fail "xpv list does not name $XPVGUEST"
	echo "$domid" >/run/xpv/xpvts.domid
	xenstore-ls -f "/local/domain/$domid" | head -n 60
	[ "$(xenstore-read "/local/domain/0/backend/vbd/$domid/51712/state")" = 4 ] ||
		fail "the disk's backend is not Connected"
	[ "$(xenstore-read "/local/domain/0/backend/vif/$domid/0/state")" = 4 ] ||
		fail "the vif's backend is not Connected"
	echo "xpv create built $XPVGUEST (domain $domid); its disk and vif connected"
}

t_xpv_console()
{
	local f
	xpv_env
	f=$(xpv_console_log $XPVGUEST)
	wait_for 120 grep -q "xpv-guest: /init reached" "$f" || {
		xpv_console_tail $XPVGUEST
		xpv_logs_tail
		fail "the console log $f does not show the guest's /init within 120 s"
	}
	grep -q "Linux version" "$f" || fail "the console log has no kernel boot log"
	tr -d '\r' <"$f" | grep -E "Linux version|Xen version|xpv-guest" | head -n 8
	# xpv console: attach to the pty (typed text is echoed by no one:
	# the guest's /init reads nothing), detach with Ctrl-].
	(sleep 2; printf '\035') | timeout 20 xpv console $XPVGUEST >/tmp/xpvts.con 2>&1
	echo "xpv console exited $?"
	head -c 300 /tmp/xpvts.con
	echo "the console log shows the guest's boot"
}

t_xpv_list()
{
	xpv_env
	xpv list
	xpv list | grep -q "^$XPVGUEST  *$(xpv_domid) " ||
		fail "xpv list does not show $XPVGUEST"
	xpv check $XPVGUEST || fail "xpv check found the store invalid"
	echo "xpv list shows $XPVGUEST; xpv check passes"
}

# xpv_sched_row W C: `xpv sched-credit -d` shows weight W and cap C.
xpv_sched_row()
{
	xpv sched-credit -d $XPVGUEST | tee /tmp/xpv-sched.out |
		grep -q -E "^$XPVGUEST +$(xpv_domid) +$1 +$2\$"
}

t_xpv_sched()
{
	xpv_env
	xpv sched-credit -d $XPVGUEST -w 512 -c 50 ||
		fail "xpv sched-credit -d $XPVGUEST -w 512 -c 50 failed (exit $?)"
	xpv_sched_row 512 50 || {
		cat /tmp/xpv-sched.out
		fail "xpv sched-credit does not read back weight 512, cap 50"
	}
	cat /tmp/xpv-sched.out
	xpv sched-credit -d $XPVGUEST -w 256 -c 0 ||
		fail "xpv sched-credit -d $XPVGUEST -w 256 -c 0 failed (exit $?)"
	xpv_sched_row 256 0 || {
		cat /tmp/xpv-sched.out
		fail "xpv sched-credit does not read back weight 256, cap 0"
	}
	echo "xpv sched-credit set weight 512 cap 50 and back to 256, no cap; read back each time"
	xpv_same_scheduler
}

# xpv_info_field CMD KEY: KEY's value in CMD's `info` (xl's layout).
xpv_info_field()
{
	$1 info | awk -F': ' -v k="$2" '{ sub(/ +$/, "", $1) } $1 == k { print $2 }'
}

# xl reads the store of `xpv up` (XENSTORED_PATH), as every xl here does.
xpv_same_scheduler()
{
	local ours xl
	ours=$(xpv_info_field xpv xen_scheduler)
	xl=$(xpv_info_field xl xen_scheduler)
	echo "xen_scheduler: xpv info '$ours', xl info '$xl'"
	[ -n "$xl" ] || fail "xl info names no xen_scheduler"
	[ "$ours" = "$xl" ] ||
		fail "xpv info says xen_scheduler '$ours', xl info '$xl'"
}

# xpv_hard_affinity: vcpu 0's hard affinity, as `xl vcpu-list` shows it
# (Name ID VCPU CPU State Time(s) Hard / Soft).
xpv_hard_affinity()
{
	xl vcpu-list "$(xpv_domid)" | tee /tmp/xpv-pin.out |
		awk -v d="$(xpv_domid)" '$2 == d && $3 == 0 { print $7 }'
}

t_xpv_pin()
{
	local hard
	xpv_env
	xpv vcpu-pin $XPVGUEST all 1 ||
		fail "xpv vcpu-pin $XPVGUEST all 1 failed (exit $?)"
	hard=$(xpv_hard_affinity)
	cat /tmp/xpv-pin.out
	[ "$hard" = 1 ] ||
		fail "after xpv vcpu-pin all 1, xl vcpu-list shows hard affinity '$hard'"
	xpv vcpu-pin $XPVGUEST all all ||
		fail "xpv vcpu-pin $XPVGUEST all all failed (exit $?)"
	hard=$(xpv_hard_affinity)
	cat /tmp/xpv-pin.out
	[ "$hard" = all ] ||
		fail "after xpv vcpu-pin all all, xl vcpu-list shows hard affinity '$hard'"
	echo "xpv vcpu-pin: xl vcpu-list shows hard affinity 1, then all"
	# `all` and info are the hypervisor's cpus, not dom0's vcpus (fewer
	# under XEN_ARGS=dom0_max_vcpus=1, where `all` pinned to cpu 0).
	[ "$(xpv_info_field xpv max_cpu_id)" = "$(xpv_info_field xl max_cpu_id)" ] ||
		fail "xpv info's max_cpu_id is $(xpv_info_field xpv max_cpu_id), xl info's $(xpv_info_field xl max_cpu_id)"
	echo "xpv info and xl info: max_cpu_id $(xpv_info_field xl max_cpu_id)"
}

t_xpv_disk()
{
	local f
	xpv_env
	f=$(xpv_console_log $XPVGUEST)
	wait_for 120 grep -q -E "xpv-guest: (disk ok|disk data altered|mke2fs failed|mount failed|remount failed|no /dev/xvda)" "$f" || {
		xpv_console_tail $XPVGUEST
		fail "the guest said nothing of its disk within 120 s"
	}
	tr -d '\r' <"$f" | grep -E "xpv-guest: (made|no mke2fs|disk)"
	grep -q "xpv-guest: disk ok" "$f" || {
		xpv_console_tail $XPVGUEST
		fail "the guest's disk test failed"
	}
	echo "the guest's disk works"
}

t_xpv_net()
{
	local f
	xpv_env
	f=$(xpv_console_log $XPVGUEST)
	wait_for 120 grep -q -E "xpv-guest: (pinged dom0|no ping reply)" "$f" || {
		xpv_console_tail $XPVGUEST
		fail "the guest said nothing of its network within 120 s"
	}
	grep -q "xpv-guest: pinged dom0" "$f" || {
		xpv_console_tail $XPVGUEST
		brctl show
		fail "the guest could not ping dom0"
	}
	ping -c 3 -W 2 $XPVGUEST_IP || fail "dom0 cannot ping the guest"
	echo "the guest pinged dom0; dom0 pinged the guest"
}

# xpv_gone DOMID: nothing of the domain is left: not in Xen's domain list
# (xpv list is xc_domain_getinfolist's), no /local/domain/N, /vm/UUID,
# /libxl/N or backend directory, no vif.
xpv_gone()
{
	local d=$1
	! xpv list | awk -v d="$d" '$2 == d' | grep -q . &&
		! xenstore-ls /vm 2>/dev/null | grep -q "name = \"$XPVGUEST\"" &&
		! xenstore-exists "/local/domain/$d" &&
		! xenstore-exists "/libxl/$d" &&
		! xenstore-exists "/local/domain/0/backend/vbd/$d" &&
		! xenstore-exists "/local/domain/0/backend/vif/$d" &&
		! xenstore-exists "/local/domain/0/backend/console/$d" &&
		! [ -e "/sys/class/net/vif$d.0" ]
}

xpv_left()
{
	local d=$1
	xpv list
	xenstore-ls -f / | grep -E "/$d(/|$| )" | head -n 20
	ls /sys/class/net
}

t_xpv_shutdown()
{
	local d
	xpv_env
	d=$(xpv_domid)
	xpv shutdown -w $XPVGUEST || fail "xpv shutdown -w failed (exit $?)"
	wait_for 30 xpv_gone "$d" || {
		xpv_left "$d"
		fail "domain $d left something behind after its shutdown"
	}
	tr -d '\r' <"$(xpv_console_log $XPVGUEST)" | tail -n 3
	xpv list
	echo "the guest powered off; its monitor destroyed it; nothing is left"
}

t_xpv_destroy()
{
	local d
	xpv_env
	xpv_cfg $XPVGUEST $XPVGUEST_IP
	xpv create /tmp/$XPVGUEST.cfg || fail "the second xpv create failed"
	d=$(xpv_id $XPVGUEST) || fail "xpv list does not name $XPVGUEST"
	echo "$XPVGUEST is domain $d again"
	wait_for 120 grep -q "xpv-guest: /init reached" "$(xpv_console_log $XPVGUEST)" ||
		fail "the second guest did not reach /init"
	xpv destroy $XPVGUEST || fail "xpv destroy failed (exit $?)"
	wait_for 30 xpv_gone "$d" || {
		xpv_left "$d"
		fail "domain $d left something behind after xpv destroy"
	}
	echo "xpv destroy left nothing of domain $d"
	echo $$ >/run/xpv/store.pid
	xpv down || fail "xpv down failed"
	rm -f /run/xpv/store.pid
	echo "xpv down stopped dom0's services"
}
