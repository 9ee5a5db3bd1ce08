#!/usr/bin/env bash
# bench-xenstore.sh: `make bench-xenstore`. Our xenstored against Debian's C
# xenstored 4.17 on the same workloads in the same run, printed as ratios.
#
# Rows: read, write, directory, transaction, watch fan-out (writers with
# 100 watchers), each with 1 and 16 concurrent clients, measured by
# bench-xenstore.c beside this script (the wire protocol, one request
# outstanding per connection, as a libxenstore client has), best of
# XS_BENCH_REPEAT (3) runs of XS_BENCH_SECONDS (1) each, the two daemons
# alternating. Each row gives throughput and operations per CPU-second of
# the daemon (its user + system time in /proc while counting): on a
# machine shared with other work the second is the steadier comparison.
# Then the libxenstore path: Xen's test-xenstore -i 200 against each (the
# fastest of the 200 calls of each of its tests, in ns).
#
# Placement: on this kind of VM a wake-up across vCPUs costs ~30 us (an
# idle vCPU halts at once), and the scheduler moves a client and a daemon
# between sharing a vCPU and not, even in mid-run; a comparison of two
# daemons measured in different placements says nothing. So both daemons
# are pinned to CPU 0, and the one-client rows and test-xenstore run their
# client there too (the same placement for both daemons, every run);
# XS_BENCH_PIN=0 turns that off. The 16-client rows leave the clients free.
#
# The target in docs/performance.md is ours/ref >= 2 on every row; this
# script reports, it does not fail on a low ratio.
set -uo pipefail
# shellcheck source=tests/xenstore/daemons.sh
. "$(dirname "$0")/../../tests/xenstore/daemons.sh"

secs=${XS_BENCH_SECONDS:-1}
repeat=${XS_BENCH_REPEAT:-3}
xs_need_ref
[[ -x $BIN/bench-xenstore ]] || xs_skip "$BIN/bench-xenstore is not built"
have_ours=1
[[ -x $XS_OURS ]] || have_ours=0

xs_start ref ref || exit 1
[[ $have_ours == 1 ]] && { xs_start ours ours || exit 1; }

pin=${XS_BENCH_PIN:-1}
# on_cpu0 CMD...: run CMD on CPU 0 when pinning, else as it is.
on_cpu0()
{
	if [[ $pin == 1 ]]; then
		taskset -c 0 "$@"
	else
		"$@"
	fi
}
if [[ $pin == 1 ]]; then
	for name in ref ours; do
		[[ -n ${XPV_PIDS[$name]:-} ]] &&
			taskset -pc 0 "${XPV_PIDS[$name]}" >/dev/null
	done
fi

# measure OP CLIENTS NAME: "RATE EFFICIENCY", the best of $repeat runs of
# each: operations per second, and operations per CPU-second of the daemon.
measure()
{
	local op=$1 clients=$2 name=$3 i out rate cpu eff best=0 beff=0
	for ((i = 0; i < repeat; i++)); do
		local run=()
		((clients == 1)) && run=(on_cpu0)
		out=$("${run[@]}" "$BIN/bench-xenstore" --socket "${XS_SOCKS[$name]}" --op "$op" \
			--clients "$clients" --seconds "$secs" \
			--pid "${XPV_PIDS[$name]}") || {
			echo "bench: bench-xenstore $op $clients on $name failed: $out" >&2
			echo "0 0"
			return
		}
		rate=${out##*rate=}
		rate=${rate%% *}
		cpu=${out##*cpu=}
		cpu=${cpu%% *}
		eff=$(awk -v n="${out##*ops=}" -v c="$cpu" \
			'BEGIN { n += 0; if (c > 0) printf "%.0f", n / c; else print 0 }')
		((rate > best)) && best=$rate
		((eff > beff)) && beff=$eff
	done
	echo "$best $beff"
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else print "-" }'
}

echo "xenstore: best of $repeat x ${secs}s; ops/s (watch: events delivered/s)"
[[ $pin == 1 ]] && echo "daemons on CPU 0; one-client rows and test-xenstore with their client there too"
echo "and ops per CPU-second of the daemon (steadier on a loaded machine)"
printf '%-12s %3s | %9s %9s %6s | %9s %9s %6s\n' workload cl \
	"ours/s" "ref/s" ratio "ours/cpu" "ref/cpu" ratio
for op in read write directory transaction watch; do
	for clients in 1 16; do
		ours="- -"
		[[ $have_ours == 1 ]] && ours=$(measure "$op" "$clients" ours)
		ref=$(measure "$op" "$clients" ref)
		read -r o_rate o_eff <<<"$ours"
		read -r r_rate r_eff <<<"$ref"
		printf '%-12s %3s | %9s %9s %6s | %9s %9s %6s\n' "$op" "$clients" \
			"$o_rate" "$r_rate" "$(ratio "$o_rate" "$r_rate")" \
			"$o_eff" "$r_eff" "$(ratio "$o_eff" "$r_eff")"
	done
done

# The libxenstore path: what dom0 tools see. test-xenstore prints the
# average ns per call of each of its tests.
tx=$XS_REF_BIN/test-xenstore
if [[ -x $tx ]]; then
	echo
	echo "libxenstore (test-xenstore -i 200): fastest call in ns, lower is better"
	printf '%-12s %12s %12s %9s\n' test ours reference ref/ours
	XENSTORED_PATH=${XS_SOCKS[ref]} on_cpu0 "$tx" -i 200 >"$XS_TMP/tx.ref" 2>&1
	: >"$XS_TMP/tx.ours"
	[[ $have_ours == 1 ]] &&
		XENSTORED_PATH=${XS_SOCKS[ours]} on_cpu0 "$tx" -i 200 >"$XS_TMP/tx.ours" 2>&1
	# "read 1    : avg: 11566 ns (9488 ns .. 12756 ns)" -> "read 1|9488":
	# the fastest call, which other load on the machine disturbs least.
	avg='s/^\(.*[^ ]\) *: *avg: *[0-9]* ns (\([0-9]*\) ns.*/\1|\2/p'
	declare -A tx_ours
	while IFS='|' read -r name ns; do
		tx_ours[$name]=$ns
	done < <(sed -n "$avg" "$XS_TMP/tx.ours")
	while IFS='|' read -r name ref; do
		ours=${tx_ours[$name]:-}
		printf '%-12s %12s %12s %9s\n' "$name" "${ours:--}" "$ref" \
			"$(ratio "$ref" "${ours:-0}")"
	done < <(sed -n "$avg" "$XS_TMP/tx.ref")
fi
[[ $have_ours == 1 ]] || echo "(our xenstored is not built: only the reference was measured)"
exit 0
