#!/usr/bin/env bash
# test-backend-daemon.sh - the daemon skeleton's loop (test-backend-daemon.c)
# against a private xpv-hv and xpv-xenstored. Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-hv xpv-xenstored test-backend-daemon

xpv_rundir xpv-bedaemon
export XENSTORED_PATH=$XPV_RUN/xs.sock
xpv_start_hv || exit 1
xpv_start_xenstored "$XENSTORED_PATH" || exit 1
"$BIN/test-backend-daemon"
