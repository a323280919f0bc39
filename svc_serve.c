/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svc_serve: one request to bridge-helperd, as a short story:
 *  1. read ONE message, without waiting; refuse one that is too large,
 *     carries fds, or is not a protocol-1 request (svcmsg);
 *  2. who asks is what the kernel captured at connect: SO_PEERCRED,
 *     SO_PEERGROUPS (required), SO_PEERPIDFD for the log where the kernel
 *     has it; an id this namespace does not map matches nothing;
 *  3. the policy is brought up to date, once, before the core runs;
 *  4. /dev/net/tun is opened here, the core decides and creates
 *     (core_create / core_check: the same code as the setuid door's);
 *  5. the reply carries the fds; if it cannot be sent, our copies close
 *     and the TAP, never persistent, is gone.
 * Never blocks: every socket call is MSG_DONTWAIT. */
#include "svc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "fdpass.h"
#include "svcmsg.h"
#include "tap.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77                  /* Linux 6.5 */
#endif

#define MAX_GROUPS 65536

/* ---- the reply -------------------------------------------------------------- */

/* Send REP with FDS (N of them; the first 253 ride on the reply). */
static int send_reply(int fd, const struct svcmsg_reply *rep, const int *fds,
		      size_t n)
{
	char buf[SVCMSG_REPLY_MAX];
	ssize_t len = svcmsg_reply_encode(rep, buf, sizeof(buf));
	size_t first = n > FDPASS_MAX_PER_MSG ? FDPASS_MAX_PER_MSG : n;
	static const char byte = 0;
	int r;

	if (len < 0)
		return (int)len;
	r = fdpass_sendmsg(fd, buf, (size_t)len, fds, first, MSG_DONTWAIT);
	for (size_t done = first; r == 0 && done < n; done += first) {
		first = n - done > FDPASS_MAX_PER_MSG ? FDPASS_MAX_PER_MSG : n - done;
		r = fdpass_sendmsg(fd, &byte, 1, fds + done, first, MSG_DONTWAIT);
	}
	return r;
}

void svc_refuse(int fd, int status, const char *msg)
{
	struct svcmsg_reply rep = { .status = status };

	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	send_reply(fd, &rep, NULL, 0);
}

__attribute__((format(printf, 3, 4)))
static int refuse(int fd, int status, const char *fmt, ...)
{
	char msg[CORE_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	svc_refuse(fd, status, msg);
	return 1;
}

/* ---- 2. who is asking ------------------------------------------------------- */

/* The first LEN bytes of a /proc file at PATH into BUF (NUL-terminated). */
static size_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

/* The next number in *P (skipping blanks); false if none. */
static bool next_ul(char **p, unsigned long *v)
{
	char *end;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*v = strtoul(*p, &end, 10);
	if (errno)
		return false;
	*p = end;
	return true;
}

/* Is the map at PATH the identity over all 2^32 ids (one line "0 0
 * 4294967295")? Then no id seen through SO_PEERCRED is ever unmapped. */
static bool full_map(const char *path)
{
	char buf[256], *p = buf;
	unsigned long a, b, c;

	if (!read_small(path, buf, sizeof(buf)))
		return false;
	return next_ul(&p, &a) && next_ul(&p, &b) && next_ul(&p, &c) && a == 0 &&
	       b == 0 && c == 4294967295UL && (!*p || !strcmp(p, "\n"));
}

static unsigned long overflow_id(const char *path)
{
	char buf[32], *p = buf;
	unsigned long v;

	if (read_small(path, buf, sizeof(buf)) && next_ul(&p, &v) &&
	    v < 4294967295UL)
		return v;
	return 65534;
}

void svc_ids_init(struct svc_ids *ids)
{
	ids->full_uid_map = full_map("/proc/self/uid_map");
	ids->full_gid_map = full_map("/proc/self/gid_map");
	ids->overflow_uid = (uid_t)overflow_id("/proc/sys/kernel/overflowuid");
	ids->overflow_gid = (gid_t)overflow_id("/proc/sys/kernel/overflowgid");
}

struct who {
	struct core_caller c;
	gid_t *groups;
	gid_t small[64];
};

/* SO_PEERGROUPS: the caller's supplementary groups at connect. */
static int peer_groups(int fd, struct who *w, const struct svc_ids *ids)
{
	socklen_t len = sizeof(w->small);
	size_t n, kept = 0;

	w->groups = w->small;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, w->groups, &len) < 0) {
		if (errno != ERANGE || len > MAX_GROUPS * sizeof(gid_t))
			return -errno;
		if (!(w->groups = malloc(len)))
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, w->groups, &len) < 0)
			return -errno;
	}
	n = len / sizeof(gid_t);
	for (size_t i = 0; i < n; i++)     /* an unmapped group matches nothing */
		if (ids->full_gid_map || w->groups[i] != ids->overflow_gid)
			w->groups[kept++] = w->groups[i];
	w->c.groups = w->groups;
	w->c.ngroups = kept;
	return 0;
}

