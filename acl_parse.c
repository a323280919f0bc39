/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_parse: the grammar of one line of bridge.conf(5). One job: say what
 * a line is -- a rule, an include request, or nothing (blank, a comment,
 * an error) -- in a record (struct acl_rec) for the line layer
 * (acl_scan.c), which stores the rules and hands include requests up to
 * the file layer. It reads nothing and stores nothing itself.
 *
 * A line is tokenized on spaces and tabs; every message carries
 * file:line:col and quotes the offending token safely (acl_quote). A name
 * that is too long is an error, never truncated. User and group names go
 * to acl_names.c, which resolves them when reading is over.
 */
#include "acl_int.h"


static const char *const acl_kind_name[] = {
	[ACL_K_ALLOW] = "allow", [ACL_K_DENY] = "deny",
	[ACL_K_LIMIT] = "limit", [ACL_K_SNDBUF] = "sndbuf",
	[ACL_K_QUEUES] = "queues", [ACL_K_VLAN] = "vlan",
	[ACL_K_TRUNK] = "trunk", [ACL_K_ISOLATED] = "isolated",
	[ACL_K_LOCKMAC] = "lockmac",
};

/* The number after the bridge of `limit`, `sndbuf` and `queues`. */
static const struct acl_value {
	const char *what;
	unsigned long long min, max;
} acl_values[] = {
	[ACL_K_LIMIT] = { "limit", 0, ACL_LIMIT_MAX },
	[ACL_K_SNDBUF] = { "sndbuf bytes", 1, INT_MAX },
	[ACL_K_QUEUES] = { "queues", 1, ACL_QUEUES_MAX },
	[ACL_K_VLAN] = { "VLAN id", 1, ACL_VID_MAX },
	[ACL_K_TRUNK] = { "VLAN id", 1, ACL_VID_MAX },
};

/* Which kinds take a number after the bridge. */
static bool acl_has_value(enum acl_kind kind)
{
	return kind == ACL_K_LIMIT || kind == ACL_K_SNDBUF ||
	       kind == ACL_K_QUEUES || kind == ACL_K_VLAN;
}

struct acl_tok {
	const char *s;
	size_t len;
	unsigned col;                      /* 1-based; at end: where it would be */
};

struct acl_line {
	const char *s;
	size_t len, pos;
};

/* ---- tokens ----------------------------------------------------------- */

static bool acl_tok_is(const struct acl_tok *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* Copy a token (at most ACL_MAX_LINE bytes, no NUL) into a C string. */
static void acl_tok_str(const struct acl_tok *t, char buf[ACL_MAX_LINE + 1])
{
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
}

/* Next token of L. At the end of the line or at a comment returns false
 * with T->col where a token would have been. */
static bool acl_next(struct acl_line *l, struct acl_tok *t)
{
	size_t start;

	while (l->pos < l->len && (l->s[l->pos] == ' ' || l->s[l->pos] == '\t'))
		l->pos++;
	t->col = (unsigned)l->pos + 1;
	t->s = l->s + l->pos;
	t->len = 0;
	if (l->pos >= l->len || l->s[l->pos] == '#')
		return false;
	start = l->pos;
	while (l->pos < l->len && l->s[l->pos] != ' ' && l->s[l->pos] != '\t')
		l->pos++;
	t->len = l->pos - start;
	return true;
}

/* ---- rules ------------------------------------------------------------ */

static int acl_parse_bridge(struct acl_parser *p, const struct acl_file *f,
			    const struct acl_tok *t, struct acl_rule *r)
{
	struct acl_quoted q;
	const char *why;

	if (acl_tok_is(t, "all")) {
		r->all = true;
		return 0;
	}
	why = acl_name_problem(t->s, t->len);
	if (why) {
		acl_err(p, f, t->col, "invalid bridge name %s: %s",
			acl_quote(&q, t->s, t->len), why);
		return -1;
	}
	memcpy(r->bridge, t->s, t->len);
	r->bridge[t->len] = '\0';
	return 0;
}

/* The number after the bridge (acl_values). */
static int acl_parse_value(struct acl_parser *p, const struct acl_file *f,
			   struct acl_line *l, struct acl_rule *r, unsigned *col)
{
	unsigned long long min = acl_values[r->kind].min;
	unsigned long long max = acl_values[r->kind].max;
	const char *what = acl_values[r->kind].what;
	char buf[ACL_MAX_LINE + 1];
	struct acl_quoted q;
	struct acl_tok t;

	if (!acl_next(l, &t)) {
		acl_err(p, f, t.col, "missing %s (%llu..%llu)", what, min, max);
		return -1;
	}
	acl_tok_str(&t, buf);
	if (!acl_number(buf, min, max, &r->value)) {
		acl_err(p, f, t.col, "invalid %s %s (expected %llu..%llu)", what,
			acl_quote(&q, t.s, t.len), min, max);
		return -1;
	}
	*col = t.col;
	return 0;
}

/* trunk's VID or VID-VID (first <= last) into R->value, as first | last << 16. */
static int acl_parse_vids(struct acl_parser *p, const struct acl_file *f,
			  struct acl_line *l, struct acl_rule *r)
{
	char buf[ACL_MAX_LINE + 1], *dash;
	unsigned long long lo, hi;
	struct acl_quoted q;
	struct acl_tok t;

	if (!acl_next(l, &t)) {
		acl_err(p, f, t.col, "missing VLAN id or range (1..%d, or FIRST-LAST)",
			ACL_VID_MAX);
		return -1;
	}
	acl_tok_str(&t, buf);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!acl_number(buf, 1, ACL_VID_MAX, &lo) ||
	    !acl_number(dash ? dash + 1 : buf, 1, ACL_VID_MAX, &hi) || hi < lo) {
		acl_err(p, f, t.col, "invalid VLAN range %s (expected 1..%d, or "
			"FIRST-LAST with FIRST <= LAST)", acl_quote(&q, t.s, t.len),
			ACL_VID_MAX);
		return -1;
	}
	r->value = lo | hi << 16;
	return 0;
}

