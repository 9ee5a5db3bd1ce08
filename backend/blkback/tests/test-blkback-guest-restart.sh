#!/usr/bin/env bash
# test-blkback-guest-restart.sh - a guest's own disk (/dev/xvda, the FUSE
# file xpv-guest serves with blkfront: docs/block.md) survives a kill -9
# of xpv-blkback: dom0's services by `xpv up`, a guest made by `xpv
# create` whose init writes 40 numbered 4 KiB blocks with fsync; after the
# 5th, xpv-blkback is killed and `xpv up` starts it again. Every write
# must succeed, the restarted backend must have resumed the frontend's
# ring (from its queue's resume log, docs/block.md), and every block must
# be in the image. (blkfront_poll(bf, 0), which
# xpv-guest's event loop calls, once ignored the store: the disk spun on
# the ready fd and never reconnected.) Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-blkback xpv-guest
[[ $(id -u) -eq 0 ]] || xpv_skip "needs root (namespaces, cgroups)"
[[ -c /dev/fuse ]] || xpv_skip "no /dev/fuse"

xpv_rundir xpv-blk-grestart
chmod 755 "$XPV_RUN"
export XPV_RUNDIR=$XPV_RUN/run XPV_LOGDIR=$XPV_RUN/log XPV_PLATFORM=sim
export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
# the guest's script, shown to it read-only: not under /tmp, which the
# guest has of its own
share=$(mktemp -d /var/tmp/xpv-blk-grestart.XXXXXX)
chmod 755 "$share"
XPV_CLEANUP='"$BIN/xpv" down >/dev/null 2>&1; rm -rf "$share"'

"$BIN/xpv" up >"$XPV_RUN/up.log" 2>&1 || { cat "$XPV_RUN/up.log"; exit 1; }
img=$XPV_RUN/disk.img
truncate -s 16M "$img"
cat >"$share/writer.sh" <<'G'
i=0
while [ $i -lt 40 ]; do
	if printf 'block %d\n' $i | dd of=/dev/xvda bs=4096 seek=$i conv=notrunc,fsync 2>/dev/null; then
		echo "wrote $i"
	else
		echo "FAILED $i"
	fi
	i=$((i + 1))
	sleep 0.1
done
echo "writer done"
G
cat >"$XPV_RUN/guest.cfg" <<CFG
name = "blk-restart"
memory = 128
vcpus = 1
disk = [ 'format=raw, vdev=xvda, access=rw, target=$img' ]
init = [ "/bin/sh", "$share/writer.sh" ]
host_dirs = [ "$share" ]
on_poweroff = "destroy"
CFG
"$BIN/xpv" create -q "$XPV_RUN/guest.cfg" || { echo "FAIL xpv create"; exit 1; }
log=$XPV_LOGDIR/console/guest-blk-restart.log
for ((i = 0; i < 300; i++)); do
	grep -q "wrote 5" "$log" 2>/dev/null && break
	sleep 0.1
done
grep -q "wrote 5" "$log" 2>/dev/null || { echo "FAIL the guest did not start writing"; cat "$log"; exit 1; }
# this instance's daemon, by the pid `xpv up` wrote
pid=$(cat "$XPV_RUNDIR/xpv-blkback.pid" 2>/dev/null)
[[ -n $pid ]] || { echo "FAIL no $XPV_RUNDIR/xpv-blkback.pid"; exit 1; }
kill -9 "$pid"
sleep 0.5
"$BIN/xpv" up >>"$XPV_RUN/up.log" 2>&1 || { echo "FAIL xpv up after the kill"; exit 1; }
for ((i = 0; i < 600; i++)); do
	grep -q "writer done" "$log" 2>/dev/null && break
	sleep 0.1
done
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
grep -q "writer done" "$log" || fail "the guest did not finish within 60 s"
grep -q "FAILED" "$log" && fail "a write failed: $(tr -d '\r' <"$log" | grep FAILED | head -n 3)"
[[ $(grep -c "^wrote" "$log") -eq 40 ]] || fail "$(grep -c "^wrote" "$log") of 40 writes done"
grep -q "resumed the connection" "$XPV_LOGDIR/xpv-blkback.log" ||
	fail "the restarted xpv-blkback did not resume the guest's ring"
for i in 0 5 6 39; do
	[[ $(dd if="$img" bs=4096 skip=$i count=1 2>/dev/null | head -n 1) == "block $i" ]] ||
		fail "block $i is not in the image"
done
((fails == 0)) || { tr -d '\r' <"$log" | tail -n 20; tail -n 20 "$XPV_LOGDIR/xpv-blkback.log"; exit 1; }
echo "ok   a guest's /dev/xvda survived kill -9 of xpv-blkback: 40 writes, all in the image"
