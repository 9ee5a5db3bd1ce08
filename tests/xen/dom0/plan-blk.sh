# plan-blk.sh: the block tests of the plan (sourced by plan.sh): after the
# kernel's xen-blkback served the first guest, it is unloaded and
# xpv-blkback serves a second guest's Linux xen-blkfront.
#
#   blk-xpv-guest  xen-blkback unloaded; xpv-blkback started; `xl create`
#                  of a guest whose disk is a loop device over
#                  /tmp/disk2.img; the guest reads dom0's signature and
#                  writes its own back (tests/xen/domU/init) through
#                  xpv-blkback; its kernel log shows persistent grants and
#                  indirect descriptors negotiated; xpv-blkback's
#                  statistics count its reads and writes; xl destroy leaves
#                  no node; xpv-blkback exits cleanly on SIGTERM

BLKGUEST=xpvblk

blk_make_disk()
{
	local nonce
	nonce=$(cat /proc/sys/kernel/random/uuid)
	dd if=/dev/zero of=/tmp/disk2.img bs=1M count=8 2>/dev/null
	printf 'XPVSIG dom0 %s\n' "$nonce" |
		dd of=/tmp/disk2.img conv=notrunc 2>/dev/null
	echo "$nonce" >/run/xpv/nonce2
	losetup -f /tmp/disk2.img || fail "losetup failed"
	losetup -a | sed -n 's|^\(/dev/loop[0-9]*\):.*disk2.img.*|\1|p' |
		head -n 1 >/run/xpv/loopdev2
	[ -s /run/xpv/loopdev2 ] || fail "no loop device for /tmp/disk2.img"
}

blk_signed()
{
	dd if=/tmp/disk2.img bs=512 skip=1 count=1 2>/dev/null |
		grep -q "^XPVSIG guest $(cat /run/xpv/nonce2)"
}

blk_console()
{
	local f=/var/log/xen/console/guest-$BLKGUEST.log
	[ -f "$f" ] && sed 's/^/guest console: /' "$f" | tail -n 30
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
	blk_make_disk
	sed -e "s/^name = .*/name = \"$BLKGUEST\"/" \
		-e "s|target=[^ ']*|target=$(cat /run/xpv/loopdev2)|" \
		-e "s/mac=00:16:3e:00:00:02/mac=00:16:3e:00:00:03/" \
		/tmp/guest.cfg >/tmp/blkguest.cfg
	xl create /tmp/blkguest.cfg || {
		tail -n 20 /var/log/xpv-blkback.log
		fail "xl create with xpv-blkback failed (exit $?)"
	}
	domid=$(xl domid "$BLKGUEST")
	wait_for 60 blk_signed || {
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
	xl destroy "$BLKGUEST" || fail "xl destroy $BLKGUEST failed"
	wait_for 20 sh -c "! xenstore-ls /local/domain/0/backend/vbd/$domid" ||
		fail "the backend's nodes remain after xl destroy"
	kill "$(cat /run/xpv/blkback.pid)"
	wait "$(cat /run/xpv/blkback.pid)" ||
		fail "xpv-blkback exited $? on SIGTERM"
}
