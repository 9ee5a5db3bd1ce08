#!/usr/bin/env bash
# test-blkback-sim.sh - xpv-blkback end to end on sim, with real processes:
# xpv-hv, xpv-xenstored, xpv-blkback, and guests (xpv-blk-guest, blkfront
# in a sim domain) made by xpv-blk-domain. Each case checks the image
# independently of xpv-blkback (raw: cmp against the expected bytes;
# qcow2: qemu-img convert + cmp, qemu-img check) and what the guest said:
#   raw        writes land in the raw file; read back; info negotiated
#   qcow2      writes land in a qcow2 image; qemu-img check clean
#   copy       the same without persistent grants (grant copy), no
#              indirect (a 1 MiB I/O split into 24 requests), two
#              queues, a 4-page ring
#   readonly   mode=r refuses writes, reads work
#   discard    discard frees the file's blocks, reads as zeros
#   flush-kill a flush answered, then xpv-blkback killed -9: every flushed
#              write is in the image
#   restart    xpv-blkback killed -9 and restarted while the guest streams
#              writes with 16 in flight: the restarted daemon resumes the
#              guest's ring from its queue's log (the guest sees nothing);
#              every write completed exactly once and is in the image
#   restart-term  the same with SIGTERM: exit 0, the logs kept, resumed
#   restart-refused  the same with the log's magic overwritten before the
#              restart: the daemon logs why it refused the log, the
#              guest connects again; every write completed, in the image
#   reattach   the disk unplugged and plugged again under a running guest
#   idle       a connected device whose guest stopped doing I/O costs
#              xpv-blkback no CPU: its queue threads' polling ended
#              (their time on a CPU and runnable over 2 s, from
#              schedstat, well under what a spinning thread shows)
#   hostile    a seeded hostile frontend; another domain's writes go on
#   hostile-mq multi-queue connects failing at every queue i of every N
#              up to multi-queue-max-queues (4 here), and N past it: the
#              device closes with its error each time, xpv-blkback stays
#              up, another domain's writes go on during and after
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=backend/blkback/tests/sim-setup.sh
. "$top/backend/blkback/tests/sim-setup.sh"
xpv_need xpv-hv xpv-xenstored xpv-blkback xpv-blk-guest xpv-blk-domain
command -v qemu-img >/dev/null || xpv_skip "qemu-img is not installed (make deps)"
command -v xenstore-write >/dev/null || xpv_skip "xenstore-utils is not installed (make deps)"

blk_sim_setup xpv-blk
start_blkback()
{
	blk_start_blkback --max-queues 4 --poll-us 50
}
start_blkback

# expected FILE OFF LEN SEED: the guest's pattern (blk-guest.c) into FILE.
expected()
{
	python3 "$top/backend/blkback/tests/blk_pattern.py" expected "$@"
}

# image_holds IMAGE FORMAT OFF LEN SEED
image_holds()
{
	local img=$1 fmt=$2 off=$3 len=$4 seed=$5 raw=$1
	if [[ $fmt == qcow2 ]]; then
		raw=$run/convert.raw
		qemu-img convert -U -O raw "$img" "$raw" || return 1
	fi
	expected "$run/want" "$off" "$len" "$seed"
	cmp -s -i "$off:0" -n "$len" "$raw" "$run/want"
}

guest() { blk_guest "$@"; }

new_raw() { rm -f "$1"; truncate -s 64M "$1"; }
new_qcow2() { rm -f "$1"; qemu-img create -q -f qcow2 "$1" 64M; }

case=raw
new_raw "$run/a.img"
if guest raw "$run/a.img" raw w info write:0:64k:1 write:1m:1m:2 \
	read:0:64k:1 read:1m:1m:2 flush; then
	image_holds "$run/a.img" raw 0 65536 1 && image_holds "$run/a.img" raw 1048576 1048576 2 &&
		grep -q "persistent=1 indirect=256" "$log" && pass ||
		fail "bytes not in the file, or features not negotiated: $(grep info "$log")"
fi

case=qcow2
new_qcow2 "$run/b.qcow2"
if guest qcow2 "$run/b.qcow2" qcow2 w write:0:64k:3 write:5m:1m:4 \
	write:4k:4k:5 read:5m:1m:4 flush; then
	if image_holds "$run/b.qcow2" qcow2 5242880 1048576 4 &&
		image_holds "$run/b.qcow2" qcow2 4096 4096 5 &&
		qemu-img check -q "$run/b.qcow2"; then pass; else fail "qcow2 image wrong or not check-clean"; fi
