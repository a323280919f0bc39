/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper internals: the service path's two halves, shared by
 * bh_open() (client_service.c) and bh_open_start() (client_op.c). */
#ifndef BH_CLIENT_SERVICE_H
#define BH_CLIENT_SERVICE_H

#include "client_int.h"
#include "client_svc.h"

/* Begin REQ's call to the service into C: 0 (go on with svc_call_step),
 * 1 when the helper is to be used instead (BH_MODE_HELPER; BH_MODE_AUTO
 * with no service answering, or with an ACL set), or -BH_E_* with the
 * message in M. Nothing is left open unless 0. */
CLIENT_HIDDEN int client_service_begin(const struct bh_request *req,
				       struct svc_call *c, struct errmsg *m);

/* Judge C's outcome R (svc_call_step's or svc_call_run's final result):
 * 0 and *TAP, or -BH_E_* with the message in M. C is ended either way. */
CLIENT_HIDDEN int client_service_finish(struct svc_call *c, int r,
					unsigned timeout_ms,
					struct bh_tap **tap, struct errmsg *m);

#endif
