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
#   XS_DOMU=1  add a fourth connection, a domU's ring (xs-domconn): ours
#              then runs with domains, on a private xpv-hv
#   XS_DIFF_ARGS="--sort-dirs"   extra xs-differential options
#
# Exit 0 when both agreed on every request, 1 on a disagreement, 77 when a
# daemon is missing.
set -uo pipefail
# shellcheck source=tests/xenstore/daemons.sh
. "$(dirname "$0")/daemons.sh"

seed=${1:-1}
ops=${2:-3000}
source=(--seed "$seed" --ops "$ops")
[[ -f $seed ]] && source=(--script "$seed")
a=${XS_A:-ours}
xs_need_ref
[[ $a == ref ]] || xs_need_ours
[[ -x $BIN/xs-differential ]] || xs_skip "$BIN/xs-differential is not built"

if [[ ${XS_DOMU:-0} == 1 ]]; then
	for prog in xpv-hv xs-domconn xs-ring-relay; do
		[[ -x $BIN/$prog ]] || xs_skip "$BIN/$prog is not built"
	done
	# The domU gets the same id from both: xpv-hv allocates it for ours,
	# the reference is told it; only dom0 and it exist for either.
	if [[ $a == ours ]]; then
		xs_start_hv || exit 1
		xs_start ours-hv a || exit 1
		xs_domconn ours a-domu a || exit 1
	else
		XS_DOMID=1
		XSREF_DOMAINS=0,1 xs_start ref a || exit 1
		xs_domconn ref a-domu a 1 || exit 1
	fi
	XSREF_DOMAINS=0,$XS_DOMID xs_start ref b || exit 1
	xs_domconn ref b-domu b "$XS_DOMID" || exit 1
	source+=(--domid "$XS_DOMID")
	sock_a=${XS_SOCKS[a]},${XS_SOCKS[a-domu]}
	sock_b=${XS_SOCKS[b]},${XS_SOCKS[b-domu]}
else
	xs_start "$a" a || exit 1
	sock_a=$XS_SOCK
	xs_start ref b || exit 1
	sock_b=$XS_SOCK
fi
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
