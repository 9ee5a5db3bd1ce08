#!/usr/bin/env bash
# test-xen-conformance.sh: Xen's own conformance test, test-xenstore from
# Debian's xen-utils-4.17 (fetched into $CACHE, never installed), against
# our xenstored: all of its 12 tests must pass (exit 0), once each and then
# 3 iterations each, and the random mode for 2 seconds. It leaves nothing
# behind in the store.
#
# XS_DAEMON=ref runs it against the reference peer instead.
set -uo pipefail
# shellcheck source=tests/xenstore/daemons.sh
. "$(dirname "$0")/daemons.sh"

kind=${XS_DAEMON:-ours}
xs_need_ref # the same package holds test-xenstore
if [[ $kind != ref ]]; then xs_need_ours; fi
tx=$XS_REF_BIN/test-xenstore
[[ -x $tx ]] || xs_skip "no test-xenstore in xen-utils-4.17"

xs_start "$kind" d
export XENSTORED_PATH=$XS_SOCK
fails=0

run()
{
	local rc
	echo "+ test-xenstore $*"
	"$tx" "$@"
	rc=$?
	if [[ $rc -ne 0 ]]; then
		echo "FAIL: test-xenstore $* exited $rc"
		fails=$((fails + 1))
	fi
}

"$tx" -l
ntests=$("$tx" -l | wc -l)
[[ $ntests -eq 12 ]] || echo "note: test-xenstore lists $ntests tests, not 12"
run
run -i 3
run -r 2

# test-xenstore removes its /local/domain/0/xenstore-test/<pid> subtree.
left=$(xenstore-ls /local/domain/0/xenstore-test 2>/dev/null)
if [[ -n $left ]]; then
	echo "FAIL: left behind in the store:"
	echo "$left" | head
	fails=$((fails + 1))
fi
xs_alive d || {
	echo "FAIL: the daemon died"
	exit 1
}
echo "$fails failures against $kind"
[[ $fails -eq 0 ]]
