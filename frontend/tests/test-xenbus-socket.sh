#!/usr/bin/env bash
# test-xenbus-socket.sh - the xenbus client's whole API (xenbus-smoke)
# against our xenstored over a unix socket. Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-xenstored xenbus-smoke

xpv_rundir xpv-xbsock
XPV_RUNDIR=$XPV_RUN xpv_start_xenstored "$XPV_RUN/socket" --no-domains ||
	exit 1

"$BIN/xenbus-smoke" "$XPV_RUN/socket"
