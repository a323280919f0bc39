/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svc_loop: bridge-helperd's event loop. See svc.h.
 *
 * Invariants -- no client can hurt another:
 *  - One thread, one epoll; every socket is non-blocking and every call on
 *    it MSG_DONTWAIT: the service never waits for a client.
 *  - A connection that has not sent its request within the timeout is
 *    closed (a FIFO in accept order is a FIFO in deadline order: O(1)).
 *  - A connection counts against its uid (SO_PEERCRED at accept) until the
 *    client closes it, also after the reply (its fds may still be in
 *    flight, charged to us): at most max_per_uid per uid (the next one is
 *    told so and closed), max_conns in all (then accepting pauses).
 *  - A reply sent, the connection waits for end of file; every timeout it
 *    is closed once the client has read everything (SIOCOUTQ == 0).
 *  - Out of fds (EMFILE): a reserve fd is given up to accept and close the
 *    connection waiting, and accepting pauses for a moment.
 *  - Signals arrive through a signalfd: SIGHUP reloads the policy at the
 *    next request; SIGTERM and SIGINT end the loop. */
#include "svc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define ACCEPT_BATCH   32     /* per listener per round: others get served */
#define PAUSE_MS       100    /* after EMFILE and the like */
#define MAX_EVENTS     64

enum kind { K_LISTEN, K_SIGNAL, K_CONN };

struct src {
	enum kind kind;
	int fd;
};

struct conn {
	struct src src;               /* first: the epoll cookie */
	bool handed;                  /* the reply is sent */
	int64_t deadline;
	struct conn *prev, *next;     /* the FIFO of its phase */
	struct uidcount *uc;
};

struct fifo {
	struct conn *head, *tail;
};

struct uidcount {
	uid_t uid;
	unsigned n;
};

struct loop {
	const struct svc_loop_opts *o;
	struct svc_ids ids;
	int ep;
	struct src *ls;               /* listeners */
	struct src sig;
	int reserve;                  /* /dev/null, given up on EMFILE */
	bool accepting;
	int64_t paused_until;
	int64_t idle_since;
	size_t nconns;
	struct fifo waiting, handed;
	struct uidcount *uids;
	size_t nuids, uids_cap;
	bool stop;
};

/* ---- the time ------------------------------------------------------------- */

int64_t svc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- FIFOs ------------------------------------------------------------------ */

static void fifo_push(struct fifo *f, struct conn *c)
{
	c->next = NULL;
	c->prev = f->tail;
	if (f->tail)
		f->tail->next = c;
	else
		f->head = c;
	f->tail = c;
}

static void fifo_remove(struct fifo *f, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		f->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		f->tail = c->prev;
	c->prev = c->next = NULL;
}

/* ---- per-uid counts --------------------------------------------------------- */

/* Count a connection of UID; NULL if over its cap. A slot whose count is
 * zero is free (nothing points to it) and taken by the next new uid; the
 * table has room for max_conns uids, more than can be connected. */
static struct uidcount *uid_take(struct loop *l, uid_t uid)
{
	struct uidcount *u = NULL, *free_slot = NULL;

	for (size_t i = 0; i < l->nuids && !u; i++) {
		if (l->uids[i].n && l->uids[i].uid == uid)
			u = &l->uids[i];
		else if (!l->uids[i].n && !free_slot)
			free_slot = &l->uids[i];
	}
	if (u && u->n >= l->o->max_per_uid)
		return NULL;
	if (!u && !free_slot && l->nuids < l->uids_cap)
		free_slot = &l->uids[l->nuids++];
	if (!u && !free_slot)
		return NULL;
	if (!u) {
		u = free_slot;
		*u = (struct uidcount){ .uid = uid };
	}
	u->n++;
	return u;
}

static void uid_put(struct uidcount *u)
{
	u->n--;
}

/* ---- listening -------------------------------------------------------------- */

