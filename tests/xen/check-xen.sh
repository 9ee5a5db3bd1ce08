#!/usr/bin/env bash
# check-xen.sh: the real-Xen test tier (make check-xen).
#
# Fetches Debian's Xen 4.17, kernel and busybox into $CACHE, builds the dom0
# and domU images, and boots Xen + dom0 under QEMU once per xenstore daemon
# in XEN_XENSTORED; dom0 runs the plan (tests/xen/dom0/plan.sh) and reports
# on the serial console. Prints one line per test, appends the same line to
# $RESULTS, and fails on any failure, missing result or time-out (unless
# CHECK_KEEP_GOING=1: then the summary of `make check` fails instead).
#
# Environment:
#   XEN_TESTS       tests to run (default: the whole plan), e.g. "hv-common"
#   XEN_XENSTORED   daemons to boot with, one boot each, in order (default
#                   "xpv"): xpv = build/bin/xpv-xenstored, debian = Xen's
#                   C xenstored, the known-good reference; "xpv debian"
#                   compares them. Without xpv-xenstored built, the default
#                   reports its tests skipped and boots with debian.
#   XEN_RUN         a shell command run in dom0 once the store is up (test
#                   "run"); its output is printed
#   XEN_BREAK       break something on purpose (see selftest.sh)
#   XEN_ARGS        more options on Xen's command line (boot.sh), e.g.
#                   dom0_max_vcpus=1 for xpv-pin
#   XEN_OUT         images and serial logs (default build/xen); one run at a
#                   time uses it
#   XEN_SPLIT       tests of a whole-plan run booted in a second machine
#                   beside the first, in the first store's boot only
#                   (default: the xpv-* tests, which need nothing before
#                   them and take dom0 over; empty: one machine). Two
#                   QEMUs at once take the machine's two CPUs where one
#                   took about one (docs/testing.md, "What CI runs")
#   XEN_SELFTEST    the tests of the test bed run after a whole-plan run
#                   (default "kernel", ~10 s; empty: none); the others are
#                   left to check-xen-selftest for the budget
# Test names: xen/<store>/<test> for what depends on the store, xen/<test>
# for what tests another part (hv-*, xenbus-smoke, run: first boot only).
set -uo pipefail
source "$(dirname "$0")/common.sh"

RESULTS=${RESULTS:-$top/build/check.results}
XEN_XENSTORED=${XEN_XENSTORED:-xpv}
XEN_TESTS=${XEN_TESTS:-}
XEN_RUN=${XEN_RUN:-}
XEN_BREAK=${XEN_BREAK:-}
XEN_SPLIT=${XEN_SPLIT-xpv-create xpv-console xpv-list xpv-sched xpv-pin xpv-disk xpv-net xpv-shutdown xpv-destroy}
# The plan's test names, from the one place that lists them.
ALL_TESTS=$(awk '/^PLAN="/ { f = 1; sub(/^PLAN="/, "") }
	f { print $1 } f && /"$/ { exit }' "$top/tests/xen/dom0/plan.sh" | xargs)
# Tests of other parts, named xen/<test> and run in the first boot only.
PART_TESTS="hv-common hv-xen-dom0 hv-xen-guest hv-xen-domu xenbus-smoke run"
failed=0

has()
{
	[[ " $1 " == *" $2 "* ]]
}

# record LINE: print a result line and keep it for `make check`'s summary.
record()
{
	echo "$1"
	mkdir -p "$(dirname "$RESULTS")"
	echo "$1" >>"$RESULTS"
	[[ $1 == FAIL* ]] && failed=1
}

# full_name STORE TEST
full_name()
{
	if has "$PART_TESTS" "$2"; then
		echo "xen/$2"
	else
		echo "xen/$1/$2"
	fi
}

# record_all RES WHY STORE TESTS...: the same result for several tests.
record_all()
{
	local res=$1 why=$2 store=$3 t
	shift 3
	for t in "$@"; do record "$res $(full_name "$store" "$t"): $why"; done
}

wanted_tests()
{
	local t out=
	if [[ -n $XEN_TESTS ]]; then
		for t in $XEN_TESTS; do
			has "$ALL_TESTS" "$t" || {
				echo "check-xen: unknown test '$t'; known: $ALL_TESTS" >&2
				return 1
			}
		done
		echo "$XEN_TESTS"
		return 0
	fi
	for t in $ALL_TESTS; do
		[[ $t == run && -z $XEN_RUN ]] && continue
		out+=" $t"
	done
	echo "$out"
}

# boot_store STORE TESTS...: one boot; records a line per test.
boot_store()
{
	local store=$1
	local log="$XEN_OUT/serial-$store${XEN_BREAK:+-$XEN_BREAK}${BOOT_PART:+-$BOOT_PART}.log"
	local out line name res why t
	shift
	local args="xpv_store=$store xpv_tests=$(echo "$*" | tr ' ' ':')"
	[[ -n $XEN_BREAK ]] && args+=" xpv_break=$XEN_BREAK"
	xen_log "booting Xen with the $store store: $*"
	xen_log "serial log: $log"
	out=$("$top/tests/xen/boot.sh" "$log" "$args")
	while read -r name res why; do
		[[ $name == BOOT ]] && continue
		line="$res $(full_name "$store" "$name")"
		case $res in
		PASS) record "$line ($why)" ;;
		*) record "$line: $why" ;;
		esac
	done <<<"$out"
	# A wanted test that dom0 never announced failed with the boot.
	why=$(sed -n 's/^BOOT fail //p' <<<"$out")
	grep -q '^BOOT ' <<<"$out" || why="boot.sh stopped without a verdict"
	for t in "$@"; do
		grep -q "^$t " <<<"$out" && continue
		record "FAIL $(full_name "$store" "$t"): no result: ${why:-dom0 did not list it}"
	done
	if [[ -n $why ]]; then
		xen_log "boot with the $store store failed: $why"
	else
		xen_log "boot with the $store store: $(sed -n 's/^BOOT ok //p' <<<"$out")"
	fi
	grep -a '^  run| ' "$log" | tr -d '\r' | sed 's/^  run| //'
	xen_log "serial log kept: $log"
}

