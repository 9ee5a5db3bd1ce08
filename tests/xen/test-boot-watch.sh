#!/usr/bin/env bash
# test-boot-watch.sh: how boot.sh reads a serial console, without Xen or
# QEMU. A stand-in emulator writes a scripted console (scenario in FAKE)
# and boot.sh must turn each into the right result lines, in time: a clean
# run, a test that never reports, a panic, a dom0 that never reaches /init,
# a machine that stops mid-plan, a console with CRLF line ends.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

cat >"$tmp/qemu" <<'EOF'
#!/usr/bin/env bash
# Stand-in for qemu-system-x86_64: plays scenario $FAKE on -serial file:.
prev=
for a in "$@"; do
	[[ $prev == -serial ]] && log=${a#file:}
	prev=$a
done
say() { printf '%s\r\n' "$@" >>"$log"; }
say "(XEN) Xen version 4.17.7 (stand-in)"
[[ $FAKE == noinit ]] && exec sleep 60
say "XPV-INIT dom0 /init reached" "XPV-PLAN a b c"
say "XPV-START a 5" "  a| fine" "XPV-TEST a PASS 1s"
case $FAKE in
pass)
	say "XPV-START b 5" "XPV-TEST b SKIP build/bin/b not built"
	say "XPV-START c 5" "XPV-TEST c FAIL the guest wrote no signature"
	say "XPV-DONE"
	;;
hang) say "XPV-START b 1" "  b| waiting"; exec sleep 60 ;;
panic)
	say "XPV-START b 5"
	say "[    5.4] Kernel panic - not syncing: Attempted to kill init!"
	exec sleep 60
	;;
stop) say "XPV-START b 5" ;;
esac
EOF
chmod +x "$tmp/qemu"
echo elf >"$tmp/xen-4.17.elf"

# expect SCENARIO MAX-SECONDS REGEX...: each REGEX matches a line of
# boot.sh's output, and it ends within MAX-SECONDS.
expect()
{
	local fake=$1 max=$2 out t0 secs re
	shift 2
	t0=$SECONDS
	out=$(FAKE=$fake XEN_QEMU="$tmp/qemu" XEN_OUT="$tmp" \
		XEN_DOM0_KERNEL=/dev/null XEN_INIT_LIMIT=3 XEN_IDLE_LIMIT=30 \
		XEN_BOOT_LIMIT=40 XEN_TEST_GRACE=1 \
		"$top/tests/xen/boot.sh" "$tmp/serial-$fake.log" x=y 2>&1)
	secs=$((SECONDS - t0))
	for re in "$@"; do
		grep -Eq "$re" <<<"$out" && continue
		echo "FAIL $fake: no line matches /$re/ in:"
		sed 's/^/    /' <<<"$out"
		failed=1
		return
	done
	if ((secs > max)); then
		echo "FAIL $fake: took ${secs}s, over ${max}s"
		failed=1
		return
	fi
	echo "ok   $fake (${secs}s)"
}

expect pass 10 '^a PASS 1s$' '^b SKIP build/bin/b not built$' \
	'^c FAIL the guest wrote no signature$' '^BOOT ok'
expect hang 15 '^a PASS' \
	'^b FAIL no result: no result for test b within its limit; dom0 stopped at:   b\| waiting' \
	'^c FAIL no result' '^BOOT fail'
expect panic 10 '^b FAIL no result: panic: .*Attempted to kill init' \
	'^BOOT fail panic'
expect noinit 15 '^BOOT fail dom0 did not reach /init within 3 s'
expect stop 10 '^b FAIL no result: the machine stopped before the plan finished' \
	'^c FAIL no result'
[[ $failed == 0 ]] && echo "boot.sh reads every scripted console right"
exit $failed
