printf 'name="hvx"\nkernel="/guest/vmlinuz"\nramdisk="/guest/initrd.gz"\nextra="console=hvc0 xpv_break=noconnect"\nmemory=160\nvcpus=1\non_poweroff="destroy"\n' >/tmp/hvx.cfg
xl create -e /tmp/hvx.cfg || echo "xl create failed"
d=$(xl domid hvx); f=$(xenstore-read /local/domain/$d/store/ring-ref)
echo "guest $d store frame $f"
XPV_TEST_DOMID=$d XPV_TEST_STORE_FRAME=$f test-hv-xen-guest; echo rc=$?
