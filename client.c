/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: spawn bridge-helper(8), receive the TAP fds, and turn
 * every failure into one precise line. See bridge-helper.h and
 * libbridge-helper(3). This file is the bh_ API and bh_open()'s story;
 * client_spawn.c starts the helper, client_recv.c serves it until it is
 * gone (client_int.h).
 *
 * Invariants:
 * - No global mutable state: each bh_open() owns its fds, memory and child,
 *   so concurrent calls from many threads are safe.
 * - Every fd is O_CLOEXEC from birth, and the helper inherits only its own
 *   (client_spawn.c); every child is reaped on every path (client_recv.c).
 * - The library never prints, never exits, never touches signal handlers.
 */
#include "client_int.h"
#include "mac.h"
#include "svcmsg.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <net/if.h>
#include <linux/if_tun.h>

#define BH_EXPORT __attribute__((visibility("default")))

#ifndef BH_HELPER_PATH
#define BH_HELPER_PATH "/usr/local/libexec/bridge-helper"
#endif

#define MAX_QUEUES         256
#define DEFAULT_TIMEOUT_MS 10000u

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* --- the request -------------------------------------------------------- */

/* The helper's rule for interface names (svcmsg.c's, shared with the
 * service): 1..15 printable ASCII bytes, no '/', ':' or space, not "." or
 * "..". Never truncated. */
static bool valid_ifname(const char *s)
{
	return s && svcmsg_ifname_ok(s);
}

static bool valid_path(const char *s)
{
	return s && *s && strnlen(s, PATH_MAX) < PATH_MAX;
}

BH_EXPORT struct bh_request *bh_request_new(const char *bridge)
{
	struct bh_request *req;

	if (!valid_ifname(bridge)) {
		errno = EINVAL;
		return NULL;
	}
	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->bridge = strdup(bridge);
	req->helper = strdup(BH_HELPER_PATH);
	if (!req->bridge || !req->helper) {
		bh_request_free(req);
		errno = ENOMEM;
		return NULL;
	}
	req->queues = 1;
	req->timeout_ms = DEFAULT_TIMEOUT_MS;
	return req;
}

BH_EXPORT void bh_request_free(struct bh_request *req)
{
	if (!req)
		return;
	free(req->bridge);
	free(req->helper);
	free(req->acl);
	free(req->socket);
	free(req);
}

