/* acl: parse bridge.conf(5) files and decide.
 *
 * Invariants (what this file MUST keep true):
 *  - Every file is opened once, checked with fstat() on that same fd and
 *    read whole from it (bounded); nothing is checked by path and then
 *    opened.
 *  - A name that is too long is an error, never truncated.
 *  - Any error anywhere (or ENOMEM) leaves a policy that matches nothing,
 *    so a caller that forgets to look at the error count still denies.
 *  - Relative includes resolve against the including file's directory,
 *    never the process's working directory.
 *  - No global mutable state, no exit(), no printing: every diagnostic
 *    goes through the caller's callback.
 */
#include "acl.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACL_NAME_MAX      15                 /* IFNAMSIZ - 1 */
#define ACL_MAX_FILE_SIZE (1 << 20)          /* bytes per file */
#define ACL_LIMIT_MAX     65535ULL
#define ACL_ID_MAX        ((unsigned long long)UINT32_MAX - 1) /* -1 is "none" */
#define ACL_NSS_BUF_MAX   (1 << 20)          /* getpwnam_r/getgrnam_r buffer */
#define ACL_MSG_MAX       (PATH_MAX + 512)
#define ACL_QUOTE_MAX     64                 /* token bytes shown in a message */

enum acl_kind { ACL_K_ALLOW, ACL_K_DENY, ACL_K_LIMIT, ACL_K_SNDBUF };

static const char *const acl_kind_name[] = {
	[ACL_K_ALLOW] = "allow", [ACL_K_DENY] = "deny",
	[ACL_K_LIMIT] = "limit", [ACL_K_SNDBUF] = "sndbuf",
};

