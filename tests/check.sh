#!/usr/bin/env bash
# check.sh: what `make check` runs once `make deps` is done: every tier,
# then the summary line "check: N passed, N failed, N skipped". Every tier
# runs even when an earlier one failed; the summary fails the run.
#
# The tiers overlap where one waits while another computes (measured, see
# docs/testing.md "What CI runs"):
#   1. format-check and the fetch of the Debian packages the tests use
#      beside the build of build/ (format-check and the build must pass,
#      else the run ends, as before);
#   2. then, at once:
#      - the real-Xen tier (check-xen) in the background: QEMU emulating
#        Xen and its guests (two machines, tests/xen/check-xen.sh's
#        XEN_SPLIT), computing all along, as long as the other tiers
#        together under load; its output goes to
#        $CHECK_LOGS/check-xen.log and is printed when it ends;
#      - the sanitizer and fuzz builds in the background (their output in
#        $CHECK_LOGS/build-asan-fuzz.log, printed if they fail);
#      - the test tier in the foreground: its tests spend most of their
#        time waiting (about 0.4 CPU on average), one test at a time as
#        before;
#   3. the sanitizer tier, then the fuzz tier, in the foreground;
#   4. the wait for the real-Xen tier, its output, the summary.
# Each step prints "check: <step> took N s".
#
# Environment: MAKE, CHECK_JOBS (parallel build jobs, default the CPUs),
# CHECK_LOGS (default build/check-logs), RESULTS, CACHE.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD
MAKE=${MAKE:-make}
JOBS=${CHECK_JOBS:-$(nproc)}
LOGS=${CHECK_LOGS:-$top/build/check-logs}
RESULTS=${RESULTS:-$top/build/check.results}
export RESULTS
mk() { "$MAKE" --no-print-directory "$@"; }

# Background steps run in sessions of their own (setsid), so that one kill
# of the process group ends all they started (QEMU included) when this
# run is interrupted or ends early.
bg_pids=()
stop_background()
{
	local pid
	for pid in "${bg_pids[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null
	done
}
trap stop_background EXIT
trap 'exit 130' INT TERM

# timed NAME CMD...: run CMD, then say how long it took; CMD's status.
timed()
{
	local name=$1 t0=$SECONDS rc
	shift
	"$@"
	rc=$?
	echo "check: $name took $((SECONDS - t0)) s"
	return "$rc"
}

# background NAME LOG CMD...: start CMD in its own session, output in LOG;
# sets bg_pid. Its "took" line is written into LOG.
background()
{
	local name=$1 log=$2
	shift 2
	setsid bash -c 't0=$SECONDS; "$@"; rc=$?
		echo "check: '"$name"' took $((SECONDS - t0)) s"; exit $rc' \
		_ "$@" >"$log" 2>&1 </dev/null &
	bg_pid=$!
	bg_pids+=("$bg_pid")
}

# fail_line LINE: a step that is not a test failed; counted by the summary.
fail_line()
{
	echo "$1"
	echo "$1" >>"$RESULTS"
}

start=$SECONDS
mkdir -p "$LOGS" "$(dirname "$RESULTS")"
rm -f "$RESULTS" "$LOGS"/*.log

# 1. format-check and the fetch of Debian's packages (Xen, the kernel, the
#    reference xenstored: tests/debcache.sh) beside the build. The fetch
#    is done before the tiers start, which would otherwise fill the cache
#    at once (the test tier's reference xenstored, the real-Xen tier).
background format-check "$LOGS/format-check.log" "$MAKE" --no-print-directory format-check
fmt=$bg_pid
background "package fetch" "$LOGS/fetch.log" \
	bash -c 'source tests/xen/common.sh && xen_fetch'
fetch=$bg_pid
timed "build" mk -j"$JOBS" all
built=$?
wait "$fmt"
fmt_rc=$?
cat "$LOGS/format-check.log"
wait "$fetch" || cat "$LOGS/fetch.log"
tail -n 1 "$LOGS/fetch.log"
[[ $fmt_rc == 0 && $built == 0 ]] || exit 1

# 2. The real-Xen tier and the other builds in the background, the test
#    tier in the foreground.
background check-xen "$LOGS/check-xen.log" env CHECK_KEEP_GOING=1 \
	"$MAKE" --no-print-directory check-xen
xen=$bg_pid
echo "check: the real-Xen tier runs in the background (log: $LOGS/check-xen.log)"
background "asan and fuzz builds" "$LOGS/build-asan-fuzz.log" \
	"$MAKE" --no-print-directory -j"$JOBS" asan fuzz
builds=$bg_pid
timed "test tier" env CHECK_KEEP_GOING=1 "$MAKE" --no-print-directory test

# 3. The sanitizer and fuzz tiers, once their builds are done.
if ! wait "$builds"; then
	tail -n 40 "$LOGS/build-asan-fuzz.log"
	fail_line "FAIL build/asan-fuzz: the sanitizer or fuzz build failed (log: $LOGS/build-asan-fuzz.log)"
fi
tail -n 1 "$LOGS/build-asan-fuzz.log"
timed "sanitizer tier" env CHECK_KEEP_GOING=1 "$MAKE" --no-print-directory check-asan
timed "fuzz tier" env CHECK_KEEP_GOING=1 "$MAKE" --no-print-directory check-fuzz

# 4. The real-Xen tier's verdicts (already in $RESULTS) and output.
t0=$SECONDS
wait "$xen" ||
	fail_line "FAIL xen: the real-Xen tier exited $? (log: $LOGS/check-xen.log)"
echo "check: waited $((SECONDS - t0)) s for the real-Xen tier; its output:"
cat "$LOGS/check-xen.log"
bg_pids=()
echo "check: all tiers took $((SECONDS - start)) s"
tests/run-tests.sh --summary
