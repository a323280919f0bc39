/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* core: decide and create for one caller. See core.h.
 *
 * The order is the security story of a launch, the same through either door:
 *  1. decide on the name asked for, before any lookup (no existence oracle);
 *  2. look the bridge up; refuse anything that is not a bridge; if the name
 *     was an alternative name, decide again on the device's own name;
 *  3. the administrator's send buffer and quota;
 *  4. only then the TAP: created (owned from its first moment, under a
 *     name nobody can predict), checked with the kernel to have only our
 *     queues (made again if a stranger got one in), counted again against
 *     concurrent launches, and only then enslaved.
 * core_check() walks steps 1-3 with the same functions and stops there.
 * Every refusal is one line in RES and one syslog line (core_create). */
#include "core.h"
#include "core_port.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>

#include "netlink.h"
#include "tap.h"

/* One request on its way through the core. */
struct run {
	const struct core_req *req;
	const struct core_caller *who;
	const struct core_policy *pol;
	struct core_result *res;
	bool log;                     /* core_create: audit; core_check: not */
	struct nl *nl;
	const struct acl *acl;
	struct acl_decision dec;
	struct nl_bridge br;
};

/* ---- results and the audit line --------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail(struct run *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res->msg, sizeof(r->res->msg), fmt, ap);
	va_end(ap);
	r->res->status = status;
	return status;
}

/* VALUE as a quoted field of the audit line: in double quotes, with '"'
 * and '\\' escaped by a backslash and any byte that is not printable ASCII
 * as \xHH, so that a log parser cannot be misled by what a caller chose
 * (bridge names may hold '"' and '=', user names anything NSS returns).
 * Truncated, still well-formed, if BUF is too small. */
static const char *quoted(char *buf, size_t n, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (n < 3)
		return "\"\"";
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		char e[4];
		size_t k = 0;

		if (*p == '"' || *p == '\\') {
			e[k++] = '\\';
			e[k++] = (char)*p;
		} else if (*p < 0x20 || *p > 0x7e) {
			e[k++] = '\\';
			e[k++] = 'x';
			e[k++] = hex[*p >> 4];
			e[k++] = hex[*p & 15];
		} else {
			e[k++] = (char)*p;
		}
		if (o + k + 2 > n)            /* room for '"' and NUL */
			break;
		memcpy(buf + o, e, k);
		o += k;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

#define QBR (4 * IFNAMSIZ + 3)        /* a quoted interface name */
#define QTEXT 1200                    /* a quoted reason or rule */

/* One line per decision; a logging failure never changes the decision.
 * Every field the caller controls is quoted(). */
__attribute__((format(printf, 3, 4)))
static void audit(const struct run *r, int prio, const char *fmt, ...)
{
	const struct core_caller *who = r->who;
	char what[1536], via[64] = "", user[4 * sizeof(who->name) + 3];
	va_list ap;

	if (!r->log)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (who->via)
		snprintf(via, sizeof(via), " via=%s pid=%ld", who->via,
			 (long)who->pid);
	syslog(prio, "uid=%u user=%s%s %s", (unsigned)who->uid,
	       quoted(user, sizeof(user), who->name), via, what);
}

/* A refusal: logged with REASON, returned with the message in RES. */
static int refuse(struct run *r, const char *bridge, const char *reason)
{
	char qb[QBR], qr[QTEXT];

	audit(r, LOG_NOTICE, "denied: bridge=%s queues=%u reason=%s",
	      quoted(qb, sizeof(qb), bridge), r->req->queues,
	      quoted(qr, sizeof(qr), reason));
	return r->res->status;
}

static int system_error(struct run *r, int err, const char *what)
{
	return fail(r, CORE_SYSTEM, "%s: %s", what, strerror(err < 0 ? -err : err));
}

/* ---- 1. policy -------------------------------------------------------------- */

/* Who the file or directory X lets through, for a message: "only group
 * kvm (file mode 0640)", "only root (directory /etc/x mode 0700)". */
static void reach_of(const struct acl_access *x, char *buf, size_t n)
{
	unsigned bit = x->dir ? 1 : 4;
	bool grp = x->mode & (bit << 3), oth = x->mode & bit;
	struct group gr, *res = NULL;
	char nss[4096], gname[64], what[PATH_MAX + 32];

	if (getgrgid_r(x->gid, &gr, nss, sizeof(nss), &res) == 0 && res &&
	    strlen(res->gr_name) < sizeof(gname))
		snprintf(gname, sizeof(gname), "%s", res->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)x->gid);
	if (x->dir)
		snprintf(what, sizeof(what), "directory %s mode %04o", x->path, x->mode);
	else
		snprintf(what, sizeof(what), "file mode %04o", x->mode);
	if (grp && !oth)
		snprintf(buf, n, "only group %s (%s)", gname, what);
	else if (!grp && oth)
		snprintf(buf, n, "everyone but group %s (%s)", gname, what);
	else
		snprintf(buf, n, "only %s (%s)", x->uid == 0 ? "root" : "its owner",
			 what);
}

