#!/usr/bin/env bash
# bench-blk.sh - `make bench-blk`: the block path's figures, in one run.
#   (a) fio on the image file itself, io_uring, O_DIRECT (the baseline);
#   (b) fio inside a sim domain through the fio engine on blkfront
#       (build/lib/fio-xpv-blkfront.so) -> ring -> xpv-blkback -> the
#       same file, with persistent grants on and off, raw and qcow2
#       (qcow2 allocated by a first write pass);
#   (c) fio in a guest made by `xpv create` (an xpv instance of its own:
#       xpv-hv, xpv-xenstored, xpv-blkback) on /dev/xvda as the guest's
#       programs see it: io_uring, O_DIRECT on the FUSE file xpv-guest
#       serves through blkfront -> ring -> xpv-blkback -> the same file
#       (docs/block.md, "The guest's disk on sim"); persistent grants on
#       (what blkfront negotiates by default), raw and qcow2.
# Jobs: 4 KiB randread and randwrite at iodepth 32, 1 MiB sequential read
# and write at iodepth 4, each run on its own. The machine is shared, so
# the runs are interleaved: for each repetition and job, (a) and then
# every (b) and (c) configuration, one after the other; a ratio is taken
# within a repetition (b against the (a) of the same minute) and the
# median over repetitions is printed, with the range. Printed: IOPS
# (4 KiB) or MiB/s (1 MiB), b/a, c/a, qcow2/raw, and xpv-blkback's CPU
# time per request (utime+stime over the requests fio completed), how
# long a thread waited on a run queue per wake-up ((a)'s fio; in (b, raw,
# persistent on) xpv-blkback's and the guest's fio; /proc schedstat over
# the middle of the run), and the load average before and after.
# BENCH_BLK_SIZE (default 512M), BENCH_BLK_RUNTIME (seconds per run,
# default 3), BENCH_BLK_REPEAT (default 3), BENCH_BLK_JOBS (a subset of
# "randread randwrite read write"), BENCH_BLK_CONFIGS (a subset of the
# (b) configurations "raw-on raw-off qcow2-on qcow2-off"), BENCH_BLK_NO_C=1
# (skip (c)) size it. For A/B runs: BENCH_BLK_FRONT_OPTS is appended to
# the guest's XPV_BLKFRONT_OPTS (e.g. poll=0), and xpv-blkback takes
# XPV_BLKBACK_POLL_US from the environment.
# BENCH_BLK_TRACE=1 adds the 4 KiB jobs' cycle breakdown: an extra
# repetition, first and not in the medians, of (a) and (b, raw,
# persistent on), each with 0.4 s of `perf record -a` in its middle,
# analysed by cycles.py beside this script (docs/performance.md, "Block").
# Without perf, or when perf cannot record tracepoints, it says so and
# the bench runs as before.
# Figures, never pass/fail.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored xpv-blkback xpv-blk-domain
engine=$top/${BUILD:-build}/lib/fio-xpv-blkfront.so
[[ -f $engine ]] || xpv_skip "$engine is not built"
command -v fio >/dev/null || xpv_skip "fio is not installed (make deps)"

size=${BENCH_BLK_SIZE:-512M}
runtime=${BENCH_BLK_RUNTIME:-3}
repeat=${BENCH_BLK_REPEAT:-3}
read -r -a jobnames <<<"${BENCH_BLK_JOBS:-randread randwrite read write}"
read -r -a configs <<<"${BENCH_BLK_CONFIGS:-raw-on raw-off qcow2-on qcow2-off}"
xpv_rundir xpv-bench-blk
run=$XPV_RUN
# The image lives on the disk, not in /tmp's file system if that differs.
imgdir=${BENCH_BLK_DIR:-/var/tmp}/xpv-bench-blk.$$
mkdir -p "$imgdir"
XPV_CLEANUP="rm -rf '$imgdir'"
export XENSTORED_PATH=$run/xs.sock
results=$run/results # "rep job config value [cpu_us requests]" lines
# shellcheck source=backend/blkback/bench/trace.sh
. "$top/backend/blkback/bench/trace.sh"

# job_args JOB: fio's options for one job.
job_args()
{
	case $1 in
	randread) echo "--name=randread --rw=randread --bs=4k --iodepth=32" ;;
	randwrite) echo "--name=randwrite --rw=randwrite --bs=4k --iodepth=32" ;;
	read) echo "--name=read --rw=read --bs=1m --iodepth=4" ;;
	write) echo "--name=write --rw=write --bs=1m --iodepth=4" ;;
	esac
}
common=(--size="$size" --runtime="$runtime" --time_based
	--output-format=json)

