#!/usr/bin/env bash
# test-fio-engine.sh - the fio engine (build/lib/fio-xpv-blkfront.so) in a
# sim domain against the real xpv-blkback, on a raw image. Each case runs
# fio to its end and checks what fio said (exit status, errors, every
# I/O done) and, where it wrote, the image from the host:
#   pattern    sequential 1 MiB writes of a known pattern at iodepth 4
#              (indirect requests): the file holds the pattern; with the
#              default pool of 2 MiB one io_u's buffer moves into it and
#              three are copied per I/O (fio-xpv-blkfront.c, "No copy")
#   verify     4 KiB random writes at iodepth 32, read back and checked
#              by fio (crc32c), persistent grants on and then off, then
#              with blkfront polling 50 us before it sleeps (poll=50),
#              then with every buffer copied (copy)
#   rate, thinktime
#              a rate-limited job, and one with think time, at iodepth
#              8: fio pauses with I/O queued, which the engine publishes
#              only when fio waits for events (xpv_commit): each job
#              ends, with every I/O answered
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=backend/blkback/tests/sim-setup.sh
. "$top/backend/blkback/tests/sim-setup.sh"
xpv_need xpv-hv xpv-xenstored xpv-blkback xpv-blk-domain
engine=$top/${BUILD:-build}/lib/fio-xpv-blkfront.so
[[ -f $engine ]] || xpv_skip "$engine is not built"
# An engine built with ASan (make asan) needs its runtime loaded first in
# the uninstrumented fio that dlopens it: preload it there, and leave fio's
# own allocations to fio (leak checking is for our code, not fio's).
asan_rt=$(ldd "$engine" | awk '/libasan/ { print $3 }')
fio_env=${asan_rt:+LD_PRELOAD=$asan_rt ASAN_OPTIONS=detect_leaks=0}
command -v fio >/dev/null || xpv_skip "fio is not installed (make deps)"
command -v xenstore-write >/dev/null || xpv_skip "xenstore-utils is not installed (make deps)"

blk_sim_setup xpv-fio-engine
blk_start_blkback

img=$run/disk.raw
truncate -s 64M "$img"

# fio_in_domain NAME FIO-ARGS...: fio to its end in a domain (120 s at
# most); its output in $run/NAME.out, its exit status in $run/NAME.rc.
fio_in_domain()
{
	local out=$run/$1.out domid i
	shift
	: >"$out"
	domid=$(XPV_BLK_MEMORY_MB=128 XPV_BLK_RO_DIR=$(dirname "$engine") \
		"$BIN/xpv-blk-domain" create "$img" raw w "$out" /dev/null \
		/bin/sh -c 'env $0 fio "$@"; echo "fio-rc=$?"' "${fio_env:-}" \
		--ioengine=external:"$engine" --filename=xvda "$@") ||
		{ fail "create"; return 1; }
	for ((i = 0; i < 1200; i++)); do
		grep -q "^fio-rc=" "$out" && break
		sleep 0.1
	done
	"$BIN/xpv-blk-domain" destroy "$domid"
	if ! grep -q "^fio-rc=0" "$out" || grep -q "err= *[1-9]\|^fio: " "$out"; then
		fail "fio failed or did not end:"
		tail -n 20 "$out" | sed 's/^/    fio: /'
		tail -n 5 "$run/blkback.log" | sed 's/^/    blkback: /'
		return 1
	fi
}

# issued OUT KIND: fio's count of completed I/Os of KIND (read, write).
issued()
{
	sed -n 's/^ *issued rwts: total=\([0-9]*\),\([0-9]*\),.*/\1 \2/p' \
		"$1" | awk -v k="$2" '{ n += (k == "read" ? $1 : $2) } END { print n + 0 }'
}

case=pattern
if fio_in_domain pattern --name=pattern --rw=write --bs=1m --iodepth=4 \
	--size=16m --buffer_pattern=0x5aa5c33c; then
	python3 - "$img" <<'PY' && pass || fail "the image does not hold fio's pattern"
import sys
want = bytes.fromhex("5aa5c33c") * (16 << 18)
with open(sys.argv[1], "rb") as f:
    sys.exit(0 if f.read(16 << 20) == want else 1)
PY
fi

for opts in pool=2048 pool=2048,no-persistent pool=2048,poll=50 \
	pool=2048,copy; do
	case="verify ($opts)"
	XPV_BLKFRONT_OPTS=$opts fio_in_domain verify --name=verify \
		--rw=randwrite --bs=4k --iodepth=32 --size=8m \
		--verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 || continue
	writes=$(issued "$run/verify.out" write)
	((writes == 2048)) && pass || fail "$writes writes (2048 wanted)"
done

case=rate
if fio_in_domain rate --name=rate --rw=randread --bs=4k --iodepth=8 \
	--size=4m --rate_iops=400 --runtime=2 --time_based; then
	reads=$(issued "$run/rate.out" read)
	((reads >= 400)) && pass || fail "$reads reads (>= 400 wanted)"
fi

case=thinktime
if fio_in_domain think --name=think --rw=randwrite --bs=4k --iodepth=8 \
	--size=4m --thinktime=2000 --thinktime_blocks=4 \
	--number_ios=400; then
	writes=$(issued "$run/think.out" write)
	((writes == 400)) && pass || fail "$writes writes (400 wanted)"
fi

((fails == 0)) || exit 1
echo "test-fio-engine: all passed"
