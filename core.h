/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* core: decide and create for one caller. The one place where a request
 * becomes a decision and a TAP, shared by both doors: the setuid helper
 * (helper.c) and the service (bridge-helperd). Each door establishes who
 * the caller is (its own way: real ids, or SO_PEERCRED), opens the
 * /dev/net/tun fds, supplies the policy and hands the result over; the
 * core does everything between, with the same checks, messages, exit
 * classes and syslog line whichever door it was reached through.
 *
 * Never exits, never prints: it returns a status class and one line. It
 * logs (syslog, LOG_AUTHPRIV, opened by the door) one line per decision of
 * core_create(); core_check() logs nothing, as it decides nothing. */
#ifndef BH_CORE_H
#define BH_CORE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "acl.h"

/* Status classes: bridge-helper(8)'s exit statuses, and the service's. */
enum core_status {
	CORE_OK = 0,
	CORE_SYSTEM = 1,     /* no such bridge, not a bridge, kernel error ... */
	CORE_USAGE = 2,
	CORE_DENIED = 3,     /* by policy, including quota and queue bound */
	CORE_CONFIG = 4,     /* the ACL is broken: everything denied */
};

#define CORE_MSG_MAX 1024

/* Who is asking, as the kernel says: the door fills it. */
struct core_caller {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;    /* supplementary groups */
	size_t ngroups;
	char name[64];          /* user name, or "#UID" */
	pid_t pid;              /* for the log; 0: the door's own process */
	const char *via;        /* NULL: the setuid door; "service" */
};

struct core_req {
	const char *br;         /* validated interface name */
	bool vnet_hdr;
	unsigned queues;        /* 1..TAP_MAX_QUEUES */
	int sndbuf;             /* 0: not asked for */
	bool has_mac;           /* --mac=: the guest's address, declared */
	uint8_t mac[6];
};

struct core_result {
	int status;             /* enum core_status */
	char msg[CORE_MSG_MAX]; /* on failure: one line, no program prefix */
	char tap[IFNAMSIZ];     /* on success */
	bool vnet_hdr;
	int sndbuf;             /* the send buffer set, 0: the kernel's */
};

/* The door's policy for bridge NAME (the name asked for, and then, when it
 * was an alternative name, the device's own). Returns the policy, owned by
 * the door and valid until the core call returns; or NULL when the ACL is
 * unusable, with RES->status (CORE_CONFIG, or CORE_SYSTEM for ENOMEM) and
 * RES->msg set. */
typedef const struct acl *(*core_policy_fn)(void *ctx, const char *name,
					    struct core_result *res);

struct core_policy {
	core_policy_fn get;
	void *ctx;
};

/* Decide REQ for WHO and, if allowed, turn TUNFDS (REQ->queues fds of
 * /dev/net/tun, opened by the door) into one TAP attached to the bridge.
 * Returns RES->status. On CORE_OK the fds are the TAP's queues, for the
 * door to hand over; otherwise nothing stays on the bridge once the door
 * closes the fds (the TAP is never persistent). One syslog line. */
int core_create(const struct core_req *req, const struct core_caller *who,
		const struct core_policy *pol, int *tunfds,
		struct core_result *res);

/* What core_create() would answer, and why, creating nothing: the report
 * (several lines, each ending in '\n') goes to OUT. Returns the status the
 * same request would get. Logs nothing. */
int core_check(const struct core_req *req, const struct core_caller *who,
	       const struct core_policy *pol, char *out, size_t outlen,
	       struct core_result *res);

#endif
