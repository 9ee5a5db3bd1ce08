#!/usr/bin/env python3
"""make-seeds.py - regenerate the seed corpora of the xenstored fuzz
targets (xs-wire, xs-ring): well-formed request sequences, so the fuzzer
starts from inputs that reach every handler. Run from this directory."""
import struct

T = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5,
         TRANSACTION_START=6, TRANSACTION_END=7, INTRODUCE=8, RELEASE=9,
         GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14,
         IS_DOMAIN_INTRODUCED=17, RESUME=18, SET_TARGET=19,
         RESET_WATCHES=21, DIRECTORY_PART=22)


def msg(kind, payload, tx=0, req=0):
    return struct.pack('<IIII', T[kind], req, tx, len(payload)) + payload


SEQS = {
    'basic': [msg('WRITE', b'/a/b\0v'), msg('READ', b'/a/b\0'),
              msg('DIRECTORY', b'/a\0'), msg('GET_PERMS', b'/a/b\0'),
              msg('RM', b'/a\0'), msg('READ', b'/a/b\0')],
    'relative': [msg('WRITE', b'data/x\0y'), msg('MKDIR', b'data/d\0'),
                 msg('DIRECTORY', b'data\0'),
                 msg('GET_DOMAIN_PATH', b'5\0')],
    'perms': [msg('WRITE', b'/p\0v'), msg('SET_PERMS', b'/p\0n5\0r0\0b7\0'),
              msg('GET_PERMS', b'/p\0'), msg('SET_PERMS', b'/p\0x\0')],
    'watch': [msg('WATCH', b'/w\0tok\0'), msg('WRITE', b'/w/c\0v'),
              msg('WATCH', b'@releaseDomain\0r\0'),
              msg('UNWATCH', b'/w\0tok\0'), msg('RESET_WATCHES', b'')],
    'transaction': [msg('TRANSACTION_START', b'\0'),
                    msg('WRITE', b'/t\0in', tx=1), msg('READ', b'/t\0', tx=1),
                    msg('TRANSACTION_END', b'T\0', tx=1),
                    msg('TRANSACTION_END', b'F\0', tx=9)],
    'domains': [msg('INTRODUCE', b'3\0' b'4096\0' b'5\0'),
                msg('IS_DOMAIN_INTRODUCED', b'3\0'), msg('RESUME', b'3\0'),
                msg('SET_TARGET', b'3\0' b'4\0'), msg('RELEASE', b'3\0')],
    'control': [msg('CONTROL', b'check\0'), msg('CONTROL', b'help\0'),
                msg('CONTROL', b'quota\0'), msg('CONTROL', b'print\0hi\0'),
                msg('DIRECTORY_PART', b'/\0' b'0\0')],
    'half': [msg('WRITE', b'/a\0v')[:10]],
    'oversized': [struct.pack('<IIII', T['WRITE'], 0, 0, 5000)],
}

for name, seq in SEQS.items():
    body = b''.join(seq)
    # xs-wire: who (0: dom0, 1: domain), chunk size selector, stream
    for who in (0, 1):
        with open(f'xs-wire/{name}-{who}', 'wb') as f:
            f.write(bytes([who, 3]) + body)
    # xs-ring: zero indices, the stream in writes of up to 256 bytes,
    # each followed by the guest consuming the replies
    steps = b''
    for off in range(0, len(body), 256):
        chunk = body[off:off + 256]
        steps += bytes([0, len(chunk) - 1]) + chunk + bytes([2])
    with open(f'xs-ring/{name}', 'wb') as f:
        f.write(b'\0' * 16 + steps)

# Ring specials: impossible indices, a reconnect, wrapped indices.
with open('xs-ring/bad-index', 'wb') as f:
    f.write(struct.pack('<IIII', 0, 5000, 0, 0) + bytes([2]))
with open('xs-ring/reconnect', 'wb') as f:
    f.write(b'\0' * 16 + bytes([3]) + bytes([0, 15]) +
            msg('READ', b'/\0') + bytes([2]))
with open('xs-ring/wrapped', 'wb') as f:
    m = msg('WRITE', b'/w\0v')
    f.write(struct.pack('<IIII', 0xfffffff8, 0xfffffff8, 0xfffffff0,
                        0xfffffff0) + bytes([0, len(m) - 1]) + m + bytes([2]))
