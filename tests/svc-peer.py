#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
"""svc-peer: a raw (and, on request, hostile) client of bridge-helperd, for
tests/service*.bats. Speaks SOCK_SEQPACKET directly, not through svcmsg.c.

  svc-peer.py SOCK send TEXT     one message (TEXT with \\n escapes); print the
                                 reply ("reply: " + its lines joined by |)
                                 and "fds=N"
  svc-peer.py SOCK sendfd TEXT   the same, with an fd (/dev/null) attached
  svc-peer.py SOCK huge N        an N-byte message
  svc-peer.py SOCK idle N        N connections sending nothing; prints
                                 "open N", then holds them until stdin ends;
                                 prints "closed-by-service K"
  svc-peer.py SOCK flood N       N connections at once; prints "held H
                                 refused R" (refused: told "too many
                                 connections"), holds until stdin ends
  svc-peer.py SOCK unread N      N connections each sending a request for
                                 br0, never reading; "sent N"; holds
  svc-peer.py SOCK halfway N     N times: connect, send a request, close
"""
import array
import os
import select
import socket
import sys

REQ = b"bridge-helper/1\nbr=br0\n"


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s


def reply(s, timeout=10.0):
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return None, 0
    fds = array.array("i")
    try:
        msg, anc, _flags, _ = s.recvmsg(16384, socket.CMSG_SPACE(253 * 4))
    except ConnectionResetError:   # refused at once: the reply follows
        msg, anc, _flags, _ = s.recvmsg(16384, socket.CMSG_SPACE(253 * 4))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    for fd in fds:
        os.close(fd)
    return msg, len(fds)


def hold():
    sys.stdout.flush()
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass


def main():
    path, mode = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    if mode in ("send", "sendfd", "huge"):
        s = connect(path)
        if mode == "huge":
            data = b"bridge-helper/1\n" + b"x" * (int(arg) - 16)
        else:
            data = arg.encode().decode("unicode_escape").encode("latin-1")
        anc = []
        if mode == "sendfd":
            fd = os.open("/dev/null", os.O_RDONLY)
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))]
        try:
            s.sendmsg([data], anc)
        except (BrokenPipeError, ConnectionResetError):
            pass                   # refused at once: the reply is queued
        msg, n = reply(s)
        if not msg:
            print("no reply")
        else:
            print("reply: " + "|".join(msg.decode("latin-1").rstrip("\n").split("\n")))
        print("fds=%d" % n)
        return
    n = int(arg)
    socks = []
    if mode == "idle":
        socks = [connect(path) for _ in range(n)]
        print("open %d" % len(socks))
        hold()
        closed = 0
        for s in socks:
            r, _, _ = select.select([s], [], [], 0)
            if r and s.recv(1) == b"":
                closed += 1
        print("closed-by-service %d" % closed)
    elif mode == "flood":
        held = refused = 0
        for _ in range(n):
            try:
                socks.append(connect(path))
            except OSError as e:
                print("connect: %s" % e)
                break
        for s in socks:
            msg, _ = reply(s, 0.2 if held < 64 else 0.01)
            if msg and b"too many connections" in msg:
                refused += 1
            else:
                held += 1
        print("held %d refused %d" % (held, refused))
        hold()
    elif mode == "unread":
        for _ in range(n):
            s = connect(path)
            s.send(REQ)
            socks.append(s)
        print("sent %d" % n)
        hold()
    elif mode == "halfway":
        for _ in range(n):
            s = connect(path)
            s.send(REQ)
            s.close()
        print("done %d" % n)
    else:
        sys.exit("unknown mode " + mode)


main()
