# plan-blk.sh: the block tests of the plan (sourced by plan.sh): after the
# kernel's xen-blkback served the first guest, our blkfront in a guest's
# user space against it; then it is unloaded and xpv-blkback serves a
# guest's Linux xen-blkfront.
#
#   blk-user-guest a guest started with xpv_break=userblk (no
#                  xen-blkfront): xpv-blk-guest, our blkfront through
#                  /dev/xen/{xenbus,gntalloc,evtchn}, answers dom0's
#                  signature on /tmp/disk3.img (a loop device the
#                  kernel's xen-blkback serves) and writes and reads back
#                  256 KiB (indirect segments)
#   blk-xpv-guest  xen-blkback unloaded; xpv-blkback started; `xl create`
#                  of a guest whose disk is a loop device over
#                  /tmp/disk2.img; the guest reads dom0's signature and
#                  writes its own back (tests/xen/domU/init) through
#                  xpv-blkback; its kernel log shows persistent grants and
#                  indirect descriptors negotiated; xpv-blkback's
#                  statistics count its reads and writes; xl
#                  block-attach of a second disk connects it through
#                  xpv-blkback, xl block-detach removes it; xl destroy
#                  leaves no node; xpv-blkback exits cleanly on SIGTERM

BLKGUEST=xpvblk

# blk_make_disk N: /tmp/diskN.img with dom0's signature, on a loop
# device (/run/xpv/loopdevN); its nonce in /run/xpv/nonceN.
blk_make_disk()
{
	local nonce img=/tmp/disk$1.img
	nonce=$(cat /proc/sys/kernel/random/uuid)
	dd if=/dev/zero of=$img bs=1M count=8 2>/dev/null
	printf 'XPVSIG dom0 %s\n' "$nonce" | dd of=$img conv=notrunc 2>/dev/null
	echo "$nonce" >/run/xpv/nonce$1
	losetup -f $img || fail "losetup failed"
	losetup -a | sed -n "s|^\(/dev/loop[0-9]*\):.*disk$1.img.*|\1|p" |
		head -n 1 >/run/xpv/loopdev$1
	[ -s /run/xpv/loopdev$1 ] || fail "no loop device for $img"
}

# blk_signed N: the guest answered on sector 1 of /tmp/diskN.img.
blk_signed()
{
	dd if=/tmp/disk$1.img bs=512 skip=1 count=1 2>/dev/null |
		grep -q "^XPVSIG guest $(cat /run/xpv/nonce$1)"
}

# blk_cfg NAME N MAC EXTRA: /tmp/NAME.cfg, the first guest's with disk N.
blk_cfg()
{
	sed -e "s/^name = .*/name = \"$1\"/" \
		-e "s|target=[^ ']*|target=$(cat /run/xpv/loopdev$2)|" \
		-e "s/mac=00:16:3e:00:00:02/mac=$3/" \
		-e "s/xpv_break=[^ \"]*/xpv_break=$4/" \
		/tmp/guest.cfg >/tmp/$1.cfg
}

t_blk_user_guest()
{
	local f=/var/log/xen/console/guest-xpvuser.log
	[ -x /xpv/bin/xpv-blk-guest ] || skip "build/bin/xpv-blk-guest not built"
	grep -q '^xen_blkback ' /proc/modules || skip "xen-blkback is not loaded"
	blk_make_disk 3
	blk_cfg xpvuser 3 00:16:3e:00:00:04 userblk
	xl create /tmp/xpvuser.cfg || fail "xl create failed (exit $?)"
	wait_for 90 grep -q "xpv-blk-guest rc=" "$f"
	tr -d '\r' <"$f" | grep -a -E "^(ok|FAIL|info) |xpv-blk-guest rc="
	grep -q "xpv-blk-guest rc=0" "$f" || {
		tail -n 30 "$f"
		xl destroy xpvuser
		fail "our blkfront failed against the kernel's xen-blkback"
	}
	blk_signed 3 || {
		xl destroy xpvuser
		fail "no signature from the guest's user space on /tmp/disk3.img"
	}
	echo "our blkfront, in the guest's user space, answered dom0 through the kernel's xen-blkback"
	xl destroy xpvuser || fail "xl destroy xpvuser failed"
}

