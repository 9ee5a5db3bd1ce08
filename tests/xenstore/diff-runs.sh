#!/usr/bin/env bash
# diff-runs.sh NAME CASEDIR SEED...: the differential test's driver, for
# test-differential.sh and test-differential-domu.sh (which name the cases,
# the seeds and, with XS_DOMU, the domUs). First the harness: two
# references must agree (else the generator or the harness lost
# determinism, and nothing below would mean anything). Then one
# differential.sh run per CASEDIR/*.xs and per SEED, XS_DIFF_OPS (3000)
# requests each. Exit 0 when every run agreed, 77 when a daemon is missing.
set -uo pipefail
here=$(dirname "$0")
name=$1 cases=$2
shift 2
ops=${XS_DIFF_OPS:-3000}
fails=0 runs=0
XS_A=ref "$here/differential.sh" 1 1000
rc=$?
[[ $rc -eq 77 ]] && exit 77
if [[ $rc -ne 0 ]]; then
	echo "$name.sh: the reference disagrees with itself: a harness bug"
	exit 1
fi
for seed in "$cases"/*.xs "$@"; do
	runs=$((runs + 1))
	"$here/differential.sh" "$seed" "$ops"
	rc=$?
	[[ $rc -eq 77 ]] && exit 77
	[[ $rc -eq 0 ]] || fails=$((fails + 1))
done
echo "$name: $fails of $runs runs (cases and seeds) disagreed"
[[ $fails -eq 0 ]]
