# trace.sh - bench-blk's cycle breakdown (BENCH_BLK_TRACE=1), sourced by
# bench-blk.sh: an extra repetition of the 4 KiB jobs' (a) and (b, raw,
# persistent on), first and not in the medians, each with 0.4 s of
# `perf record -a` in its middle (disk requests, scheduling, interrupts),
# analysed by cycles.py (what a cycle is and what each figure means:
# there, and docs/performance.md, "Block"). Tracing is optional: without
# perf, or when perf cannot record tracepoints, it says so and the bench
# runs as before. BENCH_BLK_TRACE_KEEP=DIR keeps the traces (perf
# script's text, fio's thread ids) in DIR for a closer look.
# Uses bench-blk.sh's run, imgdir, runtime, jobnames, top, descendants,
# run_a, run_b; sets trace_dir (empty: no tracing) and tracing (the job
# being traced, read by run_a and guest_fio).
# shellcheck shell=bash disable=SC2154,SC2034 # shares bench-blk.sh's variables

tracing=
trace_dir=
trace_events=block:block_rq_issue,block:block_rq_complete
trace_events+=,sched:sched_switch,sched:sched_wakeup,irq:irq_handler_entry

# fio_job_tids ROOT: the thread ids of the fio job processes below ROOT
# (a fio whose parent is a fio: the one that issues the I/O).
fio_job_tids()
{
	local p ppid comm
	for p in $(descendants "$1"); do
		read -r ppid comm <<<"$(ps -o ppid=,comm= -p "$p")"
		[[ $comm == fio && $(ps -o comm= -p "$ppid") == fio ]] &&
			ls "/proc/$p/task" 2>/dev/null
	done
}

# trace_window JOB COLUMN ROOT: the whole machine's disk requests,
# scheduling and interrupts for 0.4 s in the middle of a run (64 MiB of
# buffer per CPU, so that perf loses nothing), then fio's job threads
# below ROOT. perf writes to tmpfs: a file on the disk would add
# requests of its own.
trace_window()
{
	local out=$trace_dir/$1-$2
	sleep "$(awk -v r="$runtime" 'BEGIN { s = r / 2 - 0.7; print (s > 0 ? s : 0) }')"
	perf record -q -a -m 64M -e "$trace_events" -o "$out.data" \
		-- sleep 0.4 >"$out.log" 2>&1
	fio_job_tids "$3" >"$out.tids"
}

# trace_disk DIR: "MAJ,MIN IRQ,IRQ..." of the disk DIR is on: its block
# device by df (the whole disk's, for a partition), its virtio device in
# sysfs, and that device's interrupts but the config one, by name, in
# /proc/interrupts ("-" when there is none: cycles.py then takes the irq
# most completions follow).
trace_disk()
{
	local src disk virtio irqs
	src=$(df --output=source "$1" | tail -n 1)
	disk=$(lsblk -ndo PKNAME "$src" 2>/dev/null)
	[[ -n $disk ]] || disk=$(basename "$src")
	[[ -r /sys/block/$disk/dev ]] || return 1
	virtio=$(basename "$(readlink -f "/sys/block/$disk/device")")
	irqs=$(awk -v d="$virtio-" 'index($NF, d) == 1 && $NF !~ /-config$/ {
		print $NF }' /proc/interrupts | paste -sd,)
	echo "$(tr : , <"/sys/block/$disk/dev") ${irqs:--}"
}

# trace_setup: tracing on (trace_dir set) when BENCH_BLK_TRACE=1 and perf
# can record the tracepoints here; else it says why not.
trace_setup()
{
	local disk
	[[ ${BENCH_BLK_TRACE:-} == 1 ]] || return 0
	if ! command -v perf >/dev/null; then
		echo "bench-blk: BENCH_BLK_TRACE=1 but perf is not installed" \
			"(make deps): no cycle breakdown"
		return 0
	fi
	if ! disk=$(trace_disk "$imgdir"); then
		echo "bench-blk: BENCH_BLK_TRACE=1 but $imgdir is not on a" \
			"disk's block device: no cycle breakdown"
		return 0
	fi
	read -r trace_dev trace_irqs <<<"$disk"
	trace_dir=$(mktemp -d /dev/shm/xpv-bench-blk-trace.XXXXXX) || return 0
	XPV_CLEANUP="rm -rf '$trace_dir'; $XPV_CLEANUP"
	if ! perf record -q -a -e "$trace_events" -o "$trace_dir/probe.data" \
		-- true >"$trace_dir/probe.log" 2>&1; then
		echo "bench-blk: BENCH_BLK_TRACE=1 but perf cannot record the" \
			"tracepoints ($(tail -n 1 "$trace_dir/probe.log")):" \
			"no cycle breakdown"
		trace_dir=
		return 0
	fi
	echo "bench-blk: tracing the 4 KiB jobs in an extra repetition: disk" \
		"$trace_dev, interrupts $trace_irqs"
}

# traced_repetition: (a) and (b, raw, persistent on) of each 4 KiB job,
# traced; their figures go to a results file of their own.
traced_repetition()
{
	local job results=$run/traced.results # run_a and run_b append to it
	for job in "${jobnames[@]}"; do
		[[ $job == rand* ]] || continue
		tracing=$job
		run_a traced "$job"
		run_b traced "$job" raw on
	done
	tracing=
}

# trace_report: the traced runs' IOPS and cycles.py's breakdown of them.
trace_report()
{
	local f base name args=()
	for f in "$trace_dir"/*-[ab].data; do
		[[ -f $f ]] || continue
		base=${f%.data}
		name=$(basename "$base")
		perf script -i "$f" -F cpu,time,event,trace --show-lost-events \
			>"$base.txt" 2>/dev/null
		grep -i "lost" "$base.log" | sed "s/^/bench-blk: perf ($name): /"
		args+=("${name%-*}:${name##*-}:$(paste -sd, "$base.tids"):$base.txt")
	done
	[[ ${#args[@]} -gt 0 ]] || return 0
	echo
	echo "cycle breakdown (BENCH_BLK_TRACE=1): 0.4 s of perf in the" \
		"middle of each run of an extra repetition, not in the medians"
	awk '{ v[$2] = v[$2] " " $3 " " $4 } END { for (j in v)
		print "  its IOPS, " j ":" v[j] }' "$run/traced.results" | sort
	cat <<'EOF'
  a cycle runs from one disk interrupt to the next (us): mean, p50;
  turn = interrupt -> last request of the next batch issued, disk = that
  last issue -> the next interrupt (turn + disk = cycle), first =
  interrupt -> first issue, req = requests issued per cycle, few = the
  share of cycles that issued 4 or fewer (the disk answered the first
  requests of a batch apart); other = the share of cycles in which fio's
  job (a: on the host, b: in the domain) ran on a CPU other than the one
  taking the interrupt, c-other / c-same = the mean cycle of those and
  of the rest.
EOF
	python3 "$top/backend/blkback/bench/cycles.py" --irq "$trace_irqs" \
		--dev "$trace_dev" "${args[@]}"
	if [[ -n ${BENCH_BLK_TRACE_KEEP:-} ]]; then
		mkdir -p "$BENCH_BLK_TRACE_KEEP" &&
			cp "$trace_dir"/*-[ab].txt "$trace_dir"/*-[ab].tids \
				"$BENCH_BLK_TRACE_KEEP"/ &&
			echo "bench-blk: traces kept in $BENCH_BLK_TRACE_KEEP"
	fi
}
