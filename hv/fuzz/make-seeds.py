#!/usr/bin/env python3
"""Write the seed corpus of fuzz-hv-requests (hv/fuzz/corpus/hv-requests/).

Each seed is what hv/fuzz/fuzz-hv-requests.c reads: datagrams, each a
2-byte little-endian length and then the bytes, as an unprivileged domain's
hv library sends them (struct sim_req, then the op's tail; hv/sim/proto.h).
The op numbers are read from proto.h, so the seeds follow the protocol.
The fuzzer's guest is dom1 with 64 pages; its builder ports are 1 and 2.

Run from the tree top: python3 hv/fuzz/make-seeds.py
"""
import os
import re
import struct

PROTO = "hv/sim/proto.h"
OUT = "hv/fuzz/corpus/hv-requests"
SELF = 0x7FF0


def ops():
    text = open(PROTO).read()
    body = text[text.index("enum sim_op {"):text.index("SIM_OP_MAX")]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = re.findall(r"\b(SIM_OP_[A-Z_]+)\b", body)
    assert names[0] == "SIM_OP_HELLO", names
    return {n[len("SIM_OP_"):]: i + 1 for i, n in enumerate(names)}


OP = ops()


def req(op, domid=0, a=0, b=0, tail=b""):
    """struct sim_req {u32 op, domid; u64 a, b} then the tail."""
    return struct.pack("<IIQQ", OP[op], domid, a, b) + tail


def side(foreign, domid=0, ref=0, offset=0):
    """struct sim_copy_side {u8 foreign, pad; u16 domid; u32 ref;
    u16 offset, pad2}"""
    return struct.pack("<BBHIHH", foreign, 0, domid, ref, offset, 0)


def seg(src, dst, length):
    """struct sim_copy_seg {side src, dst; u16 len, pad[3]}"""
    return src + dst + struct.pack("<HHHH", length, 0, 0, 0)


def copy(segs, data):
    return req("GRANT_COPY", a=len(segs), tail=b"".join(segs) + data)


SEEDS = {
    "info": [req("DOM_INFO", SELF), req("DOM_START_INFO", SELF),
             req("DOM_INFO", 0), req("DOM_START_INFO", 1)],
    "memory": [req("MEM_ALLOC", a=4), req("MEM_FREE", a=0, b=4),
               req("MEM_ALLOC", a=1), req("MEM_FREE", a=63, b=1),
               req("MEM_ALLOC", a=65)],
    "evtchn": [req("EVTCHN_ALLOC", SELF), req("EVTCHN_BIND", SELF, a=3),
               req("EVTCHN_PEER", a=4), req("EVTCHN_UNBIND", a=4),
               req("EVTCHN_ADOPT", a=1), req("EVTCHN_PEER", a=1),
               req("EVTCHN_UNBIND", a=1), req("EVTCHN_ALLOC", 0),
               req("EVTCHN_BIND", 0, a=1)],
    "copy": [copy([seg(side(0), side(1, SELF, 8, 0), 8),
                   seg(side(1, 0, 8, 16), side(0), 16)], b"8 bytes!"),
             copy([seg(side(1, SELF, 9, 4000), side(0), 96)], b"")],
    "shutdown": [req("DOM_SHUTDOWN", SELF, a=0), req("DOM_INFO", SELF),
                 req("DOM_SHUTDOWN", 0, a=1)],
    "privileged": [req("HELLO"), req("DOM_LIST", a=8), req("PINLOG"),
                   req("DOM_CREATE", a=4096, b=1), req("DOM_DESTROY", 1),
                   req("DOM_FDS", 0), req("EVTCHN_VIRQ", a=3),
                   req("CLONE")],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, grams in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            for g in grams:
                f.write(struct.pack("<H", len(g)) + g)


if __name__ == "__main__":
    main()
