#!/usr/bin/env bash
# demo.sh - `make demo`: the whole stack on the embedded hypervisor, no Xen.
#
# In a private run directory and network namespace: dom0's services come
# up (`xpv up`), a bridge xenbr0 is made, and two guests are created from
# examples/ with `xpv create`: one with a raw disk, one with a qcow2 disk
# (served by xpv-blkback), a vif each on the bridge. Each guest
# (examples/guest-demo.sh, its init) makes an ext4 file system on its
# disk, writes a file into it and reads it back, pings the other, and
# they run a short iperf3 between them. The demo prints what each said,
# with the figures, checks the store against the schemas and the qcow2
# image with qemu-img, then tears everything down and says what is left
# (nothing).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
examples=$top/examples
if [[ -z ${XPV_DEMO_NETNS:-} ]]; then
	[[ $(id -u) -eq 0 ]] || { echo "demo: run it as root (namespaces, cgroups)"; exit 1; }
	XPV_DEMO_NETNS=1 exec unshare --net "$0" "$@"
fi
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
start=$(date +%s%N)
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
say() { echo "demo: $*"; }
fail() { echo "demo: FAILED: $*"; exit 1; }

xpv_rundir xpv-demo
chmod 755 "$XPV_RUN"
export XPV_RUNDIR=$XPV_RUN/run XPV_LOGDIR=$XPV_RUN/log XPV_PLATFORM=sim
export XENSTORED_PATH=$XPV_RUNDIR/xenstored/socket
XPV_CLEANUP='"$BIN/xpv" down >/dev/null 2>&1'
xpv() { "$BIN/xpv" "$@"; }

echo "== xpv demo: two guests, a raw and a qcow2 disk, one bridge, no Xen =="
xpv up >"$XPV_RUN/up.log" 2>&1 || { cat "$XPV_RUN/up.log"; fail "xpv up"; }
say "dom0's services up: $(awk '/^started/ { printf "%s%s", sep, $2; sep=", " }' "$XPV_RUN/up.log") (logs in $XPV_LOGDIR)"

ip link set lo up
"$BIN/xpv-netif" bridge-add xenbr0 >/dev/null && ip addr add 10.80.0.1/24 dev xenbr0 ||
	fail "cannot make bridge xenbr0"
raw=$XPV_RUN/demo-raw.img qcow=$XPV_RUN/demo-qcow2.qcow2
truncate -s 64M "$raw" && qemu-img create -q -f qcow2 "$qcow" 64M || fail "cannot make the images"
say "bridge xenbr0 (10.80.0.1/24) in dom0; images: $(basename "$raw") (raw, 64 MiB), $(basename "$qcow") (qcow2, 64 MiB)"

create()
{
	local cfg=$1 target=$2 role=$3 me=$4 peer=$5 t0 name
	name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$cfg")
	t0=$(date +%s%N)
	xpv create -q "$cfg" \
		"disk=[\"$(sed -n "s/^disk = \[ '\(.*\)target=.*/\1/p" "$cfg")target=$target\"]" \
		"host_dirs=[\"$examples\"]" \
		"init=[\"/bin/sh\", \"$examples/guest-demo.sh\", \"$role\", \"$me\", \"$peer\"]" ||
		fail "xpv create $cfg"
	say "xpv create examples/$(basename "$cfg"): domain $(xpv list "$name" | awk 'NR == 2 { print $2 }') ($name) in $(ms "$t0") ms"
}
create "$examples/guest-raw.cfg" "$raw" server 10.80.0.11 10.80.0.12
create "$examples/guest-qcow2.cfg" "$qcow" client 10.80.0.12 10.80.0.11
xpv list | sed 's/^/    /'

# What the guests say, as they say it (45 s at most).
for name in demo-raw demo-qcow2; do
	log=$XPV_LOGDIR/console/guest-$name.log
	for ((i = 0; i < 450; i++)); do
		grep -q "^DEMO done" "$log" 2>/dev/null && break
		sleep 0.1
	done
	grep "^DEMO" "$log" 2>/dev/null | grep -v "^DEMO done" | tr -d '\r' |
		sed "s/^DEMO /$name: /"
	grep -q "^DEMO done" "$log" || fail "$name did not finish; its console: $log"
done
grep -q "^DEMO FAIL" "$XPV_LOGDIR"/console/guest-demo-*.log && fail "a guest reported a failure"

xpv check >/dev/null && say "xpv check: both domains' stores valid under xenstore-schemas/" ||
	fail "xpv check: $(xpv check)"

t0=$(date +%s%N)
xpv destroy demo-raw && xpv destroy demo-qcow2 || fail "xpv destroy"
destroyed=$(ms "$t0")
qemu-img check -q "$qcow" && say "qemu-img check $(basename "$qcow"): no errors after the guest wrote its file system"
left=$(xenstore-ls /local/domain | grep -c '^[1-9]')
vifs=$(ip -o link show | grep -c ': vif')
say "destroyed both in $destroyed ms: $left domains, $vifs vifs left in dom0"
xpv down >/dev/null
say "dom0's services stopped; everything removed ($XPV_RUN)"
echo "== demo done in $(( $(ms "$start") / 1000 )).$(( $(ms "$start") % 1000 / 100 )) s =="