/* The value V of user= or group=: a number is the id; a name is kept in
 * the names table (acl_names.c), resolved when reading is over. */
static int acl_parse_id(struct acl_parser *p, const struct acl_file *f,
			bool group, const struct acl_tok *v, struct acl_rule *r)
{
	struct acl_subject *who = &r->who;
	unsigned long long id = 0;
	char buf[ACL_MAX_LINE + 1];
	struct acl_quoted q;
	uint32_t ref = 0;
	bool named;

	acl_tok_str(v, buf);
	named = strspn(buf, "0123456789") != v->len;
	if (!named && !acl_number(buf, 0, ACL_ID_MAX, &id)) {
		acl_err(p, f, v->col, "invalid %s %s (expected 0..%llu)",
			group ? "gid" : "uid", acl_quote(&q, v->s, v->len),
			ACL_ID_MAX);
		return -1;
	}
	if (named && acl_name_ref(p, group, v->s, v->len, f, v->col, &ref) < 0)
		return -1;
	if (group) {
		who->has_gid = true;
		who->gid_named = named;
		who->gid = named ? (gid_t)ref : (gid_t)id;
		r->gcol = (unsigned short)v->col;
	} else {
		who->has_uid = true;
		who->uid_named = named;
		who->uid = named ? (uid_t)ref : (uid_t)id;
		r->ucol = (unsigned short)v->col;
	}
	return 0;
}

/* user=NAME|UID or group=NAME|GID */
static int acl_parse_subject(struct acl_parser *p, const struct acl_file *f,
			     const struct acl_tok *t, struct acl_rule *r)
{
	const struct acl_subject *who = &r->who;
	const char *eq = memchr(t->s, '=', t->len);
	struct acl_quoted q;
	struct acl_tok v;
	size_t klen;
	bool group;

	if (!eq) {
		acl_err(p, f, t->col, "unexpected argument %s (expected user= or group=)",
			acl_quote(&q, t->s, t->len));
		return -1;
	}
	klen = (size_t)(eq - t->s);
	if (klen == 4 && memcmp(t->s, "user", 4) == 0) {
		group = false;
	} else if (klen == 5 && memcmp(t->s, "group", 5) == 0) {
		group = true;
	} else {
		acl_err(p, f, t->col, "unknown key %s (expected user= or group=)",
			acl_quote(&q, t->s, klen + 1));
		return -1;
	}
	if (group ? who->has_gid : who->has_uid) {
		acl_err(p, f, t->col, "duplicate %s=", group ? "group" : "user");
		return -1;
	}
	v = (struct acl_tok){ eq + 1, t->len - klen - 1, t->col + (unsigned)klen + 1 };
	if (v.len == 0) {
		acl_err(p, f, v.col, "missing value after %s=", group ? "group" : "user");
		return -1;
	}
	return acl_parse_id(p, f, group, &v, r);
}