/* A verdict's buffer: a file's path and a directory's, and words. */
#define VERDICT_MAX (2 * PATH_MAX + 256)

static const char *verdict(const struct acl_decision *dec, char *buf, size_t n)
{
	char reach[PATH_MAX + 160];

	if (dec->result == ACL_NOMATCH && dec->unreached.file) {
		reach_of(&dec->unreached_by, reach, sizeof(reach));
		snprintf(buf, n, "denied: allow at %s:%u reaches %s",
			 dec->unreached.file, dec->unreached.line, reach);
		return buf;
	}
	if (dec->result == ACL_NOMATCH)
		return "denied: no rule matches";
	snprintf(buf, n, "%s by %s:%u", dec->result == ACL_ALLOWED ?
		 "allowed" : "denied", dec->rule.file, dec->rule.line);
	return buf;
}

/* Where the queue bound on DEC comes from, for a message. */
static const char *queues_from(const struct acl_decision *dec, char *buf, size_t n)
{
	if (!dec->has_queues)
		return "the default: no queues rule matches";
	snprintf(buf, n, "queues at %s:%u", dec->queues_rule.file,
		 dec->queues_rule.line);
	return buf;
}

/* The administrator's bound on queues (bridge.conf(5) `queues`): a denial
 * like the others, before any TAP exists. */
static int queue_bound(struct run *r, const char *name)
{
	const struct acl_decision *dec = &r->dec;
	char buf[PATH_MAX + 32], reason[PATH_MAX + 96];
	const char *from;

	if (r->req->queues <= dec->max_queues)
		return CORE_OK;
	from = queues_from(dec, buf, sizeof(buf));
	fail(r, CORE_DENIED, "%s: %u queues asked, at most %u (%s)", name,
	     r->req->queues, dec->max_queues, from);
	snprintf(reason, sizeof(reason), "queues: %u asked, at most %u (%s)",
		 r->req->queues, dec->max_queues, from);
	return refuse(r, name, reason);
}

/* The door's policy for NAME, and the decision on it, queue bound
 * included. CORE_OK when allowed. */
static int decide(struct run *r, const char *name)
{
	struct acl_caller c = { r->who->uid, r->who->gid, r->who->groups,
				r->who->ngroups };
	char buf[VERDICT_MAX];

	r->acl = r->pol->get(r->pol->ctx, name, r->res);
	if (!r->acl)
		return refuse(r, name, r->res->msg);
	acl_decide(r->acl, name, &c, &r->dec);
	if (r->dec.result == ACL_ALLOWED)
		return queue_bound(r, name);
	fail(r, CORE_DENIED, "%s: %s", name, verdict(&r->dec, buf, sizeof(buf)));
	return refuse(r, name, verdict(&r->dec, buf, sizeof(buf)));
}

/* ---- 2. the bridge ---------------------------------------------------------- */

static int lookup_bridge(struct run *r)
{
	const char *name = r->req->br;
	char kind[32], reason[64];
	int e = nl_bridge_get(r->nl, name, &r->br, kind);

	if (e == -ENODEV) {
		fail(r, CORE_SYSTEM, "%s: no such bridge", name);
		return refuse(r, name, "no such device");
	}
	if (e == -EMEDIUMTYPE) {
		fail(r, CORE_SYSTEM, "%s: is a %s device, not a bridge", name, kind);
		snprintf(reason, sizeof(reason), "a %s, not a bridge", kind);
		return refuse(r, name, reason);
	}
	if (e < 0) {
		char what[64];

		snprintf(what, sizeof(what), "cannot look up %s", name);
		return system_error(r, e, what);
	}
	return CORE_OK;
}

/* Steps 1 and 2: allowed on the name asked for and on the device's own. */
static int allowed_bridge(struct run *r)
{
	int s = decide(r, r->req->br);

	if (s != CORE_OK)
		return s;
	if ((s = nl_open(&r->nl)) < 0)
		return system_error(r, s, "cannot open rtnetlink");
	if ((s = lookup_bridge(r)) != CORE_OK)
		return s;
	if (strcmp(r->br.name, r->req->br) != 0)   /* an altname: the device decides */
		return decide(r, r->br.name);
	return CORE_OK;
}

