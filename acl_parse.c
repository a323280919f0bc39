/* acl_parse: the grammar of bridge.conf(5) and its diagnostics.
 *
 * A line is tokenized on spaces and tabs; every message carries
 * file:line:col and quotes the offending token safely (acl_quote). A name
 * that is too long is an error, never truncated. Rules go to the policy
 * (acl.c); `include` lines to acl_file.c. Lines come from acl_scan.c,
 * which reads the common shapes itself and hands over the rest.
 */
#include "acl_int.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const acl_kind_name[] = {
	[ACL_K_ALLOW] = "allow", [ACL_K_DENY] = "deny",
	[ACL_K_LIMIT] = "limit", [ACL_K_SNDBUF] = "sndbuf",
};

struct acl_tok {
	const char *s;
	size_t len;
	unsigned col;                      /* 1-based; at end: where it would be */
};

struct acl_line {
	const char *s;
	size_t len, pos;
};

struct acl_quoted {
	char s[2 + ACL_QUOTE_MAX * 4 + 4];
};

/* ---- diagnostics ------------------------------------------------------ */

void acl_diag(struct acl_parser *p, enum acl_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[ACL_MSG_MAX];
	va_list ap;

	if (sev == ACL_SEV_ERROR) {
		if (p->errors < INT_MAX)
			p->errors++;
	} else if (!p->opts->warnings) {
		return;
	}
	if (!p->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->report(p->ctx, sev, file, line, col, msg);
}

/* An error about the file PATH itself, not about a column: at the include
 * line that asked for it (message prefixed by PATH), or at line 0 of PATH
 * for the main file. */
void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
		  const char *path, const char *fmt, ...)
{
	char msg[ACL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		acl_err(p, at->file, 0, "%s: %s", path, msg);
	else
		acl_diag(p, ACL_SEV_ERROR, path, 0, 0, "%s", msg);
}

/* 'TOKEN' for a message: control and non-ASCII bytes as \xNN, long
 * tokens shortened with "..." (a message may be shortened, a name never). */
static const char *acl_quote(struct acl_quoted *q, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	q->s[o++] = '\'';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == ACL_QUOTE_MAX) {
			memcpy(q->s + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[c >> 4];
			q->s[o++] = hex[c & 0xf];
		} else {
			q->s[o++] = (char)c;
		}
	}
	q->s[o++] = '\'';
	q->s[o] = '\0';
	return q->s;
}

/* ---- tokens ----------------------------------------------------------- */

