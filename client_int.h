/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper internals, shared by its three pieces and not installed:
 *   client.c        the bh_ API: requests, bh_open(), judging the outcome
 *                   into one message, results
 *   client_spawn.c  starting the helper (posix_spawn, its fd table)
 *   client_recv.c   the running helper: fds, stderr, deadline, reaping
 * Nothing here is exported from the shared object: the library is built
 * with -fvisibility=hidden, and CLIENT_HIDDEN says so again for the few
 * functions that cross files, so that libbridge-helper.map's bh_* can
 * never pick them up.
 */
#ifndef BH_CLIENT_INT_H
#define BH_CLIENT_INT_H

#include "bridge-helper.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <net/if.h>

#define CLIENT_HIDDEN __attribute__((visibility("hidden")))

#define ERR_CAP 4096   /* bytes of the helper's stderr kept */

struct bh_request {
	char *bridge;
	char *helper;          /* never NULL */
	char *acl;             /* NULL: the helper's system ACL */
	bool vnet_hdr;
	unsigned queues;       /* 1..MAX_QUEUES */
	int sndbuf;            /* 0: not asked for */
	bool has_mac;          /* bh_request_set_mac() */
	uint8_t mac[6];
	unsigned timeout_ms;   /* 0: wait forever */
	int mode;              /* enum bh_mode */
	char *socket;          /* NULL: BH_SOCKET_PATH */
};

struct bh_tap {
	unsigned n;
	bool vnet_hdr;
	char name[IFNAMSIZ];   /* "" when fds[0] is not a TUN/TAP (test doubles) */
	int fds[];             /* -1 once taken or closed */
};

/* Our side of a running helper. */
struct child {
	pid_t pid;
	int sock;    /* our end of the socketpair, O_NONBLOCK */
	int err;     /* read end of the helper's stderr, O_NONBLOCK */
};

/* What came back. */
struct xfer {
	struct bh_tap *tap;   /* fds[0..got) received while got < tap->n */
	size_t got;           /* fds received for the TAP */
	size_t extra;         /* fds received beyond tap->n (all closed) */
	bool extra_more;      /* ... plus an unknown number in one message */
	bool malformed;
	int recv_err;         /* another -errno of recvmsg */
	size_t errlen;
	char errtext[ERR_CAP];
};

/* --- small helpers ------------------------------------------------------ */

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
#define cleanup_close __attribute__((cleanup(closep)))

static inline void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&fds[i]);
}

struct errmsg {
	char *buf;
	size_t len;
};

/* Write the one-line message and return -STATUS. */
__attribute__((format(printf, 3, 4)))
static inline int fail(struct errmsg *m, int status, const char *fmt, ...)
{
	va_list ap;

	if (m->buf && m->len) {
		va_start(ap, fmt);
		vsnprintf(m->buf, m->len, fmt, ap);
		va_end(ap);
	}
	return -status;
}

/* Thread-safe strerror (GNU strerror_r returns a string, maybe not BUF). */
static inline const char *errstr(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

/* --- client.c ----------------------------------------------------------- */

/* bh_open()'s verdict on a helper that is gone: WAITED is 0 (reaped, STATUS
 * its wait status) or -ECHILD; then the TAP's name and flags (TUNGETIFF). */
CLIENT_HIDDEN int client_judge(const struct xfer *x, int waited, int status,
			       struct errmsg *m);
CLIENT_HIDDEN int client_describe(struct bh_tap *t, struct errmsg *m);
CLIENT_HIDDEN struct bh_tap *client_tap_new(unsigned n);

/* The library class of bridge-helper's exit status 1..4, which is also the
 * service's reply status: one mapping for both doors. */
CLIENT_HIDDEN int client_exit_class(int status);

/* --- client_service.c, client_op.c -------------------------------------- */

/* bh_open() through the service: 0 and *TAP, -BH_E_* with the message in
 * M, or 1 when in BH_MODE_AUTO no service answers (nothing done: spawn). */
CLIENT_HIDDEN int client_service_open(const struct bh_request *req,
				      struct bh_tap **tap, int64_t deadline,
				      struct errmsg *m);

/* --- client_spawn.c ----------------------------------------------------- */

/* Start REQ's helper with a socketpair at its fd 3 and a pipe as its
 * stderr. Returns 0 and fills C, or -BH_E_* with the message in M, C
 * untouched and nothing left open. */
CLIENT_HIDDEN int client_spawn(struct child *c, const struct bh_request *req,
			       struct errmsg *m);

/* --- client_recv.c ------------------------------------------------------ */

/* The CLOCK_MONOTONIC deadline TIMEOUT_MS from now; 0: none (INT64_MAX). */
CLIENT_HIDDEN int64_t client_deadline(unsigned timeout_ms);

/* Receive the TAP's fds and the helper's stderr into X until both reach
 * end of file, then reap C's child into *STATUS. On return C's fds are
 * closed and the child is gone. Returns
 *   0           reaped, *STATUS valid
 *   -ECHILD     already reaped by someone else (SIGCHLD ignored?): *STATUS
 *               unknown
 *   -ETIMEDOUT  DEADLINE passed: killed and reaped
 *   -errno      poll or waitpid failed: killed and reaped */
CLIENT_HIDDEN int client_collect(struct child *c, struct xfer *x,
				 int64_t deadline, int *status);

/* One round of client_collect()'s reading, without waiting: what the
 * socket and the stderr pipe hold now, each closed at its end. True once
 * both are closed (the child is then to be reaped). */
CLIENT_HIDDEN bool client_pump_nowait(struct child *c, struct xfer *x);

#endif