fi

case=copy
new_raw "$run/c.img"
if guest copy "$run/c.img" raw w --no-persistent --no-indirect --queues 2 \
	--order 2 info write:0:40k:6 write:8m:44k:7 read:8m:44k:7 \
	write:12m:1m:8 read:12m:1m:8 flush; then
	image_holds "$run/c.img" raw 8388608 45056 7 &&
		image_holds "$run/c.img" raw 12582912 1048576 8 &&
		grep -q "persistent=0 indirect=0 queues=2 order=2" "$log" && pass ||
		fail "$(grep info "$log")"
fi

case=readonly
expected "$run/ro.img" 0 4194304 8
if guest readonly "$run/ro.img" raw r info read:0:1m:8 denied:0 denied:1m; then
	image_holds "$run/ro.img" raw 0 4194304 8 && grep -q "readonly=1" "$log" &&
		pass || fail "the read-only image changed"
fi

case=discard
new_raw "$run/d.img"
if guest discard "$run/d.img" raw w write:0:4m:9 flush; then
	before=$(stat -c %b "$run/d.img")
	if guest discard2 "$run/d.img" raw w discard:0:4m zero:0:4m flush; then
		after=$(stat -c %b "$run/d.img")
		((after + 8192 <= before)) && pass ||
			fail "blocks $before -> $after: 4 MiB not freed"
	fi
fi

# stream_holds IMAGE FORMAT OFF N SEED: block i (4 KiB at OFF + 4096 i)
# holds the pattern of SEED + i (blk-guest.c's stream).
stream_holds()
{
	local img=$1 fmt=$2 raw=$1
	if [[ $fmt == qcow2 ]]; then
		raw=$run/convert.raw
		qemu-img convert -U -O raw "$img" "$raw" || return 1
	fi
	python3 "$top/backend/blkback/tests/blk_pattern.py" stream "$raw" "$3" "$4" "$5"
}

