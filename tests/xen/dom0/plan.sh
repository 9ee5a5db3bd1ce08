# plan.sh: the test plan run in dom0 on real Xen, in order (busybox sh).
#
# Each line of PLAN is "name limit-seconds function needs...". One boot runs
# the whole plan; xpv_tests= on dom0's command line picks some tests, and the
# tests they need are run first. The guest tests share one guest, xpvguest
# (kernel and initrd in /guest), whose disk is a loop device over
# /tmp/disk.img and whose NIC sits on bridge xenbr0 with dom0 at 10.99.0.1
# and the guest at 10.99.0.2.

PLAN="store 40 t_store
test-xenstore 150 t_test_xenstore store
hv-common 120 t_hv_common
hv-xen-dom0 120 t_hv_xen_dom0
xenbus-smoke 60 t_xenbus_smoke store
run 600 t_run store
guest-create 90 t_guest_create store
guest-list 20 t_guest_list guest-create
guest-disk 80 t_guest_disk guest-create
guest-net 60 t_guest_net guest-create
guest-xenstore 60 t_guest_xenstore guest-create
guest-xenbus-smoke 90 t_guest_xenbus_smoke guest-create
guest-shutdown 90 t_guest_shutdown guest-create
guest-destroy 60 t_guest_destroy guest-shutdown
hv-xen-guest 120 t_hv_xen_guest store
hv-xen-domu 150 t_hv_xen_domu store
hotplug-block-xl 300 t_hotplug_block_xl store
blk-user-guest 200 t_blk_user_guest guest-destroy
blk-xpv-guest 240 t_blk_xpv_guest guest-destroy
net-user-guest 360 t_net_user_guest guest-destroy
net-xpv-guest 300 t_net_xpv_guest guest-destroy
blk-xpv-ext4 300 t_blk_xpv_ext4 guest-destroy
blk-xpv-qcow2 120 t_blk_xpv_qcow2 blk-xpv-ext4
blk-xpv-restart 360 t_blk_xpv_restart guest-destroy
xpv-create 300 t_xpv_create
xpv-console 200 t_xpv_console xpv-create
xpv-list 60 t_xpv_list xpv-create
xpv-sched 60 t_xpv_sched xpv-create
xpv-pin 60 t_xpv_pin xpv-create
xpv-disk 200 t_xpv_disk xpv-create
xpv-net 200 t_xpv_net xpv-create
xpv-shutdown 120 t_xpv_shutdown xpv-create
xpv-destroy 300 t_xpv_destroy xpv-shutdown"

GUEST=xpvguest
XENSTORED=/usr/lib/xen-4.17/bin/xenstored

# Our hotplug scripts under Debian's xl (before the tests that unload the
# kernel's backends or take the store over).
. /xpv/plan-hotplug.sh
# The block tests (xpv-blkback on real Xen).
. /xpv/plan-blk.sh
# The network tests (xpv-netback and netfront on real Xen).
. /xpv/plan-net.sh
# Our toolstack builds the guest, our daemons serve it (last: it takes
# dom0's store over).
. /xpv/plan-xpv.sh

# --- the store -----------------------------------------------------------

start_store_debian()
{
	"$XENSTORED" --no-fork --pid-file /run/xenstored.pid \
		>/var/log/xenstored.out 2>&1 &
	echo $! >/run/xpv/store.pid
}

start_store_xpv()
{
	[ -x /xpv/bin/xpv-xenstored ] ||
		skip "build/bin/xpv-xenstored not built (xenstored/ has not landed)"
	XPV_RUNDIR=/run/xpv xpv-xenstored --no-fork \
		--socket /run/xenstored/socket \
		--log /var/log/xpv-xenstored.log \
		>/var/log/xenstored.out 2>&1 &
	echo $! >/run/xpv/store.pid
}