static void set_accepting(struct loop *l, bool on)
{
	if (l->accepting == on)
		return;
	for (size_t i = 0; i < l->o->nlfds; i++) {
		struct epoll_event ev = { .events = on ? EPOLLIN : 0,
					  .data.ptr = &l->ls[i] };

		epoll_ctl(l->ep, EPOLL_CTL_MOD, l->ls[i].fd, &ev);
	}
	l->accepting = on;
}

static void conn_close(struct loop *l, struct conn *c)
{
	fifo_remove(c->handed ? &l->handed : &l->waiting, c);
	close(c->src.fd);              /* also leaves the epoll set */
	uid_put(c->uc);
	free(c);
	if (l->nconns-- == 1)
		l->idle_since = svc_now_ms();
}

/* Out of fds: accept (with the reserve fd given up) and drop the one
 * waiting, so that the backlog moves, then pause. */
static void out_of_fds(struct loop *l, int lfd, int err)
{
	static bool logged;

	if (!logged)
		svc_log(LOG_WARNING, "cannot accept: %s: pausing; lower the load or "
			"raise LimitNOFILE=", strerror(err));
	logged = true;
	if (l->reserve >= 0) {
		close(l->reserve);
		l->reserve = -1;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			close(fd);
		l->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	set_accepting(l, false);
	l->paused_until = svc_now_ms() + PAUSE_MS;
}

/* A new connection FD: counted for its uid, or told why not and closed. */
static void admit(struct loop *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct uidcount *u;
	struct conn *c;
	char msg[128];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		close(fd);
		return;
	}
	if (!(u = uid_take(l, cr.uid))) {
		snprintf(msg, sizeof(msg), "too many connections from uid %u (at most "
			 "%u at once)", (unsigned)cr.uid, l->o->max_per_uid);
		svc_refuse(fd, CORE_SYSTEM, msg);
		close(fd);
		return;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		uid_put(u);
		close(fd);
		return;
	}
	*c = (struct conn){ .src = { K_CONN, fd }, .uc = u,
			    .deadline = svc_now_ms() + l->o->timeout_ms };
	ev.data.ptr = c;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		uid_put(u);
		close(fd);
		free(c);
		return;
	}
	fifo_push(&l->waiting, c);
	l->nconns++;
}

static void on_listen(struct loop *l, int lfd)
{
	for (int i = 0; i < ACCEPT_BATCH && l->accepting; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
			       errno == ENOBUFS || errno == ENOMEM)) {
			out_of_fds(l, lfd, errno);
			return;
		}
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;            /* EAGAIN: drained */
		admit(l, fd);
		if (l->nconns >= l->o->max_conns)
			set_accepting(l, false);
	}
}

/* ---- connections ------------------------------------------------------------ */

static void on_conn(struct loop *l, struct conn *c, uint32_t events)
{
	char byte;
	int r;

	if (c->handed) {              /* only end of file is expected now */
		ssize_t n = recv(c->src.fd, &byte, 1, MSG_DONTWAIT);

		if (n >= 0 || (errno != EAGAIN && errno != EINTR) ||
		    (events & (EPOLLHUP | EPOLLERR)))
			conn_close(l, c);
		return;
	}
	r = svc_serve(c->src.fd, l->o->pol, &l->ids);
	if (r > 0) {
		fifo_remove(&l->waiting, c);
		c->handed = true;
		c->deadline = svc_now_ms() + l->o->timeout_ms;
		fifo_push(&l->handed, c);
	} else if (r < 0 || (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
		conn_close(l, c);         /* done, or gone without a request */
	}
}

/* Deadlines: a client that sent nothing in time is closed; a handed-over
 * connection whose client has read everything is closed (its fds are
 * with it), one still holding unread fds waits another round. */
static void expire(struct loop *l, int64_t now)
{
	struct conn *c;

	while ((c = l->waiting.head) && c->deadline <= now)
		conn_close(l, c);
	while ((c = l->handed.head) && c->deadline <= now) {
		int unread = 0;

		if (ioctl(c->src.fd, SIOCOUTQ, &unread) < 0 || unread == 0) {
			conn_close(l, c);
			continue;
		}
		fifo_remove(&l->handed, c);
		c->deadline = now + l->o->timeout_ms;
		fifo_push(&l->handed, c);
	}
}

static void on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			svc_log(LOG_NOTICE, "SIGHUP: the ACL is read again at the "
				"next request");
			svc_policy_hup(l->o->pol);
		} else {
			l->stop = true;
		}
	}
}

