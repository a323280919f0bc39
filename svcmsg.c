/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svcmsg: bridge-helperd's protocol messages. See svcmsg.h.
 *
 * Invariants: every input byte is looked at at most a few times and never
 * past LEN; nothing is allocated; a decoded string is always NUL-terminated
 * and within its array; anything not in the grammar is refused, with the
 * line it was found on. */
#include "svcmsg.h"
#include "mac.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- small pieces -------------------------------------------------------- */

bool svcmsg_ifname_ok(const char *name)
{
	size_t n = strnlen(name, SVCMSG_NAME_MAX);

	if (n == 0 || n >= SVCMSG_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

/* Plain decimal in [MIN, MAX]: digits only, no leading zero, no sign. */
static bool number(const char *s, size_t len, long long min, long long max,
		   long long *out)
{
	long long v = 0;

	if (len == 0 || len > 10 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Append S (N bytes) to OUT at *AT, CAP bytes in all: false if it won't fit. */
static bool put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
	if (n > cap || *at > cap - n)
		return false;
	memcpy(out + *at, s, n);
	*at += n;
	return true;
}

__attribute__((format(printf, 4, 5)))
static bool putf(char *out, size_t cap, size_t *at, const char *fmt, ...)
{
	char line[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < sizeof(line) && put(out, cap, at, line, (size_t)n);
}

/* "KEY=" + TEXT made printable (controls become '?'), cut to keep room for
 * RESERVE more bytes, + "\n". */
static bool put_text(char *out, size_t cap, size_t *at, const char *key,
		     const char *text, size_t reserve)
{
	size_t k = strlen(key), n = strlen(text);

	if (cap < reserve || *at + k + 2 > cap - reserve)
		return false;
	if (n > cap - reserve - *at - k - 2)
		n = cap - reserve - *at - k - 2;
	put(out, cap, at, key, k);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < ' ' || c >= 0x7f)
			c = '?';
		out[(*at)++] = (char)c;
	}
	out[(*at)++] = '\n';
	return true;
}

/* ---- lines ------------------------------------------------------------------ */

struct line {
	const char *key, *val;
	size_t klen, vlen;
};

struct cursor {
	const char *p, *end;
	unsigned no;               /* line number of the last line taken */
};

/* The next line, split at its first '='. 1: got one, 0: end of input,
 * -1: malformed (ERR says why). TEXT: the value may hold spaces. */
static int next_line(struct cursor *c, struct line *l, bool text,
		     char *err, size_t errlen)
{
	const char *nl, *eq;

	if (c->p == c->end)
		return 0;
	c->no++;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (!nl)
		return fail(err, errlen, "line %u: no newline at the end", c->no);
	eq = memchr(c->p, '=', (size_t)(nl - c->p));
	if (!eq || eq == c->p)
		return fail(err, errlen, "line %u: not KEY=VALUE", c->no);
	l->key = c->p;
	l->klen = (size_t)(eq - c->p);
	l->val = eq + 1;
	l->vlen = (size_t)(nl - eq - 1);
	for (size_t i = 0; i < l->klen; i++)
		if (l->key[i] < 'a' || l->key[i] > 'z')
			return fail(err, errlen, "line %u: a key is lowercase letters",
				    c->no);
	for (size_t i = 0; i < l->vlen; i++) {
		unsigned char ch = (unsigned char)l->val[i];

		if (ch >= 0x7f || ch < ' ' || (ch == ' ' && !text))
			return fail(err, errlen, "line %u: byte 0x%02x in '%.*s'",
				    c->no, ch, (int)(l->klen > 16 ? 16 : l->klen),
				    l->key);
	}
	c->p = nl + 1;
	return 1;
}

static bool is_key(const struct line *l, const char *key)
{
	return l->klen == strlen(key) && !memcmp(l->key, key, l->klen);
}

/* The version line: its version, 1..MAX; -2: another version; -1: not
 * one at all. */
static int version_line(struct cursor *c, int max, char *err, size_t errlen)
{
	const size_t plen = sizeof("bridge-helper/") - 1;
	size_t n = (size_t)(c->end - c->p);
	const char *nl = memchr(c->p, '\n', n);
	long long v;

	c->no = 1;
	if (nl && (size_t)(nl - c->p) > plen && (size_t)(nl - c->p) <= plen + 10 &&
	    !memcmp(c->p, "bridge-helper/", plen)) {
		if (number(c->p + plen, (size_t)(nl - c->p) - plen, 0, INT_MAX, &v)) {
			if (v >= 1 && v <= max) {
				c->p = nl + 1;
				return (int)v;
			}
			if (max > 1)
				fail(err, errlen, "protocol version %lld is not spoken "
				     "here (this side speaks 1 to %d)", v, max);
			else
				fail(err, errlen, "protocol version %lld is not spoken "
				     "here (this side speaks 1)", v);
			return -2;
		}
	}
	return fail(err, errlen, "not a bridge-helper/%d message", SVCMSG_VERSION);
}

static int copy_name(const struct line *l, char out[SVCMSG_NAME_MAX],
		     unsigned no, char *err, size_t errlen)
{
	if (l->vlen == 0 || l->vlen >= SVCMSG_NAME_MAX)
		return fail(err, errlen, "line %u: invalid %.*s: 1 to %d bytes", no,
			    (int)l->klen, l->key, SVCMSG_NAME_MAX - 1);
	memcpy(out, l->val, l->vlen);
	out[l->vlen] = '\0';
	if (!svcmsg_ifname_ok(out))
		return fail(err, errlen, "line %u: invalid %.*s '%s'", no,
			    (int)l->klen, l->key, out);
	return 0;
}

static int get_number(const struct line *l, long long min, long long max,
		      long long *v, unsigned no, char *err, size_t errlen)
{
	if (!number(l->val, l->vlen, min, max, v))
		return fail(err, errlen, "line %u: invalid %.*s: %lld to %lld", no,
			    (int)l->klen, l->key, min, max);
	return 0;
}

/* ---- requests ---------------------------------------------------------------- */

ssize_t svcmsg_req_encode(const struct svcmsg_req *r, char *buf, size_t cap)
{
	size_t at = 0;
	bool ok;

	if (!svcmsg_ifname_ok(r->br) || r->queues < 1 ||
	    r->queues > SVCMSG_MAX_QUEUES || r->sndbuf < 0 ||
	    (r->op != SVCMSG_CREATE && r->op != SVCMSG_CHECK))
		return -EINVAL;
	/* version 1 unless the request needs 2 (mac=): an older service then
	 * says so, and a request without it works with either */
	ok = put(buf, cap, &at, r->has_mac ? SVCMSG_MAGIC2 "\n" : SVCMSG_MAGIC "\n",
		 sizeof(SVCMSG_MAGIC)) &&
	     (r->op == SVCMSG_CREATE || putf(buf, cap, &at, "op=check\n")) &&
	     putf(buf, cap, &at, "br=%s\n", r->br) &&
	     (!r->vnet_hdr || putf(buf, cap, &at, "vnet=1\n")) &&
	     (r->queues == 1 || putf(buf, cap, &at, "queues=%u\n", r->queues)) &&
	     (r->sndbuf == 0 || putf(buf, cap, &at, "sndbuf=%d\n", r->sndbuf));
	if (ok && r->has_mac) {
		char m[MAC_STR];

		mac_format(r->mac, m);
		ok = putf(buf, cap, &at, "mac=%s\n", m);
	}
	if (!ok || at > SVCMSG_REQ_MAX)
		return -EMSGSIZE;
	return (ssize_t)at;
}

enum { K_OP, K_BR, K_VNET, K_QUEUES, K_SNDBUF, K_MAC, K_COUNT };

/* mac=: a unicast address, lowercase or not, as --mac= takes it. */
static int get_mac(const struct line *l, struct svcmsg_req *r, unsigned no,
		   char *err, size_t errlen)
{
	char s[MAC_STR];

	if (l->vlen != MAC_STR - 1)
		return fail(err, errlen, "line %u: invalid mac: xx:xx:xx:xx:xx:xx", no);
	memcpy(s, l->val, l->vlen);
	s[l->vlen] = '\0';
	if (!mac_parse(s, r->mac))
		return fail(err, errlen, "line %u: invalid mac: a unicast address "
			    "xx:xx:xx:xx:xx:xx", no);
	r->has_mac = true;
	return 0;
}

static int req_line(const struct line *l, struct svcmsg_req *r, int version,
		    unsigned *seen, unsigned no, char *err, size_t errlen)
{
	static const char *const keys[K_COUNT] = { "op", "br", "vnet", "queues",
						   "sndbuf", "mac" };
	long long v = 0;
	int k;

	for (k = 0; k < K_COUNT && !is_key(l, keys[k]); k++)
		;
	if (k == K_MAC && version < 2)
		return fail(err, errlen, "line %u: mac= is not in protocol version 1 "
			    "(it needs bridge-helper/2)", no);
	if (k == K_COUNT)
		return fail(err, errlen, "line %u: unknown key '%.*s'", no,
			    (int)(l->klen > 16 ? 16 : l->klen), l->key);
	if (*seen & (1u << k))
		return fail(err, errlen, "line %u: %s given twice", no, keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case K_OP:
		if (l->vlen == 6 && !memcmp(l->val, "create", 6))
			r->op = SVCMSG_CREATE;
		else if (l->vlen == 5 && !memcmp(l->val, "check", 5))
			r->op = SVCMSG_CHECK;
		else
			return fail(err, errlen, "line %u: op is create or check", no);
		return 0;
	case K_BR:
		return copy_name(l, r->br, no, err, errlen);
	case K_VNET:
		if (get_number(l, 0, 1, &v, no, err, errlen) < 0)
			return -1;
		r->vnet_hdr = v == 1;
		return 0;
	case K_QUEUES:
		if (get_number(l, 1, SVCMSG_MAX_QUEUES, &v, no, err, errlen) < 0)
			return -1;
		r->queues = (unsigned)v;
		return 0;
	case K_MAC:
		return get_mac(l, r, no, err, errlen);
	default:
		if (get_number(l, 1, INT_MAX, &v, no, err, errlen) < 0)
			return -1;
		r->sndbuf = (int)v;
		return 0;
	}
}

int svcmsg_req_decode(const char *buf, size_t len, struct svcmsg_req *r,
		      char *err, size_t errlen)
{
	struct cursor c = { buf, buf + len, 0 };
	struct line l = { 0 };
	unsigned seen = 0;
	int rc, version;

	memset(r, 0, sizeof(*r));
	r->queues = 1;
	if (len > SVCMSG_REQ_MAX)
		return fail(err, errlen, "request too large (max %d bytes)",
			    SVCMSG_REQ_MAX);
	if ((version = version_line(&c, SVCMSG_VERSION_MAX, err, errlen)) < 0)
		return version;
	while ((rc = next_line(&c, &l, false, err, errlen)) > 0)
		if (req_line(&l, r, version, &seen, c.no, err, errlen) < 0)
			return -1;
	if (rc < 0)
		return -1;
	if (!(seen & (1u << K_BR)))
		return fail(err, errlen, "no br= in the request");
	return 0;
}

/* ---- replies ----------------------------------------------------------------- */

/* The report, line by line, as report= lines; the last one may lack '\n'. */
static bool put_report(char *out, size_t cap, size_t *at, const char *report)
{
	char line[SVCMSG_REPORT_MAX];

	while (*report) {
		size_t n = strcspn(report, "\n");

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, report, n);
		line[n] = '\0';
		if (!put_text(out, cap, at, "report=", line, 0))
			return false;
		report += n;
		if (*report == '\n')
			report++;
	}
	return true;
}

ssize_t svcmsg_reply_encode(const struct svcmsg_reply *r, char *buf, size_t cap)
{
	size_t at = 0;
	bool ok;

	if (cap > SVCMSG_REPLY_MAX)
		cap = SVCMSG_REPLY_MAX;
	if (r->status < 0 || r->status > 4 || r->sndbuf < 0 ||
	    (r->status == 0 && r->queues &&
	     (!svcmsg_ifname_ok(r->tap) || r->queues > SVCMSG_MAX_QUEUES)))
		return -EINVAL;
	ok = put(buf, cap, &at, SVCMSG_MAGIC "\n", sizeof(SVCMSG_MAGIC)) &&
	     putf(buf, cap, &at, "status=%d\n", r->status);
	if (ok && r->status == 0 && r->queues)
		ok = putf(buf, cap, &at, "tap=%s\nvnet=%d\nqueues=%u\nsndbuf=%d\n",
			  r->tap, r->vnet_hdr ? 1 : 0, r->queues, r->sndbuf);
	/* The message first and whole if it can be: the report is cut. */
	if (ok && r->status != 0)
		ok = put_text(buf, cap, &at, "msg=", r->msg[0] ? r->msg : "failed", 0);
	if (ok && r->report[0])
		put_report(buf, cap, &at, r->report);
	return ok ? (ssize_t)at : -EMSGSIZE;
}

enum { R_STATUS, R_TAP, R_VNET, R_QUEUES, R_SNDBUF, R_MSG, R_REPORT, R_COUNT };

static int reply_line(const struct line *l, struct svcmsg_reply *r,
		      unsigned *seen, size_t *rep, unsigned no, char *err,
		      size_t errlen)
{
	static const char *const keys[R_COUNT] = { "status", "tap", "vnet",
		"queues", "sndbuf", "msg", "report" };
	long long v = 0;
	int k;

	for (k = 0; k < R_COUNT && !is_key(l, keys[k]); k++)
		;
	if (k == R_COUNT)
		return fail(err, errlen, "line %u: unknown key '%.*s'", no,
			    (int)(l->klen > 16 ? 16 : l->klen), l->key);
	if (k != R_REPORT && (*seen & (1u << k)))
		return fail(err, errlen, "line %u: %s given twice", no, keys[k]);
	if (k != R_STATUS && !(*seen & (1u << R_STATUS)))
		return fail(err, errlen, "line %u: status must come first", no);
	*seen |= 1u << k;
	switch (k) {
	case R_STATUS:
		if (get_number(l, 0, 4, &v, no, err, errlen) < 0)
			return -1;
		r->status = (int)v;
		return 0;
	case R_TAP:
		return copy_name(l, r->tap, no, err, errlen);
	case R_VNET:
		if (get_number(l, 0, 1, &v, no, err, errlen) < 0)
			return -1;
		r->vnet_hdr = v == 1;
		return 0;
	case R_QUEUES:
		if (get_number(l, 1, SVCMSG_MAX_QUEUES, &v, no, err, errlen) < 0)
			return -1;
		r->queues = (unsigned)v;
		return 0;
	case R_SNDBUF:
		if (get_number(l, 0, INT_MAX, &v, no, err, errlen) < 0)
			return -1;
		r->sndbuf = (int)v;
		return 0;
	case R_MSG:
		if (l->vlen == 0 || l->vlen >= sizeof(r->msg))
			return fail(err, errlen, "line %u: msg empty or too long", no);
		memcpy(r->msg, l->val, l->vlen);
		r->msg[l->vlen] = '\0';
		return 0;
	default:
		if (l->vlen + 1 >= sizeof(r->report) - *rep)
			return fail(err, errlen, "line %u: report too long", no);
		memcpy(r->report + *rep, l->val, l->vlen);
		*rep += l->vlen;
		r->report[(*rep)++] = '\n';
		r->report[*rep] = '\0';
		return 0;
	}
}

int svcmsg_reply_decode(const char *buf, size_t len, struct svcmsg_reply *r,
			char *err, size_t errlen)
{
	const unsigned created = 1u << R_TAP | 1u << R_VNET | 1u << R_QUEUES |
				 1u << R_SNDBUF;
	struct cursor c = { buf, buf + len, 0 };
	struct line l = { 0 };
	unsigned seen = 0;
	size_t rep = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > SVCMSG_REPLY_MAX)
		return fail(err, errlen, "reply too large (max %d bytes)",
			    SVCMSG_REPLY_MAX);
	if (version_line(&c, 1, err, errlen) < 0)
		return -1;
	while ((rc = next_line(&c, &l, true, err, errlen)) > 0)
		if (reply_line(&l, r, &seen, &rep, c.no, err, errlen) < 0)
			return -1;
	if (rc < 0)
		return -1;
	if (!(seen & (1u << R_STATUS)))
		return fail(err, errlen, "no status in the reply");
	if (r->status != 0 && !(seen & (1u << R_MSG)))
		return fail(err, errlen, "status %d without msg", r->status);
	if (r->status != 0 && (seen & created))
		return fail(err, errlen, "status %d with a TAP", r->status);
	if ((seen & created) && (seen & created) != created)
		return fail(err, errlen, "tap, vnet, queues, sndbuf: all or none");
	if (r->status == 0 && (seen & (1u << R_MSG)))
		return fail(err, errlen, "status 0 with msg");
	return 0;
}