struct acl_subject {
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct acl_rule {
	enum acl_kind kind;
	bool all;                          /* NAME was `all` */
	char bridge[ACL_NAME_MAX + 1];
	unsigned long long value;          /* limit, or sndbuf bytes */
	struct acl_subject who;
	struct acl_where where;
	unsigned col;                      /* of the keyword */
};

struct acl {
	struct acl_rule *rules;
	size_t nrules, rules_cap;
	char **files;                      /* interned; acl_where.file */
	size_t nfiles, files_cap;
	bool broken;                       /* errors or ENOMEM: match nothing */
};

/* A file being parsed (on the include stack). */
struct acl_file {
	const char *name;                  /* interned */
	char *dir;                         /* base of relative includes */
	unsigned line;
	bool has_id;                       /* false for an in-memory buffer */
	dev_t dev;
	ino_t ino;
};

/* Where an include was asked for: the including file and the path's column. */
struct acl_inc {
	const struct acl_file *file;
	unsigned col;
};

struct acl_parser {
	struct acl *acl;
	const struct acl_opts *opts;
	acl_report_fn report;
	void *ctx;
	int errors;
	bool nomem;
	unsigned nread;                    /* files read, main one included */
	unsigned depth;
	struct acl_file *stack[ACL_MAX_DEPTH + 1];
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

static void acl_freep(void *p)
{
	free(*(void **)p);
}

static void acl_closep(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define acl_autofree  __attribute__((cleanup(acl_freep)))
#define acl_autoclose __attribute__((cleanup(acl_closep)))

/* ---- diagnostics ------------------------------------------------------ */

__attribute__((format(printf, 6, 7)))
static void acl_diag(struct acl_parser *p, enum acl_severity sev,
		     const char *file, unsigned line, unsigned col,
		     const char *fmt, ...)
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

#define acl_err(p, f, col, ...) \
	acl_diag((p), ACL_SEV_ERROR, (f)->name, (f)->line, (col), __VA_ARGS__)
#define acl_warn(p, f, col, ...) \
	acl_diag((p), ACL_SEV_WARNING, (f)->name, (f)->line, (col), __VA_ARGS__)

/* An error about the file PATH itself, not about a column: at the include
 * line that asked for it (message prefixed by PATH), or at line 0 of PATH
 * for the main file. */
__attribute__((format(printf, 4, 5)))
static void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
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

static void acl_nomem(struct acl_parser *p)
{
	p->nomem = true;
}

/* ---- small helpers ---------------------------------------------------- */

/* Why NAME (LEN bytes) is not an interface name, or NULL if it is one. */
static const char *acl_name_problem(const char *s, size_t len)
{
	if (len == 0)
		return "empty";
	if (len > ACL_NAME_MAX)
		return "longer than 15 bytes";
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return "'.' and '..' are not allowed";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/')
			return "contains '/'";
		if (c == ':')
			return "contains ':'";
		if (c <= 0x20 || c >= 0x7f)
			return "contains a space, control or non-ASCII byte";
	}
	return NULL;
}

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

static char *acl_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* DIR/REL (REL when absolute); with ESCAPE, DIR's glob characters are
 * escaped so that only REL's act as a pattern. */
static char *acl_join(const char *dir, const char *rel, bool escape)
{
	size_t dl = strlen(dir), rl = strlen(rel), n = 0;
	char *out;

	if (rel[0] == '/')
		return strdup(rel);
	out = malloc(2 * dl + rl + 2);
	if (!out)
		return NULL;
	for (size_t i = 0; i < dl; i++) {
		if (escape && strchr("*?[\\", dir[i]))
			out[n++] = '\\';
		out[n++] = dir[i];
	}
	if (dl == 0 || dir[dl - 1] != '/')
		out[n++] = '/';
	memcpy(out + n, rel, rl + 1);
	return out;
}

/* Append S to the C string in DST (SIZE bytes), truncating. */
static void acl_append(char *dst, size_t size, const char *s)
{
	size_t dl = strlen(dst), sl = strlen(s);

	if (dl + 1 >= size)
		return;
	if (sl > size - dl - 1)
		sl = size - dl - 1;
	memcpy(dst + dl, s, sl);
	dst[dl + sl] = '\0';
}

/* ---- the policy ------------------------------------------------------- */

static const char *acl_intern(struct acl_parser *p, const char *name)
{
	struct acl *a = p->acl;
	char *dup;

	for (size_t i = 0; i < a->nfiles; i++)
		if (strcmp(a->files[i], name) == 0)
			return a->files[i];
	if (a->nfiles == a->files_cap) {
		size_t cap = a->files_cap ? a->files_cap * 2 : 8;
		char **n = reallocarray(a->files, cap, sizeof(*n));

		if (!n) {
			acl_nomem(p);
			return NULL;
		}
		a->files = n;
		a->files_cap = cap;
	}
	dup = strdup(name);
	if (!dup) {
		acl_nomem(p);
		return NULL;
	}
	a->files[a->nfiles++] = dup;
	return dup;
}

static void acl_add_rule(struct acl_parser *p, const struct acl_rule *r)
{
	struct acl *a = p->acl;

	if (a->nrules == a->rules_cap) {
		size_t cap = a->rules_cap ? a->rules_cap * 2 : 16;
		struct acl_rule *n = reallocarray(a->rules, cap, sizeof(*n));

		if (!n) {
			acl_nomem(p);
			return;
		}
		a->rules = n;
		a->rules_cap = cap;
	}
	a->rules[a->nrules++] = *r;
}

void acl_free(struct acl *acl)
{
	if (!acl)
		return;
	for (size_t i = 0; i < acl->nfiles; i++)
		free(acl->files[i]);
	free(acl->files);
	free(acl->rules);
	free(acl);
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

static int acl_resolve(struct acl_parser *p, const struct acl_file *f,
		       bool group, const struct acl_tok *v,
		       struct acl_subject *who)
{
	const char *what = group ? "group" : "user";
	char name[ACL_MAX_LINE + 1];
	unsigned long long id = 0;
	struct acl_quoted q;
	int rc;

	acl_tok_str(v, name);
	rc = acl_lookup(group, name, &id);
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
	acl_add_rule(p, &r);
}

/* ---- files and includes ----------------------------------------------- */

static void acl_parse_path(struct acl_parser *p, const char *path,
			   const struct acl_inc *at);

/* Read all of FD, at most ACL_MAX_FILE_SIZE bytes. */
static int acl_read_fd(int fd, char **out, size_t *outlen)
{
	acl_autofree char *buf = NULL;
	size_t cap = 0, len = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (ncap > ACL_MAX_FILE_SIZE + 1)
				ncap = ACL_MAX_FILE_SIZE + 1;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > ACL_MAX_FILE_SIZE)
			return -EFBIG;
	}
	*out = buf;
	buf = NULL;
	*outlen = len;
	return 0;
}

/* The directory named in PATH must be root's and not group/other
 * writable: otherwise someone else could swap the file. */
static int acl_check_dir(struct acl_parser *p, const struct acl_inc *at,
			 const char *path)
{
	acl_autofree char *dir = acl_dirname(path);
	acl_autoclose int dfd = -1;
	struct stat st;

	if (!dir) {
		acl_nomem(p);
		return -1;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		acl_file_err(p, at, path, "cannot open directory %s: %s", dir,
			     strerror(errno));
		return -1;
	}
	if (st.st_uid != 0) {
		acl_file_err(p, at, path, "directory %s is not owned by root", dir);
		return -1;
	}
	if (st.st_mode & 022) {
		acl_file_err(p, at, path,
			     "directory %s is writable by group or others", dir);
		return -1;
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): DIR is acl_autofree; clang-analyzer does not model cleanup attributes */
	return 0;
}

/* Checks on the opened FD itself (never on the path). */
static int acl_check_fd(struct acl_parser *p, const struct acl_inc *at,
			const char *path, int fd, struct stat *st)
{
	if (fstat(fd, st) < 0) {
		acl_file_err(p, at, path, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		acl_file_err(p, at, path, "not a regular file");
		return -1;
	}
	if (!p->opts->require_safe)
		return 0;
	if (st->st_uid != 0) {
		acl_file_err(p, at, path, "not owned by root");
		return -1;
	}
	if (st->st_mode & 022) {
		acl_file_err(p, at, path, "writable by group or others");
		return -1;
	}
	return acl_check_dir(p, at, path);
}

/* Is ST already on the include stack? Then report the loop. */
static bool acl_is_loop(struct acl_parser *p, const struct acl_inc *at,
			const struct stat *st)
{
	char via[ACL_MSG_MAX] = "";

	for (unsigned i = 0; i < p->depth; i++) {
		const struct acl_file *f = p->stack[i];

		if (!f->has_id || f->dev != st->st_dev || f->ino != st->st_ino)
			continue;
		for (unsigned j = i + 1; j < p->depth; j++) {
			acl_append(via, sizeof(via), j == i + 1 ? " via " : " -> ");
			acl_append(via, sizeof(via), p->stack[j]->name);
		}
		acl_err(p, at->file, at->col, "include loop: %s includes itself%s",
			f->name, via);
		return true;
	}
	return false;
}

static void acl_parse_lines(struct acl_parser *p, struct acl_file *f,
			    const char *buf, size_t len);

/* Parse BUF as file NAME, pushed on the include stack. */
static void acl_parse_file(struct acl_parser *p, const char *name,
			   const char *buf, size_t len, const struct stat *st)
{
	struct acl_file f = { .name = acl_intern(p, name) };

	if (!f.name)
		return;
	f.dir = acl_dirname(name);
	if (!f.dir) {
		acl_nomem(p);
		return;
	}
	if (st) {
		f.has_id = true;
		f.dev = st->st_dev;
		f.ino = st->st_ino;
	}
	p->stack[p->depth++] = &f;
	acl_parse_lines(p, &f, buf, len);
	p->stack[--p->depth] = NULL;   /* no pointer to F outlives it */
	free(f.dir);
}

/* Open PATH once, check that fd, read it whole, parse it. AT is the
 * include line asking for it, NULL for the main file. */
static void acl_parse_path(struct acl_parser *p, const char *path,
			   const struct acl_inc *at)
{
	acl_autoclose int fd = -1;
	acl_autofree char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	p->nread++;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		acl_file_err(p, at, path, "cannot open: %s", strerror(errno));
		return;
	}
	if (acl_check_fd(p, at, path, fd, &st) < 0 || p->nomem)
		return;
	if (at && acl_is_loop(p, at, &st))
		return;
	rc = acl_read_fd(fd, &buf, &len);
	if (rc == -ENOMEM) {
		acl_nomem(p);
		return;
	}
	if (rc == -EFBIG) {
		acl_file_err(p, at, path, "file too large (max %d bytes)",
			     ACL_MAX_FILE_SIZE);
		return;
	}
	if (rc < 0) {
		acl_file_err(p, at, path, "read error: %s", strerror(-rc));
		return;
	}
	close(fd);
	/* NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores): read by acl_autoclose (cleanup attribute) at scope exit */
	fd = -1;
	acl_parse_file(p, path, buf, len, &st);
}

/* One file of an include; -1 when no more may be read. */
static int acl_include_one(struct acl_parser *p, const struct acl_inc *at,
			   const char *path)
{
	if (p->nread >= ACL_MAX_FILES) {
		acl_err(p, at->file, at->col, "too many files (max %d)",
			ACL_MAX_FILES);
		return -1;
	}
	acl_parse_path(p, path, at);
	return p->nomem ? -1 : 0;
}

/* A pattern matching nothing is fine (an empty bridge.d); a directory
 * that cannot be read is an error. Matches are sorted. */
static void acl_include_glob(struct acl_parser *p, const struct acl_inc *at,
			     const char *pattern)
{
	glob_t g;
	int rc, e;

	errno = 0;
	rc = glob(pattern, GLOB_ERR, NULL, &g);
	e = errno;
	if (rc == GLOB_NOSPACE)
		acl_nomem(p);
	else if (rc == GLOB_ABORTED)
		acl_err(p, at->file, at->col, "%s: cannot read directory: %s",
			pattern, e ? strerror(e) : "read error");
	else if (rc == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (acl_include_one(p, at, g.gl_pathv[i]) < 0)
				break;
	globfree(&g);
}

/* include PATH|GLOB */
static void acl_parse_include(struct acl_parser *p, const struct acl_file *f,
			      struct acl_line *l)
{
	char rel[ACL_MAX_LINE + 1];
	acl_autofree char *path = NULL;
	struct acl_tok t, extra;
	struct acl_quoted q;
	struct acl_inc at;
	bool glob_chars;

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
	at = (struct acl_inc){ f, t.col };
	if (p->depth > ACL_MAX_DEPTH) {
		acl_err(p, f, t.col, "include nested too deep (max %d)", ACL_MAX_DEPTH);
		return;
	}
	acl_tok_str(&t, rel);
	glob_chars = strpbrk(rel, "*?[") != NULL;
	path = acl_join(f->dir, rel, glob_chars);
	if (!path)
		acl_nomem(p);
	else if (strlen(path) >= PATH_MAX)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): PATH is acl_autofree; clang-analyzer does not model cleanup attributes */
		acl_err(p, f, t.col, "include path too long");
	else if (glob_chars)
		acl_include_glob(p, &at, path);
	else
		acl_include_one(p, &at, path);
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

static void acl_parse_line(struct acl_parser *p, const struct acl_file *f,
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

static void acl_parse_lines(struct acl_parser *p, struct acl_file *f,
			    const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && !p->nomem) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - off;

		f->line++;
		if (n > 0 && buf[off + n - 1] == '\r')
			n--;
		acl_parse_line(p, f, buf + off, n);
		off = end + 1;
	}
}

/* ---- lint ------------------------------------------------------------- */

static bool acl_subject_covers(const struct acl_subject *broad,
			       const struct acl_subject *narrow)
{
	if (broad->has_uid && (!narrow->has_uid || narrow->uid != broad->uid))
		return false;
	if (broad->has_gid && (!narrow->has_gid || narrow->gid != broad->gid))
		return false;
	return true;
}

static bool acl_bridge_covers(const struct acl_rule *broad,
			      const struct acl_rule *narrow)
{
	return broad->all ||
	       (!narrow->all && strcmp(broad->bridge, narrow->bridge) == 0);
}

static bool acl_rule_same(const struct acl_rule *a, const struct acl_rule *b)
{
	return a->kind == b->kind && a->value == b->value &&
	       acl_bridge_covers(a, b) && acl_bridge_covers(b, a) &&
	       acl_subject_covers(&a->who, &b->who) &&
	       acl_subject_covers(&b->who, &a->who);
}

static void acl_lint_rule(struct acl_parser *p, size_t j)
{
	const struct acl_rule *rules = p->acl->rules, *r = &rules[j];
	const struct acl_where *w = &r->where;

	for (size_t i = 0; r->kind == ACL_K_ALLOW && i < p->acl->nrules; i++) {
		const struct acl_rule *d = &rules[i];

		if (d->kind == ACL_K_DENY && acl_bridge_covers(d, r) &&
		    acl_subject_covers(&d->who, &r->who)) {
			acl_diag(p, ACL_SEV_WARNING, w->file, w->line, r->col,
				 "allow at line %u is shadowed by deny at %s:%u",
				 w->line, d->where.file, d->where.line);
			break;
		}
	}
	for (size_t i = 0; i < j; i++) {
		if (acl_rule_same(&rules[i], r)) {
			acl_diag(p, ACL_SEV_WARNING, w->file, w->line, r->col,
				 "duplicate of the rule at %s:%u",
				 rules[i].where.file, rules[i].where.line);
			break;
		}
	}
}

/* ---- API -------------------------------------------------------------- */

static int acl_begin(struct acl_parser *p, const struct acl_opts *opts,
		     struct acl **out, acl_report_fn report, void *ctx)
{
	/* No options: the safe ones. */
	static const struct acl_opts safe = { .require_safe = true };