t_store()
{
	local v
	case $XPV_STORE in
	debian) start_store_debian ;;
	xpv) start_store_xpv ;;
	*) fail "unknown store '$XPV_STORE' (debian or xpv)" ;;
	esac
	echo "store: $XPV_STORE, pid $(cat /run/xpv/store.pid)"
	if [ "$XPV_BREAK" = store-crash ]; then
		sleep 1
		kill -SEGV "$(cat /run/xpv/store.pid)"
	fi
	wait_for 20 test -S /run/xenstored/socket || {
		cat /var/log/xenstored.out
		fail "the store's socket /run/xenstored/socket did not appear in 20 s"
	}
	xen-init-dom0 || fail "xen-init-dom0 failed (exit $?)"
	v=$(xenstore-read /local/domain/0/name) ||
		fail "cannot read /local/domain/0/name over the socket"
	[ "$v" = Domain-0 ] || fail "/local/domain/0/name is '$v', not Domain-0"
	# The kernel's own xenbus client reaches the store through the ring
	# page behind /proc/xen/xsd_kva, not the socket.
	v=$(XENSTORED_PATH=/dev/xen/xenbus timeout 10 \
		xenstore-read /local/domain/0/domid) ||
		fail "dom0's kernel xenbus cannot reach the store through its ring"
	[ "$v" = 0 ] || fail "domid read through the kernel's xenbus is '$v'"
	echo "dom0's kernel xenbus reads domid=$v through the ring"
	xenconsoled --pid-file=/run/xenconsoled.pid --log=guest \
		--log-dir=/var/log/xen/console || fail "xenconsoled failed"
	wait_for 10 test -s /run/xenconsoled.pid ||
		fail "xenconsoled wrote no pid file"
	kill -0 "$(cat /run/xenconsoled.pid)" || fail "xenconsoled is not running"
	echo "xenstored ($XPV_STORE), xen-init-dom0 and xenconsoled are up"
}

t_test_xenstore()
{
	test-xenstore || fail "test-xenstore failed (exit $?)"
	echo "test-xenstore: all tests passed"
}

# run_prog PROG: one of our test programs, on the xen platform.
run_prog()
{
	local rc
	[ -x "/xpv/bin/$1" ] || skip "build/bin/$1 not built"
	XPV_PLATFORM=xen "$1"
	rc=$?
	[ $rc = 77 ] && exit 77
	[ $rc = 0 ] || fail "$1 on the xen platform: exit $rc"
	echo "$1 passed on the xen platform"
}

t_hv_common()
{
	run_prog test-hv-common
}

t_hv_xen_dom0()
{
	run_prog test-hv-xen-dom0
}

# The frontend's xenbus client in dom0, through /dev/xen/xenbus: the
# kernel's xenbus, and so the store's dom0 ring.
t_xenbus_smoke()
{
	run_prog xenbus-smoke
}

# The xen platform against a guest of its own: hv/xen's runners start the
# guest, run the test and destroy it. After our guest's tests, so that its
# @releaseDomain count is not disturbed.
t_hv_xen_guest()
{
	[ -f /xpv/bin/hv-xen-guest-run ] || skip "build/bin/hv-xen-guest-run not built"
	sh /xpv/bin/hv-xen-guest-run || fail "hv-xen-guest-run: exit $?"
}

t_hv_xen_domu()
{
	[ -f /xpv/bin/hv-xen-domu-run ] || skip "build/bin/hv-xen-domu-run not built"
	sh /xpv/bin/hv-xen-domu-run || fail "hv-xen-domu-run: exit $?"
}

# run: the command the host passed in (XEN_RUN), for a developer to see
# something run on Xen; its output is in the serial log.
t_run()
{
	local rc
	[ -x /xpv/user-run ] || skip "no XEN_RUN command given"
	/xpv/user-run
	rc=$?
	[ $rc = 0 ] || fail "the XEN_RUN command exited $rc"
}

# --- the guest -----------------------------------------------------------

make_disk()
{
	local nonce
	nonce=$(cat /proc/sys/kernel/random/uuid)
	dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null
	printf 'XPVSIG dom0 %s\n' "$nonce" |
		dd of=/tmp/disk.img conv=notrunc 2>/dev/null
	echo "$nonce" >/run/xpv/nonce
	losetup -f /tmp/disk.img || fail "losetup failed"
	losetup -a | sed -n 's|^\(/dev/loop[0-9]*\):.*disk.img.*|\1|p' |
		head -n 1 >/run/xpv/loopdev
	[ -s /run/xpv/loopdev ] || fail "no loop device for /tmp/disk.img"
}

