#!/usr/bin/env python3
"""Write the seed corpus of fuzz-blkback-ring (see its header for the
input format): one file per kind of request the queue handles, so the
fuzzer starts from inputs that reach past the checks."""
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "corpus", "blkback-ring")


def rw(op, rid, sector, segs):
    """A read/write slot: segs is a list of (gref, first, last)."""
    body = struct.pack("<BBHxxxxQQ", op, len(segs), 0, rid, sector)
    for gref, first, last in segs[:11]:
        body += struct.pack("<IBBxx", gref, first, last)
    return body.ljust(112, b"\0")


def indirect(op, rid, sector, nseg, grefs):
    body = struct.pack("<BBHxxxxQQHxx", 6, op, nseg, rid, sector, 0)
    for g in grefs[:8]:
        body += struct.pack("<I", g)
    return body.ljust(112, b"\0")


def discard(rid, sector, n, flag=0):
    return struct.pack("<BBHxxxxQQQ", 5, flag, 0, rid, sector,
                       n).ljust(112, b"\0")


def put(slot):
    return b"\0" + slot


def scribble(page, off, data):
    return b"\3" + struct.pack("<BHB", page, off, len(data)) + data


def seg_page(grefs):
    """An indirect page's segments, written with op 3 into page 40."""
    out = b""
    for i, g in enumerate(grefs):
        out += scribble(40, i * 8, struct.pack("<IBBxx", g, 0, 7))
    return out


SEEDS = {
    "write-read-persistent": b"\1" + put(rw(1, 1, 8, [(1, 0, 7), (2, 0, 7)]))
    + b"\5" + put(rw(0, 2, 8, [(3, 0, 7)])) + b"\5",
    "write-read-copy": b"\0" + put(rw(1, 1, 0, [(5, 2, 6)])) + b"\2"
    + put(rw(0, 2, 0, [(6, 0, 7)])) + b"\5",
    "indirect": b"\1" + seg_page([10, 11, 12, 13])
    + put(indirect(1, 3, 64, 4, [40])) + b"\5"
    + put(indirect(0, 4, 64, 4, [40])) + b"\5",
    "indirect-copy-order2": b"\4" + seg_page(list(range(10, 30)))
    + put(indirect(0, 3, 0, 20, [40])) + b"\5",
    "flush-barrier": b"\0" + put(rw(1, 1, 0, [(1, 0, 7)]))
    + put(rw(3, 2, 0, [])) + put(rw(2, 3, 16, [(2, 0, 7)])) + b"\5\5",
    "discard": b"\1" + put(discard(1, 0, 64)) + put(discard(2, 8, 2**64 - 4))
    + put(discard(3, 0, 8, 1)) + b"\5",
    "bad-prod": b"\1" + put(rw(0, 1, 0, [(1, 0, 7)]))
    + b"\1" + struct.pack("<I", 1000) + b"\2\5",
    "readonly": b"\x08" + put(rw(1, 1, 0, [(1, 0, 7)]))
    + put(rw(0, 2, 0, [(1, 0, 7)])) + b"\5",
    "revoke-small-cache": b"\x11" + b"\4\x07"
    + put(rw(1, 1, 0, [(i, 0, 7) for i in range(1, 12)]))
    + put(rw(0, 2, 0, [(i, 0, 7) for i in range(20, 31)])) + b"\5",
    "unknown-ops": b"\0" + put(rw(4, 1, 0, [(1, 0, 7)]))
    + put(rw(99, 2, 0, [])) + put(rw(0, 3, 2**64 - 2, [(1, 0, 7)]))
    + put(rw(0, 4, 0, [(1, 7, 3)])) + b"\2",
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
