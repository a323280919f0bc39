/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* client_svc: one call to bridge-helperd(8), from the client side, step by
 * step so that it fits an event loop. Used by libbridge-helper (bh_open,
 * bh_open_start) and by bridge-helper-client. I/O only through fdpass and
 * the protocol through svcmsg: no privileged code, no libcap-ng. Never
 * prints, never exits, never touches signals. */
#ifndef BH_CLIENT_SVC_H
#define BH_CLIENT_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svcmsg.h"

#define SVC_CALL_HIDDEN __attribute__((visibility("hidden")))

#ifndef BH_SOCKET_PATH
#define BH_SOCKET_PATH "/run/bridge-helper/socket"
#endif

enum svc_call_state { SVC_CONNECTING, SVC_SENDING, SVC_REPLY, SVC_FDS, SVC_DONE };

struct svc_call {
	enum svc_call_state state;
	int fd;                        /* SOCK_SEQPACKET, O_NONBLOCK, CLOEXEC */
	char path[108];
	char req[SVCMSG_REQ_MAX];
	size_t reqlen;
	unsigned want;                 /* fds asked for (create), 0 for check */
	unsigned retry_ms;             /* connect backoff (a full backlog) */
	struct svcmsg_reply rep;
	int fds[SVCMSG_MAX_QUEUES];    /* -1 when not held */
	size_t got;
	char err[SVCMSG_ERR_MAX + 64]; /* why a step failed, one line */
};

/* Begin a call of RQ to the service at PATH (NULL: BH_SOCKET_PATH).
 * Returns 0 (go on with svc_call_step), or -errno with nothing left open:
 *   -ENOENT, -ECONNREFUSED, -EACCES, -ENOTSOCK ...: no service answers there
 *   -EINVAL: RQ or PATH invalid; -ENOMEM ... */
SVC_CALL_HIDDEN int svc_call_start(struct svc_call *c, const char *path,
				   const struct svcmsg_req *rq);

/* Move the call on without waiting. Returns 0 when done (C->rep holds
 * the reply; with status 0 and op=create, C->fds[0..want) the fds),
 * -EAGAIN when it must wait (poll C->fd for svc_call_events(C), at most
 * svc_call_wait_ms(C)), or another -errno with C->err saying why:
 *   -EPROTO     the service broke the protocol (malformed, wrong fds)
 *   -EPIPE      the service closed the connection without a reply
 *   -ECONNREFUSED ... connecting failed */
SVC_CALL_HIDDEN int svc_call_step(struct svc_call *c);

/* poll(2) events to wait for; 0 when only the clock matters. */
SVC_CALL_HIDDEN short svc_call_events(const struct svc_call *c);
/* At most how long to wait before stepping again; -1: until an event. */
SVC_CALL_HIDDEN int svc_call_wait_ms(const struct svc_call *c);

/* Step until done or DEADLINE (CLOCK_MONOTONIC ns; INT64_MAX: none).
 * Returns as svc_call_step, or -ETIMEDOUT. */
SVC_CALL_HIDDEN int svc_call_run(struct svc_call *c, int64_t deadline_ns);

/* Take fd I (the caller owns it then). */
SVC_CALL_HIDDEN int svc_call_take_fd(struct svc_call *c, unsigned i);

/* Close everything still held (the TAP goes with its last fd). */
SVC_CALL_HIDDEN void svc_call_end(struct svc_call *c);

#endif