blk_console()
{
	local f=/var/log/xen/console/guest-$BLKGUEST.log
	[ -f "$f" ] && sed 's/^/guest console: /' "$f" | tail -n 30
}

blk_connected()
{
	[ "$(xenstore-read "$1/state" 2>/dev/null)" = 4 ]
}

# xl block-attach of a second disk (xvdb) to the running guest, which its
# xen-blkfront connects through xpv-blkback; then xl block-detach.
blk_attach_detach()
{
	local be=/local/domain/0/backend/vbd/$1/51728
	blk_make_disk 4
	xl block-attach "$BLKGUEST" "format=raw, vdev=xvdb, access=rw, script=/etc/xen/scripts/hotplug-block, target=$(cat /run/xpv/loopdev4)" ||
		fail "xl block-attach failed (exit $?)"
	wait_for 30 blk_connected "$be" || {
		xenstore-ls -f "$be" 2>&1 | tail -n 20
		fail "the attached disk did not connect through xpv-blkback"
	}
	echo "xl block-attach: xvdb connected through xpv-blkback"
	xl block-list "$BLKGUEST"
	xl block-detach "$BLKGUEST" xvdb || fail "xl block-detach failed (exit $?)"
	wait_for 30 sh -c "! xenstore-exists $be" ||
		fail "the detached disk's backend directory remains"
	echo "xl block-detach: xvdb gone"
}

t_blk_xpv_guest()
{
	local domid f=/var/log/xen/console/guest-$BLKGUEST.log
	[ -x /xpv/bin/xpv-blkback ] || skip "build/bin/xpv-blkback not built"
	rmmod xen-blkback 2>/dev/null
	grep -q '^xen_blkback ' /proc/modules &&
		skip "xen-blkback cannot be unloaded"
	XPV_RUNDIR=/run/xpv xpv-blkback >/var/log/xpv-blkback.log 2>&1 &
	echo $! >/run/xpv/blkback.pid
	blk_make_disk 2
	blk_cfg $BLKGUEST 2 00:16:3e:00:00:03 ""
	xl create /tmp/$BLKGUEST.cfg || {
		tail -n 20 /var/log/xpv-blkback.log
		fail "xl create with xpv-blkback failed (exit $?)"
	}
	domid=$(xl domid "$BLKGUEST")
	wait_for 60 blk_signed 2 || {
		blk_console
		tail -n 20 /var/log/xpv-blkback.log
		xenstore-ls -f "/local/domain/0/backend/vbd/$domid" 2>&1 | tail -n 30
		fail "the guest wrote no signature through xpv-blkback within 60 s"
	}
	echo "the guest read dom0's signature and wrote its own, through xpv-blkback"
	grep -m 1 "persistent grants" "$f"
	grep -q "persistent grants: enabled" "$f" ||
		fail "the guest's blkfront did not negotiate persistent grants"
	grep -q "indirect descriptors: enabled" "$f" ||
		fail "the guest's blkfront did not negotiate indirect descriptors"
	sleep 1.5 # the statistics file is rewritten every second
	cat /run/xpv/blkback.stats 2>/dev/null
	grep -q "^vbd $domid 51712 .*rd_req=[1-9].*wr_req=[1-9]" \
		/run/xpv/blkback.stats ||
		fail "xpv-blkback's statistics show no reads and writes"
	blk_attach_detach "$domid"
	xl destroy "$BLKGUEST" || fail "xl destroy $BLKGUEST failed"
	wait_for 20 sh -c "! xenstore-ls /local/domain/0/backend/vbd/$domid" ||
		fail "the backend's nodes remain after xl destroy"
	kill "$(cat /run/xpv/blkback.pid)"
	wait "$(cat /run/xpv/blkback.pid)" ||
		fail "xpv-blkback exited $? on SIGTERM"
}
