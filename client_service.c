/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: the service path (bridge-helperd(8)), with no exec.
 * See client_int.h. The conversation is client_svc.c's; this file picks
 * the door (BH_MODE_*) and turns the outcome into bh_open()'s result and
 * one line, with the same class as the helper's for the same refusal
 * (client_exit_class) and the service's message after "bridge-helperd: ",
 * where the helper's comes after "bridge-helper: ". */
#include "client_int.h"
#include "client_service.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define BH_EXPORT __attribute__((visibility("default")))

BH_EXPORT int bh_request_set_mode(struct bh_request *req, enum bh_mode mode)
{
	if (!req || (mode != BH_MODE_AUTO && mode != BH_MODE_SERVICE &&
		     mode != BH_MODE_HELPER))
		return -EINVAL;
	req->mode = mode;
	return 0;
}

BH_EXPORT int bh_request_set_socket(struct bh_request *req, const char *path)
{
	char *copy = NULL;

	if (!req || (path && (!*path || strlen(path) >= 108)))
		return -EINVAL;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(req->socket);
	req->socket = copy;
	return 0;
}

static const char *sock_path(const struct bh_request *req)
{
	return req->socket ? req->socket : BH_SOCKET_PATH;
}

int client_service_begin(const struct bh_request *req, struct svc_call *c,
			 struct errmsg *m)
{
	struct svcmsg_req rq = { .op = SVCMSG_CREATE, .vnet_hdr = req->vnet_hdr,
				 .queues = req->queues, .sndbuf = req->sndbuf,
				 .has_mac = req->has_mac };
	char eb[128];
	int r;

	memcpy(rq.mac, req->mac, sizeof(rq.mac));
	if (req->mode == BH_MODE_HELPER)
		return 1;
	if (req->acl && req->mode == BH_MODE_AUTO)
		return 1;                 /* only the helper takes an ACL */
	if (req->acl)
		return fail(m, BH_E_INVAL, "the service reads its own ACL: a "
			    "request with an ACL needs the helper");
	if (strlen(req->bridge) >= sizeof(rq.br))
		return fail(m, BH_E_INVAL, "invalid bridge name");
	memcpy(rq.br, req->bridge, strlen(req->bridge) + 1);
	r = svc_call_start(c, sock_path(req), &rq);
	if (r == 0)
		return 0;
	if (req->mode == BH_MODE_AUTO && r != -ENOMEM && r != -EMFILE &&
	    r != -ENFILE && r != -EINVAL)
		return 1;                 /* no service answers: the helper */
	return fail(m, r == -ENOMEM || r == -EMFILE || r == -ENFILE ? BH_E_SYSTEM
		    : BH_E_NOHELPER, "cannot reach the service at %s: %s",
		    sock_path(req), errstr(-r, eb, sizeof(eb)));
}

int client_service_finish(struct svc_call *c, int r, unsigned timeout_ms,
			  struct bh_tap **tapp, struct errmsg *m)
{
	struct bh_tap *t;

	if (r == -ETIMEDOUT)
		r = fail(m, BH_E_TIMEOUT, "service at %s did not answer within %u ms",
			 c->path, timeout_ms);
	else if (r == -EPROTO || r == -EPIPE)
		r = fail(m, BH_E_PROTOCOL, "service at %s: %s", c->path, c->err);
	else if (r < 0)
		r = fail(m, BH_E_SYSTEM, "service at %s: %s", c->path, c->err);
	else if (c->rep.status != 0)
		r = fail(m, client_exit_class(c->rep.status), "service refused with "
			 "status %d: bridge-helperd: %s", c->rep.status, c->rep.msg);
	else if (!(t = client_tap_new(c->want)))
		r = fail(m, BH_E_SYSTEM, "out of memory");
	else {
		for (unsigned i = 0; i < c->want; i++)
			t->fds[i] = svc_call_take_fd(c, i);
		r = client_describe(t, m);
		if (r == 0 && t->name[0] && strcmp(t->name, c->rep.tap) != 0)
			r = fail(m, BH_E_PROTOCOL, "service named %s but sent %s",
				 c->rep.tap, t->name);
		if (r == 0)
			*tapp = t;
		else
			bh_tap_free(t);
	}
	svc_call_end(c);
	return r;
}

int client_service_open(const struct bh_request *req, struct bh_tap **tapp,
			int64_t deadline, struct errmsg *m)
{
	struct svc_call *c = malloc(sizeof(*c));   /* 7 KiB: not on a thread's stack */
	int r;

	if (!c)
		return fail(m, BH_E_SYSTEM, "out of memory");
	r = client_service_begin(req, c, m);
	if (r == 0)
		r = client_service_finish(c, svc_call_run(c, deadline),
					  req->timeout_ms, tapp, m);
	free(c);
	return r;
}
