#!/usr/bin/env bash
# bench-net.sh - `make bench-net`: the network on sim against veth pairs
# on a bridge, the same traffic in the same run, printed as ratios.
#
# xpv: two sim guests (xpv-netfront, their own Linux stack) on bridge
# xenbr0 through xpv-netback, so guest -> guest is netfront -> ring ->
# xpv-netback -> bridge -> xpv-netback -> ring -> netfront; guest -> dom0
# ends at the bridge's address in dom0's namespace.
# baseline: two network namespaces joined by veth pairs to a bridge in a
# third; "dom0" is the bridge's address there.
#
# dom0 -> guest is the same with iperf3 -R (dom0's side sends).
#
# Rows (iperf3, BENCH_NET_SECONDS each, default 4): TCP 1 stream, TCP 4
# streams (Gbit/s), UDP with 64-byte payloads sent as fast as iperf3 can
# (packets per second received). Each row is the median of
# BENCH_NET_REPEAT (default 5) runs of each side, xpv and baseline
# alternating, with the lowest and highest beside it, since on a VM shared
# with other work a run can lose half its time to others. Each
# xpv row also gives xpv-netback's CPU time (user + system) per packet it
# moved, over all its runs, and each TCP row the CPU seconds per GB moved
# of every process on the path, xpv against the baseline: iperf3 at both
# ends (its own figures, which take in the TCP work the kernel does in
# their system calls) plus, for xpv, xpv-netback and both xpv-netfronts.
# Less sensitive to other work on the machine than the throughput.
# BENCH_NET_PATHS (default "guest->guest guest->dom0 dom0->guest") and
# BENCH_NET_KINDS (default "tcp1 tcp4 udp64") choose the rows. This script
# reports; it does not fail on a low ratio (docs/performance.md has the
# targets).
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tests/lib.sh"
. "$top/hotplug/tests/netns.sh"
. "$top/tests/net/lib.sh"
secs=${BENCH_NET_SECONDS:-4}
repeat=${BENCH_NET_REPEAT:-5}
paths=${BENCH_NET_PATHS:-guest->guest guest->dom0 dom0->guest}
kinds=${BENCH_NET_KINDS:-tcp1 tcp4 udp64}
command -v iperf3 >/dev/null || xpv_skip "needs iperf3 (make deps)"
command -v python3 >/dev/null || xpv_skip "needs python3"
net_setup bench-net
IPERF_PIDS=()
XPV_CLEANUP="for p in \${IPERF_PIDS[@]}; do kill \$(cat \$p) 2>/dev/null; done; $XPV_CLEANUP"

echo "bench-net: median of $repeat runs of ${secs}s; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

# --- xpv ---------------------------------------------------------------
net_guest a 10.77.0.2/24 fd77::2/64 --memory 256 \
	--vif mac=00:16:3e:77:00:02,bridge=xenbr0 || exit 1
net_guest b 10.77.0.3/24 fd77::3/64 --memory 256 \
	--vif mac=00:16:3e:77:00:03,bridge=xenbr0 || exit 1
net_run b 5 '(iperf3 -s > /tmp/iperf-s.log 2>&1 &)'
iperf_server()
{
	local ns=$1 pidf=$XPV_RUN/iperf-$1.pid
	ip netns exec "$ns" iperf3 -s -D -I "$pidf" --logfile "$XPV_RUN/iperf-$ns.log"
	IPERF_PIDS+=("$pidf")
}
iperf_server "$NS0"

# --- baseline ----------------------------------------------------------
netns_new BA
netns_new BB
netns_new BR
"$BIN/xpv-netif" --netns "$BR" bridge-add brb || exit 1
ip -n "$BR" addr add 10.99.0.1/24 dev brb
for side in A B; do
	ns=B$side
	ip link add "v$side" netns "${!ns}" type veth peer name "p$side" netns "$BR"
	"$BIN/xpv-netif" --netns "$BR" attach "p$side" brb || exit 1
	ip -n "${!ns}" link set "v$side" up