/* Strict decimal: digits only, MIN..MAX. */
static bool acl_parse_num(const char *s, unsigned long long min,
			  unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

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

/* The number after the bridge of `limit` and `sndbuf`. */
static int acl_parse_value(struct acl_parser *p, const struct acl_file *f,
			   struct acl_line *l, struct acl_rule *r, unsigned *col)
{
	bool limit = r->kind == ACL_K_LIMIT;
	unsigned long long min = limit ? 0 : 1;
	unsigned long long max = limit ? ACL_LIMIT_MAX : INT_MAX;
	const char *what = limit ? "limit" : "sndbuf bytes";
	char buf[ACL_MAX_LINE + 1];
	struct acl_quoted q;
	struct acl_tok t;

	if (!acl_next(l, &t)) {
		acl_err(p, f, t.col, "missing %s (%llu..%llu)", what, min, max);
		return -1;
	}
	acl_tok_str(&t, buf);
	if (!acl_parse_num(buf, min, max, &r->value)) {
		acl_err(p, f, t.col, "invalid %s %s (expected %llu..%llu)", what,
			acl_quote(&q, t.s, t.len), min, max);
		return -1;
	}
	*col = t.col;
	return 0;
}

/* Resolve a user or group: 0 and *ID; 1 bad number; 2 unknown name;
 * -errno when the lookup itself failed. */
static int acl_lookup(bool group, const char *name, unsigned long long *id)
{
	long hint = sysconf(group ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;

	if (strspn(name, "0123456789") == strlen(name))
		return acl_parse_num(name, 0, ACL_ID_MAX, id) ? 0 : 1;
	for (;;) {
		acl_autofree char *buf = malloc(size);
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;
		int rc;

		if (!buf)
			return -ENOMEM;
		if (group)
			rc = getgrnam_r(name, &gr, buf, size, &grp);
		else
			/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): BUF is acl_autofree; clang-analyzer does not model cleanup attributes */
			rc = getpwnam_r(name, &pw, buf, size, &pwp);
		if (rc == ERANGE && size < ACL_NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (rc)
			return -rc;
		if (!grp && !pwp)
			return 2;
		*id = group ? grp->gr_gid : pwp->pw_uid;
		return 0;
	}
}

/* acl_lookup() of S (LEN <= ACL_MAX_LINE bytes), remembering the answers
 * for the short names: a large file names the same few users and groups
 * again and again. Lookup failures (< 0) are not remembered. */
int acl_lookup_cached(struct acl_parser *p, bool group, const char *s,
		      size_t len, unsigned long long *id)
{
	char name[ACL_MAX_LINE + 1];
	struct acl_idcache *e;
	int rc;

	for (unsigned i = 0; len < ACL_IDCACHE_NAME && i < p->nids; i++) {
		e = &p->ids[i];
		if (e->group == group && e->len == len && memcmp(e->name, s, len) == 0) {
			*id = e->id;
			return e->rc;
		}
	}
	memcpy(name, s, len);
	name[len] = '\0';
	rc = acl_lookup(group, name, id);
	if (rc < 0 || len >= ACL_IDCACHE_NAME)
		return rc;
	e = &p->ids[p->next_id];
	p->next_id = (p->next_id + 1) % ACL_IDCACHE;
	if (p->nids < ACL_IDCACHE)
		p->nids++;
	*e = (struct acl_idcache){
		.group = group, .rc = rc, .len = len, .id = rc == 0 ? *id : 0,
	};
	memcpy(e->name, s, len);
	return rc;
}

static int acl_resolve(struct acl_parser *p, const struct acl_file *f,
		       bool group, const struct acl_tok *v,
		       struct acl_subject *who)
{
	const char *what = group ? "group" : "user";
	unsigned long long id = 0;
	struct acl_quoted q;
	int rc;

	rc = acl_lookup_cached(p, group, v->s, v->len, &id);
	if (rc == -ENOMEM) {
		acl_nomem(p);
		return -1;
	}
	if (rc == 1)
		acl_err(p, f, v->col, "invalid %s %s (expected 0..%llu)",
			group ? "gid" : "uid", acl_quote(&q, v->s, v->len),
			ACL_ID_MAX);
	else if (rc == 2)
		acl_err(p, f, v->col, "unknown %s %s", what,
			acl_quote(&q, v->s, v->len));
	else if (rc < 0)
		acl_err(p, f, v->col, "cannot look up %s %s: %s", what,
			acl_quote(&q, v->s, v->len), strerror(-rc));
	if (rc)
		return -1;
	if (group) {
		who->has_gid = true;
		who->gid = (gid_t)id;
	} else {
		who->has_uid = true;
		who->uid = (uid_t)id;
	}
	return 0;
}

/* user=NAME|UID or group=NAME|GID */
static int acl_parse_subject(struct acl_parser *p, const struct acl_file *f,
			     const struct acl_tok *t, struct acl_subject *who)
{
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
	return acl_resolve(p, f, group, &v, who);
}

/* allow|deny|limit|sndbuf NAME|all [N] [user=...] [group=...] */
static void acl_parse_rule(struct acl_parser *p, const struct acl_file *f,
			   struct acl_line *l, const struct acl_tok *kw,
			   enum acl_kind kind)
{
	struct acl_rule r = {
		.kind = kind, .where = { f->name, f->line }, .col = kw->col,
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
	if ((kind == ACL_K_LIMIT || kind == ACL_K_SNDBUF) &&
	    acl_parse_value(p, f, l, &r, &vcol) < 0)
		return;
	while (acl_next(l, &t))
		if (acl_parse_subject(p, f, &t, &r.who) < 0)
			return;
	if (kind == ACL_K_LIMIT && r.value == 0)
		acl_warn(p, f, vcol, "limit 0 forbids every TAP");
	if (acl_wanted(p->acl, r.all, r.bridge, strlen(r.bridge)))
		acl_add_rule(p, &r);
}

/* ---- lines ------------------------------------------------------------ */

/* include PATH|GLOB */
static void acl_parse_include(struct acl_parser *p, const struct acl_file *f,
			      struct acl_line *l)
{
	char rel[ACL_MAX_LINE + 1];
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
	acl_tok_str(&t, rel);
	acl_include(p, f, t.col, rel);
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
		    const char *s, size_t len)
{
	static const enum acl_kind kinds[] = {
		ACL_K_ALLOW, ACL_K_DENY, ACL_K_LIMIT, ACL_K_SNDBUF,
	};
	struct acl_line l = { s, len, 0 };
	struct acl_quoted q;
	struct acl_tok kw;
	const char *nul;

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
			acl_parse_rule(p, f, &l, &kw, kinds[i]);
			return;
		}
	}
	if (acl_tok_is(&kw, "include"))
		acl_parse_include(p, f, &l);
	else
		acl_err(p, f, kw.col, "unknown keyword %s", acl_quote(&q, kw.s, kw.len));
}
