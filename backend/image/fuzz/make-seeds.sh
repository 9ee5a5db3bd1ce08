#!/usr/bin/env bash
# make-seeds.sh: write the seed images of fuzz-qcow2 into
# backend/image/fuzz/corpus/qcow2/ with qemu-img (qemu-utils). Small
# clusters keep them a few KiB: plain, written, 1- and 64-bit refcounts,
# version 2, a compressed cluster, an internal snapshot, a backing name,
# lazy refcounts with the dirty bit.
set -euo pipefail

out=$(cd "$(dirname "$0")" && pwd)/corpus/qcow2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

mk() { qemu-img create -q -f qcow2 -o "cluster_size=512,$1" "$tmp/$2" 256K; }
pattern() { # write a few scattered sectors with qemu-io
	qemu-io -f qcow2 -c "write -P 0x5a 0 1k" -c "write -P 0xa5 100k 3k" \
		-c "write -z 200k 1k" "$1" >/dev/null
}

mk refcount_bits=16 plain.qcow2
mk refcount_bits=16 written.qcow2 && pattern "$tmp/written.qcow2"
mk refcount_bits=1 rc1.qcow2 && pattern "$tmp/rc1.qcow2"
mk refcount_bits=64 rc64.qcow2 && pattern "$tmp/rc64.qcow2"
mk compat=0.10 v2.qcow2 && pattern "$tmp/v2.qcow2"
mk refcount_bits=16 snap.qcow2 && pattern "$tmp/snap.qcow2"
qemu-img snapshot -c s1 "$tmp/snap.qcow2"
qemu-img create -q -f qcow2 -o cluster_size=512 -u -b base.raw -F raw \
	"$tmp/backing.qcow2" 256K
head -c 65536 /dev/zero | tr '\0' 'x' >"$tmp/plain.raw"
qemu-img convert -c -f raw -O qcow2 -o cluster_size=512 "$tmp/plain.raw" \
	"$tmp/compressed.qcow2"
mk lazy_refcounts=on lazy.qcow2
printf '\x00\x00\x00\x00\x00\x00\x00\x01' |
	dd of="$tmp/lazy.qcow2" bs=1 seek=72 conv=notrunc status=none

for f in "$tmp"/*.qcow2; do
	cp "$f" "$out/$(basename "$f" .qcow2)"
done
ls -l "$out"
