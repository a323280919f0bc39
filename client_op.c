/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: bh_open() for event loops (bh_open_start, bh_op_*).
 * See bridge-helper.h.
 *
 * One epoll fd is the operation's pollable face: it holds the service
 * connection (once connected), or the helper's socket, its stderr pipe and
 * a pidfd of the helper (readable when it exits). The same pieces as
 * bh_open() judge the outcome (client_service_finish, client_judge,
 * client_describe), so results and messages are the same.
 *
 * Invariants: nothing blocks but bh_op_free() reaping a helper it has just
 * killed; every fd is O_CLOEXEC; every child is reaped, on every path. */
#include "client_int.h"
#include "client_service.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define BH_EXPORT __attribute__((visibility("default")))

struct bh_op {
	int ep;
	bool service, finished;
	unsigned timeout_ms;
	int64_t deadline;
	struct svc_call call;          /* the service path */
	bool registered;
	struct child c;                /* the helper path */
	struct xfer x;
	int pidfd;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int watch(int ep, int fd, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return fd < 0 || epoll_ctl(ep, op, fd, &ev) == 0 ? 0 : -errno;
}

static void kill_reap(struct bh_op *op)
{
	if (op->c.pid <= 0)
		return;
	kill(op->c.pid, SIGKILL);
	while (waitpid(op->c.pid, NULL, 0) < 0 && errno == EINTR)
		;
	op->c.pid = -1;
}

BH_EXPORT void bh_op_free(struct bh_op *op)
{
	if (!op)
		return;
	svc_call_end(&op->call);
	kill_reap(op);
	closep(&op->c.sock);
	closep(&op->c.err);
	closep(&op->pidfd);
	closep(&op->ep);
	bh_tap_free(op->x.tap);
	free(op);
}

static int start_helper(struct bh_op *op, const struct bh_request *req,
			struct errmsg *m)
{
	char eb[128];
	int r;

	op->x.tap = client_tap_new(req->queues);
	if (!op->x.tap)
		return fail(m, BH_E_SYSTEM, "out of memory");
	if ((r = client_spawn(&op->c, req, m)) < 0)
		return r;
	op->pidfd = (int)syscall(SYS_pidfd_open, op->c.pid, 0);  /* CLOEXEC */
	if ((r = watch(op->ep, op->c.sock, EPOLLIN, EPOLL_CTL_ADD)) < 0 ||
	    (r = watch(op->ep, op->c.err, EPOLLIN, EPOLL_CTL_ADD)) < 0 ||
	    (r = watch(op->ep, op->pidfd, EPOLLIN, EPOLL_CTL_ADD)) < 0)
		return fail(m, BH_E_SYSTEM, "cannot watch the helper: %s",
			    errstr(-r, eb, sizeof(eb)));
	return 0;
}

BH_EXPORT int bh_open_start(const struct bh_request *req, struct bh_op **opp,
			    char *errbuf, size_t errlen)
{
	struct errmsg m = { .buf = errbuf, .len = errlen };
	struct bh_op *op;
	char eb[128];
	int r;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!req || !opp)
		return fail(&m, BH_E_INVAL, "bh_open_start: no request or no result "
			    "pointer");
	*opp = NULL;
	if (!(op = calloc(1, sizeof(*op))))
		return fail(&m, BH_E_SYSTEM, "out of memory");
	op->call.fd = op->c.sock = op->c.err = op->pidfd = -1;
	op->c.pid = -1;
	op->timeout_ms = req->timeout_ms;
	op->deadline = client_deadline(req->timeout_ms);
	if ((op->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		r = fail(&m, BH_E_SYSTEM, "cannot create an epoll fd: %s",
			 errstr(errno, eb, sizeof(eb)));
		bh_op_free(op);
		return r;
	}
	r = client_service_begin(req, &op->call, &m);
	op->service = r == 0;
	if (r == 1)
		r = start_helper(op, req, &m);
	if (r < 0) {
		bh_op_free(op);
		return r;
	}
	*opp = op;
	return 0;
}

BH_EXPORT int bh_op_fd(const struct bh_op *op)
{
	return op ? op->ep : -1;
}

BH_EXPORT int bh_op_timeout(const struct bh_op *op)
{
	int64_t left;
	int ms = -1;

	if (!op || op->finished)
		return 0;
	if (op->service)
		ms = svc_call_wait_ms(&op->call);
	else if (op->pidfd < 0 && op->c.sock < 0 && op->c.err < 0)
		ms = 1;                        /* no pidfd: poll for the exit */
	if (op->deadline == INT64_MAX)
		return ms;
	left = (op->deadline - now_ns() + 999999) / 1000000;
	if (left < 0)
		left = 0;
	return ms < 0 || left < ms ? (left > 60000 ? 60000 : (int)left) : ms;
}

/* The service path: 1 while it goes on. */
static int step_service(struct bh_op *op, struct bh_tap **tapp,
			struct errmsg *m)
{
	int r = svc_call_step(&op->call);
	short ev;

	if (r == -EAGAIN && now_ns() >= op->deadline)
		r = -ETIMEDOUT;
	if (r != -EAGAIN)
		return client_service_finish(&op->call, r, op->timeout_ms, tapp, m);
	ev = svc_call_events(&op->call);
	if (ev && watch(op->ep, op->call.fd, (ev & POLLOUT ? EPOLLOUT : 0) |
			(ev & POLLIN ? EPOLLIN : 0),
			op->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD) == 0)
		op->registered = true;
	return 1;
}

/* The helper path: 1 while it goes on. */
static int step_helper(struct bh_op *op, struct bh_tap **tapp,
		       struct errmsg *m)
{
	int status = 0, r;
	pid_t p;

	if (now_ns() >= op->deadline) {
		kill_reap(op);
		return fail(m, BH_E_TIMEOUT, "helper did not answer within %u ms: "
			    "killed", op->timeout_ms);
	}
	if (!client_pump_nowait(&op->c, &op->x))
		return 1;
	do
		p = waitpid(op->c.pid, &status, WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == 0)
		return 1;                      /* exiting: the pidfd will say */
	op->c.pid = -1;
	r = client_judge(&op->x, p < 0 ? -errno : 0, status, m);
	if (r == 0)
		r = client_describe(op->x.tap, m);
	if (r == 0) {
		*tapp = op->x.tap;
		op->x.tap = NULL;
	}
	return r;
}

BH_EXPORT int bh_op_step(struct bh_op *op, struct bh_tap **tapp, char *errbuf,
			 size_t errlen)
{
	struct errmsg m = { .buf = errbuf, .len = errlen };
	int r;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!op || !tapp)
		return fail(&m, BH_E_INVAL, "bh_op_step: no operation or no result "
			    "pointer");
	*tapp = NULL;
	if (op->finished)
		return fail(&m, BH_E_INVAL, "bh_op_step: the operation is finished");
	r = op->service ? step_service(op, tapp, &m) : step_helper(op, tapp, &m);
	op->finished = r != 1;
	return r;
}
