#!/usr/bin/env bash
# test-demo.sh: `make demo` works, end to end: the guest checked every
# answer, the backend served them all, the domain powered off and was
# released, and nothing of the guest is left in the store.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$top/tests/demo.sh" 2>&1)
rc=$?
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }
[[ $rc -eq 0 ]] || fail "demo exited $rc"
grep -q 'guest: ok 100000 requests' <<<"$out" || fail "the guest's check did not pass"
grep -q 'served 100000 requests' <<<"$out" || fail "the backend did not serve every request"
grep -q 'shut down (reason 0: poweroff)' <<<"$out" || fail "no poweroff seen through VIRQ_DOM_EXC"
grep -q 'released it (@releaseDomain)' <<<"$out" || fail "no @releaseDomain"
left=$(sed -n '/what is left in the store/,$p' <<<"$out")
grep -q '^     1 = ' <<<"$left" && fail "the guest's /local/domain/1 is still in the store"
grep -q 'echo' <<<"$left" && fail "the echo device's nodes are still in the store"
echo "demo test passed"