done
ip -n "$BA" addr add 10.99.0.2/24 dev vA
ip -n "$BB" addr add 10.99.0.3/24 dev vB
iperf_server "$BB"
iperf_server "$BR"
ip netns exec "$BA" ping -c 1 -W 2 10.99.0.3 >/dev/null || echo "baseline: no ping"
sleep 0.5

# value KIND: the figure of iperf3's JSON on stdin.
value()
{
	python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]
r = e.get("sum_received") or e["sum"]
if sys.argv[1] == "udp64":
    print("%.0f" % (r["packets"] / r["seconds"]))
else:
    print("%.3f" % (r["bits_per_second"] / 1e9))' "$1" 2>/dev/null || echo 0
}

# cost: "BYTES CPU-SECONDS" of iperf3's JSON on stdin: the bytes received
# and the user + system time of both its ends (iperf3's own getrusage).
cost()
{
	python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]
r = e.get("sum_received") or e["sum"]
c = e["cpu_utilization_percent"]
print(r["bytes"], (c["host_total"] + c["remote_total"]) / 100 * r["seconds"])' 2>/dev/null || echo "0 0"
}

opts_of()
{
	case $1 in
	tcp1) echo "" ;;
	tcp4) echo "-P 4" ;;
	udp64) echo "-u -l 64 -b 0" ;;
	esac
}