/* ---- 3. send buffer and quota ----------------------------------------------- */

/* The administrator's value, lowered (never raised) by the caller's; with
 * neither, 0: the kernel's default stays. */
static int effective_sndbuf(const struct acl_decision *dec, int asked)
{
	if (dec->has_sndbuf && (asked == 0 || asked > dec->sndbuf))
		return dec->sndbuf;
	return asked;
}

/* The caller's TAPs on the bridge (or on their way to it) with an ifindex
 * below BELOW. No waiting: a TAP counts for its caller from its first
 * moment (its name says whose it is), so a launch that has not finished,
 * or is stopped, counts against its own caller and nobody else. */
static int count_owned(struct run *r, int below, int *n)
{
	*n = nl_count_owned(r->nl, r->br.ifindex, r->who->uid, below);
	if (*n < 0)
		return system_error(r, *n, "cannot count the caller's TAPs");
	return CORE_OK;
}

static int quota(struct run *r, int below)
{
	const struct acl_decision *dec = &r->dec;
	char reason[PATH_MAX + 96];
	int n, s;

	if (!dec->has_limit)
		return CORE_OK;
	if ((s = count_owned(r, below, &n)) != CORE_OK)
		return s;
	if ((unsigned)n < dec->limit)
		return CORE_OK;
	fail(r, CORE_DENIED, "%s: quota reached: %d of %u TAPs in use (limit at "
	     "%s:%u)", r->br.name, n, dec->limit, dec->limit_rule.file,
	     dec->limit_rule.line);
	snprintf(reason, sizeof(reason), "quota: %d of %u in use (limit at %s:%u)",
		 n, dec->limit, dec->limit_rule.file, dec->limit_rule.line);
	return refuse(r, r->br.name, reason);
}

/* ---- 4. the TAP -------------------------------------------------------------- */

static int random_mac(struct run *r, uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		return system_error(r, errno, "cannot get random bytes");
	/* 0xFE: unicast, locally administered, and higher than any real NIC's
	 * first octet, so the bridge never takes this address as its own. */
	mac[0] = 0xFE;
	return CORE_OK;
}

/* A TAP a stranger attached a queue to (the window before TUNSETOWNER,
 * tap.c) is destroyed, which detaches the stranger's queue too, and made
 * again; after TAP_ATTEMPTS such TAPs in a row the launch is refused. */
#define TAP_ATTEMPTS 8

static int hijacked(struct run *r, const char *tap, int ifindex, int attempt,
		    const char *why)
{
	char what[64], qb[QBR], qr[QTEXT];
	int e;

	audit(r, LOG_WARNING, "hijack: bridge=%s tap=%s queues=%u attempt=%d "
	      "reason=%s, destroyed", quoted(qb, sizeof(qb), r->br.name), tap,
	      r->req->queues, attempt, quoted(qr, sizeof(qr), why));
	if ((e = nl_del_link(r->nl, ifindex)) < 0) {
		snprintf(what, sizeof(what), "cannot delete %s", tap);
		return system_error(r, e, what);
	}
	return CORE_OK;
}

/* Create the TAP and make sure, with the kernel, that every queue of it is
 * one of ours. Returns its ifindex in *IFINDEX. */
static int new_tap(struct run *r, int *tunfds, struct tap_dev *tap, int *ifindex)
{
	struct tap_req treq = { .vnet_hdr = r->req->vnet_hdr,
				.queues = r->req->queues, .owner = r->who->uid,
				.sndbuf = r->res->sndbuf };
	struct nl_tap_want want = { .name = tap->name, .owner = r->who->uid,
				    .queues = r->req->queues };
	char why[128], what[64];
	int e;

	for (int attempt = 1;; attempt++) {
		if ((e = tap_create(&treq, tunfds, tap)) < 0)
			return system_error(r, e, "cannot create a TAP");
		if ((*ifindex = nl_ifindex(r->nl, tap->name)) < 0) {
			snprintf(what, sizeof(what), "cannot find %s", tap->name);
			return system_error(r, *ifindex, what);
		}
		e = nl_tap_check(r->nl, *ifindex, &want, why, sizeof(why));
		if (e == 0)
			return CORE_OK;
		if (e != -EBUSY) {
			snprintf(what, sizeof(what), "cannot check %s", tap->name);
			return fail(r, CORE_SYSTEM, "%s: %s", what,
				    why[0] ? why : strerror(-e));
		}
		if ((e = hijacked(r, tap->name, *ifindex, attempt, why)) != CORE_OK)
			return e;
		if (attempt == TAP_ATTEMPTS) {
			fail(r, CORE_SYSTEM, "%s: another process attached a queue to "
			     "each of the %d TAPs made (last: %s)", r->br.name,
			     TAP_ATTEMPTS, why);
			return refuse(r, r->br.name, r->res->msg);
		}
	}
}