# fio_result FILE: "value ios" of the one job in fio's JSON output (IOPS
# for 4k, MiB/s for 1m; the I/Os it completed), or nothing.
fio_result()
{
	python3 - "$1" <<'PY' 2>/dev/null
import json, sys
text = open(sys.argv[1], errors="replace").read()
doc = json.loads(text[text.index("{"):text.rindex("}") + 1])
job = doc["jobs"][0]
side = job["read"] if "read" in job["jobname"] else job["write"]
value = side["iops"] if job["jobname"].startswith("rand") else side["bw"] / 1024.0
print("%.1f %d" % (value, side["total_ios"]))
PY
}

blkback_cpu_ticks()
{
	awk '{print $14 + $15}' "/proc/${XPV_PIDS[xpv-blkback]}/stat"
}

# sched_sample PID...: "run_delay_ns wakeups" summed over the threads of
# PIDs (/proc/PID/task/*/schedstat: time on CPU, time waiting on a run
# queue, times run).
sched_sample()
{
	local p
	for p in "$@"; do
		cat /proc/"$p"/task/*/schedstat 2>/dev/null
	done | awk '{ d += $2; n += $3 } END { printf "%.0f %.0f\n", d, n }'
}

# waited REP JOB CONFIG PIDS...: the run-queue wait per wake-up of PIDS'
# threads over the middle of a run (from 1 s in to 1 s before its end),
# as a "wait" line of the results.
waited()
{
	local rep=$1 job=$2 cfg=$3 d0 n0 d1 n1
	shift 3
	((runtime >= 3)) || return 0
	sleep 1
	read -r d0 n0 <<<"$(sched_sample "$@")"
	sleep $((runtime - 2))
	read -r d1 n1 <<<"$(sched_sample "$@")"
	((n1 > n0)) && echo "$rep $job wait-$cfg $(((d1 - d0) / (n1 - n0)))" \
		>>"$results"
}

# descendants PID: every process below PID (a domain's are below xpv-hv).
descendants()
{
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# run_a REP JOB
run_a()
{
	local out=$run/a.json args pid
	read -r -a args <<<"$(job_args "$2")"
	fio --ioengine=io_uring --direct=1 --filename="$raw" "${common[@]}" \
		"${args[@]}" >"$out" 2>&1 &
	pid=$!
	sleep 0.5 # fio forks its job process
	if [[ -n $tracing ]]; then
		trace_window "$2" a "$pid"
	else
		# shellcheck disable=SC2046
		waited "$1" "$2" a-fio $(pgrep -P "$pid") "$pid"
	fi
	wait "$pid"
	echo "$1 $2 a $(fio_result "$out")" >>"$results"
}

# guest_fio IMAGE FORMAT OUT [fio args...]: fio in a domain on IMAGE, to
# its end; with WAIT_TAG set ("rep job"), the run-queue waits of
# xpv-blkback's threads and of the guest's fio are sampled meanwhile.
guest_fio()
{
	local img=$1 fmt=$2 out=$3 i domid
	shift 3
	: >"$out"
	domid=$(XPV_BLK_MEMORY_MB=256 XPV_BLK_RO_DIR=$(dirname "$engine") \
		"$BIN/xpv-blk-domain" create "$img" "$fmt" w "$out" /dev/null \
		/bin/sh -c 'fio "$@"; echo "fio-rc=$?"' sh \
		--ioengine=external:"$engine" --filename=xvda "$@") || return 1
	if [[ -n ${WAIT_TAG:-} ]]; then
		# shellcheck disable=SC2086
		waited $WAIT_TAG blkback "${XPV_PIDS[xpv-blkback]}" &
		i=$!
		sleep 0.5
		# shellcheck disable=SC2046,SC2086
		waited $WAIT_TAG guest-fio $(descendants "${XPV_PIDS[xpv-hv]}")
		wait "$i"
	elif [[ -n $tracing ]]; then
		sleep 0.5
		trace_window "$tracing" b "${XPV_PIDS[xpv-hv]}"
	fi
	for ((i = 0; i < 100 * (runtime + 60); i++)); do
		grep -q "^fio-rc=" "$out" 2>/dev/null && break
		sleep 0.01
	done
	"$BIN/xpv-blk-domain" destroy "$domid"
}

# run_b REP JOB FORMAT PERSISTENT(on|off)
run_b()
{
	local rep=$1 job=$2 fmt=$3 pers=$4 img=$raw out=$run/b.json
	local opts=pool=2048 t0 t1 args res # 8 MiB: 4 x 1 MiB in flight
	[[ $fmt == qcow2 ]] && img=$qcow
	[[ $pers == off ]] && opts=$opts,no-persistent
	opts=$opts${BENCH_BLK_FRONT_OPTS:+,$BENCH_BLK_FRONT_OPTS}
	read -r -a args <<<"$(job_args "$job")"
	t0=$(blkback_cpu_ticks)
	local tag= # the waits of one configuration are enough
	[[ $fmt-$pers == raw-on && -z $tracing ]] && tag="$rep $job"
	XPV_BLKFRONT_OPTS=$opts WAIT_TAG=$tag guest_fio "$img" "$fmt" "$out" \
		"${common[@]}" "${args[@]}"
	t1=$(blkback_cpu_ticks)
	res=$(fio_result "$out")
	if [[ -z $res ]]; then
		echo "bench-blk: fio in the domain failed ($job $fmt $pers):"
		tail -n 5 "$out"
		return
	fi
	# the CPU of the whole run, setup included, over its requests: the
	# handshake costs xpv-blkback about a millisecond
	echo "$rep $job b-$fmt-$pers $res $(((t1 - t0) * 10000))" >>"$results"
}

# run_c REP JOB FORMAT: fio in a guest of its own xpv instance, on
# /dev/xvda.
run_c()
{
	local rep=$1 job=$2 fmt=$3 name=bench-disk-$3 cfg=$run/c.cfg i img=$raw
	local log
	[[ $fmt == qcow2 ]] && img=$qcow
	cat >"$cfg" <<EOF
name = "$name"
memory = 256
disk = [ 'format=$fmt, vdev=xvda, access=rw, target=$img' ]
init = [ "/bin/sh", "-c", "fio --ioengine=io_uring --direct=1 --filename=/dev/xvda --size=$size --runtime=$runtime --time_based --output-format=terse $(job_args "$job") 2>&1 | cut -d';' -f3,7,8,48,49 | sed s/^/FIO-/" ]
EOF
	log=$XPV_LOGDIR/console/guest-$name.log
	rm -f "$log"
	"$BIN/xpv" create -q "$cfg" || return 1
	for ((i = 0; i < 100 * (runtime + 60); i++)); do
		"$BIN/xpv" list 2>/dev/null | grep -q "^$name " || break
		sleep 0.01
	done
	"$BIN/xpv" destroy "$name" >/dev/null 2>&1
	# terse: 3 name, 7 read KiB/s, 8 read IOPS, 48 write KiB/s, 49 IOPS
	tr -d '\r' <"$log" | awk -F';' -v rep="$rep" -v cfg="c-$fmt" '
		/^FIO-randread;/ { print rep, "randread", cfg, $3 }
		/^FIO-randwrite;/ { print rep, "randwrite", cfg, $5 }
		/^FIO-read;/ { printf "%s read %s %.1f\n", rep, cfg, $2 / 1024 }
		/^FIO-write;/ { printf "%s write %s %.1f\n", rep, cfg, $4 / 1024 }' \
		>>"$results"
}

xpv_start_hv || exit 1
xpv_start_xenstored "$XENSTORED_PATH" || exit 1
xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
"$BIN/xpv-blkback" --stats "$run/blkback.stats" >"$run/blkback.log" 2>&1 &
xpv_track xpv-blkback $! "$run/blkback.log"

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-blk: image $size, ${runtime}s per run, $repeat repetitions," \
	"$(nproc) CPUs, load average $load0"
raw=$imgdir/disk.raw
fio --name=fill --rw=write --bs=1m --iodepth=8 --ioengine=io_uring \
	--direct=1 --filename="$raw" --size="$size" >/dev/null 2>&1
qcow=$imgdir/disk.qcow2
qemu-img create -q -f qcow2 "$qcow" "$size"
guest_fio "$qcow" qcow2 "$run/fill.json" --name=fill --rw=write --bs=1m \
	--iodepth=8 --size="$size"

with_c=
if [[ -z ${BENCH_BLK_NO_C:-} ]] && command -v "$BIN/xpv" >/dev/null; then
	with_c=1
	XPV_RUNDIR_C=$run/xpv
	(
		export XPV_RUNDIR=$XPV_RUNDIR_C XPV_PLATFORM=sim
		export XPV_LOGDIR=$run/xpv-log
		export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
		"$BIN/xpv" up >/dev/null 2>&1
	)
	# down before the directories go
	XPV_CLEANUP="XPV_RUNDIR=$XPV_RUNDIR_C XPV_LOGDIR=$run/xpv-log \
		XPV_PLATFORM=sim XENSTORED_PATH=$XPV_RUNDIR_C/xenstored/socket \
		'$BIN/xpv' down >/dev/null 2>&1; $XPV_CLEANUP"
fi

trace_setup
[[ -n $trace_dir ]] && traced_repetition

for ((rep = 1; rep <= repeat; rep++)); do
	for job in "${jobnames[@]}"; do
		run_a "$rep" "$job"
		for cfg in "${configs[@]}"; do
			run_b "$rep" "$job" "${cfg%-*}" "${cfg#*-}"
		done
		[[ -n $with_c ]] && for fmt in raw qcow2; do
			(
				export XPV_RUNDIR=$XPV_RUNDIR_C XPV_PLATFORM=sim
				export XPV_LOGDIR=$run/xpv-log
				export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
				run_c "$rep" "$job" "$fmt"
			)
		done
	done
	echo "bench-blk: repetition $rep of $repeat done," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

python3 - "$results" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import statistics, sys
from collections import defaultdict
val = defaultdict(dict)  # (job, cfg) -> rep -> value
cpu = defaultdict(list)  # (job, cfg) -> us per request
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 4:
        continue
    rep, job, cfg, v = f[0], f[1], f[2], float(f[3])
    val[(job, cfg)][rep] = v
    if len(f) >= 6 and int(f[4]) > 0:
        cpu[(job, cfg)].append(int(f[5]) / int(f[4]))

def med(xs):
    return statistics.median(xs) if xs else None

def ratio(num, den):
    """Median and range of num/den taken within each repetition."""
    rs = [num[r] / den[r] for r in num if r in den and den[r]]
    if not rs:
        return "-", ""
    return "%.2f" % med(rs), "%.2f-%.2f" % (min(rs), max(rs))

def fmt(x):
    return "%.1f" % x if x is not None else "-"

unit = {"randread": "IOPS", "randwrite": "IOPS", "read": "MiB/s", "write": "MiB/s"}
jobs = [j for j in unit if any(k[0] == j for k in val)]
print("medians of %d repetitions; a ratio is the median of the ratios within each repetition (range)" %
      max((len(v) for v in val.values()), default=0))
print("%-10s %-6s %-4s %10s %10s %10s %16s %16s %6s" % (
    "job", "image", "pgnt", "a (host)", "b (domain)", "c (disk)", "b/a", "c/a", "unit"))
for fmt_ in ("raw", "qcow2"):
    for pers in ("on", "off"):
        for job in jobs:
            a = val.get((job, "a"), {})
            b = val.get((job, "b-%s-%s" % (fmt_, pers)), {})
            c = val.get((job, "c-%s" % fmt_), {}) if pers == "on" else {}
            ba, bar = ratio(b, a)
            ca, car = ratio(c, a)
            print("%-10s %-6s %-4s %10s %10s %10s %16s %16s %6s" % (
                job, fmt_, pers, fmt(med(list(a.values()))), fmt(med(list(b.values()))),
                fmt(med(list(c.values()))), "%s (%s)" % (ba, bar) if bar else ba,
                "%s (%s)" % (ca, car) if car else ca, unit[job]))
for pers in ("on", "off"):
    for job in jobs:
        r, rr = ratio(val.get((job, "b-qcow2-%s" % pers), {}), val.get((job, "b-raw-%s" % pers), {}))
        if rr:
            print("qcow2/raw (b, persistent grants %-3s) %-10s %s (%s)" % (pers, job, r, rr))
for fmt_ in ("raw", "qcow2"):
    for pers in ("on", "off"):
        row = ["%s %s us" % (job, fmt(med(cpu.get((job, "b-%s-%s" % (fmt_, pers)), []))))
               for job in jobs]
        print("xpv-blkback CPU per request (%s, persistent %s): %s" % (fmt_, pers, ", ".join(row)))
for job in jobs:
    w = [med(list(val.get((job, "wait-" + k), {}).values())) for k in ("a-fio", "blkback", "guest-fio")]
    if any(x is not None for x in w):
        print("run-queue wait per wake-up, us (%-9s): (a) fio %s; (b, raw, on) xpv-blkback %s, the guest's fio %s" % (
            job, *("%.0f" % (x / 1000) if x is not None else "-" for x in w)))
print("load average: %s before, %s after" % (sys.argv[2], sys.argv[3]))
PY
[[ -z $trace_dir ]] || trace_report
