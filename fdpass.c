/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fdpass: SCM_RIGHTS over an AF_UNIX stream socket. See fdpass.h. */
#include "fdpass.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

union fdpass_cmsg {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_PER_MSG)];
};

int fdpass_sendmsg(int sock, const void *buf, size_t len, const int *fds,
		   size_t nfds, int flags)
{
	union fdpass_cmsg cbuf;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = nfds ? cbuf.buf : NULL,
		.msg_controllen = nfds ? CMSG_SPACE(sizeof(int) * nfds) : 0,
	};
	struct cmsghdr *c;
	ssize_t r;

	if (len == 0 || nfds > FDPASS_MAX_PER_MSG)
		return -EINVAL;
	if (nfds) {
		memset(&cbuf, 0, sizeof(cbuf));
		c = &cbuf.align;             /* CMSG_FIRSTHDR(&msg), never NULL */
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

static int send_some(int sock, const int *fds, size_t n)
{
	static const char byte = 0;

	return fdpass_sendmsg(sock, &byte, 1, fds, n, 0);
}

int fdpass_send(int sock, const int *fds, size_t nfds)
{
	size_t done = 0;

	if (nfds == 0)
		return -EINVAL;
	while (done < nfds) {
		size_t n = nfds - done;
		int r;

		if (n > FDPASS_MAX_PER_MSG)
			n = FDPASS_MAX_PER_MSG;
		r = send_some(sock, fds + done, n);
		if (r < 0)
			return r;
		done += n;
	}
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Take the fds of every SCM_RIGHTS cmsg: append up to WANT, close the rest.
 * Returns the number of fds the message carried, or -EBADMSG for a foreign
 * control message (its fds, if any, are still closed). */
static int take_fds(struct msghdr *msg, int *fds, size_t want, size_t *got)
{
	int total = 0, bad = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*got < want)
				fds[(*got)++] = fd;
			else
				close(fd);
			total++;
		}
	}
	return bad ? -EBADMSG : total;
}

ssize_t fdpass_recvmsg(int sock, void *buf, size_t cap, int *fds, size_t max,
		       size_t *nfds, int flags)
{
	union fdpass_cmsg cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	size_t got = 0;
	ssize_t n;
	int r;

	*nfds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r = take_fds(&msg, fds, max, &got);
	if (r < 0 || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		close_all(fds, got);
		return -EBADMSG;
	}
	if ((size_t)r > max) {
		close_all(fds, got);
		return -E2BIG;
	}
	*nfds = got;
	return n;
}

int fdpass_recv(int sock, int *fds, size_t want, size_t *gotp)
{
	size_t got = gotp ? *gotp : 0;
	size_t before;
	int r;

	while (got < want) {
		union fdpass_cmsg cbuf;
		char byte;
		struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
		};
		ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (gotp)
				*gotp = got;
			return -EAGAIN;
		}
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		before = got;
		r = take_fds(&msg, fds, want, &got);
		if (n == 0 && r == 0) {
			r = -EPIPE;
			goto fail;
		}
		if (r < 0 || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
			r = -EBADMSG;
			goto fail;
		}
		if (r == 0) {            /* payload without fds */
			r = -EBADMSG;
			goto fail;
		}
		if (before + (size_t)r > want) {
			r = -E2BIG;
			goto fail;
		}
	}
	if (gotp)
		*gotp = got;
	return 0;
fail:
	if (gotp)
		*gotp = got;
	close_all(fds, got);
	return r;
}
