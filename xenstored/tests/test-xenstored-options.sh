#!/usr/bin/env bash
# test-xenstored-options.sh: xpv-xenstored's command line. Every long
# option named in --help is recognised (each is given before --help, which
# exits 0 once the options before it parsed), bad ones exit 2. No daemon
# starts: parsing ends before the sockets are made.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-xenstored
xsd=$BIN/xpv-xenstored
fail() { echo "FAIL: $*"; exit 1; }

out=$("$xsd" --help) || fail "--help exits $?"
[[ $out == usage:* ]] || fail "--help printed: $out"
"$xsd" -h | grep -q '^usage:' || fail "-h prints no usage"

# Every long option the usage names, with a value where it takes one.
while read -r opt; do
	case $opt in
	--no-fork|--no-domains|--no-uring|--help) arg=() ;;
	--quota) arg=(nodes=5) ;;
	--socket|--ro-socket|--log|--trace|--pid-file) arg=(/nonexistent/x) ;;
	*) arg=(5) ;;
	esac
	"$xsd" "$opt" "${arg[@]}" --help >/dev/null 2>&1 ||
		fail "$opt ${arg[*]} not accepted"
done < <(grep -o -- '--[a-z][a-z-]*' <<<"$out" | sort -u)

"$xsd" --no-such-option >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "an unknown option exits $rc, not 2"
"$xsd" --entry-nb x >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "a bad quota value exits $rc, not 2"
"$xsd" -Q nosuch=1 >/dev/null 2>&1; rc=$?
[[ $rc == 2 ]] || fail "an unknown quota name exits $rc, not 2"
echo "ok: every option of --help accepted, bad ones refused"