# wait_log FILE TEXT: up to 60 s.
wait_log()
{
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# A guest in the background, its stdin a FIFO ($run/NAME.in).
guest_bg()
{
	local name=$1 img=$2 fmt=$3 mode=$4
	shift 4
	log=$run/$name.log
	: >"$log"
	rm -f "$run/$name.in"
	mkfifo "$run/$name.in"
	domid=$("$BIN/xpv-blk-domain" create "$img" "$fmt" "$mode" "$log" \
		"$run/$name.in" "$BIN/xpv-blk-guest" "$@")
}

for fmt in raw qcow2; do
	case=flush-kill-$fmt
	img=$run/fk.$fmt
	if [[ $fmt == raw ]]; then new_raw "$img"; else new_qcow2 "$img"; fi
	guest_bg fk "$img" $fmt w write:0:1m:11 write:3m:64k:12 write:2m:4k:13 flush wait
	if wait_log "$log" waiting; then
		kill -9 "${XPV_PIDS[xpv-blkback]}"
		wait "${XPV_PIDS[xpv-blkback]}" 2>/dev/null
		if image_holds "$img" $fmt 0 1048576 11 && image_holds "$img" $fmt 3145728 65536 12 &&
			image_holds "$img" $fmt 2097152 4096 13; then
			if [[ $fmt == raw ]] || qemu-img check -q "$img" || [[ $? == 3 ]]; then
				pass
			else
				fail "qemu-img check found errors after the kill"
			fi
		else
			fail "a flushed write is missing after kill -9"
		fi
	else
		fail "the guest did not reach its flush"; sed 's/^/    guest: /' "$log"
	fi
	"$BIN/xpv-blk-domain" destroy "$domid"
	start_blkback
done

case=restart
new_raw "$run/r.img"
guest_bg restart "$run/r.img" raw w mark:start stream:0:16000:20 info flush
if wait_log "$log" "ok mark:start"; then
	sleep 0.05
	kill -9 "${XPV_PIDS[xpv-blkback]}"
	wait "${XPV_PIDS[xpv-blkback]}" 2>/dev/null
	sleep 0.5
	start_blkback
	wait_log "$log" "guest: done" || true
	if ! grep -q "guest: done failures=0" "$log"; then
		fail "the guest said:"; sed 's/^/    guest: /' "$log"
	elif ! grep -q "resumed the connection" "$run/blkback.log"; then
		fail "the restarted daemon did not resume the ring: $(grep info "$log")"
		# what the daemons said of the device (a refused resume says why)
		grep -E "resum|vbd/$domid/" "$run/blkback.log" | tail -n 12 | sed 's/^/    blkback: /'
	elif out=$(stream_holds "$run/r.img" raw 0 16000 20); then
		pass
	else
		fail "after the restart: $out"
	fi
fi
"$BIN/xpv-blk-domain" destroy "$domid"

# The same with SIGTERM: the daemon finishes what it submitted and keeps
# its logs (the device stays Connected in the store); the next resumes.
case=restart-term
new_raw "$run/rt.img"
guest_bg restart-term "$run/rt.img" raw w mark:start stream:0:16000:21 info flush
if wait_log "$log" "ok mark:start"; then
	sleep 0.05
	resumed=$(grep -c "resumed the connection" "$run/blkback.log")
	kill -TERM "${XPV_PIDS[xpv-blkback]}"
	wait "${XPV_PIDS[xpv-blkback]}"
	rc=$?
	start_blkback
	wait_log "$log" "guest: done" || true
	if ((rc != 0)); then
		fail "xpv-blkback exited $rc on SIGTERM under a connected guest"
	elif ! grep -q "guest: done failures=0" "$log"; then
		fail "the guest said:"; sed 's/^/    guest: /' "$log"
	elif (($(grep -c "resumed the connection" "$run/blkback.log") <= resumed)); then
		fail "the daemon started after SIGTERM did not resume the ring"
	elif out=$(stream_holds "$run/rt.img" raw 0 16000 21); then
		pass
	else
		fail "after the restart: $out"
	fi
fi
"$BIN/xpv-blk-domain" destroy "$domid"

# A log that does not fit (its magic overwritten while no daemon ran): the
# restarted daemon refuses it and says why in one line (the queue, the
# log, the reason); the device goes back to InitWait, and our blkfront
# connects again and sends again what it had in flight.
case=restart-refused
new_raw "$run/rr.img"
guest_bg restart-refused "$run/rr.img" raw w mark:start stream:0:16000:22 info flush
if wait_log "$log" "ok mark:start"; then
	sleep 0.05
	kill -9 "${XPV_PIDS[xpv-blkback]}"
	wait "${XPV_PIDS[xpv-blkback]}" 2>/dev/null
	rlog=$(echo "$run"/blkback-*-"$domid"-*-q0.log)
	printf 'BAD!' | dd of="$rlog" conv=notrunc status=none
	start_blkback
	wait_log "$log" "guest: done" || true
	said="queue 0: not resuming from $rlog: bad magic: not a resume log (Invalid argument); waiting for the frontend to reconnect"
	if ! grep -qF "$said" "$run/blkback.log"; then
		fail "the restarted daemon did not say why it refused the log:"
		grep -E "resum|vbd/$domid/" "$run/blkback.log" | tail -n 12 | sed 's/^/    blkback: /'
	elif ! grep -q "guest: done failures=0" "$log"; then
		fail "the guest said:"; sed 's/^/    guest: /' "$log"
	elif out=$(stream_holds "$run/rr.img" raw 0 16000 22); then
		pass
	else
		fail "after the reconnection: $out"
	fi
fi
"$BIN/xpv-blk-domain" destroy "$domid"

case=reattach
new_raw "$run/t.img"
guest_bg reattach "$run/t.img" raw w write:0:64k:30 flush wait read:0:64k:30 \
	write:64k:64k:31 flush
if wait_log "$log" waiting; then
	"$BIN/xpv-blk-domain" unplug "$domid"
	sleep 0.5
	"$BIN/xpv-blk-domain" plug "$domid" "$run/t.img" raw w
	echo go >"$run/reattach.in"
	wait_log "$log" "guest: done" || true
	grep -q "guest: done failures=0" "$log" && image_holds "$run/t.img" raw 65536 65536 31 &&
		pass || { fail "the guest said:"; sed 's/^/    guest: /' "$log"; }
fi
"$BIN/xpv-blk-domain" destroy "$domid"

# Time (ns) xpv-blkback's threads spent on a CPU or waiting for one: a
# thread that spins is one or the other all the time, whatever the load.
blkback_busy_ns()
{
	local f total=0 run wait
	for f in /proc/"${XPV_PIDS[xpv-blkback]}"/task/*/schedstat; do
		read -r run wait _ <"$f" || continue
		total=$((total + run + wait))
	done
	echo $total
}

case=idle
new_raw "$run/i.img"
guest_bg idle "$run/i.img" raw w write:0:1m:35 read:0:1m:35 flush wait \
	read:0:64k:35
if wait_log "$log" waiting; then
	sleep 0.2 # past the polling bound (at most 1 ms) of the last turn
	b0=$(blkback_busy_ns)
	sleep 2
	b1=$(blkback_busy_ns)
	echo go >"$run/idle.in"
	wait_log "$log" "guest: done" || true
	busy_ms=$(((b1 - b0) / 1000000))
	if ((busy_ms > 200)); then
		fail "xpv-blkback was running or runnable ${busy_ms} ms of 2 s with its device idle"
	elif ! grep -q "guest: done failures=0" "$log"; then
		fail "the guest said:"; sed 's/^/    guest: /' "$log"
	else
		echo "    xpv-blkback busy ${busy_ms} ms of 2 s idle"
		pass
	fi
fi
"$BIN/xpv-blk-domain" destroy "$domid"

# A seeded hostile frontend (xpv-blk-hostile) against the daemon while a
# second domain streams writes and checks every one.
case=hostile
xpv_need xpv-blk-hostile
new_raw "$run/h.img"
new_raw "$run/s.img"
guest_bg steady "$run/s.img" raw w mark:start stream:0:6000:50 stream:0:6000:51 \
	stream:0:6000:52 info flush
steady=$domid steady_log=$log
hlog=$run/hostile.log
: >"$hlog"
hostile=$("$BIN/xpv-blk-domain" create "$run/h.img" raw w "$hlog" /dev/null \
	"$BIN/xpv-blk-hostile" "${HOSTILE_SEED:-7}" 400)
wait_log "$hlog" "hostile: done" || true
wait_log "$steady_log" "guest: done" || true
if ! xpv_alive xpv-blkback; then
	fail "xpv-blkback died"
elif ! grep -q "hostile: done failures=0" "$hlog"; then
	fail "the hostile guest said:"; sed 's/^/    hostile: /' "$hlog" | tail -n 20
elif ! grep -q "guest: done failures=0" "$steady_log"; then
	fail "the other domain's I/O failed:"; sed 's/^/    guest: /' "$steady_log"
elif ! out=$(stream_holds "$run/s.img" raw 0 6000 52); then
	fail "the other domain's writes: $out"
else
	echo "    $(grep 'hostile: done' "$hlog")"
	pass
fi
"$BIN/xpv-blk-domain" destroy "$hostile"
"$BIN/xpv-blk-domain" destroy "$steady"

case=hostile-mq
new_raw "$run/m.img"
new_raw "$run/s2.img"
guest_bg steady2 "$run/s2.img" raw w mark:start stream:0:2000:70 wait \
	stream:0:2000:71 flush
steady=$domid steady_log=$log
hlog=$run/hostile-mq.log
: >"$hlog"
hostile=$("$BIN/xpv-blk-domain" create "$run/m.img" raw w "$hlog" /dev/null \
	"$BIN/xpv-blk-hostile" "${HOSTILE_SEED:-7}" 20 mq)
wait_log "$hlog" "hostile: done" || true
# the second stream starts once the attacks are over (the guest reads
# its FIFO only if it is still alive: hence the timeout)
wait_log "$steady_log" waiting && timeout 10 sh -c 'echo go >"$1"' _ "$run/steady2.in"
wait_log "$steady_log" "guest: done" || true
if ! xpv_alive xpv-blkback; then
	fail "xpv-blkback died"; tail -n 20 "$run/blkback.log" | sed 's/^/    blkback: /'
elif ! grep -q "hostile: done failures=0" "$hlog"; then
	fail "the hostile guest said:"; sed 's/^/    hostile: /' "$hlog" | tail -n 20
elif ! grep -q "guest: done failures=0" "$steady_log"; then
	fail "the other domain's I/O failed:"; sed 's/^/    guest: /' "$steady_log"
elif ! out=$(stream_holds "$run/s2.img" raw 0 2000 71); then
	fail "the other domain's writes: $out"
else
	echo "    $(grep 'failing multi-queue' "$hlog")"
	pass
fi
"$BIN/xpv-blk-domain" destroy "$hostile"
"$BIN/xpv-blk-domain" destroy "$steady"

xpv_alive xpv-blkback || fail "xpv-blkback died"
echo "blkback log:"; sed 's/^/    /' "$run/blkback.log" | tail -n 5
((fails == 0))