/* The port settings the decision gives: CORE_OK, or refused before any
 * TAP exists (core_port.h). */
static int port_ok(struct run *r)
{
	char why[CORE_MSG_MAX - IFNAMSIZ - 2];
	int s = port_refusal(&r->dec.port, r->req, &r->br, why, sizeof(why));

	if (s == CORE_OK)
		return s;
	fail(r, s, "%s: %s", r->br.name, why);
	return refuse(r, r->br.name, why);
}

/* Enslaved down: set the port up as granted, and only then bring it up. */
static int port_up(struct run *r, int ifindex)
{
	char why[CORE_MSG_MAX - IFNAMSIZ - 2];
	int s = port_apply(r->nl, ifindex, &r->dec.port, r->req, &r->br, why,
			   sizeof(why));

	if (s != CORE_OK) {
		fail(r, s, "%s: %s", r->br.name, why);
		return s == CORE_DENIED ? refuse(r, r->br.name, why) : s;
	}
	if ((s = nl_link_up(r->nl, ifindex)) < 0)
		return system_error(r, s, "cannot bring the TAP up");
	return CORE_OK;
}

static int make_tap(struct run *r, int *tunfds)
{
	struct tap_dev tap = { .name = "" };
	uint8_t mac[6];
	int e, ifindex = 0;

	if ((e = new_tap(r, tunfds, &tap, &ifindex)) != CORE_OK)
		return e;
	snprintf(r->res->tap, sizeof(r->res->tap), "%s", tap.name);
	r->res->vnet_hdr = tap.vnet_hdr;
	/* Concurrent launches: only TAPs created before ours count against
	 * us; one over the limit gives up before it is on the bridge. */
	if ((e = quota(r, ifindex)) != CORE_OK)
		return e;
	if ((e = random_mac(r, mac)) != CORE_OK)
		return e;
	if ((e = nl_enslave(r->nl, ifindex, r->br.ifindex, r->br.mtu, mac,
			    r->who->uid, !acl_port_any(&r->dec.port))) < 0) {
		const char *ext = nl_ext_error(r->nl);

		return fail(r, CORE_SYSTEM, "cannot enslave %s to %s: %s%s%s",
			    tap.name, r->br.name, strerror(-e), ext ? ": " : "",
			    ext ? ext : "");
	}
	return acl_port_any(&r->dec.port) ? port_up(r, ifindex) : CORE_OK;
}

/* ---- the two entry points ------------------------------------------------------ */

static void run_init(struct run *r, const struct core_req *req,
		     const struct core_caller *who, const struct core_policy *pol,
		     struct core_result *res, bool log)
{
	memset(r, 0, sizeof(*r));
	memset(res, 0, sizeof(*res));
	r->req = req;
	r->who = who;
	r->pol = pol;
	r->res = res;
	r->log = log;
}

int core_create(const struct core_req *req, const struct core_caller *who,
		const struct core_policy *pol, int *tunfds,
		struct core_result *res)
{
	struct run r;
	char buf[VERDICT_MAX], qb[QBR], qr[QTEXT], port[QTEXT], qp[QTEXT];
	char pf[QTEXT + 8] = "";
	int s;

	run_init(&r, req, who, pol, res, true);
	if ((s = allowed_bridge(&r)) == CORE_OK && (s = port_ok(&r)) == CORE_OK) {
		res->sndbuf = effective_sndbuf(&r.dec, req->sndbuf);
		if ((s = quota(&r, INT_MAX)) == CORE_OK)
			s = make_tap(&r, tunfds);   /* the first moment a TAP exists */
	}
	port_describe(&r.dec.port, req, port, sizeof(port));
	if (*port)
		snprintf(pf, sizeof(pf), " port=%s", quoted(qp, sizeof(qp), port));
	if (s == CORE_OK)
		audit(&r, LOG_INFO, "allowed: bridge=%s tap=%s queues=%u sndbuf=%d "
		      "rule=%s%s", quoted(qb, sizeof(qb), r.br.name), res->tap,
		      req->queues, res->sndbuf, quoted(qr, sizeof(qr),
		      verdict(&r.dec, buf, sizeof(buf)) + strlen("allowed by ")), pf);
	nl_close(r.nl);
	res->status = s;
	return s;
}

