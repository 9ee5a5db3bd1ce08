#!/usr/bin/env bash
# test-utils.sh: Debian's xenstore-utils (xenstore-write, -read, -ls, -rm,
# -list, -chmod, -watch, -exists) against our xenstored, through
# libxenstore and XENSTORED_PATH, asserted on their output and exit codes.
#
# XS_DAEMON=ref runs the same assertions against Debian's C xenstored (the
# reference peer): that is how the assertions themselves were checked.
set -uo pipefail
# shellcheck source=tests/xenstore/daemons.sh
. "$(dirname "$0")/daemons.sh"

kind=${XS_DAEMON:-ours}
for tool in write read ls rm list chmod watch exists; do
	command -v "xenstore-$tool" >/dev/null ||
		xs_skip "xenstore-$tool missing: install xenstore-utils (make deps)"
done
if [[ $kind == ref ]]; then xs_need_ref; else xs_need_ours; fi
xs_start "$kind" d
export XENSTORED_PATH=$XS_SOCK
fails=0

# expect NAME WANT CMD...: run CMD, compare its stdout with WANT.
expect()
{
	local name=$1 want=$2 got
	shift 2
	if ! got=$("$@" 2>&1); then
		echo "FAIL $name: '$*' exited $?: $got"
		fails=$((fails + 1))
	elif [[ $got != "$want" ]]; then
		echo "FAIL $name: '$*'"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /'
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

# expect_fail NAME STDERR CMD...: CMD must exit non-zero saying STDERR.
expect_fail()
{
	local name=$1 want=$2 got
	shift 2
	if got=$("$@" 2>&1); then
		echo "FAIL $name: '$*' succeeded: $got"
		fails=$((fails + 1))
	elif [[ $got != *"$want"* ]]; then
		echo "FAIL $name: '$*' said '$got', not '$want'"
		fails=$((fails + 1))
	else
		echo "ok   $name"
	fi
}

expect write-one "" xenstore-write /test/a hello
expect read-one "hello" xenstore-read /test/a
expect write-many "" xenstore-write /test/b 1 /test/c/d 2
expect read-many $'1\n2' xenstore-read /test/b /test/c/d
expect_fail read-missing "couldn't read path /test/nope" \
	xenstore-read /test/nope
expect read-intermediate "" xenstore-read /test/c
expect exists-yes "" xenstore-exists /test/c/d
expect_fail exists-no "" xenstore-exists /test/c/nope
expect list $'a\nb\nc' xenstore-list /test
expect list-leaf "" xenstore-list /test/a
expect ls $'a = "hello"\nb = "1"\nc = ""\n d = "2"' xenstore-ls /test
expect ls-full $'/test/a = "hello"\n/test/b = "1"\n/test/c = ""\n/test/c/d = "2"' \
	xenstore-ls -f /test

# Relative paths are under the caller's /local/domain/0.
expect write-relative "" xenstore-write rel/x 42
expect read-absolute "42" xenstore-read /local/domain/0/rel/x

# A value of 3000 bytes crosses no limit and comes back whole.
big=$(head -c 3000 /dev/zero | tr '\0' 'v')
expect write-big "" xenstore-write /test/big "$big"
expect read-big "$big" xenstore-read /test/big

# Permissions: owner first, then per-domain n/r/w/b, inherited on create.
# xenstore-ls -p pads with dots up to a column; only the perms matter.
lsp()
{
	xenstore-ls -p "$1" | sed 's/  [. ]*  (/ (/'
}
expect chmod "" xenstore-chmod /test/c n1 r2 w3
expect ls-perms 'd = "2" (n0)' lsp /test/c
expect inherit-create "" xenstore-write /test/c/e x
expect ls-inherited $'d = "2" (n0)\ne = "x" (n1,r2,w3)' lsp /test/c
expect chmod-recursive "" xenstore-chmod -r /test/c b7
expect ls-recursive $'d = "2" (b7)\ne = "x" (b7)' lsp /test/c
expect_fail chmod-bad "" xenstore-chmod /test/c x9

# rm removes a subtree; -t also removes parents left empty.
expect rm-tree "" xenstore-rm /test/c
expect_fail rm-gone "" xenstore-exists /test/c/d
expect list-after-rm $'a\nb\nbig' xenstore-list /test
expect write-deep "" xenstore-write /test/p/q/r v
expect rm-parents "" xenstore-rm -t /test/p/q/r
expect_fail rm-parents-gone "" xenstore-exists /test/p
expect_fail write-bad-path "could not write path /test//x" \
	xenstore-write /test//x v

# A watch fires once on registration, then for the node and its children.
out=$XS_TMP/watch.out
xenstore-watch -n 3 /test/w >"$out" 2>&1 &
wpid=$!
for ((i = 0; i < 100; i++)); do
	[[ -s $out ]] && break
	sleep 0.05
done
xenstore-write /test/w/x 1
xenstore-write /test/other 1
xenstore-rm /test/w
for ((i = 0; i < 100; i++)); do
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.05
done
if kill "$wpid" 2>/dev/null; then
	echo "FAIL watch: xenstore-watch still running after 3 events"
	fails=$((fails + 1))
fi
wait "$wpid" || true
expect watch-events $'/test/w\n/test/w/x\n/test/w' cat "$out"

xs_alive d || {
	echo "FAIL the daemon died"
	exit 1
}
echo "$fails failures against $kind"
[[ $fails -eq 0 ]]