make_bridge()
{
	brctl addbr xenbr0 || fail "cannot create bridge xenbr0"
	ip addr add 10.99.0.1/24 dev xenbr0
	ip link set xenbr0 up
}

write_cfg()
{
	local brk=
	[ "$XPV_BREAK" = guest-noconnect ] && brk=noconnect
	cat >/tmp/guest.cfg <<-EOF
		name = "$GUEST"
		kernel = "/guest/vmlinuz"
		ramdisk = "/guest/initrd.gz"
		extra = "console=hvc0 xpv_break=$brk"
		memory = 160
		vcpus = 1
		disk = [ 'format=raw, vdev=xvda, access=rw, script=/etc/xen/scripts/hotplug-block, target=$(cat /run/xpv/loopdev)' ]
		vif = [ 'mac=00:16:3e:00:00:02, bridge=xenbr0, script=/etc/xen/scripts/hotplug-vif' ]
		on_poweroff = "preserve"
		on_reboot = "destroy"
		on_crash = "destroy"
	EOF
}

t_guest_create()
{
	local domid
	make_disk
	make_bridge
	write_cfg
	# Watch for the guest's end before it begins: the first event is the
	# watch's initial one, the later ones are releases.
	xenstore-watch @releaseDomain >/run/xpv/release.log 2>&1 &
	echo $! >/run/xpv/release.pid
	xl create /tmp/guest.cfg || fail "xl create failed (exit $?)"
	domid=$(xl domid "$GUEST") || fail "xl domid $GUEST failed"
	echo "$domid" >/run/xpv/domid
	echo "$GUEST is domain $domid"
}

guest_console()
{
	local f=/var/log/xen/console/guest-$GUEST.log
	[ -f "$f" ] && sed 's/^/guest console: /' "$f" | tail -n 30
}

t_guest_list()
{
	xl list
	xl list | grep -q "^$GUEST " || fail "xl list does not show $GUEST"
	echo "xl list shows $GUEST"
}

guest_signed()
{
	dd if=/tmp/disk.img bs=512 skip=1 count=1 2>/dev/null |
		grep -q "^XPVSIG guest $(cat /run/xpv/nonce)"
}

# vbd_states: the XenbusState of both ends of the guest's disk, which
# tells a guest that never connected from one that connected and then
# failed (io/xenbus.h: 1 Initialising, 2 InitWait, 4 Connected).
vbd_states()
{
	local domid fe be
	domid=$(cat /run/xpv/domid)
	fe=$(xenstore-read "/local/domain/$domid/device/vbd/51712/state")
	be=$(xenstore-read "/local/domain/0/backend/vbd/$domid/51712/state")
	echo "frontend state ${fe:-none}, backend state ${be:-none}"
}

t_guest_disk()
{
	wait_for 60 guest_signed || {
		guest_console
		xenstore-ls -f "/local/domain/0/backend/vbd" 2>&1 | tail -n 20
		fail "the guest wrote no signature on its disk within 60 s" \
			"($(vbd_states))"
	}
	echo "the guest read dom0's signature and wrote its own back"
}

t_guest_net()
{
	wait_for 50 ping -c 1 -W 1 10.99.0.2 || {
		guest_console
		brctl show
		fail "no ping reply from the guest (10.99.0.2) within 50 s"
	}
	ping -c 3 10.99.0.2
}

guest_node_signed()
{
	[ "$(xenstore-read "/local/domain/$(cat /run/xpv/domid)/data/xpv-guest")" = \
		"XPVSIG guest $(cat /run/xpv/nonce)" ]
}

# The guest's user space wrote under its own data/ through /dev/xen/xenbus.
t_guest_xenstore()
{
	wait_for 50 guest_node_signed || {
		guest_console
		fail "the guest wrote no data/xpv-guest through its xenbus within 50 s"
	}
	echo "the guest wrote data/xpv-guest through its xenbus"
}

