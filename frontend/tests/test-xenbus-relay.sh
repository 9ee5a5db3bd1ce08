#!/usr/bin/env bash
# test-xenbus-relay.sh - clients sharing one xenstore connection through
# the relay (test-xenbus-relay) against our xenstored over a unix socket.
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-xenstored test-xenbus-relay

xpv_rundir xpv-xbrelay
XPV_RUNDIR=$XPV_RUN xpv_start_xenstored "$XPV_RUN/socket" --no-domains ||
	exit 1

"$BIN/test-xenbus-relay" "$XPV_RUN/socket"
