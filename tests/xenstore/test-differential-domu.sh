#!/usr/bin/env bash
# test-differential-domu.sh: the differential test with two more,
# unprivileged connections: two domUs' xenstore rings (on ours sim domains
# on a private xpv-hv, on the reference the stand-in's ring files; the same
# domids on both). Their requests meet dom0's on the same nodes, so
# permission checks (EACCES), the permission rules for missing domains,
# per-domain quotas, watch-event permission checks and the privileged
# requests refused to a domU are compared too. Hand-written cases in
# tests/xenstore/cases-domu/, then 3 seeds x 3000 requests. Under 30 s.
#
# Reproduce: XS_DOMU=2 tests/xenstore/differential.sh SEED|CASE.xs
set -uo pipefail
here=$(dirname "$0")
seeds=${XS_DIFF_SEEDS:-"1 2 3"}
ops=${XS_DIFF_OPS:-3000}
export XS_DOMU=2
fails=0 runs=0
# The harness first: two references must agree (else the generator or
# the harness lost determinism, and nothing below would mean anything).
XS_A=ref "$here/differential.sh" 1 1000
rc=$?
[[ $rc -eq 77 ]] && exit 77
if [[ $rc -ne 0 ]]; then
	echo "$(basename "$0"): the reference disagrees with itself: a harness bug"
	exit 1
fi
for seed in "$here"/cases-domu/*.xs $seeds; do
	runs=$((runs + 1))
	"$here/differential.sh" "$seed" "$ops"
	rc=$?
	[[ $rc -eq 77 ]] && exit 77
	[[ $rc -eq 0 ]] || fails=$((fails + 1))
done
echo "test-differential-domu: $fails of $runs runs (cases and seeds) disagreed"
[[ $fails -eq 0 ]]