/* The pid of the connecting process now, from its pidfd: -1 if it has
 * exited (its number may then be another process's); the SO_PEERCRED pid
 * where the kernel has no SO_PEERPIDFD. */
static pid_t peer_pid(int fd, pid_t cred_pid)
{
	char path[64], buf[1024], *p;
	socklen_t len = sizeof(int);
	int pidfd = -1;
	unsigned long v;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
		return cred_pid;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	read_small(path, buf, sizeof(buf));
	close(pidfd);
	if (!(p = strstr(buf, "\nPid:")))
		return cred_pid;
	p += 5;
	if (next_ul(&p, &v) && v > 0 && v <= INT_MAX)
		return (pid_t)v;
	return -1;                         /* "Pid: -1": it has exited */
}

static void peer_name(struct who *w)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(w->c.uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
	    strlen(res->pw_name) < sizeof(w->c.name))
		snprintf(w->c.name, sizeof(w->c.name), "%s", res->pw_name);
	else
		snprintf(w->c.name, sizeof(w->c.name), "#%u", (unsigned)w->c.uid);
}

/* Fill W from the kernel; 1: refused (replied), 0: ok, -1: close. */
static int identify(int fd, struct who *w, const struct svc_ids *ids)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int r;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	if (!ids->full_uid_map && cr.uid == ids->overflow_uid) {
		svc_log(LOG_NOTICE, "pid=%ld: denied: uid not mapped in the service's "
			"user namespace", (long)cr.pid);
		return refuse(fd, CORE_DENIED, "your uid is not mapped in the "
			      "service's user namespace: nothing can be allowed");
	}
	w->c.uid = cr.uid;
	w->c.gid = !ids->full_gid_map && cr.gid == ids->overflow_gid ?
		   (gid_t)-1 : cr.gid;
	if ((r = peer_groups(fd, w, ids)) < 0)
		return refuse(fd, CORE_SYSTEM, "cannot read the caller's groups "
			      "(SO_PEERGROUPS): %s", strerror(-r));
	w->c.pid = peer_pid(fd, cr.pid);
	w->c.via = "service";
	peer_name(w);
	return 0;
}

/* ---- 1. the request --------------------------------------------------------- */

enum { RQ_CLOSE = -1, RQ_NONE = 0, RQ_REFUSED = 1, RQ_OK = 2 };

/* RQ_OK and the request in RQ, RQ_NONE yet, RQ_CLOSE, or RQ_REFUSED (the
 * reply is sent). */
