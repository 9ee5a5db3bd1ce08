#!/usr/bin/env bash
# run-tests.sh TIER TEST...   run each test, one line per result
# run-tests.sh --summary      print the totals of every tier run since
#                             `make check` began; fail if anything failed
#
# A test is a program or script run with no arguments from the top of the
# tree, with BUILD, BIN and CACHE in its environment. Exit 0 passes, 77 is a
# skip (the test prints why), anything else fails. Output goes to
# $BUILD/test-logs/TIER/NAME.log; a failure prints the log's tail.
# In the "fuzz" tier a test is a libFuzzer program, run for FUZZ_SECONDS on
# a copy of its seed corpus (<part>/fuzz/corpus/<name>/), FUZZ_JOBS
# (default: the CPUs) targets at once.
#
# TEST_TIMEOUT (seconds, default 300) bounds each test. With
# CHECK_KEEP_GOING=1 a failed tier still exits 0 so that `make check` runs
# the next tier; --summary then fails the run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
RESULTS=${RESULTS:-$top/build/check.results}
BUILD=${BUILD:-build}
export BUILD BIN="$top/$BUILD/bin" CACHE=${CACHE:-$top/build/cache}

summary()
{
	[[ -f "$RESULTS" ]] || { echo "check: no results recorded"; exit 1; }
	local pass fail skip
	pass=$(grep -c '^PASS' "$RESULTS")
	fail=$(grep -c '^FAIL' "$RESULTS")
	skip=$(grep -c '^SKIP' "$RESULTS")
	if [[ $fail -gt 0 ]]; then
		echo "Failed:"
		grep '^FAIL' "$RESULTS" | sed 's/^/  /'
	fi
	echo "check: $pass passed, $fail failed, $skip skipped"
	[[ $fail -eq 0 ]]
}

run_one()
{
	local tier=$1 t=$2 name log start rc secs
	name=$(basename "$t")
	log="$BUILD/test-logs/$tier/$name.log"
	mkdir -p "$(dirname "$log")"
	start=$(date +%s%N)
	if [[ $tier == fuzz ]]; then
		local seeds corpus="$BUILD/fuzz-corpus/${name#fuzz-}"
		mkdir -p "$corpus"
		for seeds in */fuzz/corpus/"${name#fuzz-}" */*/fuzz/corpus/"${name#fuzz-}"; do
			[[ -d $seeds ]] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null
		done
		timeout -k 10 $((FUZZ_SECONDS + 60)) "$t" \
			-max_total_time="${FUZZ_SECONDS:-20}" -timeout=10 \
			-print_final_stats=1 "$corpus" >"$log" 2>&1
	else
		timeout -k 10 "${TEST_TIMEOUT:-300}" "$t" >"$log" 2>&1 </dev/null
	fi
	rc=$?
	secs=$((($(date +%s%N) - start) / 100000000))
	secs="$((secs / 10)).$((secs % 10))"
	case $rc in
	0) echo "PASS $tier/$name (${secs}s)" ;;
	77) echo "SKIP $tier/$name: $(tail -n 1 "$log")" ;;
	124|137) echo "FAIL $tier/$name: timed out after ${TEST_TIMEOUT:-300}s (log: $log)"
	   tail -n 20 "$log" | sed 's/^/    | /' ;;
	*) echo "FAIL $tier/$name: exit $rc (log: $log)"
	   tail -n 20 "$log" | sed 's/^/    | /' ;;
	esac
}

[[ ${1:-} == --summary ]] && { summary; exit; }

tier=${1:?usage: run-tests.sh TIER TEST... | --summary}
shift
mkdir -p "$(dirname "$RESULTS")"
pass=0 fail=0 skip=0

record()
{
	local line=$1 first
	echo "$line"
	first=${line%%$'\n'*}
	echo "$first" >>"$RESULTS"
	case $first in
	PASS*) pass=$((pass + 1)) ;;
	SKIP*) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
}

# A fuzz target is one libFuzzer process on one CPU for a fixed time, and
# nothing in it is timed against anything: FUZZ_JOBS of them run at once
# (default: the CPUs), which halves the tier on a 2-CPU machine. Results
# print in the order given. Every other tier runs one test at a time, as
# its tests expect the machine to themselves.
run_fuzz_lanes()
{
	local lanes=${FUZZ_JOBS:-$(nproc)} out i=0 t
	out=$(mktemp -d) || exit 1
	echo "fuzz: $# targets, $lanes at a time, ${FUZZ_SECONDS:-20} s each"
	for t in "$@"; do
		while [[ $(jobs -rp | wc -l) -ge $lanes ]]; do
			wait -n
		done
		run_one "$tier" "$t" >"$out/$i" &
		i=$((i + 1))
	done
	wait
	for ((i = 0; i < $#; i++)); do
		record "$(cat "$out/$i")"
	done
	rm -rf "$out"
}

if [[ $tier == fuzz ]]; then
	run_fuzz_lanes "$@"
else
	for t in "$@"; do
		record "$(run_one "$tier" "$t")"
	done
fi
echo "$tier: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 || ${CHECK_KEEP_GOING:-0} == 1 ]]