/* KEYWORD NAME|all [N|VIDS] [user=...] [group=...]: the rule in
 * *REC, unless the line has an error. */
static void acl_parse_rule(struct acl_parser *p, const struct acl_file *f,
			   struct acl_line *l, const struct acl_tok *kw,
			   enum acl_kind kind, struct acl_rec *rec)
{
	struct acl_rule r = {
		.kind = kind, .where = { f->name, f->line }, .col = kw->col,
		.reach = f->reach,
	};
	unsigned vcol = 0;
	struct acl_tok t;

	if (!acl_next(l, &t)) {
		acl_err(p, f, t.col, "missing bridge name (or 'all') after '%s'",
			acl_kind_name[kind]);
		return;
	}
	if (acl_parse_bridge(p, f, &t, &r) < 0)
		return;
	if (acl_has_value(kind) && acl_parse_value(p, f, l, &r, &vcol) < 0)
		return;
	if (kind == ACL_K_TRUNK && acl_parse_vids(p, f, l, &r) < 0)
		return;
	while (acl_next(l, &t))
		if (acl_parse_subject(p, f, &t, &r) < 0)
			return;
	if (kind == ACL_K_LIMIT && r.value == 0)
		acl_warn(p, f, vcol, "limit 0 forbids every TAP");
	rec->kind = ACL_REC_RULE;
	rec->rule = r;
}

/* ---- lines ------------------------------------------------------------ */

/* include PATH|GLOB: the request in *REC, for the file layer. */
static void acl_parse_include(struct acl_parser *p, const struct acl_file *f,
			      struct acl_line *l, struct acl_rec *rec)
{
	struct acl_tok t, extra;
	struct acl_quoted q;

	if (!acl_next(l, &t)) {
		acl_err(p, f, t.col, "missing path after 'include'");
		return;
	}
	if (acl_next(l, &extra)) {
		acl_err(p, f, extra.col, "unexpected argument %s (include takes "
			"one path; paths with spaces are not supported)",
			acl_quote(&q, extra.s, extra.len));
		return;
	}
	rec->kind = ACL_REC_INCLUDE;
	rec->path = t.s;
	rec->len = t.len;
	rec->col = t.col;
}

/* Warn about a '#' glued to a token: it does not start a comment. */
static void acl_check_hash(struct acl_parser *p, const struct acl_file *f,
			   const char *s, size_t len)
{
	const char *h = memchr(s, '#', len);

	if (h && h > s && h[-1] != ' ' && h[-1] != '\t')
		acl_warn(p, f, (unsigned)(h - s) + 1,
			 "'#' inside a word does not start a comment "
			 "(put a space before it)");
}

void acl_parse_line(struct acl_parser *p, const struct acl_file *f,
		    const char *s, size_t len, struct acl_rec *rec)
{
	static const enum acl_kind kinds[] = {
		ACL_K_ALLOW, ACL_K_DENY, ACL_K_LIMIT, ACL_K_SNDBUF, ACL_K_QUEUES,
		ACL_K_VLAN, ACL_K_TRUNK, ACL_K_ISOLATED, ACL_K_LOCKMAC,
	};
	struct acl_line l = { s, len, 0 };
	struct acl_quoted q;
	struct acl_tok kw;
	const char *nul;

	rec->kind = ACL_REC_NONE;
	if (len > ACL_MAX_LINE) {
		acl_err(p, f, ACL_MAX_LINE + 1, "line too long (max %d bytes)",
			ACL_MAX_LINE);
		return;
	}
	nul = memchr(s, '\0', len);
	if (nul) {
		acl_err(p, f, (unsigned)(nul - s) + 1, "NUL byte not allowed");
		return;
	}
	if (!acl_next(&l, &kw))
		return;
	acl_check_hash(p, f, s, len);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (acl_tok_is(&kw, acl_kind_name[kinds[i]])) {
			acl_parse_rule(p, f, &l, &kw, kinds[i], rec);
			return;
		}
	}
	if (acl_tok_is(&kw, "include"))
		acl_parse_include(p, f, &l, rec);
	else
		acl_err(p, f, kw.col, "unknown keyword %s", acl_quote(&q, kw.s, kw.len));
}
