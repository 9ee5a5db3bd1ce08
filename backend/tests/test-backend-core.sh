#!/usr/bin/env bash
# test-backend-core.sh - the backend core's table-driven test
# (test-backend-core.c) against our xpv-xenstored on a private socket.
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-xenstored test-backend-core

xpv_rundir xpv-becore
XPV_RUNDIR=$XPV_RUN xpv_start_xenstored "$XPV_RUN/socket" --no-domains ||
	exit 1
XENSTORED_PATH=$XPV_RUN/socket "$BIN/test-backend-core"