main()
{
	local wanted first=1 store tests skipped t t0
	wanted=$(wanted_tests) || exit 2
	if ! command -v qemu-system-x86_64 >/dev/null; then
		record_all SKIP "qemu-system-x86_64 not installed (make deps)" \
			debian $wanted
		return
	fi
	mkdir -p "$XEN_OUT"
	t0=$SECONDS
	if ! xen_fetch; then
		record_all FAIL "cannot fetch Xen's packages into $CACHE" \
			debian $wanted
		return
	fi
	xen_log "packages ready in $((SECONDS - t0)) s ($CACHE)"
	if [[ -n $XEN_RUN ]]; then
		printf '#!/bin/sh\n%s\n' "$XEN_RUN" >"$XEN_OUT/user-run"
	else
		rm -f "$XEN_OUT/user-run"
	fi
	if ! "$top/tests/xen/images.sh"; then
		record_all FAIL "building the dom0/domU images failed" \
			debian $wanted
		return
	fi
	for store in $XEN_XENSTORED; do
		tests=
		for t in $wanted; do
			has "$PART_TESTS" "$t" && [[ $first == 0 ]] && continue
			tests+=" $t"
		done
		[[ -z $tests ]] && continue
		if [[ $store == xpv && ! -x $BUILD/bin/xpv-xenstored ]]; then
			skipped=
			for t in $wanted; do
				has "$PART_TESTS" "$t" || skipped+=" $t"
			done
			record_all SKIP "build/bin/xpv-xenstored not built" \
				xpv $skipped
			[[ $XEN_XENSTORED == xpv ]] || continue
			xen_log "falling back on the reference store"
			store=debian
		fi
		if [[ $first == 1 ]]; then
			boot_split "$store" $tests
		else
			boot_store "$store" $tests
		fi
		first=0
	done
}

# boot_split STORE TESTS...: the tests of XEN_SPLIT among TESTS in a second
# boot beside the first (a whole-plan run only), the rest in the first.
boot_split()
{
	local store=$1 t one= two= out pid rc
	shift
	for t in "$@"; do
		if [[ -z $XEN_TESTS && -z $XEN_BREAK ]] && has "$XEN_SPLIT" "$t"; then
			two+=" $t"
		else
			one+=" $t"
		fi
	done
	if [[ -z $one || -z $two ]]; then
		boot_store "$store" "$@"
		return
	fi
	out="$XEN_OUT/boot-2.out"
	(BOOT_PART=2 boot_store "$store" $two) >"$out" 2>&1 &
	pid=$!
	boot_store "$store" $one
	wait "$pid"
	rc=$?
	cat "$out"
	[[ $rc == 0 ]] && ! grep -q '^FAIL' "$out" || failed=1
}

xen_lock

start=$SECONDS
main
if [[ -z $XEN_TESTS && -z $XEN_BREAK && -n ${XEN_SELFTEST-x} ]]; then
	CHECK_KEEP_GOING=0 RESULTS=$RESULTS "$top/tests/xen/selftest.sh" \
		${XEN_SELFTEST:-kernel} | grep -v '^    |' ||
		failed=1
fi
xen_log "took $((SECONDS - start)) s"
[[ $failed == 0 || ${CHECK_KEEP_GOING:-0} == 1 ]]
