#!/usr/bin/env bash
# test-bench-ring.sh - the ring benchmark still runs end to end: a guest
# domain on a private xpv-hv shares a ring with dom0, and every figure
# comes out (bench-ring --guest --quick through bench-ring.sh). Checks that
# it works, not how fast. Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
xpv_need xpv-hv bench-ring

out=$(BIN=$BIN timeout 120 "$top/ring/bench/bench-ring.sh" --guest --quick 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 0 ]] || { echo "FAIL bench-ring exited $rc"; exit 1; }
grep -q 'front end in a guest domain' <<<"$out" ||
	{ echo "FAIL not run through a guest domain"; exit 1; }
for fig in 'batched req\+rsp, asleep' 'batched req\+rsp, poll 50us' \
	'round trip, asleep' 'round trip, busy-polling'; do
	grep -Eq "^$fig +[0-9.]+ (M/s|us) +[0-9.]+ (M/s|us) +[0-9.]+x$" <<<"$out" ||
		{ echo "FAIL no figure for: $fig"; exit 1; }
done
echo "PASS bench-ring ran through a guest domain and printed every figure"
