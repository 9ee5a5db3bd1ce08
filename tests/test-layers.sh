#!/usr/bin/env bash
# test-layers.sh: the house stays drawn. A part includes only headers of
# its own level or below (docs/architecture.md, "Layers"):
#
#   0  ring                          the ABI
#   1  hv, net                       the hypervisor interface; TAP and
#                                    virtio-net headers
#   2  xenstored, frontend, backend, what runs on them: the store, the
#      hotplug, xenstore-schemas     guest's side, dom0's devices
#   3  toolstack                     drives everything
#
# Test code may include anything: top-level tests/ and any tests/, bench/
# or fuzz/ folder of a part. A part missing from the table fails the check
# until it is given a level here. Exit 0 when no include points up.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A level=(
	[ring]=0
	[hv]=1 [net]=1
	[xenstored]=2 [frontend]=2 [backend]=2 [hotplug]=2
	[xenstore-schemas]=2
	[toolstack]=3
)

is_test_code()
{
	[[ $1 == tests/* || $1 == */tests/* || $1 == */bench/* ||
		$1 == */fuzz/* ]]
}

# From git, untracked files too (not ignored ones): a new file is
# checked at once. A missing git must fail the check, not find no
# includes (a fresh machine without git passed it on none).
includes=$(git grep --untracked -n '^#include "' -- '*.c' '*.h') || {
	echo "test-layers: git grep cannot list the includes (is git installed? 'make deps')"
	exit 1
}
bad=0 n=0
while IFS= read -r line; do
	file=${line%%:*}
	inc=${line#*#include \"}
	inc=${inc%%\"*}
	[[ $inc == */* ]] || continue
	is_test_code "$file" && continue
	from=${file%%/*} to=${inc%%/*}
	[[ $from == "$to" ]] && continue
	n=$((n + 1))
	if [[ -z ${level[$from]:-} ]]; then
		echo "FAIL $file: the part $from has no level in $0"
		bad=$((bad + 1))
	elif [[ -z ${level[$to]:-} ]]; then
		echo "FAIL $file includes $inc: the part $to has no level in $0"
		bad=$((bad + 1))
	elif ((level[$to] > level[$from])); then
		echo "FAIL $file includes $inc: $from (level ${level[$from]}) may not use $to (level ${level[$to]})"
		bad=$((bad + 1))
	fi
done <<<"$includes"

if ((bad)); then
	echo "test-layers: $bad include(s) against the layers"
	exit 1
fi
echo "test-layers: $n includes across parts, none upward"