static void say_sndbuf(const struct acl_decision *dec, int asked, char *out,
		       size_t len)
{
	if (dec->has_sndbuf && asked && asked < dec->sndbuf)
		core_append(out, len, "sndbuf: %d (asked; at most %d, set at %s:%u)\n", asked,
		    dec->sndbuf, dec->sndbuf_rule.file, dec->sndbuf_rule.line);
	else if (dec->has_sndbuf && asked > dec->sndbuf)
		core_append(out, len, "sndbuf: %d (asked %d, capped at %s:%u)\n", dec->sndbuf,
		    asked, dec->sndbuf_rule.file, dec->sndbuf_rule.line);
	else if (dec->has_sndbuf)
		core_append(out, len, "sndbuf: %d (set at %s:%u)\n", dec->sndbuf,
		    dec->sndbuf_rule.file, dec->sndbuf_rule.line);
	else if (asked)
		core_append(out, len, "sndbuf: %d (asked)\n", asked);
	else
		core_append(out, len, "sndbuf: kernel default\n");
}

/* "queues: at most N (set at FILE:LINE)" or "(default)"; with the number
 * asked first when that is more. */
static void say_queues(const struct acl_decision *dec, unsigned asked,
		       char *out, size_t len)
{
	char asked_s[32] = "", from[PATH_MAX + 32] = "default";

	if (asked > dec->max_queues)
		snprintf(asked_s, sizeof(asked_s), "%u asked, ", asked);
	if (dec->has_queues)
		snprintf(from, sizeof(from), "set at %s:%u", dec->queues_rule.file,
			 dec->queues_rule.line);
	core_append(out, len, "queues: %sat most %u (%s)\n", asked_s, dec->max_queues, from);
}

/* Steps 1-3 as core_create() takes them, reporting each; stops where the
 * launch would stop, with its status. */
int core_check(const struct core_req *req, const struct core_caller *who,
	       const struct core_policy *pol, char *out, size_t outlen,
	       struct core_result *res)
{
	struct run r;
	char buf[VERDICT_MAX], why[CORE_MSG_MAX] = "";
	int s, ps = CORE_OK, n = 0;

	run_init(&r, req, who, pol, res, false);
	if (outlen)
		out[0] = '\0';
	s = allowed_bridge(&r);
	if (!r.acl)                         /* the ACL is broken: nothing to say */
		goto done;
	core_append(out, outlen, "user %s (uid %u) on %s: %s\n", who->name,
	    (unsigned)who->uid, req->br, verdict(&r.dec, buf, sizeof(buf)));
	if (s != CORE_OK && s != CORE_DENIED)     /* no such bridge, ... */
		core_append(out, outlen, "%s\n", res->msg);
	/* the port settings are refused before the quota, as in a launch */
	if (s == CORE_OK && (ps = port_ok(&r)) != CORE_OK)
		snprintf(why, sizeof(why), "%s", res->msg);
	if (r.dec.has_limit && s == CORE_OK &&
	    (s = count_owned(&r, INT_MAX, &n)) == CORE_OK)
		core_append(out, outlen, "quota: %d of %u in use (limit at %s:%u)\n", n,
		    r.dec.limit, r.dec.limit_rule.file, r.dec.limit_rule.line);
	else if (r.dec.has_limit && s != CORE_SYSTEM)
		core_append(out, outlen, "quota: limit %u (at %s:%u)\n", r.dec.limit,
		    r.dec.limit_rule.file, r.dec.limit_rule.line);
	if (s == CORE_OK && ps == CORE_OK && r.dec.has_limit &&
	    (unsigned)n >= r.dec.limit)
		s = quota(&r, INT_MAX);
	if (s == CORE_OK || s == CORE_DENIED)
		say_sndbuf(&r.dec, req->sndbuf, out, outlen);
	if (r.dec.result == ACL_ALLOWED)
		say_queues(&r.dec, req->queues, out, outlen);
	if (r.dec.result == ACL_ALLOWED)
		port_report(&r.dec.port, req, out, outlen);
	if (s == CORE_OK && ps != CORE_OK) {
		core_append(out, outlen, "%s\n", why);
		snprintf(res->msg, sizeof(res->msg), "%s", why);
		s = ps;
	}
done:
	nl_close(r.nl);
	res->status = s;
	return s;
}
