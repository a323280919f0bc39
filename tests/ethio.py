#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
"""ethio.py: one end of a frame exchange on a bridge, for tests/tenants.bats.

  ethio.py (--tap | --dev IFNAME) --name NAME --dir DIR --peers N
           [--send SRC,DST[,VID]]...

--tap: the TAP queue bridge-helper-run passed (the first fd of
$BRIDGE_HELPER_FDS): frames written there are what a guest sends.
--dev: an AF_PACKET socket on IFNAME (the far end of the uplink veth).

Writes DIR/NAME.ifname ($BRIDGE_HELPER_IFNAME, with --tap) and
DIR/NAME.ready, and waits (at most 60 s a step) until the N peers are
ready; then, once all have started listening and for 1.5 s at least, sends
each --send frame every 0.1 s (ethertype 0x88b5, payload "bht NAME I", I the
--send's index; 802.1Q-tagged when VID is given), recording what arrives,
until every peer has sent. DIR/NAME.rx then holds one line per distinct
test frame received: "SRC DST VID FROM I" (VID 0: untagged). No timing
decides a result: each step waits for all the peers.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
ETH_TEST = 0x88B5
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_str(b):
    return ":".join("%02x" % x for x in b)


def frame(src, dst, vid, payload):
    head = mac_bytes(dst) + mac_bytes(src)
    if vid:
        head += struct.pack("!HH", 0x8100, vid)
    f = head + struct.pack("!H", ETH_TEST) + payload
    return f + b"\0" * max(0, 60 - len(f))


def parse(f, auxvid=0):
    """(src, dst, vid, from, index) of a test frame, or None."""
    if len(f) < 14:
        return None
    dst, src = mac_str(f[0:6]), mac_str(f[6:12])
    etype, off, vid = struct.unpack("!H", f[12:14])[0], 14, auxvid
    if etype == 0x8100 and len(f) >= 18:
        vid = struct.unpack("!H", f[14:16])[0] & 0xFFF
        etype, off = struct.unpack("!H", f[16:18])[0], 18
    if etype != ETH_TEST:
        return None
    words = f[off:].rstrip(b"\0").split(b" ")
    if len(words) != 3 or words[0] != b"bht":
        return None
    return (src, dst, vid, words[1].decode("ascii", "replace"),
            words[2].decode("ascii", "replace"))


class Tap:
    def __init__(self):
        self.fd = int(os.environ["BRIDGE_HELPER_FDS"].split(":")[0])
        os.set_blocking(self.fd, False)

    def fileno(self):
        return self.fd

    def send(self, f):
        os.write(self.fd, f)

    def recv(self):
        try:
            return parse(os.read(self.fd, 65536))
        except BlockingIOError:
            return None


class Dev:
    def __init__(self, ifname):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.s.bind((ifname, 0))
        self.s.setblocking(False)

    def fileno(self):
        return self.s.fileno()

    def send(self, f):
        self.s.send(f)

    def recv(self):
        try:
            data, anc, _, addr = self.s.recvmsg(65536, socket.CMSG_SPACE(32))
        except BlockingIOError:
            return None
        if addr[2] == PACKET_OUTGOING:
            return None
        vid = 0
        for level, kind, val in anc:   # the kernel took the tag off
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(val) >= 20:
                status, _, _, _, _, tci = struct.unpack("IIIHHH", val[:18])
                if status & TP_STATUS_VLAN_VALID:
                    vid = tci & 0xFFF
        return parse(data, vid)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--dev")
    ap.add_argument("--name", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--peers", type=int, required=True)
    ap.add_argument("--send", action="append", default=[])
    a = ap.parse_args()
    end = Tap() if a.tap else Dev(a.dev)
    frames = []
    for i, spec in enumerate(a.send):
        p = spec.split(",")
        vid = int(p[2]) if len(p) > 2 else 0
        frames.append(frame(p[0], p[1], vid, b"bht %s %d" % (a.name.encode(), i)))
    path = os.path.join(a.dir, a.name)
    if a.tap:
        with open(path + ".ifname", "w") as f:
            f.write(os.environ.get("BRIDGE_HELPER_IFNAME", "") + "\n")
    seen = set()

    def listen(seconds):
        r, _, _ = select.select([end], [], [], seconds)
        while r:
            got = end.recv()
            if got is None:
                break
            seen.add(" ".join(str(x) for x in got))

    def wait_all(suffix, sending):
        deadline = time.monotonic() + 60
        start = time.monotonic()
        next_send = start
        while (sum(n.endswith(suffix) for n in os.listdir(a.dir)) < a.peers or
               (sending and time.monotonic() < start + 1.5)):
            if time.monotonic() > deadline:
                sys.exit("ethio: the peers never wrote their %s" % suffix)
            if sending and time.monotonic() >= next_send:
                for f in frames:
                    end.send(f)
                next_send = time.monotonic() + 0.1
            listen(0.02)

    # ready: everyone's end is open; started: everyone listens, so what is
    # sent from then on can be heard; sent: nobody sends any more
    open(path + ".ready", "w").close()
    wait_all(".ready", False)
    open(path + ".started", "w").close()
    wait_all(".started", True)
    open(path + ".sent", "w").close()
    wait_all(".sent", False)
    listen(0.3)
    with open(path + ".rx.new", "w") as f:
        for line in sorted(seen):
            f.write(line + "\n")
    os.rename(path + ".rx.new", path + ".rx")


if __name__ == "__main__":
    main()
