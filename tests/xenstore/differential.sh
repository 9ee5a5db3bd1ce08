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
#   XS_DOMU=N  add N (1 or 2) domUs' rings as connections 3.. (xs-domconn):
#              ours then runs with domains, on a private xpv-hv
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

domus=${XS_DOMU:-0}
# A case that introduces a domain itself ("0 INTRODUCE {late}") gets one
# more domU, prepared but not introduced, as the last connection.
late=0
if [[ -f $seed ]] && grep -q '{late}' "$seed"; then
	late=1
	[[ $domus -gt 0 ]] || domus=1
fi
if [[ $domus -gt 0 ]]; then
	for prog in xpv-hv xs-domconn xs-ring-relay; do
		[[ -x $BIN/$prog ]] || xs_skip "$BIN/$prog is not built"
	done
	# Each domU gets the same id from both: xpv-hv allocates them for
	# ours, the reference is told; only dom0 and they exist for either.
	ids=()
	if [[ $a == ours ]]; then
		xs_start_hv || exit 1
		xs_start ours-hv a || exit 1
		for ((i = 1; i <= domus + late; i++)); do
			XS_DOMCONN_LATE=$((i > domus)) \
				xs_domconn ours "a-domu$i" a || exit 1
			ids+=("$XS_DOMID")
		done
	else
		for ((i = 1; i <= domus + late; i++)); do ids+=("$i"); done
		XS_INTRODUCE="$((domus + 1)) 0 1"
	fi
	list=$(IFS=,; echo "${ids[*]}")
	if [[ $a == ref ]]; then
		XSREF_DOMAINS=0,$list xs_start ref a || exit 1
		for ((i = 1; i <= domus + late; i++)); do
			XS_DOMCONN_LATE=$((i > domus)) \
				xs_domconn ref "a-domu$i" a "${ids[i - 1]}" || exit 1
		done
	fi
	intro=$XS_INTRODUCE
	XSREF_DOMAINS=0,$list xs_start ref b || exit 1
	sock_a=${XS_SOCKS[a]} sock_b=
	for ((i = 1; i <= domus + late; i++)); do
		XS_DOMCONN_LATE=$((i > domus)) \
			xs_domconn ref "b-domu$i" b "${ids[i - 1]}" || exit 1
		sock_a+=,${XS_SOCKS[a-domu$i]}
		sock_b+=,${XS_SOCKS[b-domu$i]}
	done
	sock_b=${XS_SOCKS[b]}$sock_b
	source+=(--domid "$list")
	if [[ $late == 1 ]]; then
		sed "s/{late}/$intro/g" "$seed" >"$XS_TMP/case.xs"
		source=(--script "$XS_TMP/case.xs" --domid "$list")
	fi
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
