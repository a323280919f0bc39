/* acl_int.h: what acl.c (policy), acl_parse.c (grammar, diagnostics),
 * acl_scan.c (lines, fast path) and acl_file.c (files, includes) share.
 * Private: nothing outside acl*.c includes it (tests/unit_acl.c only to
 * count the rules kept); the public face is acl.h. */
#ifndef BH_ACL_INT_H
#define BH_ACL_INT_H

#include "acl.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define ACL_NAME_MAX      15                 /* IFNAMSIZ - 1 */
#define ACL_MAX_FILE_SIZE (64 << 20)         /* bytes per file */
#define ACL_CHUNK         (64 << 10)         /* read buffer per open file */
#define ACL_SLACK         8                  /* set bytes after the data read */
#define ACL_LIMIT_MAX     65535ULL
#define ACL_ID_MAX        ((unsigned long long)UINT32_MAX - 1) /* -1 is "none" */
#define ACL_NSS_BUF_MAX   (1 << 20)          /* getpwnam_r/getgrnam_r buffer */
#define ACL_MSG_MAX       (PATH_MAX + 512)
#define ACL_QUOTE_MAX     64                 /* token bytes shown in a message */
#define ACL_IDCACHE       16                 /* user/group names remembered */
#define ACL_IDCACHE_NAME  32                 /* longest name remembered, + 1 */

enum acl_kind { ACL_K_ALLOW, ACL_K_DENY, ACL_K_LIMIT, ACL_K_SNDBUF };

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

/* A bridge name of acl_opts.only, with its length. */
struct acl_name {
	char s[ACL_NAME_MAX + 1];
	size_t len;
};

struct acl {
	struct acl_rule *rules;
	size_t nrules, rules_cap;
	char **files;                      /* interned; acl_where.file */
	size_t nfiles, files_cap;
	bool broken;                       /* errors or ENOMEM: match nothing */
	bool filtered;                     /* only rules for ONLY (and `all`) kept */
	struct acl_name *only;
	size_t nonly;
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

/* A user or group name already resolved: acl_lookup()'s answer (>= 0). */
struct acl_idcache {
	bool group;
	int rc;
	size_t len;
	unsigned long long id;
	char name[ACL_IDCACHE_NAME];
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
	struct acl_idcache ids[ACL_IDCACHE];
	unsigned nids, next_id;            /* entries filled; next to replace */
};

static inline void acl_freep(void *p)
{
	free(*(void **)p);
}

static inline void acl_closep(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define acl_autofree  __attribute__((cleanup(acl_freep)))
#define acl_autoclose __attribute__((cleanup(acl_closep)))

/* Is a rule naming bridge S (LEN bytes; ALL: `all`) kept in the policy?
 * Inline: the fast path asks it for every line of a large file. */
static inline bool acl_wanted(const struct acl *a, bool all, const char *s,
			      size_t len)
{
	if (all || !a->filtered)
		return true;
	for (const struct acl_name *n = a->only; n < a->only + a->nonly; n++) {
		size_t i = 0;

		if (n->len != len)
			continue;
		while (i < len && n->s[i] == s[i])   /* no call: nothing to spill */
			i++;
		if (i == len)
			return true;
	}
	return false;
}

/* ---- acl.c: the policy ---- */
const char *acl_name_problem(const char *s, size_t len);
const char *acl_intern(struct acl_parser *p, const char *name);
void acl_add_rule(struct acl_parser *p, const struct acl_rule *r);
void acl_nomem(struct acl_parser *p);

/* ---- acl_parse.c: diagnostics and grammar ---- */
/* Resolve user or group S (LEN bytes): 0 and *ID; 1 bad number; 2 unknown
 * name; -errno when the lookup failed. Answers are remembered. */
int acl_lookup_cached(struct acl_parser *p, bool group, const char *s,
		      size_t len, unsigned long long *id);
__attribute__((format(printf, 6, 7)))
void acl_diag(struct acl_parser *p, enum acl_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
		  const char *path, const char *fmt, ...);
/* One line without its line ending (S, LEN bytes, any LEN: a line longer
 * than ACL_MAX_LINE is reported as such). */
void acl_parse_line(struct acl_parser *p, const struct acl_file *f,
		    const char *s, size_t len);

/* ---- acl_scan.c: lines, and the fast path ---- */
/* Parse the complete lines of BUF as F's: LEN > 0 and BUF[LEN - 1] is
 * '\n' (the fast path relies on it to stop), and the ACL_SLACK bytes after
 * BUF[LEN - 1] are readable and set (it reads words at a line's start). */
void acl_parse_lines(struct acl_parser *p, struct acl_file *f,
		     const char *buf, size_t len);

/* ---- acl_file.c: files and includes ---- */
void acl_parse_path(struct acl_parser *p, const char *path,
		    const struct acl_inc *at);
/* Parse BUF as file NAME (not opened: no device and inode, no checks). */
void acl_parse_mem(struct acl_parser *p, const char *name, const char *buf,
		   size_t len);
/* `include REL` at column COL of F. */
void acl_include(struct acl_parser *p, const struct acl_file *f, unsigned col,
		 const char *rel);

#define acl_err(p, f, col, ...) \
	acl_diag((p), ACL_SEV_ERROR, (f)->name, (f)->line, (col), __VA_ARGS__)
#define acl_warn(p, f, col, ...) \
	acl_diag((p), ACL_SEV_WARNING, (f)->name, (f)->line, (col), __VA_ARGS__)

#endif
