#!/usr/bin/env bash
# test-differential.sh: our xenstored and Debian's C xenstored 4.17 give
# the same replies and the same watch events, byte for byte, to the same
# seeded random request streams (several seeds, a few thousand requests
# each, two daemons fresh for each seed), and to the hand-written cases in
# tests/xenstore/cases/ (each a disagreement found once). Under 30 s.
# The runs themselves: diff-runs.sh.
#
# Reproduce one seed with: tests/xenstore/differential.sh SEED
# and one case with:       tests/xenstore/differential.sh CASE.xs
set -uo pipefail
here=$(dirname "$0")
# shellcheck disable=SC2086 # XS_DIFF_SEEDS is a list of seeds
exec "$here/diff-runs.sh" test-differential "$here/cases" \
	${XS_DIFF_SEEDS:-1 2 3 4 5}
