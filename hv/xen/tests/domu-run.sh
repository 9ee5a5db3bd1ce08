#!/bin/sh
# domu-run.sh: run test-hv-xen-domu across dom0 and a PV guest, in a dom0
# of the real-Xen test bed (tests/xen: busybox, xl, the store and
# xenconsoled up, the guest kernel in /guest). From the host:
#   make check-xen XEN_XENSTORED=debian XEN_TESTS=run \
#       XEN_RUN="sh /xpv/bin/hv-xen-domu-run"
# (or paste this file as XEN_RUN). It repacks the test bed's guest initrd
# with the test program, the libraries it needs and an /init that runs it,
# starts the guest, runs dom0's side, and prints the guest's console.
# Exit 0 when both sides passed. An argument "unrestricted=1" loads the
# guest's xen-privcmd that way (default: as Linux does, restricted).
G=/tmp/hv-domu
NAME=hvdomu
LOG=/var/log/xen/console/guest-$NAME.log
bin=$(command -v test-hv-xen-domu) || {
	echo "test-hv-xen-domu not in PATH"
	exit 77
}

rm -rf $G
mkdir -p $G/root/lib/x86_64-linux-gnu $G/root/lib64
(cd $G/root && zcat /guest/initrd.gz | cpio -id 2>/dev/null)
cp "$bin" $G/root/bin/test-hv-xen-domu
for l in $(/lib64/ld-linux-x86-64.so.2 --list "$bin" |
	sed -n 's/.*=> \(\/[^ ]*\).*/\1/p'); do
	cp -L "$l" $G/root/lib/x86_64-linux-gnu/
done
cp -L /lib64/ld-linux-x86-64.so.2 $G/root/lib64/
cat >$G/root/init <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Linux refuses privcmd hypercalls in a domU unless xen-privcmd is loaded
# with unrestricted=1 (docs/hv-xen.md); the test checks either way.
# XPV_PRIVCMD on the guest's command line: "unrestricted=1" or nothing.
insmod /lib/xpv/xen-privcmd.ko $(sed -n 's/.*xpv_privcmd=\([^ ]*\).*/\1/p' /proc/cmdline)
for m in xenfs xen-evtchn xen-gntdev xen-gntalloc; do
	insmod /lib/xpv/$m.ko
done
mount -t xenfs xenfs /proc/xen
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu /bin/test-hv-xen-domu
echo "XPV-DOMU rc=$?"
while :; do sleep 3600; done
INIT
chmod +x $G/root/init
(cd $G/root && find . | cpio -o -H newc 2>/dev/null | gzip) >$G/initrd.gz

cat >$G/guest.cfg <<CFG
name = "$NAME"
kernel = "/guest/vmlinuz"
ramdisk = "$G/initrd.gz"
extra = "console=hvc0 ${1:+xpv_privcmd=$1}"
memory = 160
vcpus = 1
on_poweroff = "destroy"
CFG
rm -f $LOG
xl create -e $G/guest.cfg || {
	echo "xl create failed"
	exit 1
}
d=$(xl domid $NAME)
XPV_TEST_DOMID=$d test-hv-xen-domu
rc=$?
n=0
while ! grep -q "XPV-DOMU rc=" $LOG 2>/dev/null && [ $n -lt 60 ]; do
	sleep 1
	n=$((n + 1))
done
grep -a -E "guest|FAIL|XPV-DOMU" $LOG | grep -v "^\[" | sed 's/^/domU: /'
grep -q "XPV-DOMU rc=0" $LOG || rc=1
xl destroy $NAME
echo "domu-run: exit $rc"
exit $rc
