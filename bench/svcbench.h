/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svcbench: bhbench's service-mode pieces (see bench/README.md): the
 * daemon in a worker's namespaces, and a holder of idle connections. */
#ifndef BH_SVCBENCH_H
#define BH_SVCBENCH_H

#include <sys/types.h>

#define SVCB_SOCKET "/run/bridge-helper/socket"

/* In the calling worker (own network and mount namespaces): a tmpfs on
 * /run, then DAEMON --socket=SVCB_SOCKET --acl=ACL [EXTRA], waited for
 * until its socket answers. Returns its pid; dies on failure. */
pid_t svcb_start_daemon(const char *daemon, const char *acl, const char *extra);

/* A child, as uid/gid 65534, holding N idle connections to SVCB_SOCKET
 * open (each reopened when the service closes it at its deadline), until
 * killed. Returns once all N are open. */
pid_t svcb_hold_idle(int n);

void svcb_stop(pid_t pid);

#endif
