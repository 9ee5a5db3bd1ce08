#!/usr/bin/env python3
"""Write the seed corpus of fuzz-netback-tx (its input format is described
at the top of fuzz-netback-tx.c): one file per kind of packet a frontend
sends or a hostile one makes up."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "netback-tx")

CSUM_BLANK, DATA_VALIDATED, MORE_DATA, EXTRA_INFO = 1, 2, 4, 8


def req(gref, offset, flags, rid, size):
    return struct.pack("<IHHHH", gref, offset, flags, rid, size)


def extra(etype, flags, gso_size=0, gso_type=0):
    return struct.pack("<BBHBBH", etype, flags, gso_size, gso_type, 0, 0) + b"\0" * 4


def ipv4_tcp(payload=40):
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00"
    ip = bytes([0x45, 0, 0, 40 + payload, 0, 1, 0x40, 0, 64, 6, 0, 0,
                10, 0, 0, 1, 10, 0, 0, 2])
    tcp = struct.pack(">HHIIBBHHH", 1234, 80, 1, 0, 5 << 4, 0x18, 65535, 0, 0)
    return eth + ip + tcp + b"x" * payload


def ipv6_udp(payload=20):
    eth = b"\x02" * 6 + b"\x04" * 6 + b"\x86\xdd"
    ip = bytes([0x60, 0, 0, 0]) + struct.pack(">HBB", 8 + payload, 17, 64) + \
        bytes(range(1, 33))
    return eth + ip + struct.pack(">HHHH", 53, 53, 8 + payload, 0) + b"y" * payload


def seed(name, start, slots, pages=b""):
    data = struct.pack("<IB", start, len(slots)) + b"".join(slots) + pages
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    f4 = ipv4_tcp()
    f6 = ipv6_udp()
    seed("plain", 0, [req(0, 0, DATA_VALIDATED, 0, len(f4))], f4)
    seed("csum-blank-v6", 7, [req(1, 0, CSUM_BLANK | DATA_VALIDATED, 0, len(f6))],
         b"\0" * 4096 + f6)
    seed("three-slots", 0, [req(0, 0, MORE_DATA | CSUM_BLANK, 1, len(f4)),
                            req(1, 0, MORE_DATA, 2, 20),
                            req(2, 0, 0, 3, 10)], f4 + b"\0" * (4096 - len(f4)) + f4)
    seed("gso-extra", 0, [req(0, 0, EXTRA_INFO | CSUM_BLANK, 4, len(f4)),
                          extra(1, 0, 1448, 1)], f4)
    seed("gso-no-csum", 0, [req(0, 0, EXTRA_INFO, 4, len(f4)),
                            extra(1, 0, 1000, 1)], f4)
    seed("two-extras", 0, [req(0, 0, EXTRA_INFO, 4, len(f4)),
                           extra(4, 1), extra(1, 0, 536, 1)], f4)
    seed("mcast", 0, [req(0, 0, EXTRA_INFO | MORE_DATA, 5, 0),
                      extra(2, 0), req(0, 0, 0, 6, 60)], f4)
    seed("bad-extra", 0, [req(0, 0, EXTRA_INFO, 1, 60), extra(0, 0)])
    seed("missing-extra", 0, [req(0, 0, EXTRA_INFO, 1, 60)])
    seed("cross-page", 0, [req(0, 4090, 0, 1, 60)])
    seed("short", 0, [req(0, 0, 0, 1, 10)])
    seed("wrapped-size", 0, [req(0, 0, MORE_DATA, 1, 100), req(1, 0, 0, 2, 200)])
    seed("past-prod", 0, [req(0, 0, MORE_DATA, 1, 100)])
    chain = [req(0, 0, MORE_DATA, 0, 22 * 60)] + \
        [req(i, 0, MORE_DATA if i < 21 else 0, i, 60) for i in range(1, 22)]
    seed("22-slots", 0, chain, f4)
    seed("20-slots", 0, chain[:19] + [req(19, 0, 0, 19, 60)], f4)
    seed("wrap", 0xfffffffe, [req(0, 0, 0, 1, len(f4)), req(0, 0, 0, 2, len(f4)),
                              req(0, 0, 0, 3, len(f4))], f4)


if __name__ == "__main__":
    main()
