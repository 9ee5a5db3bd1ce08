#!/usr/bin/env bash
# test-runner.sh: the test runner's verdicts are right, since everything
# else's verdict goes through it: a failing, a passing, a skipped and a
# hanging test are each counted as such, a failed tier fails, and
# --summary fails when anything failed (a bug once let a failed
# `make check` exit 0).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf '#!/bin/sh\nexit 0\n' >"$tmp/t-pass"
printf '#!/bin/sh\necho broken; exit 3\n' >"$tmp/t-fail"
printf '#!/bin/sh\necho "no frobnicator here"; exit 77\n' >"$tmp/t-skip"
printf '#!/bin/sh\nsleep 30\n' >"$tmp/t-hang"
chmod +x "$tmp"/t-*

run() { RESULTS=$tmp/results BUILD=$tmp/build TEST_TIMEOUT=2 CHECK_KEEP_GOING=0 \
	"$top/tests/run-tests.sh" "$@"; }

out=$(run unit "$tmp/t-pass" "$tmp/t-skip") || fail "a passing tier exited non-zero: $out"
grep -q '^unit: 1 passed, 0 failed, 1 skipped$' <<<"$out" || fail "wrong counts: $out"
grep -q 'SKIP unit/t-skip: no frobnicator here' <<<"$out" || fail "skip reason lost: $out"
run --summary >/dev/null || fail "--summary failed with nothing failed"

out=$(run unit "$tmp/t-fail" "$tmp/t-hang") && fail "a failing tier exited 0"
grep -q 'FAIL unit/t-fail: exit 3' <<<"$out" || fail "failure not reported: $out"
grep -q 'FAIL unit/t-hang: timed out' <<<"$out" || fail "hang not reported: $out"
grep -q '    | broken' <<<"$out" || fail "failure log tail not shown: $out"

out=$(run --summary) && fail "--summary exited 0 after failures"
grep -q '^check: 1 passed, 2 failed, 1 skipped$' <<<"$out" || fail "summary counts wrong: $out"
echo "runner verdicts correct"
