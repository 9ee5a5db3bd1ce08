#!/bin/sh
# guest-run.sh: run test-hv-xen-guest in a dom0 of the real-Xen test bed
# (tests/xen: xl, the store and xenconsoled up, the guest kernel and
# initrd in /guest). Installed as build/bin/hv-xen-guest-run; from the host:
#   make check-xen XEN_XENSTORED=debian XEN_TESTS=run \
#       XEN_RUN="sh /xpv/bin/hv-xen-guest-run"
# Starts a PV guest that nobody watches (xl create -e: no one reacts to its
# shutdown but the test), hands its id and store frame to the test, which
# ends by destroying it. Exit: the test's.
NAME=hvguest
CFG=/tmp/hv-guest.cfg
cat >$CFG <<CFG
name = "$NAME"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.gz"
extra = "console=hvc0 xpv_break=noconnect"
memory = 160
vcpus = 1
on_poweroff = "destroy"
CFG
xl create -e $CFG || {
	echo "xl create failed"
	exit 1
}
d=$(xl domid $NAME)
f=$(xenstore-read /local/domain/$d/store/ring-ref)
echo "guest $d, store frame $f"
XPV_TEST_DOMID=$d XPV_TEST_STORE_FRAME=$f test-hv-xen-guest
rc=$?
xl destroy $NAME 2>/dev/null
echo "guest-run: exit $rc"
exit $rc
