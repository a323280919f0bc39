/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fdpass: send and receive file descriptors over an AF_UNIX stream socket.
 * Shared by bridge-helper (sender) and libbridge-helper (receiver).
 *
 * Wire format (QEMU compatible): each message carries a 1-byte payload and
 * up to FDPASS_MAX_PER_MSG descriptors as one SCM_RIGHTS control message.
 * More descriptors are sent as several such messages, in order.
 */
#ifndef BH_FDPASS_H
#define BH_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* The kernel's SCM_MAX_FD: at most this many fds in one SCM_RIGHTS message. */
#define FDPASS_MAX_PER_MSG 253

/* Send NFDS descriptors (1..) over SOCK with MSG_NOSIGNAL.
 * Returns 0, or -errno (-EPIPE when the peer has gone away). */
int fdpass_send(int sock, const int *fds, size_t nfds);

/* One message: LEN (>= 1) bytes of BUF and NFDS (0..FDPASS_MAX_PER_MSG)
 * fds, sendmsg FLAGS | MSG_NOSIGNAL (e.g. MSG_DONTWAIT). Any AF_UNIX type;
 * on SOCK_SEQPACKET it is one record. Returns 0 or -errno. */
int fdpass_sendmsg(int sock, const void *buf, size_t len, const int *fds,
		   size_t nfds, int flags);

/* One message into BUF (CAP bytes) with its fds into FDS (up to MAX, all
 * O_CLOEXEC), recvmsg FLAGS (e.g. MSG_DONTWAIT). Returns the payload's
 * length (0: end of file, or an empty record) with *NFDS set, or -errno:
 * -EBADMSG for a truncated payload (MSG_TRUNC: larger than CAP on
 * SOCK_SEQPACKET) or control message, or a foreign one; -E2BIG for more
 * than MAX fds. On error no fd of the message stays open. */
ssize_t fdpass_recvmsg(int sock, void *buf, size_t cap, int *fds, size_t max,
		       size_t *nfds, int flags);

/* Receive exactly WANT descriptors from SOCK into FDS (MSG_CMSG_CLOEXEC,
 * EINTR-safe, blocking unless SOCK is non-blocking).
 * Returns 0 when WANT fds arrived. On error returns -errno and closes every
 * fd received so far; *GOT (may be NULL) says how many had arrived:
 *   -EPIPE      peer closed the socket (end of file) before WANT fds arrived
 *   -EBADMSG    a message without fds, with a foreign control message, or a
 *               truncated control message (MSG_CTRUNC) / payload
 *   -E2BIG      more fds arrived than WANT (the extra ones are closed too)
 *   -EAGAIN     non-blocking socket has no message yet (fds kept: call again
 *               with the same arrays; *GOT tells the progress)
 * When -EAGAIN is returned, the fds received so far are NOT closed and the
 * caller passes GOT back in through *GOT on the next call. */
int fdpass_recv(int sock, int *fds, size_t want, size_t *got);

#endif