static int read_request(int fd, struct svcmsg_req *rq)
{
	char buf[SVCMSG_REQ_MAX + 1], err[SVCMSG_ERR_MAX];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? RQ_NONE : RQ_CLOSE;
	if (n == 0)
		return RQ_CLOSE;               /* end of file (or an empty record) */
	if (msg.msg_flags & MSG_CTRUNC)        /* the kernel closed any fds */
		return refuse(fd, CORE_USAGE, "bad request: it carries ancillary "
			      "data (fds?)"), RQ_REFUSED;
	if (msg.msg_flags & MSG_TRUNC || (size_t)n > SVCMSG_REQ_MAX)
		return refuse(fd, CORE_USAGE, "bad request: larger than %d bytes",
			      SVCMSG_REQ_MAX), RQ_REFUSED;
	if (svcmsg_req_decode(buf, (size_t)n, rq, err, sizeof(err)) < 0)
		return refuse(fd, CORE_USAGE, "bad request: %s", err), RQ_REFUSED;
	return RQ_OK;
}

/* ---- 4. and 5. ------------------------------------------------------------- */

static int do_check(int fd, const struct core_req *req, const struct who *w,
		    const struct core_policy *cp)
{
	struct svcmsg_reply rep;
	struct core_result res;

	memset(&rep, 0, sizeof(rep));
	rep.status = core_check(req, &w->c, cp, rep.report, sizeof(rep.report),
				&res);
	if (rep.status != CORE_OK)
		snprintf(rep.msg, sizeof(rep.msg), "%s", res.msg[0] ? res.msg :
			 "denied");
	send_reply(fd, &rep, NULL, 0);
	return 1;
}

static int do_create(int fd, const struct core_req *req, const struct who *w,
		     const struct core_policy *cp)
{
	int tunfds[TAP_MAX_QUEUES];
	struct svcmsg_reply rep;
	struct core_result res;
	int r;

	memset(&rep, 0, sizeof(rep));
	if ((r = tap_open_tun(req->queues, tunfds)) < 0)
		return refuse(fd, CORE_SYSTEM, "cannot open /dev/net/tun: %s",
			      strerror(-r));
	rep.status = core_create(req, &w->c, cp, tunfds, &res);
	if (rep.status == CORE_OK) {
		snprintf(rep.tap, sizeof(rep.tap), "%s", res.tap);
		rep.vnet_hdr = res.vnet_hdr;
		rep.queues = req->queues;
		rep.sndbuf = res.sndbuf;
	} else {
		snprintf(rep.msg, sizeof(rep.msg), "%s", res.msg);
	}
	r = send_reply(fd, &rep, tunfds, rep.status == CORE_OK ? req->queues : 0);
	if (r < 0 && rep.status == CORE_OK)
		svc_log(LOG_NOTICE, "uid=%u user=%s via=service pid=%ld cannot pass "
			"%s to the caller: %s", (unsigned)w->c.uid, w->c.name,
			(long)w->c.pid, res.tap, strerror(-r));
	for (unsigned i = 0; i < req->queues; i++)
		close(tunfds[i]);             /* the caller's now, or gone */
	return r < 0 ? -1 : 1;
}

int svc_serve(int fd, struct svc_policy *pol, const struct svc_ids *ids)
{
	const struct core_policy cp = { svc_policy_get, pol };
	struct svcmsg_req rq;
	struct core_req req;
	struct who w = { .groups = NULL };
	int r;

	if ((r = read_request(fd, &rq)) != RQ_OK)
		return r == RQ_REFUSED ? 1 : r;
	if ((r = identify(fd, &w, ids)) == 0) {
		svc_policy_refresh(pol);
		req = (struct core_req){ .br = rq.br, .vnet_hdr = rq.vnet_hdr,
					 .queues = rq.queues, .sndbuf = rq.sndbuf,
					 .has_mac = rq.has_mac };
		memcpy(req.mac, rq.mac, sizeof(req.mac));
		r = rq.op == SVCMSG_CHECK ? do_check(fd, &req, &w, &cp)
					  : do_create(fd, &req, &w, &cp);
	}
	if (w.groups && w.groups != w.small)
		free(w.groups);
	return r;
}
