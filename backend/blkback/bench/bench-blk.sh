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
# and write at iodepth 4. Printed: IOPS (4 KiB) or MiB/s (1 MiB), b/a,
# and xpv-blkback's CPU time per request (utime+stime over requests).
# BENCH_BLK_SIZE (default 512M) and BENCH_BLK_RUNTIME (seconds, default 5)
# size it. Figures, never pass/fail.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored xpv-blkback xpv-blk-domain
engine=$top/${BUILD:-build}/lib/fio-xpv-blkfront.so
[[ -f $engine ]] || xpv_skip "$engine is not built"
command -v fio >/dev/null || xpv_skip "fio is not installed (make deps)"

size=${BENCH_BLK_SIZE:-512M}
runtime=${BENCH_BLK_RUNTIME:-5}
xpv_rundir xpv-bench-blk
run=$XPV_RUN
# The image lives on the disk, not in /tmp's file system if that differs.
imgdir=${BENCH_BLK_DIR:-/var/tmp}/xpv-bench-blk.$$
mkdir -p "$imgdir"
XPV_CLEANUP="rm -rf '$imgdir'"
export XENSTORED_PATH=$run/xs.sock

jobs=(--name=randread --rw=randread --bs=4k --iodepth=32 --stonewall
	--name=randwrite --rw=randwrite --bs=4k --iodepth=32 --stonewall
	--name=read --rw=read --bs=1m --iodepth=4 --stonewall
	--name=write --rw=write --bs=1m --iodepth=4 --stonewall)
common=(--size="$size" --runtime="$runtime" --time_based
	--output-format=json)

# results FILE: "name value" per job (IOPS for 4k, MiB/s for 1m).
results()
{
	python3 - "$1" <<'PY'
import json, sys
text = open(sys.argv[1], errors="replace").read()
doc = json.loads(text[text.index("{"):text.rindex("}") + 1])
for job in doc["jobs"]:
    name = job["jobname"]
    side = job["read"] if "read" in name else job["write"]
    if name.startswith("rand"):
        print(name, "%.0f" % side["iops"])
    else:
        print(name, "%.1f" % (side["bw"] / 1024.0))
PY
}

blkback_cpu_ticks()
{
	awk '{print $14 + $15}' "/proc/${XPV_PIDS[xpv-blkback]}/stat"
}

requests()
{
	awk '{for (i = 1; i <= NF; i++) if ($i ~ /^(rd|wr|flush|discard)_req=/) { split($i, kv, "="); n += kv[2] } } END { print n + 0 }' \
		"$run/blkback.stats" 2>/dev/null
}

# guest_fio IMAGE FORMAT OUT [fio args...]: fio in a domain on IMAGE.
guest_fio()
{
	local img=$1 fmt=$2 out=$3 i domid
	shift 3
	: >"$out"
	domid=$(XPV_BLK_MEMORY_MB=256 XPV_BLK_RO_DIR=$(dirname "$engine") \
		"$BIN/xpv-blk-domain" create "$img" "$fmt" w "$out" /dev/null \
		"$(command -v fio)" --ioengine=external:"$engine" \
		--filename=xvda "$@") || return 1
	for ((i = 0; i < 1200; i++)); do
		grep -q '"disk_util"\|^fio: \|"jobs"' "$out" 2>/dev/null &&
			! pgrep -f "xvda" >/dev/null && break
		sleep 0.1
	done
	sleep 1.2 # the statistics file is rewritten every second
	GUEST_REQS=$(requests)
	"$BIN/xpv-blk-domain" destroy "$domid"
}

xpv_start_hv || exit 1
xpv_start_xenstored "$XENSTORED_PATH" || exit 1
xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0
"$BIN/xpv-blkback" --stats "$run/blkback.stats" >"$run/blkback.log" 2>&1 &
xpv_track xpv-blkback $! "$run/blkback.log"

echo "bench-blk: image $size, ${runtime}s per job, $(nproc) CPUs"
raw=$imgdir/disk.raw
fio --name=fill --rw=write --bs=1m --iodepth=8 --ioengine=io_uring \
	--direct=1 --filename="$raw" --size="$size" >/dev/null 2>&1
fio --ioengine=io_uring --direct=1 --filename="$raw" "${common[@]}" \
	"${jobs[@]}" >"$run/a.json" 2>&1
results "$run/a.json" >"$run/a.txt"

qcow=$imgdir/disk.qcow2
qemu-img create -q -f qcow2 "$qcow" "$size"
guest_fio "$qcow" qcow2 "$run/fill.json" --name=fill --rw=write --bs=1m \
	--iodepth=8 --size="$size"

