#!/usr/bin/env bash
# test-differential-domu.sh: the differential test with two more,
# unprivileged connections: two domUs' xenstore rings (on ours sim domains
# on a private xpv-hv, on the reference the stand-in's ring files; the same
# domids on both). Their requests meet dom0's on the same nodes, so
# permission checks (EACCES), the permission rules for missing domains,
# per-domain quotas, watch-event permission checks and the privileged
# requests refused to a domU are compared too. Hand-written cases in
# tests/xenstore/cases-domu/, then 3 seeds x 3000 requests. Under 30 s.
# The runs themselves: diff-runs.sh.
#
# Reproduce: XS_DOMU=2 tests/xenstore/differential.sh SEED|CASE.xs
set -uo pipefail
here=$(dirname "$0")
export XS_DOMU=2
# shellcheck disable=SC2086 # XS_DIFF_SEEDS is a list of seeds
exec "$here/diff-runs.sh" test-differential-domu "$here/cases-domu" \
	${XS_DIFF_SEEDS:-1 2 3}
