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
#   blk-xpv-ext4   a guest whose disk is a qcow2 image (format=qcow2 in
#                  xl's disk spec: a qdisk to xl, served by xpv-blkback,
#                  with tests/xen/dom0/qemu-standin where xl starts QEMU)
#                  makes ext4 on it with mkfs.ext4, e2fsck finds it
#                  clean, files written are read back after a remount,
#                  e2fsck clean again (tests/xen/domU/blk-guest.sh)
#   blk-xpv-qcow2  that guest destroyed, in dom0: `qemu-img check` finds
#                  the image clean, `qemu-img convert` to raw, e2fsck
#                  clean, and debugfs reads both files as the guest wrote
#                  them
#   blk-xpv-restart  a guest writes 150 blocks, each synced, on a disk
#                  xpv-blkback serves; xpv-blkback is killed (-9) after
#                  the 10th and started again: the restarted daemon
#                  resumes the guest's ring, the guest's writes go on,
#                  every block reads back in the guest and is in the
#                  image in dom0

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

# --- ext4 and qcow2, restart (xpv-blkback serving Linux's xen-blkfront) --

# blk_daemon_start LOG: xpv-blkback running in dom0 (pid in
# /run/xpv/blkback.pid), its output in LOG; one left by a test before is
# stopped first (two daemons would both serve every disk).
blk_daemon_start()
{
	[ -x /xpv/bin/xpv-blkback ] || skip "build/bin/xpv-blkback not built"
	rmmod xen-blkback 2>/dev/null
	grep -q '^xen_blkback ' /proc/modules &&
		skip "xen-blkback cannot be unloaded"
	[ -s /run/xpv/blkback.pid ] &&
		kill -0 "$(cat /run/xpv/blkback.pid)" 2>/dev/null &&
		blk_daemon_stop
	XPV_RUNDIR=/run/xpv xpv-blkback >>"$1" 2>&1 &
	echo $! >/run/xpv/blkback.pid
}

blk_daemon_stop()
{
	kill "$(cat /run/xpv/blkback.pid)" 2>/dev/null
	wait "$(cat /run/xpv/blkback.pid)" 2>/dev/null
}

# blk_guest_cfg NAME DISK EXTRA: /tmp/NAME.cfg, the first guest's with
# DISK as its only disk, no NIC, EXTRA on its command line.
blk_guest_cfg()
{
	sed -e "s/^name = .*/name = \"$1\"/" \
		-e "s|^disk = .*|disk = [ '$2' ]|" \
		-e "s/^vif = .*/vif = [ ]/" \
		-e "s/^extra = .*/extra = \"console=hvc0 $3\"/" \
		/tmp/guest.cfg >/tmp/$1.cfg
}

# blk_guest_said NAME TEXT: the guest's console has a line with TEXT.
blk_guest_said()
{
	tr -d '\r' </var/log/xen/console/guest-$1.log 2>/dev/null |
		grep -q -- "$2"
}

blk_console_tail()
{
	tr -d '\r' </var/log/xen/console/guest-$1.log 2>/dev/null |
		tail -n 30 | sed 's/^/guest console: /'
}

blk_guest_lines()
{
	tr -d '\r' </var/log/xen/console/guest-$1.log 2>/dev/null |
		grep -a -E "^xpv-guest: |EXT4-fs|blkfront|xvda" | tail -n ${2:-40}
}

t_blk_xpv_ext4()
{
	local nonce g=xpvext4
	command -v qemu-img >/dev/null || skip "no qemu-img in dom0's image"
	blk_daemon_start /var/log/xpv-blkback-ext4.log
	nonce=$(cat /proc/sys/kernel/random/uuid)
	echo "$nonce" >/run/xpv/nonce5
	rm -f /tmp/disk5.qcow2
	qemu-img create -q -f qcow2 /tmp/disk5.qcow2 64M ||
		fail "qemu-img create failed"
	blk_guest_cfg $g "format=qcow2, vdev=xvda, access=rw, target=/tmp/disk5.qcow2" \
		"xpv_blk=ext4:$nonce"
	xl create /tmp/$g.cfg || {
		tail -n 20 /var/log/xpv-blkback-ext4.log
		fail "xl create of a guest with a qcow2 disk failed (exit $?)"
	}
	wait_for 240 blk_guest_said $g "xpv-guest: ext4 rc=" || {
		blk_guest_lines $g
		tail -n 20 /var/log/xpv-blkback-ext4.log
		xenstore-ls -f /local/domain/0/backend 2>&1 | grep -v /vif/ |
			tail -n 30
		fail "the guest did not finish its ext4 test within 240 s"
	}
	blk_guest_lines $g
	blk_guest_said $g "xpv-guest: ext4 rc=0" || {
		blk_console_tail $g
		fail "ext4 on the qcow2 disk failed in the guest"
	}
	tr -d '\r' </var/log/xen/console/guest-$g.log |
		sed -n 's/^xpv-guest: big md5 //p' | tail -n 1 >/run/xpv/md5-5
	sleep 1.5 # the statistics file is rewritten every second
	grep "path=/tmp/disk5.qcow2" /run/xpv/blkback.stats
	grep -q "^qdisk .*wr_req=[1-9].*path=/tmp/disk5.qcow2" \
		/run/xpv/blkback.stats ||
		fail "xpv-blkback's statistics show no writes as a qdisk"
	echo "mkfs.ext4, e2fsck, files read back after a remount: on a qcow2 image through xpv-blkback"
}

