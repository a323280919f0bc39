/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bridge-helperd internals, shared by its pieces and by nothing else:
 *   service.c     main(): the security story, top to bottom
 *   svc_listen.c  the listening sockets: systemd's (LISTEN_FDS) or our own
 *   svc_loop.c    the event loop: connections, caps, deadlines, signals
 *   svc_serve.c   one request: who (kernel), what (svcmsg), core, reply
 *   svc_policy.c  the ACL in memory, reloaded when its files change
 * The protocol is svcmsg.h's; deciding and creating is core.h's. */
#ifndef BH_SVC_H
#define BH_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.h"

#define SVC_PROG             "bridge-helperd"
#define SVC_SOCKET_PATH      "/run/bridge-helper/socket"
#define SVC_MAX_LISTEN       8       /* sockets handed over by systemd */
#define SVC_TIMEOUT_MS       5000    /* to send a request, and the handed-over
				      * check interval */
#define SVC_MAX_PER_UID      32      /* open connections per uid */
#define SVC_MAX_CONNS        1024    /* in all (lowered to fit RLIMIT_NOFILE) */

/* A log line: syslog, LOG_AUTHPRIV as the core's (opened by main(); in
 * the foreground also on stderr). */
__attribute__((format(printf, 2, 3)))
void svc_log(int prio, const char *fmt, ...);

int64_t svc_now_ms(void);          /* CLOCK_MONOTONIC */

/* ---- svc_listen.c ---- */

/* The sockets systemd passed (LISTEN_PID/LISTEN_FDS, as sd_listen_fds(3)
 * with unset_environment): 0 and none, N > 0 and FDS[0..N) (made
 * O_NONBLOCK), or -1 with ERR set (not listening AF_UNIX SOCK_SEQPACKET
 * sockets, too many, a malformed variable). */
int svc_listen_systemd(int *fds, size_t max, char *err, size_t errlen);

/* Our own socket at PATH (mode 0666, listening, non-blocking). A stale
 * socket file nobody answers on is replaced; a live one is refused.
 * Returns the fd, or -1 with ERR set. */
int svc_listen_path(const char *path, char *err, size_t errlen);

/* ---- svc_policy.c ---- */

struct svc_policy;

/* Load PATH now (a broken ACL is kept as such: everything denied). NULL on
 * ENOMEM. */
struct svc_policy *svc_policy_new(const char *path);
void svc_policy_free(struct svc_policy *p);
/* Reload if any file it was read from (or its directory, or the user and
 * group files) changed, if it is broken, or after svc_policy_hup(). Called
 * once per request, before the core: a request sees one policy. */
void svc_policy_refresh(struct svc_policy *p);
void svc_policy_hup(struct svc_policy *p);
/* The core's policy callback (core_policy_fn); CTX is the svc_policy. */
const struct acl *svc_policy_get(void *ctx, const char *name,
				 struct core_result *res);

/* ---- svc_serve.c ---- */

/* The service's view of who is at the other end of a connection. */
struct svc_ids {
	bool full_uid_map, full_gid_map;   /* every id is mapped here */
	uid_t overflow_uid;
	gid_t overflow_gid;
};

/* What this service's user namespace maps (see bridge-helperd(8)). */
void svc_ids_init(struct svc_ids *ids);

/* Serve the request waiting on connection FD: read it (MSG_DONTWAIT),
 * decide through the core, reply and hand the fds over. Returns 1 when
 * the reply was sent (the connection then waits for the client to close),
 * 0 when nothing was there yet, -1 when the connection is to be closed
 * (end of file, error; anything created is gone with its fds). */
int svc_serve(int fd, struct svc_policy *pol, const struct svc_ids *ids);

/* Tell the client on FD (non-blocking, best effort) that it is refused
 * with STATUS and MSG, without reading its request. */
void svc_refuse(int fd, int status, const char *msg);

/* ---- svc_loop.c ---- */

struct svc_loop_opts {
	const int *lfds;
	size_t nlfds;
	struct svc_policy *pol;
	unsigned timeout_ms;
	unsigned max_per_uid;
	unsigned max_conns;
	unsigned idle_exit_s;       /* 0: never */
};

/* Serve until SIGTERM/SIGINT (or idle). Returns the exit status. */
int svc_loop(const struct svc_loop_opts *o);

#endif
