#!/usr/bin/env bash
# differential.sh [SEED [OPS]]: one seeded differential run, our xenstored
# against Debian's C xenstored 4.17, each on a private socket.
# differential.sh FILE.xs: the same with the requests of a hand-written
# script (tests/xenstore/cases/, format in script.h). The first
# disagreement is printed with the seed, the request index, the request,
# both transcripts and the requests before it, and appended to
# build/xenstore-diff-report.txt.
#
#   XS_A=ref   compare the reference with itself (checks the harness)
#   XS_DIFF_ARGS="--sort-dirs"   extra xs-differential options
#
# Exit 0 when both agreed on every request, 1 on a disagreement, 77 when a
# daemon is missing.
set -uo pipefail
. "$(dirname "$0")/daemons.sh"

seed=${1:-1}
ops=${2:-3000}
source=(--seed "$seed" --ops "$ops")
[[ -f $seed ]] && source=(--script "$seed")
a=${XS_A:-ours}
xs_need_ref
[[ $a == ref ]] || xs_need_ours
[[ -x $BIN/xs-differential ]] || xs_skip "$BIN/xs-differential is not built"

xs_start "$a" a || exit 1
sock_a=$XS_SOCK
xs_start ref b || exit 1
sock_b=$XS_SOCK
refs=B
[[ $a == ref ]] && refs=both

report=$XS_TOP/build/xenstore-diff-report.txt
mkdir -p "$(dirname "$report")"
# shellcheck disable=SC2086 # XS_DIFF_ARGS is a list of options
"$BIN/xs-differential" "${source[@]}" --names "$a,ref" \
	--reference "$refs" --report "$report" ${XS_DIFF_ARGS:-} \
	"$sock_a" "$sock_b"
rc=$?
for d in a b; do
	if ! xs_alive "$d"; then
		echo "differential: daemon $d ($( [[ $d == a ]] && echo "$a" || echo ref)) died; its log:"
		tail -n 20 "$XS_TMP/$d/log"
		rc=1
	fi
done
exit "$rc"