# The frontend's xenbus client in the guest, through its ring.
t_guest_xenbus_smoke()
{
	local f=/var/log/xen/console/guest-$GUEST.log
	wait_for 80 grep -q "xpv-guest: xenbus-smoke" "$f" || {
		guest_console
		fail "the guest did not report xenbus-smoke within 80 s"
	}
	tr -d '\r' <"$f" |
		grep -a -E "^(ok  |FAIL) xenbus|^xenbus-smoke:|xpv-guest: xenbus-smoke"
	grep -q "xpv-guest: xenbus-smoke not built" "$f" &&
		skip "build/bin/xenbus-smoke not built"
	grep -q "xpv-guest: xenbus-smoke rc=0" "$f" ||
		fail "xenbus-smoke failed in the guest"
	echo "xenbus-smoke passed in the guest"
}

guest_gone()
{
	local domid
	domid=$(cat /run/xpv/domid)
	! xenstore-exists "/local/domain/$domid" &&
		! xenstore-exists "/local/domain/0/backend/vbd/$domid" &&
		! xenstore-exists "/local/domain/0/backend/vif/$domid"
}

release_events()
{
	wc -l </run/xpv/release.log
}

# The guest is kept after it powers off (on_poweroff = "preserve"), so no
# toolstack destroys it: a @releaseDomain now can only come from the store
# seeing VIRQ_DOM_EXC from the hypervisor and the domain shut down.
t_guest_shutdown()
{
	xl shutdown -w "$GUEST" || fail "xl shutdown -w $GUEST failed (exit $?)"
	guest_console
	xl list "$GUEST" | tail -n 1
	xl list "$GUEST" | tail -n 1 | grep -q -- '--s-' ||
		fail "$GUEST is not in the shut-down state after xl shutdown"
	wait_for 20 sh -c '[ $(wc -l </run/xpv/release.log) -ge 2 ]' || {
		cat /run/xpv/release.log
		fail "@releaseDomain did not fire within 20 s of the guest's poweroff"
	}
	release_events >/run/xpv/release.count
	echo "@releaseDomain fired for the shut-down domain (VIRQ_DOM_EXC)"
}

t_guest_destroy()
{
	local domid n
	domid=$(cat /run/xpv/domid)
	n=$(cat /run/xpv/release.count)
	xl destroy "$GUEST" || fail "xl destroy $GUEST failed (exit $?)"
	wait_for 20 guest_gone || {
		xenstore-ls -f /local/domain | grep -E "/$domid(/|$| )" | head
		fail "nodes of domain $domid remain after it was destroyed"
	}
	xl list | grep -q "^$GUEST " && fail "xl list still shows $GUEST"
	wait_for 20 sh -c "[ \$(wc -l </run/xpv/release.log) -gt $n ]" ||
		fail "@releaseDomain did not fire when domain $domid was destroyed"
	echo "domain $domid is gone, @releaseDomain fired, none of its nodes remain"
}

# --- running the plan ----------------------------------------------------

plan_needs()
{
	echo "$PLAN" | while read -r n l f needs; do
		[ "$n" = "$1" ] && echo "$needs"
	done
}

# plan_select: the tests to run, in plan order: all, or those asked for
# and everything they need.
plan_select()
{
	local want="$XPV_TESTS" more n
	if [ -z "$want" ]; then
		echo "$PLAN" | cut -d' ' -f1
		return
	fi
	more=1
	while [ -n "$more" ]; do
		more=
		for n in $want; do
			for d in $(plan_needs "$n"); do
				case " $want " in *" $d "*) ;; *)
					want="$want $d"
					more=1
					;;
				esac
			done
		done
	done
	echo "$PLAN" | cut -d' ' -f1 | while read -r n; do
		case " $want " in *" $n "*) echo "$n" ;; esac
	done
}

plan_run()
{
	local sel n l f needs
	sel=$(plan_select | tr '\n' ' ')
	echo "XPV-PLAN $sel"
	echo "$PLAN" | while read -r n l f needs; do
		case " $sel " in *" $n "*) ;; *) continue ;; esac
		run_test "$n" "$l" "$f" $needs
	done
}
