#!/usr/bin/env bash
# test-blkfront-direct.sh - blkfront's lent buffers (blkfront_buffer_alloc,
# frontend/blkfront.h): I/O on a buffer in blkfront's pool is not copied,
# and its bytes still land where they must. Guests (xpv-blk-guest, on sim,
# against the real xpv-blkback) write and read through lent buffers; the
# image is checked from the host:
#   persistent  --direct writes of 64 KiB and 1 MiB (indirect) read back;
#               `lend`: the allocator's rules (sizes, a pointer inside a
#               buffer, too large, freed twice), a round trip 512 bytes
#               into a lent buffer (copied: 16 KiB counted) and one on
#               a whole buffer (nothing copied)
#   copy        the same with grant copy in xpv-blkback and no indirect
#               segments: a 1 MiB lent buffer goes as 24 requests, each
#               naming its own pages of the buffer
# Exit 0 pass, 77 skip.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=backend/blkback/tests/sim-setup.sh
. "$top/backend/blkback/tests/sim-setup.sh"
xpv_need xpv-hv xpv-xenstored xpv-blkback xpv-blk-guest xpv-blk-domain
command -v xenstore-write >/dev/null || xpv_skip "xenstore-utils is not installed (make deps)"

blk_sim_setup xpv-blkfront-direct
blk_start_blkback

# holds IMAGE OFF LEN SEED: the guest's pattern (blk-guest.c) is there.
holds()
{
	python3 "$top/backend/blkback/tests/blk_pattern.py" expected \
		"$run/want" "$2" "$3" "$4" &&
		cmp -s -i "$2:0" -n "$3" "$1" "$run/want"
}

for mode in persistent copy; do
	case=$mode
	opts=(--direct)
	[[ $mode == copy ]] && opts+=(--no-persistent --no-indirect)
	img=$run/$mode.img
	truncate -s 64M "$img"
	blk_guest "$mode" "$img" raw w "${opts[@]}" write:0:64k:1 write:1m:1m:2 \
		read:0:64k:1 read:1m:1m:2 lend:8m flush info || continue
	# copied: only lend's round trip 512 bytes into its buffer
	if ! grep -q " copied=16384$" "$log"; then
		fail "blkfront copied other bytes than lend's 16 KiB: $(grep info "$log")"
	elif holds "$img" 0 65536 1 && holds "$img" 1048576 1048576 2 &&
		holds "$img" 8388608 8192 11 && holds "$img" 8396800 8192 12; then
		pass
	else
		fail "the image does not hold what the guest wrote"
	fi
done

((fails == 0)) || exit 1
echo "test-blkfront-direct: all passed"
