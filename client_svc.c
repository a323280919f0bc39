/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* client_svc: one call to bridge-helperd, step by step. See client_svc.h.
 *
 * Invariants:
 * - Every fd is O_CLOEXEC from birth (SOCK_CLOEXEC, MSG_CMSG_CLOEXEC),
 *   and every call on the socket is non-blocking.
 * - Exactly the fds announced are accepted: more, fewer, fds with a
 *   refusal, or a malformed reply are protocol errors, and every fd
 *   received is then closed.
 * - Nothing is printed and nothing global is touched: calls in several
 *   threads at once are independent. */
#include "client_svc.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"

#define RETRY_MAX_MS 20

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Thread-safe strerror (GNU strerror_r returns a string, maybe not BUF). */
static const char *errtext(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

__attribute__((format(printf, 3, 4)))
static int bad(struct svc_call *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return err;
}

static void close_held(struct svc_call *c)
{
	for (size_t i = 0; i < c->got; i++)
		if (c->fds[i] >= 0) {
			close(c->fds[i]);
			c->fds[i] = -1;
		}
	c->got = 0;
}

void svc_call_end(struct svc_call *c)
{
	close_held(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = SVC_DONE;
}

int svc_call_take_fd(struct svc_call *c, unsigned i)
{
	int fd = i < c->got ? c->fds[i] : -1;

	if (i < c->got)
		c->fds[i] = -1;
	return fd;
}

/* connect(2) once. 0: connected; -EAGAIN: the backlog is full, try again;
 * other -errno: no service there. */
static int try_connect(struct svc_call *c)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memcpy(a.sun_path, c->path, strlen(c->path) + 1);
	if (connect(c->fd, (const struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
}

int svc_call_start(struct svc_call *c, const char *path,
		   const struct svcmsg_req *rq)
{
	ssize_t n;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->state = SVC_DONE;
	for (size_t i = 0; i < SVCMSG_MAX_QUEUES; i++)
		c->fds[i] = -1;
	if (!path)
		path = BH_SOCKET_PATH;
	if (!*path || strlen(path) >= sizeof(c->path))
		return -EINVAL;
	memcpy(c->path, path, strlen(path) + 1);
	if ((n = svcmsg_req_encode(rq, c->req, sizeof(c->req))) < 0)
		return (int)n;
	c->reqlen = (size_t)n;
	c->want = rq->op == SVCMSG_CREATE ? rq->queues : 0;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	r = try_connect(c);
	if (r < 0 && r != -EAGAIN) {
		close(c->fd);
		c->fd = -1;
		return r;
	}
	c->state = r == 0 ? SVC_SENDING : SVC_CONNECTING;
	c->retry_ms = 1;
	return 0;
}

/* The reply message, with the first fds. */
static int read_reply(struct svc_call *c)
{
	char buf[SVCMSG_REPLY_MAX + 1], err[SVCMSG_ERR_MAX], eb[128];
	size_t first = c->want > FDPASS_MAX_PER_MSG ? FDPASS_MAX_PER_MSG : c->want;
	size_t n = 0;
	ssize_t len = fdpass_recvmsg(c->fd, buf, sizeof(buf), c->fds,
				     first, &n, MSG_DONTWAIT);

	/* A service that refuses at once (too many connections) closes with
	 * our request unread: the kernel reports ECONNRESET first, once, and
	 * then the refusal it had queued. */
	if (len == -ECONNRESET)
		len = fdpass_recvmsg(c->fd, buf, sizeof(buf), c->fds, first, &n,
				     MSG_DONTWAIT);

	if (len == -EAGAIN)
		return -EAGAIN;
	if (len == -E2BIG || len == -EBADMSG)
		return bad(c, -EPROTO, "a malformed reply (%s)", len == -E2BIG ?
			   "too many fds" : "truncated or foreign data");
	if (len < 0)
		return bad(c, (int)len, "cannot receive the reply: %s",
			   errtext((int)-len, eb, sizeof(eb)));
	c->got = n;
	if (len == 0)
		return bad(c, -EPIPE, "the service closed the connection without "
			   "a reply");
	if (svcmsg_reply_decode(buf, (size_t)len, &c->rep, err, sizeof(err)) < 0)
		return bad(c, -EPROTO, "a malformed reply: %s", err);
	if (c->rep.status != 0 && n)
		return bad(c, -EPROTO, "a refusal with fds");
	if (c->rep.status != 0 || !c->want)
		return c->rep.queues ? bad(c, -EPROTO, "a TAP not asked for") : 0;
	if (c->rep.queues != c->want)
		return bad(c, -EPROTO, "%u queues, asked for %u", c->rep.queues,
			   c->want);
	if (n != first)
		return bad(c, -EPROTO, "%zu fds with the reply, expected %zu", n, first);
	return c->got == c->want ? 0 : -EAGAIN;
}

/* The fds beyond the first 253 (fdpass's messages). */
static int read_more_fds(struct svc_call *c)
{
	int r = fdpass_recv(c->fd, c->fds, c->want, &c->got);

	if (r == -EAGAIN || r == 0)
		return r;
	c->got = 0;                        /* fdpass_recv closed them */
	return bad(c, r == -EPIPE ? -EPROTO : r, "%s fds after the reply",
		   r == -EPIPE ? "too few" : "malformed");
}

static int step(struct svc_call *c)
{
	char eb[128];
	int r;

	switch (c->state) {
	case SVC_CONNECTING:
		if ((r = try_connect(c)) < 0)
			return r == -EAGAIN ? r : bad(c, r, "cannot connect: %s",
						      errtext(-r, eb, sizeof(eb)));
		c->state = SVC_SENDING;
		/* fall through */
	case SVC_SENDING:
		r = fdpass_sendmsg(c->fd, c->req, c->reqlen, NULL, 0, MSG_DONTWAIT);
		if (r == -EAGAIN)
			return r;
		/* A service that refuses at once (too many connections) may have
		 * replied and closed before our request went out: read that. */
		if (r < 0 && r != -EPIPE && r != -ECONNRESET)
			return bad(c, r, "cannot send the request: %s",
				   errtext(-r, eb, sizeof(eb)));
		c->state = SVC_REPLY;
		/* fall through */
	case SVC_REPLY:
		if ((r = read_reply(c)) != 0 && !(r == -EAGAIN && c->got))
			return r;
		c->state = r == 0 ? SVC_DONE : SVC_FDS;
		if (r == 0)
			return 0;
		/* fall through */
	case SVC_FDS:
		if ((r = read_more_fds(c)) != 0)
			return r;
		c->state = SVC_DONE;
		return 0;
	case SVC_DONE:
		break;
	}
	return 0;
}

int svc_call_step(struct svc_call *c)
{
	int r = step(c);

	if (r < 0 && r != -EAGAIN)
		close_held(c);
	if (r == -EAGAIN && c->state == SVC_CONNECTING && c->retry_ms < RETRY_MAX_MS)
		c->retry_ms *= 2;
	return r;
}

short svc_call_events(const struct svc_call *c)
{
	switch (c->state) {
	case SVC_CONNECTING:
		return 0;
	case SVC_SENDING:
		return POLLOUT;
	default:
		return POLLIN;
	}
}

int svc_call_wait_ms(const struct svc_call *c)
{
	return c->state == SVC_CONNECTING ? (int)c->retry_ms : -1;
}

int svc_call_run(struct svc_call *c, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = svc_call_events(c) };
		int64_t left;
		int r = svc_call_step(c), ms;

		if (r != -EAGAIN)
			return r;
		left = deadline == INT64_MAX ? INT64_MAX : deadline - now_ns();
		if (left <= 0) {
			close_held(c);
			return bad(c, -ETIMEDOUT, "no answer in time");
		}
		ms = svc_call_wait_ms(c);
		if (left != INT64_MAX && left < 60000000000LL &&
		    (ms < 0 || ms > (left + 999999) / 1000000))
			ms = (int)((left + 999999) / 1000000);
		else if (left != INT64_MAX && ms < 0)
			ms = 60000;
		if (poll(&p, 1, ms) < 0 && errno != EINTR) {
			char eb[128];
			int e = errno;

			close_held(c);
			return bad(c, -e, "poll: %s", errtext(e, eb, sizeof(eb)));
		}
	}
}
