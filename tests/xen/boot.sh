#!/usr/bin/env bash
# boot.sh LOG DOM0-ARGS...: boot Xen with dom0 under QEMU (TCG), keep the
# serial console in LOG, and watch it until dom0 powers off, something
# stops it, or a deadline passes. Prints one line per test result:
#   NAME PASS|FAIL|SKIP why
# for every test dom0 announced (XPV-PLAN) and, last, "BOOT ok" or
# "BOOT fail <why>". A test that never reported gets FAIL with the reason
# the run ended. Exits 0 when the boot ran to XPV-DONE.
#
# Deadlines (seconds, environment): XEN_INIT_LIMIT for dom0 to reach /init
# (90), XEN_IDLE_LIMIT for silence on the console outside a test (90),
# XEN_BOOT_LIMIT for the whole boot (1800, a safety net: the tests' own
# limits bound a run first; a whole plan took 7-8 min on a loaded 2-vCPU
# machine before plan-xpv.sh added two guests); each test's own limit
# comes from its XPV-START line, plus 20 s for dom0 to kill it and report.
# XEN_DOM0_KERNEL replaces dom0's kernel, XEN_QEMU the emulator, and
# XEN_TEST_GRACE (20) the time dom0 gets past a test's limit to report it
# (tests of the test bed).
set -uo pipefail
source "$(dirname "$0")/common.sh"

log=$1
shift
dom0_args="$*"
INIT_LIMIT=${XEN_INIT_LIMIT:-90}
IDLE_LIMIT=${XEN_IDLE_LIMIT:-90}
BOOT_LIMIT=${XEN_BOOT_LIMIT:-1800}

xen_elf="$XEN_OUT/xen-$XEN_VER.elf"
# Unpacked aside and renamed: two boots of one run may start at once
# (check-xen.sh, XEN_SPLIT).
if [[ ! -s $xen_elf ]]; then
	gunzip -c "$CROOT/boot/xen-$XEN_VER-amd64.gz" >"$xen_elf.$$" &&
		mv "$xen_elf.$$" "$xen_elf"
fi
kernel=${XEN_DOM0_KERNEL:-$CROOT/boot/vmlinuz-$KVER}
# QEMU splits -initrd at commas: a comma inside a module's command line is
# written twice.
cmdline="console=hvc0 earlyprintk=xen loglevel=4 $dom0_args"
xen_cmd="console=com1 com1=115200,8n1 dom0_mem=512M,max:512M bootscrub=0"
xen_cmd+=" noreboot"
# XEN_ARGS: more of Xen's options, e.g. dom0_max_vcpus=1 (dom0 with fewer
# vcpus than the host has cpus; docs/testing.md).
[[ -n ${XEN_ARGS:-} ]] && xen_cmd+=" $XEN_ARGS"

: >"$log"
"${XEN_QEMU:-qemu-system-x86_64}" -accel tcg,thread=multi,tb-size=256 -machine pc \
	-cpu qemu64,+svm -smp 2 -m 2048 -display none -nodefaults \
	-no-reboot -serial "file:$log" -monitor none \
	-kernel "$xen_elf" -append "$xen_cmd" \
	-initrd "$kernel ${cmdline//,/,,},$XEN_OUT/dom0.cpio.gz" \
	</dev/null >"$log.qemu" 2>&1 &
qemu=$!
trap 'kill $qemu 2>/dev/null; wait $qemu 2>/dev/null' EXIT

start=$SECONDS
last_size=0
last_change=$SECONDS
cur_test=
cur_deadline=0
why=

# last_line: the last line dom0 or Xen printed, for the reader.
last_line()
{
	tr -d '\r' <"$log" | grep -av '^ *$' | tail -n 1 | cut -c1-160
}

# panic_line: Xen's or dom0's panic, with the line that says why (Xen
# prints its reason on the line after "Panic on CPU n:").
panic_line()
{
	tr -d '\r' <"$log" | grep -a -m1 -A1 -E \
		'Kernel panic|Panic on CPU|FATAL PAGE FAULT' |
		sed 's/^(XEN) //' | tr '\n' ' ' | cut -c1-200
}

while :; do
	now=$SECONDS
	if ! kill -0 $qemu 2>/dev/null; then
		grep -aq '^XPV-DONE' "$log" ||
			why="the machine stopped before the plan finished; last line: $(last_line)"
		break
	fi
	size=$(stat -c %s "$log")
	if [[ $size != "$last_size" ]]; then
		last_size=$size
		last_change=$now
	fi
	p=$(panic_line)
	if [[ -n $p ]]; then
		sleep 1
		why="panic: $(panic_line)"
		break
	fi
	if ! grep -aq '^XPV-INIT' "$log"; then
		if ((now - start > INIT_LIMIT)); then
			if ! grep -aq 'Xen version' "$log"; then
				why="Xen did not start within $INIT_LIMIT s (no banner)"
			else
				why="dom0 did not reach /init within $INIT_LIMIT s; last line: $(last_line)"
			fi
			break
		fi
	else
		t=$(tr -d '\r' <"$log" | grep -a '^XPV-START ' | tail -n 1)
		if [[ -n $t ]]; then
			name=$(awk '{print $2}' <<<"$t")
			if [[ $name != "$cur_test" ]]; then
				cur_test=$name
				cur_deadline=$((now + $(awk '{print $3}' <<<"$t") + ${XEN_TEST_GRACE:-20}))
			fi
			if ! tr -d '\r' <"$log" | grep -aq "^XPV-TEST $cur_test " &&
				((now > cur_deadline)); then
				why="no result for test $cur_test within its limit; dom0 stopped at: $(last_line)"
				break
			fi
		fi
	fi
	# A running test is silent until it ends: its own deadline covers it.
	running=
	[[ -n $cur_test ]] && ! tr -d '\r' <"$log" |
		grep -aq "^XPV-TEST $cur_test " && running=1
	if [[ -z $running ]] && ((now - last_change > IDLE_LIMIT)); then
		why="nothing printed for $IDLE_LIMIT s; last line: $(last_line)"
		break
	fi
	if ((now - start > BOOT_LIMIT)); then
		why="the boot took longer than $BOOT_LIMIT s; last line: $(last_line)"
		break
	fi
	sleep 1
done
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
trap - EXIT

plan=$(tr -d '\r' <"$log" | grep -a '^XPV-PLAN ' | tail -n 1 | cut -d' ' -f2-)
for name in $plan; do
	r=$(tr -d '\r' <"$log" | grep -a "^XPV-TEST $name " | tail -n 1)
	if [[ -n $r ]]; then
		cut -d' ' -f2- <<<"$r"
	else
		echo "$name FAIL no result: ${why:-dom0 never reported it}"
	fi
done
if [[ -n $why ]]; then
	echo "BOOT fail $why (after $((SECONDS - start)) s)"
	exit 1
fi
echo "BOOT ok $((SECONDS - start))s"