t_blk_xpv_qcow2()
{
	local g=xpvext4 domid out
	domid=$(xl domid $g) || fail "no guest $g"
	xl destroy $g || fail "xl destroy $g failed"
	wait_for 20 sh -c "! xenstore-exists /local/domain/0/backend/qdisk/$domid" ||
		fail "the qdisk backend's nodes remain after xl destroy"
	blk_daemon_stop
	qemu-img check /tmp/disk5.qcow2 ||
		fail "qemu-img check finds errors or leaks in the image"
	qemu-img convert -O raw /tmp/disk5.qcow2 /tmp/disk5.raw ||
		fail "qemu-img convert failed"
	e2fsck -fn /tmp/disk5.raw || fail "e2fsck in dom0 finds the ext4 unclean"
	out=$(debugfs -R "cat /xpv.txt" /tmp/disk5.raw 2>/dev/null)
	[ "$out" = "XPVEXT4 $(cat /run/xpv/nonce5)" ] ||
		fail "/xpv.txt in the image reads '$out'"
	debugfs -R "dump /big /tmp/big5" /tmp/disk5.raw 2>/dev/null
	out=$(md5sum </tmp/big5 | cut -d' ' -f1)
	[ -s /run/xpv/md5-5 ] && [ "$out" = "$(cat /run/xpv/md5-5)" ] ||
		fail "/big in the image has md5 $out, the guest wrote $(cat /run/xpv/md5-5)"
	rm -f /tmp/disk5.raw /tmp/big5
	echo "qemu-img check clean; converted, e2fsck clean, both files as the guest wrote them"
}


t_blk_xpv_restart()
{
	local nonce g=xpvrestart log=/var/log/xpv-blkback-restart.log i got pid
	blk_daemon_start $log
	blk_make_disk 6
	nonce=$(cat /run/xpv/nonce6)
	blk_guest_cfg $g "format=raw, vdev=xvda, access=rw, script=/etc/xen/scripts/hotplug-block, target=$(cat /run/xpv/loopdev6)" \
		"xpv_blk=restart:$nonce"
	xl create /tmp/$g.cfg || fail "xl create failed (exit $?)"
	wait_for 120 blk_guest_said $g "xpv-guest: wrote 10$" || {
		blk_guest_lines $g
		fail "the guest did not write 10 blocks within 120 s"
	}
	pid=$(cat /run/xpv/blkback.pid)
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	echo "xpv-blkback killed (-9) after the guest's block $(blk_guest_lines $g 1)"
	sleep 1
	echo "--- xpv-blkback started again" >>$log
	blk_daemon_start $log
	wait_for 240 blk_guest_said $g "xpv-guest: restart rc=" || {
		blk_guest_lines $g 20
		tail -n 20 $log
		xenstore-ls -f /local/domain/0/backend/vbd 2>&1 | grep -E "/state|error" 
		fail "the guest's writes did not end within 240 s of the restart"
	}
	blk_guest_lines $g 6
	sed -n '/started again/,$p' $log | head -n 10
	blk_guest_said $g "xpv-guest: restart rc=0" || {
		blk_console_tail $g
		fail "the guest's writes or reads failed across the restart"
	}
	grep -q "resumed the connection" $log ||
		fail "the restarted xpv-blkback did not resume the guest's ring"
	sed -n 's/.*queue 0: \([0-9]*\) requests the killed.*/\1/p' $log |
		tail -n 1 >/run/xpv/replayed6
	i=1
	while [ $i -le 150 ]; do
		got=$(dd if=/tmp/disk6.img bs=4096 skip=$i count=1 2>/dev/null |
			head -n 1)
		[ "$got" = "XPVBLK $nonce $i" ] ||
			fail "block $i of the image reads '$got'"
		i=$((i + 1))
	done
	echo "all 150 blocks are in the image; $(cat /run/xpv/replayed6) requests in flight at the kill were served again"
	xl destroy $g || fail "xl destroy $g failed"
	blk_daemon_stop
	echo "xpv-blkback killed and restarted under Linux's xen-blkfront: the ring resumed, no write lost"
}