	*p = (struct acl_parser){
		.opts = opts ? opts : &safe, .report = report, .ctx = ctx,
	};
	p->acl = *out = calloc(1, sizeof(**out));
	return p->acl ? 0 : -ENOMEM;
}

static int acl_finish(struct acl_parser *p)
{
	struct acl *a = p->acl;

	if (!p->nomem && p->opts->warnings)
		for (size_t j = 0; j < a->nrules; j++)
			acl_lint_rule(p, j);
	if (p->nomem || p->errors) {
		a->broken = true;
		a->nrules = 0;
	}
	return p->nomem ? -ENOMEM : p->errors;
}

int acl_load(const char *path, const struct acl_opts *opts, struct acl **out,
	     acl_report_fn report, void *ctx)
{
	struct acl_parser p;

	if (acl_begin(&p, opts, out, report, ctx) < 0)
		return -ENOMEM;
	if (path)
		acl_parse_path(&p, path, NULL);
	else
		acl_diag(&p, ACL_SEV_ERROR, "(none)", 0, 0, "no file name");
	return acl_finish(&p);
}

int acl_load_buffer(const char *name, const char *buf, size_t len,
		    const struct acl_opts *opts, struct acl **out,
		    acl_report_fn report, void *ctx)
{
	struct acl_parser p;

	if (acl_begin(&p, opts, out, report, ctx) < 0)
		return -ENOMEM;
	p.nread++;
	if (!name || (!buf && len))
		acl_diag(&p, ACL_SEV_ERROR, name ? name : "(none)", 0, 0,
			 "no file name or buffer");
	else if (len > ACL_MAX_FILE_SIZE)
		acl_diag(&p, ACL_SEV_ERROR, name, 0, 0,
			 "file too large (max %d bytes)", ACL_MAX_FILE_SIZE);
	else
		acl_parse_file(&p, name, buf ? buf : "", len, NULL);
	return acl_finish(&p);
}

static bool acl_matches(const struct acl_rule *r, const char *bridge,
			const struct acl_caller *who)
{
	bool in = false;

	if (!r->all && strcmp(r->bridge, bridge) != 0)
		return false;
	if (r->who.has_uid && r->who.uid != who->uid)
		return false;
	if (!r->who.has_gid)
		return true;
	in = who->gid == r->who.gid;
	for (size_t i = 0; !in && who->groups && i < who->ngroups; i++)
		in = who->groups[i] == r->who.gid;
	return in;
}

void acl_decide(const struct acl *acl, const char *bridge,
		const struct acl_caller *who, struct acl_decision *out)
{
	const struct acl_rule *allow = NULL, *deny = NULL;
	const struct acl_rule *limit = NULL, *sndbuf = NULL;

	*out = (struct acl_decision){ .result = ACL_NOMATCH };
	if (!acl || acl->broken || !bridge || !who ||
	    acl_name_problem(bridge, strnlen(bridge, ACL_NAME_MAX + 1)))
		return;
	for (size_t i = 0; i < acl->nrules; i++) {
		const struct acl_rule *r = &acl->rules[i];

		if (!acl_matches(r, bridge, who))
			continue;
		if (r->kind == ACL_K_ALLOW && !allow)
			allow = r;
		else if (r->kind == ACL_K_DENY && !deny)
			deny = r;
		else if (r->kind == ACL_K_LIMIT && (!limit || r->value < limit->value))
			limit = r;
		else if (r->kind == ACL_K_SNDBUF)
			sndbuf = r;
	}
	if (deny || allow) {
		out->result = deny ? ACL_DENIED : ACL_ALLOWED;
		out->rule = deny ? deny->where : allow->where;
	}
	if (limit) {
		out->has_limit = true;
		out->limit = (unsigned)limit->value;
		out->limit_rule = limit->where;
	}
	if (sndbuf) {
		out->has_sndbuf = true;
		out->sndbuf = (int)sndbuf->value;
		out->sndbuf_rule = sndbuf->where;
	}
}
