#!/usr/bin/env python3
"""frames.py - what a guest sends on its vif, by hand, for the anti-spoofing
test (test-vif-bridge.sh): UDP frames written into a TAP as the guest's
netfront would hand them to xpv-netback, with any source address, and a
UDP receiver on dom0's side.

  frames.py send TAP DSTMAC SRCIP:PAYLOAD... DSTIP PORT
      attach to the (persistent) TAP and write, five times 0.2 s apart,
      one UDP frame per SRCIP:PAYLOAD to DSTIP:PORT (so the bridge port
      has its carrier and is forwarding by the later rounds)
  frames.py recv IP PORT READY
      bind IP:PORT, then create the file READY; print each distinct
      payload received, one a line, as it first arrives, until stdin
      ends (the test closes it once it has what it waits for: a fixed
      window missed the frames whenever the receiver or the sender was
      not scheduled in time on a loaded machine)
"""
import fcntl
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
GUEST_MAC = bytes.fromhex("00163e000007")


def ip_checksum(header):
    total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_frame(dst_mac, src_ip, dst_ip, port, payload):
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64,
                     socket.IPPROTO_UDP, 0, socket.inet_aton(src_ip),
                     socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return dst_mac + GUEST_MAC + b"\x08\x00" + ip + udp


def send(tap, dst_mac, items, dst_ip, port):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF,
                struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    mac = bytes.fromhex(dst_mac.replace(":", ""))
    frames = []
    for item in items:
        src_ip, payload = item.split(":", 1)
        frames.append(udp_frame(mac, src_ip, dst_ip, int(port),
                                payload.encode()))
    for _ in range(5):
        time.sleep(0.2)
        for f in frames:
            os.write(fd, f)
    time.sleep(0.2)
    os.close(fd)


def recv(ip, port, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, int(port)))
    open(ready, "w").close()
    got = set()
    while True:
        readable = select.select([s, sys.stdin], [], [])[0]
        if s in readable:
            p = s.recv(2048).decode(errors="replace")
            if p not in got:
                got.add(p)
                print(p, flush=True)
        elif not os.read(sys.stdin.fileno(), 1):
            break


def main():
    if len(sys.argv) >= 7 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4:-2], sys.argv[-2],
             sys.argv[-1])
    elif len(sys.argv) == 5 and sys.argv[1] == "recv":
        recv(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
