#!/usr/bin/env bash
# demo.sh: the main job (`make demo`). On the embedded hypervisor, with no
# Xen anywhere: start the hypervisor (xpv-hv) and our xenstored, then let
# xpv-demo create a guest domain whose kernel is an "echo" frontend; it
# grants a ring to dom0's backend (xpv-echoback, on the backend core in
# backend/), they walk the XenbusState handshake
# through xenstore, exchange 100,000 requests over the ring and event
# channel, and the guest powers itself off. Afterwards the store is shown
# as Debian's xenstore-ls sees it. Everything runs in a private directory
# and is cleaned up at the end.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_rundir xpv-demo
run=$XPV_RUN

export XENSTORED_PATH=$run/xenstored.sock
echo "== xpv demo: one guest, one split-driver device, no Xen =="
echo "demo: runtime directory $run"

xpv_start_hv
echo "demo: embedded hypervisor xpv-hv running (pid ${XPV_PIDS[xpv-hv]})"

xpv_start_xenstored "$XENSTORED_PATH"
echo "demo: xenstore daemon xpv-xenstored running (pid ${XPV_PIDS[xpv-xenstored]})"
xenstore-write /local/domain/0/name Domain-0 /local/domain/0/domid 0

# The echo device's backend, on the backend core: it finds the device in
# backend/echo/ whenever the toolstack writes it, so it needs no handshake
# of its own with the toolstack.
"$BIN/xpv-echoback" >"$run/xpv-echoback.log" 2>&1 &
xpv_track xpv-echoback $! "$run/xpv-echoback.log"
echo "demo: echo backend xpv-echoback running (pid ${XPV_PIDS[xpv-echoback]})"

# Watch the store from the side, with Debian's own tool.
xenstore-watch -n 1000 /local/domain >"$run/watch.log" 2>&1 &
watch_pid=$!

echo
"$BIN/xpv-demo" "$BIN/xpv-demo-guest"
rc=$?
echo
kill "$watch_pid" 2>/dev/null || true
xpv_stop xpv-echoback || rc=1
echo "demo: what xpv-echoback said:"
sed 's/^/    /' "$run/xpv-echoback.log"
echo "demo: xenstore-watch /local/domain saw $(wc -l <"$run/watch.log") events"
echo "demo: what is left in the store (xenstore-ls /local/domain):"
xenstore-ls /local/domain | sed 's/^/    /'
exit $rc
