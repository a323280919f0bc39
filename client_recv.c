/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: serve a running bridge-helper(8) until it is gone.
 * See client_int.h.
 *
 * Invariants:
 * - Every fd received is O_CLOEXEC (fdpass_recv, MSG_CMSG_CLOEXEC); what is
 *   not the TAP's is closed at once.
 * - The deadline holds whatever the helper does: the clock is checked on
 *   every round, so flooding the socket or stderr still times out.
 * - Every child is reaped on every path; on timeout it is killed first.
 *   No SIGCHLD handler is touched.
 * - Nothing here formats a message: results are -errno and struct xfer,
 *   client.c decides what they mean.
 */
#include "client_int.h"
#include "fdpass.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_MSEC      1000000LL

/* --- the clock ---------------------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t client_deadline(unsigned timeout_ms)
{
	return timeout_ms ? now_ns() + timeout_ms * NSEC_PER_MSEC : INT64_MAX;
}

/* Milliseconds left until DEADLINE for poll(), rounded up; -1: no deadline. */
static int remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline == INT64_MAX)
		return -1;
	left = deadline - now_ns();
	if (left <= 0)
		return 0;
	left = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* --- the socket and the stderr pipe ------------------------------------- */

/* Record why fdpass_recv() stopped (R < 0) in X; returns R. */
static int note_recv_error(struct xfer *x, int r)
{
	if (r == -E2BIG)
		x->extra_more = true;
	else if (r == -EBADMSG)
		x->malformed = true;
	else if (r != -EPIPE && r != -EAGAIN)
		x->recv_err = r;
	return r;
}

/* After the TAP's fds: read to end of file, closing and counting anything
 * else the helper sends. Returns fdpass_recv()'s last result. */
static int recv_extra(int sock, struct xfer *x)
{
	for (int round = 0; round < 16; round++) {
		int scratch[FDPASS_MAX_PER_MSG];
		size_t g = 0;
		int r = fdpass_recv(sock, scratch, FDPASS_MAX_PER_MSG, &g);

		if (r == 0 || r == -EAGAIN)
			close_fds(scratch, g);  /* fdpass closed them otherwise */
		x->extra += g;
		if (r == 0)
			continue;
		return note_recv_error(x, r);
	}
	return -EAGAIN;   /* a flood: let pump() look at the clock */
}

/* Returns -EAGAIN while more is to come, anything else when the socket is
 * done with (end of file or an error recorded in X). */
static int read_sock(int sock, struct xfer *x)
{
	int r;

	if (x->got == x->tap->n)
		return recv_extra(sock, x);
	r = fdpass_recv(sock, x->tap->fds, x->tap->n, &x->got);
	if (r == 0)
		return recv_extra(sock, x);
	return note_recv_error(x, r);
}

/* Keep the first ERR_CAP-1 bytes of the helper's stderr, drain the rest so
 * that a chatty helper never blocks. Returns false at end of file. */
static bool read_err(int fd, struct xfer *x)
{
	for (int round = 0; round < 64; round++) {
		char buf[1024];
		ssize_t n = read(fd, buf, sizeof(buf));
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		keep = sizeof(x->errtext) - 1 - x->errlen;
		if (keep > (size_t)n)
			keep = (size_t)n;
		memcpy(x->errtext + x->errlen, buf, keep);
		x->errlen += keep;
	}
	return true;      /* a flood: let pump() look at the clock */
}

/* Serve the socket and the stderr pipe until both reach end of file.
 * Returns 0, -ETIMEDOUT, or -errno of poll. The clock is checked on every
 * round, so a helper flooding either channel still times out. */
static int pump(struct child *c, struct xfer *x, int64_t deadline)
{
	while (c->sock >= 0 || c->err >= 0) {
		struct pollfd p[2] = {
			{ .fd = c->sock, .events = POLLIN },
			{ .fd = c->err, .events = POLLIN },
		};
		int ms = remaining_ms(deadline), n;

		if (ms == 0)
			return -ETIMEDOUT;
		n = poll(p, 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;         /* the clock decides */
		if (p[0].revents && read_sock(c->sock, x) != -EAGAIN)
			closep(&c->sock);
		if (p[1].revents && !read_err(c->err, x))
			closep(&c->err);
	}
	return 0;
}

/* --- the child ---------------------------------------------------------- */

static void nap_us(long us, int64_t deadline)
{
	int64_t ns = us * 1000LL;
	struct timespec ts;

	if (deadline != INT64_MAX && deadline - now_ns() < ns)
		ns = deadline - now_ns();
	if (ns <= 0)
		return;
	ts.tv_sec = ns / 1000000000LL;
	ts.tv_nsec = ns % 1000000000LL;
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* Wait for PID until DEADLINE, without SIGCHLD: the helper has closed its
 * fds, so it is exiting; poll its state with a short backoff.
 * Returns 0, -ETIMEDOUT, or -errno of waitpid (ECHILD if the caller
 * ignores SIGCHLD and the kernel reaped it). */
static int reap(pid_t pid, int *status, int64_t deadline)
{
	long us = 20;

	for (;;) {
		pid_t p = waitpid(pid, status, WNOHANG);

		if (p == pid)
			return 0;
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return -errno;
		if (remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		nap_us(us, deadline);
		us = us >= 5000 ? 10000 : us * 2;
	}
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int client_collect(struct child *c, struct xfer *x, int64_t deadline,
		   int *status)
{
	int r = pump(c, x, deadline);

	closep(&c->sock);
	closep(&c->err);
	if (r == 0)
		r = reap(c->pid, status, deadline);
	if (r < 0 && r != -ECHILD)
		kill_reap(c->pid);
	return r;
}

bool client_pump_nowait(struct child *c, struct xfer *x)
{
	if (c->sock >= 0 && read_sock(c->sock, x) != -EAGAIN)
		closep(&c->sock);
	if (c->err >= 0 && !read_err(c->err, x))
		closep(&c->err);
	return c->sock < 0 && c->err < 0;
}