/* Replace *SLOT by a copy of PATH (or of DEFAULT_ when PATH is NULL). */
static int set_path(char **slot, const char *path, const char *default_)
{
	char *copy = NULL;

	if (!path)
		path = default_;
	if (path && !valid_path(path))
		return -EINVAL;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

BH_EXPORT int bh_request_set_helper(struct bh_request *req, const char *path)
{
	return req ? set_path(&req->helper, path, BH_HELPER_PATH) : -EINVAL;
}

BH_EXPORT int bh_request_set_acl(struct bh_request *req, const char *path)
{
	return req ? set_path(&req->acl, path, NULL) : -EINVAL;
}

BH_EXPORT int bh_request_set_vnet_hdr(struct bh_request *req, bool on)
{
	if (!req)
		return -EINVAL;
	req->vnet_hdr = on;
	return 0;
}

BH_EXPORT int bh_request_set_queues(struct bh_request *req, unsigned queues)
{
	if (!req || queues < 1 || queues > MAX_QUEUES)
		return -EINVAL;
	req->queues = queues;
	return 0;
}

BH_EXPORT int bh_request_set_sndbuf(struct bh_request *req, int bytes)
{
	if (!req || bytes < 1)
		return -EINVAL;
	req->sndbuf = bytes;
	return 0;
}

BH_EXPORT int bh_request_set_mac(struct bh_request *req, const char *mac)
{
	if (!req || !mac || !mac_parse(mac, req->mac))
		return -EINVAL;
	req->has_mac = true;
	return 0;
}

BH_EXPORT int bh_request_set_timeout(struct bh_request *req, unsigned msec)
{
	if (!req)
		return -EINVAL;
	req->timeout_ms = msec;
	return 0;
}

/* --- judging the outcome ------------------------------------------------ */

/* The helper's first non-empty stderr line, control characters shown as
 * '?', tabs as spaces, trailing blanks and CR removed. */
static void first_line(const struct xfer *x, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < x->errlen && (x->errtext[i] == '\n' || x->errtext[i] == '\r'))
		i++;
	for (; i < x->errlen && x->errtext[i] != '\n' && o + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)x->errtext[i];

		if (ch == '\t')
			ch = ' ';
		else if (ch == '\r' && (i + 1 == x->errlen || x->errtext[i + 1] == '\n'))
			continue;
		else if (ch < 0x20 || ch == 0x7f)
			ch = '?';
		out[o++] = (char)ch;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static const char *signame(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

/* The fds themselves: 0 when all is as asked, or -BH_E_PROTOCOL. */
static int judge_fds(const struct xfer *x, struct errmsg *m)
{
	unsigned want = x->tap->n;
	size_t sent = x->got + x->extra;
	char eb[128];

	if (x->recv_err)
		return fail(m, BH_E_SYSTEM, "cannot receive from helper: %s",
			    errstr(-x->recv_err, eb, sizeof(eb)));
	if (x->malformed)
		return fail(m, BH_E_PROTOCOL, "helper sent a malformed message");
	if (sent == 0 && !x->extra_more)
		return fail(m, BH_E_NOFDS, "helper exited 0 without sending a TAP fd");
	if (x->extra_more)
		return fail(m, BH_E_PROTOCOL, "helper sent more than %zu fd%s, expected %u",
			    sent, plural(sent), want);
	if (sent != want)
		return fail(m, BH_E_PROTOCOL, "helper sent %zu fd%s, expected %u",
			    sent, plural(sent), want);
	return 0;
}

int client_exit_class(int exit)
{
	switch (exit) {
	case 2: return BH_E_USAGE;
	case 3: return BH_E_DENIED;     /* by a rule, or the quota */
	case 4: return BH_E_CONFIG;
	default: return BH_E_HELPER;    /* 1: system error, no such bridge ... */
	}
}

/* WAITED is reap()'s result, STATUS the helper's wait status. */
int client_judge(const struct xfer *x, int waited, int status, struct errmsg *m)
{
	char line[ERR_CAP], sb[32], eb[128];
	const char *sep;
	int r;

	first_line(x, line, sizeof(line));
	sep = line[0] ? ": " : "";
	if (!waited && WIFSIGNALED(status))
		return fail(m, BH_E_SIGNAL, "helper killed by signal %s%s%s",
			    signame(WTERMSIG(status), sb, sizeof(sb)), sep, line);
	if (!waited && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return fail(m, client_exit_class(WEXITSTATUS(status)),
			    "helper exited with status %d%s%s",
			    WEXITSTATUS(status), sep, line);
	r = judge_fds(x, m);
	if (r < 0 && waited)  /* status unknown (SIGCHLD ignored?) */
		return fail(m, BH_E_HELPER, "helper failed (cannot wait for it: %s)%s%s",
			    errstr(-waited, eb, sizeof(eb)), sep, line);
	return r;
}

/* TUNGETIFF on FD: 0 and IFR filled, or -1 if FD is no attached TUN/TAP. */
static int tun_info(int fd, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	if (ioctl(fd, TUNGETIFF, ifr) < 0)
		return -1;
	ifr->ifr_name[IFNAMSIZ - 1] = '\0';
	return 0;
}

/* Fill the TAP's name and vnet_hdr flag. An fd that is not a TUN/TAP at all
 * leaves the name empty (a test double sending /dev/null); a TUN device or
 * queues of different devices are protocol errors. */
int client_describe(struct bh_tap *t, struct errmsg *m)
{
	struct ifreq ifr, other;

	if (tun_info(t->fds[0], &ifr) < 0)
		return 0;
	if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TAP)
		return fail(m, BH_E_PROTOCOL, "helper sent %s, a TUN, not a TAP",
			    ifr.ifr_name);
	for (unsigned i = 1; i < t->n; i++)
		if (tun_info(t->fds[i], &other) < 0 ||
		    strcmp(other.ifr_name, ifr.ifr_name) != 0)
			return fail(m, BH_E_PROTOCOL,
				    "helper sent queue %u not belonging to %s",
				    i, ifr.ifr_name);
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->vnet_hdr = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	return 0;
}

/* --- bh_open ------------------------------------------------------------ */

struct bh_tap *client_tap_new(unsigned n)
{
	struct bh_tap *t = calloc(1, sizeof(*t) + n * sizeof(int));

	if (!t)
		return NULL;
	t->n = n;
	for (unsigned i = 0; i < n; i++)
		t->fds[i] = -1;
	return t;
}

/* Run the spawned helper C to completion and judge it. */
static int converse(struct child *c, struct xfer *x, unsigned timeout_ms,
		    int64_t deadline, struct errmsg *m)
{
	char eb[128];
	int r, status = 0;

	r = client_collect(c, x, deadline, &status);
	if (r == -ETIMEDOUT)
		return fail(m, BH_E_TIMEOUT,
			    "helper did not answer within %u ms: killed", timeout_ms);
	if (r < 0 && r != -ECHILD)
		return fail(m, BH_E_SYSTEM, "cannot wait for helper: %s",
			    errstr(-r, eb, sizeof(eb)));
	r = client_judge(x, r, status, m);
	return r < 0 ? r : client_describe(x->tap, m);
}

BH_EXPORT int bh_open2(const struct bh_request *req, struct bh_tap **tapp,
		       char *errbuf, size_t errlen)
{
	struct errmsg m = { .buf = errbuf, .len = errlen };
	struct child c = { .pid = -1, .sock = -1, .err = -1 };
	struct xfer x;
	int64_t deadline;
	int r;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!req || !tapp)
		return fail(&m, BH_E_INVAL, "bh_open: no request or no result pointer");
	*tapp = NULL;
	memset(&x, 0, sizeof(x));
	deadline = client_deadline(req->timeout_ms);
	r = client_service_open(req, tapp, deadline, &m);
	if (r <= 0)
		return r;                       /* the service answered */
	x.tap = client_tap_new(req->queues);
	if (!x.tap)
		return fail(&m, BH_E_SYSTEM, "out of memory");
	r = client_spawn(&c, req, &m);
	if (r == 0)
		r = converse(&c, &x, req->timeout_ms, deadline, &m);
	if (r < 0) {
		bh_tap_free(x.tap);
		return r;
	}
	*tapp = x.tap;
	return 0;
}

/* API 1's statuses: every non-zero exit of the helper is BH_E_HELPER. */
BH_EXPORT int bh_open(const struct bh_request *req, struct bh_tap **tapp,
		      char *errbuf, size_t errlen)
{
	int r = bh_open2(req, tapp, errbuf, errlen);

	if (r == -BH_E_DENIED || r == -BH_E_CONFIG || r == -BH_E_USAGE)
		return -BH_E_HELPER;
	return r;
}

/* --- the result --------------------------------------------------------- */

BH_EXPORT unsigned bh_tap_queues(const struct bh_tap *tap)
{
	return tap ? tap->n : 0;
}

/* Is I a queue of TAP? If not, errno is EINVAL. */
static bool valid_queue(const struct bh_tap *tap, unsigned i)
{
	if (!tap || i >= tap->n) {
		errno = EINVAL;
		return false;
	}
	return true;
}

BH_EXPORT int bh_tap_fd(const struct bh_tap *tap, unsigned i)
{
	return valid_queue(tap, i) ? tap->fds[i] : -1;
}

BH_EXPORT int bh_tap_take_fd(struct bh_tap *tap, unsigned i)
{
	int fd;

	if (!valid_queue(tap, i))
		return -1;
	fd = tap->fds[i];
	tap->fds[i] = -1;
	return fd;
}

BH_EXPORT const char *bh_tap_name(const struct bh_tap *tap)
{
	return tap ? tap->name : "";
}

BH_EXPORT bool bh_tap_vnet_hdr(const struct bh_tap *tap)
{
	return tap && tap->vnet_hdr;
}

BH_EXPORT void bh_tap_free(struct bh_tap *tap)
{
	if (!tap)
		return;
	close_fds(tap->fds, tap->n);
	free(tap);
}

BH_EXPORT const char *bh_strerror(int status)
{
	static const char *const names[] = {
		[BH_OK] = "success",
		[BH_E_INVAL] = "invalid request",
		[BH_E_SYSTEM] = "system error",
		[BH_E_NOHELPER] = "helper not found or not executable",
		[BH_E_HELPER] = "helper failed",
		[BH_E_SIGNAL] = "helper killed by a signal",
		[BH_E_NOFDS] = "helper sent no fd",
		[BH_E_PROTOCOL] = "protocol error",
		[BH_E_TIMEOUT] = "helper timed out",
		[BH_E_DENIED] = "denied by the helper's policy",
		[BH_E_CONFIG] = "the helper's configuration is bad",
		[BH_E_USAGE] = "the helper refused the request's options",
	};

	if (status < 0 && status > INT_MIN)
		status = -status;
	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[status];
}