/* ---- the loop ----------------------------------------------------------------- */

/* Milliseconds epoll may sleep: until the first deadline, the end of a
 * pause, or the idle exit. */
static int sleep_ms(const struct loop *l, int64_t now)
{
	int64_t until = INT64_MAX;

	if (l->waiting.head)
		until = l->waiting.head->deadline;
	if (l->handed.head && l->handed.head->deadline < until)
		until = l->handed.head->deadline;
	if (!l->accepting && l->paused_until && l->paused_until < until)
		until = l->paused_until;
	if (l->o->idle_exit_s && l->nconns == 0 &&
	    l->idle_since + l->o->idle_exit_s * 1000LL < until)
		until = l->idle_since + l->o->idle_exit_s * 1000LL;
	if (until == INT64_MAX)
		return -1;
	return until <= now ? 0 : until - now > 60000 ? 60000 : (int)(until - now);
}

static int setup(struct loop *l, const struct svc_loop_opts *o)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;

	memset(l, 0, sizeof(*l));
	l->o = o;
	l->reserve = -1;
	svc_ids_init(&l->ids);
	l->uids_cap = o->max_conns;
	l->uids = calloc(l->uids_cap, sizeof(*l->uids));
	l->ls = calloc(o->nlfds, sizeof(*l->ls));
	if (!l->uids || !l->ls)
		return -ENOMEM;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (l->sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return -errno;
	l->sig.kind = K_SIGNAL;
	ev.data.ptr = &l->sig;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->sig.fd, &ev) < 0)
		return -errno;
	for (size_t i = 0; i < o->nlfds; i++) {
		l->ls[i] = (struct src){ K_LISTEN, o->lfds[i] };
		ev.data.ptr = &l->ls[i];
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, o->lfds[i], &ev) < 0)
			return -errno;
	}
	l->accepting = true;
	l->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	l->idle_since = svc_now_ms();
	return 0;
}

int svc_loop(const struct svc_loop_opts *o)
{
	struct epoll_event evs[MAX_EVENTS];
	struct loop l;
	int r = setup(&l, o);

	if (r < 0) {
		svc_log(LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
		free(l.uids);
		free(l.ls);
		return CORE_SYSTEM;
	}
	while (!l.stop) {
		int64_t now = svc_now_ms();
		int n = epoll_wait(l.ep, evs, MAX_EVENTS, sleep_ms(&l, now));

		if (n < 0 && errno != EINTR) {
			svc_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			return CORE_SYSTEM;
		}
		for (int i = 0; i < n; i++) {
			struct src *s = evs[i].data.ptr;

			if (s->kind == K_LISTEN)
				on_listen(&l, s->fd);
			else if (s->kind == K_SIGNAL)
				on_signal(&l);
			else
				on_conn(&l, (struct conn *)s, evs[i].events);
		}
		now = svc_now_ms();
		expire(&l, now);
		if (!l.accepting && now >= l.paused_until &&
		    l.nconns < o->max_conns)
			set_accepting(&l, true);
		if (o->idle_exit_s && l.nconns == 0 &&
		    now - l.idle_since >= o->idle_exit_s * 1000LL) {
			svc_log(LOG_INFO, "idle for %u s: exiting", o->idle_exit_s);
			break;
		}
	}
	free(l.uids);                     /* connections die with the process */
	free(l.ls);
	return 0;
}