for fmt in raw qcow2; do
	img=$raw
	[[ $fmt == qcow2 ]] && img=$qcow
	for pers in on off; do
		opts=pool=2048 # 8 MiB: 4 x 1 MiB in flight
		[[ $pers == off ]] && opts=$opts,no-persistent
		t0=$(blkback_cpu_ticks)
		r0=$(requests)
		XPV_BLKFRONT_OPTS=$opts guest_fio "$img" $fmt "$run/b-$fmt-$pers.json" \
			"${common[@]}" "${jobs[@]}"
		t1=$(blkback_cpu_ticks)
		results "$run/b-$fmt-$pers.json" >"$run/b-$fmt-$pers.txt" ||
			{ echo "bench-blk: fio in the domain failed:"; tail "$run/b-$fmt-$pers.json"; }
		echo "$(( (t1 - t0) * 10000 )) ${GUEST_REQS:-0}" >"$run/cpu-$fmt-$pers"
	done
done

# (c): fio in a guest of its own xpv instance, on /dev/xvda.
guest_disk_fio()
{
	local img=$1 fmt=$2 name=bench-disk-$2 cfg=$run/c-$2.cfg i
	cat >"$cfg" <<EOF
name = "$name"
memory = 256
disk = [ 'format=$fmt, vdev=xvda, access=rw, target=$img' ]
init = [ "/bin/sh", "-c", "fio --ioengine=io_uring --direct=1 --filename=/dev/xvda --size=$size --runtime=$runtime --time_based --output-format=terse ${jobs[*]} 2>&1 | cut -d';' -f3,7,8,48,49 | sed s/^/FIO-/" ]
EOF
	"$BIN/xpv" create -q "$cfg" || return 1
	for ((i = 0; i < 100 * (8 * runtime + 60); i++)); do
		"$BIN/xpv" list 2>/dev/null | grep -q "^$name " || break
		sleep 0.01
	done
	"$BIN/xpv" destroy "$name" >/dev/null 2>&1
	# terse: 3 name, 7 read KiB/s, 8 read IOPS, 48 write KiB/s, 49 IOPS
	tr -d '\r' <"$XPV_LOGDIR/console/guest-$name.log" | awk -F';' '
		/^FIO-randread;/ { print "randread", $3 }
		/^FIO-randwrite;/ { print "randwrite", $5 }
		/^FIO-read;/ { printf "read %.1f\n", $2 / 1024 }
		/^FIO-write;/ { printf "write %.1f\n", $4 / 1024 }' >"$run/c-$fmt.txt"
}

if command -v "$BIN/xpv" >/dev/null; then
	(
		export XPV_RUNDIR=$run/xpv XPV_LOGDIR=$run/xpv-log XPV_PLATFORM=sim
		export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
		"$BIN/xpv" up >/dev/null 2>&1
		guest_disk_fio "$raw" raw
		guest_disk_fio "$qcow" qcow2
		"$BIN/xpv" down >/dev/null 2>&1
	)
fi

python3 - "$run" <<'PY'
import os, sys
run = sys.argv[1]
def load(name):
    out = {}
    try:
        for line in open(os.path.join(run, name)):
            k, v = line.split()
            out[k] = float(v)
    except OSError:
        pass
    return out
a = load("a.txt")
unit = {"randread": "IOPS", "randwrite": "IOPS", "read": "MiB/s", "write": "MiB/s"}
print("%-10s %-6s %-4s %12s %12s %12s %7s %7s" % ("job", "image", "pgnt", "a (host)", "b (domain)", "c (disk)", "b/a", "c/a"))
for fmt in ("raw", "qcow2"):
    c = load("c-%s.txt" % fmt)
    for pers in ("on", "off"):
        b = load("b-%s-%s.txt" % (fmt, pers))
        for job in ("randread", "randwrite", "read", "write"):
            av, bv = a.get(job), b.get(job)
            cv = c.get(job) if pers == "on" else None
            ratio = "%.2f" % (bv / av) if av and bv else "-"
            cratio = "%.2f" % (cv / av) if av and cv else "-"
            print("%-10s %-6s %-4s %12s %12s %12s %7s %7s   %s" % (job, fmt, pers,
                  "%.1f" % av if av else "-", "%.1f" % bv if bv else "-",
                  "%.1f" % cv if cv else "-", ratio, cratio, unit[job]))
raw_on, q_on = load("b-raw-on.txt"), load("b-qcow2-on.txt")
for job in ("randread", "randwrite", "read", "write"):
    if raw_on.get(job) and q_on.get(job):
        print("qcow2/raw (b, persistent grants on) %-10s %.2f" % (job, q_on[job] / raw_on[job]))
for fmt in ("raw", "qcow2"):
    for pers in ("on", "off"):
        try:
            us, reqs = open(os.path.join(run, "cpu-%s-%s" % (fmt, pers))).read().split()
            us, reqs = float(us), float(reqs)
            if reqs:
                print("xpv-blkback CPU per request (%s, persistent %s): %.2f us (%d requests)" % (fmt, pers, us / reqs, reqs))
        except (OSError, ValueError):
            pass
PY
