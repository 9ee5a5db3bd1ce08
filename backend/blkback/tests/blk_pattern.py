#!/usr/bin/env python3
"""blk_pattern.py - the bytes xpv-blk-guest writes (blk-guest.c, pattern()),
for test-blkback-sim.sh to check an image against.

  blk_pattern.py expected FILE OFF LEN SEED
      write the pattern of SEED for bytes OFF..OFF+LEN into FILE
  blk_pattern.py stream IMAGE OFF N SEED
      check the N 4 KiB blocks a stream:OFF:N:SEED step wrote (block i
      holds the pattern of SEED+i); print how many are wrong, exit 1 if any

The byte at offset x of seed s is (s * 131 + (x >> 9) * 7 + x) & 0xff.
Within one 512-byte sector, x >> 9 is fixed and 512 * sector vanishes
mod 256, so a sector is a run of consecutive byte values: it is sliced out
of a table instead of computed byte by byte (the byte loop took 10 s of
CPU for a 64 MiB stream, 45 s of the test on a loaded machine).
"""
import sys

RUNS = bytes(range(256)) * 3


def pattern(off, length, seed):
    out = bytearray()
    x, end = off, off + length
    while x < end:
        j = x & 511
        n = min(512 - j, end - x)
        start = (seed * 131 + (x >> 9) * 7 + j) & 0xFF
        out += RUNS[start:start + n]
        x += n
    return bytes(out)


def expected(path, off, length, seed):
    with open(path, "wb") as f:
        f.write(pattern(off, length, seed))


def stream(path, off, n, seed):
    bad = 0
    with open(path, "rb") as f:
        for i in range(n):
            at = off + i * 4096
            f.seek(at)
            if f.read(4096) != pattern(at, 4096, seed + i):
                bad += 1
    print(f"{bad} of {n} blocks wrong")
    return 1 if bad else 0


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("expected", "stream"):
        sys.stderr.write(__doc__)
        return 2
    path, a, b, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), \
        int(sys.argv[5])
    if sys.argv[1] == "expected":
        expected(path, a, b, seed)
        return 0
    return stream(path, a, b, seed)


if __name__ == "__main__":
    sys.exit(main())
