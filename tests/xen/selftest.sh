#!/usr/bin/env bash
# selftest.sh [CASE...]: the test of the test bed (make check-xen-selftest).
#
# Breaks something on purpose, runs check-xen.sh on Debian's store, and
# asserts that the run fails, names the fault in its output, and ends
# within the case's limit instead of hanging. Cases (default: all):
#   kernel           dom0's kernel is garbage: Xen cannot build dom0
#   init-exits       dom0's /init exits: the kernel panics
#   store-crash      the xenstore daemon crashes in dom0
#   guest-noconnect  the guest never connects its disk or NIC
# Records PASS|FAIL xen/selftest/<case> in $RESULTS, one line each.
set -uo pipefail
source "$(dirname "$0")/common.sh"

RESULTS=${RESULTS:-$top/build/check.results}
CASES=${*:-kernel init-exits store-crash guest-noconnect}
failed=0

# case_spec CASE: "tests|limit-seconds|regex the output must match"
case_spec()
{
	case $1 in
	kernel) echo "store|120|FAIL xen/debian/store: no result: (panic|Xen did not start|dom0 did not reach /init)" ;;
	init-exits) echo "store|150|FAIL xen/debian/store: no result: panic: .*(Attempted to kill init|Kernel panic)" ;;
	store-crash) echo "test-xenstore|150|FAIL xen/debian/store: .*(died|did not appear)" ;;
	guest-noconnect) echo "guest-disk|240|FAIL xen/debian/guest-disk: the guest wrote no signature on its disk" ;;
	*) return 1 ;;
	esac
}

record()
{
	echo "$1"
	echo "$1" >>"$RESULTS"
	[[ $1 == FAIL* ]] && failed=1
}

run_case()
{
	local c=$1 spec tests limit want out t0 secs bogus=
	spec=$(case_spec "$c") || {
		record "FAIL xen/selftest/$c: no such case"
		return
	}
	IFS='|' read -r tests limit want <<<"$spec"
	if [[ $c == kernel ]]; then
		bogus="$XEN_OUT/bogus-vmlinuz"
		head -c 4096 /dev/urandom >"$bogus"
	fi
	t0=$SECONDS
	out=$(XEN_DOM0_KERNEL=$bogus XEN_BREAK=$c XEN_XENSTORED=debian \
		XEN_TESTS=$tests RESULTS=/dev/null CHECK_KEEP_GOING=0 \
		timeout -k 5 $((limit + 60)) "$top/tests/xen/check-xen.sh" 2>&1)
	local rc=$?
	secs=$((SECONDS - t0))
	sed 's/^/    | /' <<<"$out"
	if [[ $rc == 0 ]]; then
		record "FAIL xen/selftest/$c: check-xen passed with $c broken"
	elif ! grep -Eq "$want" <<<"$out"; then
		record "FAIL xen/selftest/$c: output does not match /$want/"
	elif ((secs > limit)); then
		record "FAIL xen/selftest/$c: reported after ${secs}s, over ${limit}s"
	else
		record "PASS xen/selftest/$c (fault reported in ${secs}s)"
	fi
}

xen_lock
for c in $CASES; do run_case "$c"; done
[[ $failed == 0 || ${CHECK_KEEP_GOING:-0} == 1 ]]
