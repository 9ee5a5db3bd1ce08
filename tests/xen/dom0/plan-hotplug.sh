# plan-hotplug.sh: our hotplug scripts as drop-ins for Xen's under
# Debian's xl (sourced by plan.sh; before plan-xpv.sh's tests, which take
# dom0's store over, and before plan-blk.sh's xpv-blkback tests, which
# unload the kernel's xen-blkback).
#
#   hotplug-block-xl  `xl create` of a guest whose disk is a raw image
#                     FILE with script=/etc/xen/scripts/block, our
#                     hotplug/block (images.sh copies it there): it sets up
#                     a loop device over the file and writes physical-device
#                     and physical-device-path, so that Linux's xen-blkback
#                     serves it; the guest writes 16 blocks and reads them
#                     back past its page cache (tests/xen/domU/blk-guest.sh,
#                     rw), and they are in the file in dom0; `xl
#                     block-detach` runs the script's remove: the backend's
#                     directory and the loop device are gone

HPGUEST=xpvhp

hp_cfg()
{
	cat >/tmp/$HPGUEST.cfg <<-CFG
		name = "$HPGUEST"
		kernel = "/guest/vmlinuz"
		ramdisk = "/guest/initrd.gz"
		extra = "console=hvc0 xpv_blk=rw:$1"
		memory = 160
		vcpus = 1
		disk = [ 'format=raw, vdev=xvda, access=rw, script=/etc/xen/scripts/block, target=$2' ]
		vif = [ ]
		on_poweroff = "preserve"
		on_reboot = "destroy"
		on_crash = "destroy"
	CFG
}

# hp_fail WHY...: what the backend and the guest show, the guest
# destroyed, the test failed.
hp_fail()
{
	xenstore-ls -f /local/domain/0/backend/vbd 2>&1 | tail -n 20
	blk_console_tail $HPGUEST
	losetup -a
	xl destroy $HPGUEST 2>/dev/null
	fail "$@"
}

hp_loop_of()
{
	losetup -a | sed -n "s|^\(/dev/loop[0-9]*\):.*$1.*|\1|p" | head -n 1
}

hp_blocks_in_file()
{
	local i=1 got
	while [ $i -le 16 ]; do
		got=$(dd if="$1" bs=4096 skip=$i count=1 2>/dev/null | head -n 1)
		[ "$got" = "XPVBLK $2 $i" ] || {
			echo "block $i of $1 reads '$got'"
			return 1
		}
		i=$((i + 1))
	done
}

t_hotplug_block_xl()
{
	local img=/tmp/disk7.img nonce domid be loop node
	grep -q '^xen_blkback ' /proc/modules || skip "xen-blkback is not loaded"
	[ -x /etc/xen/scripts/block ] || skip "hotplug/block is not in dom0's image"
	nonce=$(cat /proc/sys/kernel/random/uuid)
	dd if=/dev/zero of=$img bs=1M count=8 2>/dev/null
	hp_cfg "$nonce" $img
	xl create /tmp/$HPGUEST.cfg || hp_fail "xl create failed (exit $?)"
	domid=$(xl domid $HPGUEST) || hp_fail "xl domid $HPGUEST failed"
	be=/local/domain/0/backend/vbd/$domid/51712
	[ "$(xenstore-read $be/hotplug-status)" = connected ] ||
		hp_fail "hotplug-status is not connected"
	loop=$(hp_loop_of $img)
	node=$(xenstore-read $be/node)
	[ -n "$loop" ] && [ "$node" = "$loop" ] ||
		hp_fail "no loop device over $img, or node '$node' is not it ('$loop')"
	[ "$(xenstore-read $be/physical-device-path)" = "$loop" ] &&
		[ "$(xenstore-read $be/physical-device)" = "$(stat -L -c %t:%T "$loop")" ] ||
		hp_fail "physical-device(-path) do not name $loop"
	echo "our block script: $img on $loop, physical-device $(xenstore-read $be/physical-device)"
	wait_for 200 blk_guest_said $HPGUEST "xpv-guest: rw rc=" ||
		hp_fail "the guest did not finish writing and reading within 200 s"
	blk_guest_lines $HPGUEST 4
	blk_guest_said $HPGUEST "xpv-guest: rw rc=0" ||
		hp_fail "the guest's writes or reads failed"
	hp_blocks_in_file $img "$nonce" ||
		hp_fail "the guest's blocks are not in $img"
	echo "the guest wrote 16 blocks and read them back through xen-blkback; they are in $img"
	xl block-detach $HPGUEST xvda || hp_fail "xl block-detach failed (exit $?)"
	wait_for 30 sh -c "! xenstore-exists $be" ||
		hp_fail "the detached disk's backend directory remains"
	wait_for 30 sh -c "! losetup $loop >/dev/null 2>&1" ||
		hp_fail "$loop is still set up after xl block-detach"
	[ -z "$(hp_loop_of $img)" ] || hp_fail "a loop device over $img remains"
	echo "xl block-detach: the script's remove detached $loop"
	xl destroy $HPGUEST || fail "xl destroy $HPGUEST failed"
}
