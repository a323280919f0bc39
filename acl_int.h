/* acl_int.h: what acl.c (policy), acl_parse.c (grammar, diagnostics) and
 * acl_file.c (files, includes) share. Private: nothing outside acl*.c
 * includes it; the public face is acl.h. */
#ifndef BH_ACL_INT_H
#define BH_ACL_INT_H

#include "acl.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define ACL_NAME_MAX      15                 /* IFNAMSIZ - 1 */
#define ACL_MAX_FILE_SIZE (1 << 20)          /* bytes per file */
#define ACL_LIMIT_MAX     65535ULL
#define ACL_ID_MAX        ((unsigned long long)UINT32_MAX - 1) /* -1 is "none" */
#define ACL_NSS_BUF_MAX   (1 << 20)          /* getpwnam_r/getgrnam_r buffer */
#define ACL_MSG_MAX       (PATH_MAX + 512)
#define ACL_QUOTE_MAX     64                 /* token bytes shown in a message */

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

/* ---- acl.c: the policy ---- */
const char *acl_name_problem(const char *s, size_t len);
const char *acl_intern(struct acl_parser *p, const char *name);
void acl_add_rule(struct acl_parser *p, const struct acl_rule *r);
void acl_nomem(struct acl_parser *p);

/* ---- acl_parse.c: diagnostics and grammar ---- */
__attribute__((format(printf, 6, 7)))
void acl_diag(struct acl_parser *p, enum acl_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
		  const char *path, const char *fmt, ...);
/* Parse every line of BUF (LEN bytes) as F's. */
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