# Ticks of xpv-netback's user + system time, and the packets its vifs
# moved (the statistics files, written once a second).
netback_ticks()
{
	awk '{print $14 + $15}' "/proc/${XPV_PIDS[xpv-netback]}/stat"
}
# The guests' xpv-netfront processes: those under our xpv-hv (other
# instances of the stack may run on the machine).
netfront_pids()
{
	local p q hv=${XPV_PIDS[xpv-hv]}
	for p in $(pgrep -x xpv-netfront); do
		q=$p
		while ((q > 1)); do
			[[ $q == "$hv" ]] && echo "$p" && break
			q=$(awk '/^PPid:/ {print $2}' "/proc/$q/status" 2>/dev/null || echo 0)
		done
	done
}
# Ticks of user + system time of xpv-netback and the netfronts.
path_ticks()
{
	local p n=0
	for p in ${XPV_PIDS[xpv-netback]} $NETFRONTS; do
		n=$((n + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$n"
}
# Each vif's counters, one "vif key value" a line.
netback_counters()
{
	local f
	for f in "$XPV_RUN"/netback/vif*; do
		[[ -f $f ]] && sed "s|^|${f##*/} |" "$f"
	done
}
# frame_size BEFORE AFTER: the bytes per packet that crossed a ring in the
# busiest direction of the busiest vif between the two counter snapshots:
# about 64 KiB when GSO frames cross the rings, the MTU's worth when
# something segments them.
frame_size()
{
	awk 'FNR == NR { v[$1 " " $2] = $3; next } { d[$1 " " $2] = $3 - v[$1 " " $2] }
		END { for (k in d) {
			split(k, a, " ")
			if (a[2] !~ /_packets$/) continue
			b = a[1] " " substr(a[2], 1, 2) "_bytes"
			if (d[k] > best) { best = d[k]; size = d[b] / d[k] }
		} printf "%.0f", size }' "$1" "$2"
}
netback_packets()
{
	cat "$XPV_RUN"/netback/vif* 2>/dev/null |
		awk '$1 == "tx_packets" || $1 == "rx_packets" {n += $2} END {print n + 0}'
}

# Not in a $(...) subshell: net_run numbers its commands in this shell.
xpv_run()
{
	local kind=$1 dest=$2
	net_run a $((secs + 30)) "iperf3 -c $dest -t $secs $(opts_of "$kind") $dir -J > /tmp/r.json 2>&1; cat /tmp/r.json"
	X=$(printf '%s\n' "$OUT" | value "$kind")
	XC=$(printf '%s\n' "$OUT" | cost)
}

base_run()
{
	local kind=$1 dest=$2
	# shellcheck disable=SC2046
	ip netns exec "$BA" iperf3 -c "$dest" -t "$secs" $(opts_of "$kind") $dir -J \
		>"$XPV_RUN/base.json" 2>/dev/null
	B=$(value "$kind" <"$XPV_RUN/base.json")
	BC=$(cost <"$XPV_RUN/base.json")
}

# median V...: the middle value (the mean of the two middle ones).
median()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# range V...: "lowest-highest", in the row's unit (Gbit/s or kpps).
range()
{
	printf '%s\n' "$@" | sort -g | awk -v k="$kind" '
		{ v[NR] = (k == "udp64") ? $1 / 1000 : $1 }
		END { printf (k == "udp64" ? "%.0f-%.0f" : "%.2f-%.2f"), v[1], v[NR] }'
}

hz=$(getconf CLK_TCK)

# per_gb "BYTES CPU-SECONDS TICKS"...: the median over the runs of the CPU
# seconds (iperf3's, plus TICKS of our daemons) per GB received.
per_gb()
{
	printf '%s\n' "$@" | awk -v hz="$hz" '$1 > 0 { print ($2 + $3 / hz) / ($1 / 1e9) }' |
		sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f", v[(NR + 1) / 2];
			else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
NETFRONTS=$(netfront_pids)
printf '%-22s %14s %12s %14s %12s %7s %15s %10s %16s\n' "" "xpv" "(range)" "baseline" "(range)" \
	"ratio" "netback ns/pkt" "ring B/pkt" "CPU s/GB xpv/b"
# dom0->guest: iperf3 -R, dom0's server sends (the rx ring's way).
for path in "guest->guest:10.77.0.3:10.99.0.3:" "guest->dom0:10.77.0.1:10.99.0.1:" \
	"dom0->guest:10.77.0.1:10.99.0.1:-R"; do
	IFS=: read -r name xdest bdest dir <<<"$path"
	[[ " $paths " == *" $name "* ]] || continue
	for kind in $kinds; do
		xs=() bs=() ticks=0 pkts=0 xcost=() bcost=()
		for ((i = 0; i < repeat; i++)); do
			sleep 1.2
			t0=$(netback_ticks)
			p0=$(netback_packets)
			pt0=$(path_ticks)
			netback_counters >"$XPV_RUN/c0"
			xpv_run "$kind" "$xdest"
			pt1=$(path_ticks)
			xs+=("$X")
			xcost+=("$XC $((pt1 - pt0))")
			sleep 1.2
			ticks=$((ticks + $(netback_ticks) - t0))
			pkts=$((pkts + $(netback_packets) - p0))
			netback_counters >"$XPV_RUN/c1"
			fs=$(frame_size "$XPV_RUN/c0" "$XPV_RUN/c1")
			base_run "$kind" "$bdest"
			bs+=("$B")
			bcost+=("$BC 0")
		done
		x=$(median "${xs[@]}")
		b=$(median "${bs[@]}")
		xr=$(range "${xs[@]}")
		br=$(range "${bs[@]}")
		ns=$(awk -v t=$ticks -v p=$pkts -v hz="$hz" \
			'BEGIN { if (p > 0) printf "%.0f", t * 1e9 / hz / p; else print "-" }')
		ratio=$(awk -v x="$x" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", x / b; else print "-" }')
		if [[ $kind == udp64 ]]; then
			xv=$(awk -v v="$x" 'BEGIN { printf "%.0f kpps", v / 1000 }')
			bv=$(awk -v v="$b" 'BEGIN { printf "%.0f kpps", v / 1000 }')
		else
			xv="$x Gbit/s"
			bv="$b Gbit/s"
		fi
		cpu="-"
		[[ $kind == udp64 ]] || cpu="$(per_gb "${xcost[@]}")/$(per_gb "${bcost[@]}")"
		printf '%-22s %14s %12s %14s %12s %7s %15s %10s %16s\n' "$name $kind" "$xv" "$xr" "$bv" "$br" \
			"$ratio" "$ns" "$fs" "$cpu"
	done
done
echo "bench-net: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
