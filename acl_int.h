/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_int.h: what the parts of acl*.c share. Private: nothing outside
 * acl*.c includes it (tests/unit_acl.c only to count the rules kept); the
 * public face is acl.h.
 *
 * Reading goes one way, each part calling only the ones below it:
 *
 *   acl.c         the entry points: load = read, then lint, then seal
 *   acl_file.c    files and includes: open, fstat, read in chunks
 *   acl_scan.c    lines: cut a chunk into lines, the fast path
 *   acl_parse.c   one line's grammar: a rule, an include request, nothing
 *   acl_names.c   user and group names: kept once, resolved after reading
 *   acl_rules.c   the rule store (rules, file names, the bridge filter),
 *                 and binding the resolved names into the rules
 *   acl_lint.c    warnings about the stored rules (reads the store)
 *   acl_lint_port.c  and about the port settings (called by acl_lint.c)
 *   acl_decide.c  the decision (reads the sealed store)
 *   acl_diag.c    diagnostics: counted, formatted, handed to the caller
 *
 * A line that asks for an include is returned up, as a record, to the
 * file layer, which reads the included files before reading on; rules go
 * down into the store. Nothing calls back up. When reading is over, acl.c
 * has the names resolved (acl_names.c) and bound into the rules
 * (acl_rules.c), then the lint runs, then the store is sealed.
 */
#ifndef BH_ACL_INT_H
#define BH_ACL_INT_H

#include "acl.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#define ACL_REACH_MAX     16                 /* restricted modes on one way */

enum acl_kind {
	ACL_K_ALLOW, ACL_K_DENY, ACL_K_LIMIT, ACL_K_SNDBUF, ACL_K_QUEUES,
	/* port settings (bridge.conf(5), PORT SETTINGS): they shape the port
	 * of a caller an allow let in, and reach everyone */
	ACL_K_VLAN,                        /* value: the PVID */
	ACL_K_TRUNK,                       /* value: first VID | last VID << 16 */
	ACL_K_ISOLATED,
	ACL_K_LOCKMAC,
	ACL_K_COUNT
};

/* user=/group=: an id, or (while *_NAMED) the number of a name in the
 * names table, until acl_bind_names() puts the name's id there. */
struct acl_subject {
	bool has_uid, has_gid;
	bool uid_named, gid_named;
	uid_t uid;
	gid_t gid;
};

struct acl_rule {                          /* 64 bytes: keep it so */
	unsigned char kind;                /* enum acl_kind */
	bool all;                          /* NAME was `all` */
	unsigned short ucol, gcol;         /* of the user= and group= values */
	unsigned short reach;              /* who could read its file: 0 all,
					    * else 1 + an index of acl.reach */
	char bridge[ACL_NAME_MAX + 1];
	unsigned long long value;          /* limit, sndbuf bytes, queues, VIDs */
	struct acl_subject who;
	struct acl_where where;
	unsigned col;                      /* of the keyword */
};

/* A bridge name of acl_opts.only, with its length. */
struct acl_name {
	char s[ACL_NAME_MAX + 1];
	size_t len;
};

/* A user or group name (acl_names.c). */
enum acl_name_state { ACL_N_PENDING, ACL_N_FOUND, ACL_N_UNKNOWN, ACL_N_FAILED };

struct acl_uname {
	char *name;
	size_t len;
	bool group;
	enum acl_name_state state;
	uint32_t id;                       /* ACL_N_FOUND */
	struct acl_where first;            /* its first use, for an error */
	unsigned col;
};

struct acl_names {
	struct acl_uname *v;
	size_t n, cap;
	uint32_t *slot;                    /* hash slots: 1 + index, 0: free */
	size_t nslot;                      /* a power of two */
};

/* A file or directory whose mode lets only some callers through (its read
 * bit, or a directory's search bit, not set for all three classes), and
 * the list of them a file's rules are behind: its own, its directories',
 * and those of the files that included it. */
struct acl_perm {
	struct acl_access a;
	dev_t dev;
	ino_t ino;
};

struct acl_reach {
	unsigned n;
	struct acl_perm p[ACL_REACH_MAX];
};

/* The rule store (acl_rules.c): what a loaded policy is. */
struct acl {
	struct acl_rule *rules;
	size_t nrules, rules_cap;
	char **files;                      /* interned; acl_where.file */
	size_t nfiles, files_cap;
	struct acl_reach *reach;           /* distinct ones; acl_rule.reach */
	size_t nreach, reach_cap;
	bool broken;                       /* errors or ENOMEM: match nothing */
	bool pending;                      /* read, names not yet resolved:
					    * matches nothing (acl_resolve()) */
	bool warnings;                     /* acl_opts.warnings, for acl_resolve() */
	int errors;                        /* reported while pending */
	bool filtered;                     /* only rules for ONLY (and `all`) kept */
	struct acl_name *only;
	size_t nonly;
	struct acl_names names;            /* emptied once bound */
};

/* A file being read (on the include stack of acl_file.c). */
struct acl_file {
	const char *name;                  /* interned */
	char *dir;                         /* base of relative includes */
	unsigned line;
	unsigned short reach;              /* acl_rule.reach of its rules */
	bool has_id;                       /* false for an in-memory buffer */
	dev_t dev;
	ino_t ino;
};

/* Where an include was asked for: the including file and the path's column. */
struct acl_inc {
	const struct acl_file *file;
	unsigned col;
};

/* What one line says (acl_parse_line's answer). */
enum acl_rec_kind {
	ACL_REC_NONE,                      /* blank, a comment, or an error */
	ACL_REC_RULE,                      /* REC.rule */
	ACL_REC_INCLUDE,                   /* REC.path (LEN bytes, not NUL-ended) */
};

struct acl_rec {
	enum acl_rec_kind kind;
	struct acl_rule rule;
	const char *path;                  /* points into the line */
	size_t len;
	unsigned col;                      /* of the path */
};

/* One load in progress: each part keeps its state here. */
struct acl_parser {
	struct acl *acl;                   /* the store being filled */
	const struct acl_opts *opts;
	acl_report_fn report;              /* acl_diag.c */
	void *ctx;
	int errors;
	bool nomem;
	unsigned nread;                    /* acl_file.c: files read, main included */
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

/* Out of memory: the load fails as a whole (every part checks p->nomem). */
static inline void acl_nomem(struct acl_parser *p)
{
	p->nomem = true;
}

/* Strict decimal: digits only, MIN..MAX. */
static inline bool acl_number(const char *s, unsigned long long min,
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

/* ---- acl_file.c: files and includes ---- */
/* Open PATH once, check that fd, read and parse it; AT is the include line
 * asking for it, NULL for the main file. */
void acl_read_path(struct acl_parser *p, const char *path,
		   const struct acl_inc *at);
/* Parse BUF as file NAME (not opened: no device and inode, no checks). */
void acl_read_mem(struct acl_parser *p, const char *name, const char *buf,
		  size_t len);

/* ---- acl_scan.c: lines, and the fast path ---- */
/* Parse the complete lines of BUF as F's, up to the first that asks for an
 * include: returns the bytes read (through that line's '\n'), with *INC
 * set to ACL_REC_INCLUDE for the caller to act on, or ACL_REC_NONE when
 * every line was read. LEN > 0 and BUF[LEN - 1] is '\n' (the fast path
 * relies on it to stop), and the ACL_SLACK bytes after BUF[LEN - 1] are
 * readable and set (it reads words at a line's start). */
size_t acl_scan_lines(struct acl_parser *p, struct acl_file *f,
		      const char *buf, size_t len, struct acl_rec *inc);

/* ---- acl_parse.c: one line ---- */
/* What line S (LEN bytes, without its line ending; any LEN: a line longer
 * than ACL_MAX_LINE is reported as such) of F says, in *REC. Errors and
 * warnings are reported here. */
void acl_parse_line(struct acl_parser *p, const struct acl_file *f,
		    const char *s, size_t len, struct acl_rec *rec);

/* ---- acl_names.c: users and groups ---- */
/* The number of user or group name S (LEN bytes) in the names table, first
 * used at F's line, column COL: 0 and *REF, or -ENOMEM (p->nomem set). */
int acl_name_ref(struct acl_parser *p, bool group, const char *s, size_t len,
		 const struct acl_file *f, unsigned col, uint32_t *ref);
/* Look up every name not yet resolved; a failed lookup is an error. */
void acl_names_resolve(struct acl_parser *p);
void acl_names_free(struct acl_names *t);

/* ---- acl_rules.c: the rule store ---- */
const char *acl_name_problem(const char *s, size_t len);
const char *acl_intern(struct acl_parser *p, const char *name);
void acl_add_rule(struct acl_parser *p, const struct acl_rule *r);
/* Add PATH's (DIR: a directory's) mode from ST to R, if it lets only some
 * callers through and is not there yet: 0, or -1 when R is full (an error
 * for the caller to report). */
int acl_reach_add(struct acl_parser *p, struct acl_reach *r, const char *path,
		  bool dir, const struct stat *st);
/* R's number in the store (acl_rule.reach): 0 when R is empty. */
unsigned short acl_reach_intern(struct acl_parser *p, const struct acl_reach *r);
/* REACH's (acl_rule.reach) list in A: NULL for 0. */
static inline const struct acl_reach *acl_reach_of(const struct acl *a,
						   unsigned short reach)
{
	return reach ? &a->reach[reach - 1] : NULL;
}
/* Could WHO read through A? As the kernel decides: the owner's bits for
 * its owner, the group's for its members, the others' for the rest; root
 * always. */
bool acl_lets(const struct acl_access *a, const struct acl_caller *who);
/* Copy OPTS->only into A (a filter on the rules kept); -ENOMEM. */
int acl_set_only(struct acl *a, const struct acl_opts *opts);
/* Put the resolved names' ids into the rules; drop the rules that name a
 * user or group that does not exist (a --lint warning each), and those
 * whose name could not be looked up (an error already). Then free the
 * names table. */
void acl_bind_names(struct acl_parser *p);

/* ---- acl_lint.c: warnings about the rules ---- */
void acl_lint(struct acl_parser *p);
/* ---- acl_lint_port.c: warnings about the port settings ---- */
void acl_lint_port(struct acl_parser *p);

/* ---- acl_diag.c: diagnostics ---- */
struct acl_quoted {
	char s[2 + ACL_QUOTE_MAX * 4 + 4];
};

__attribute__((format(printf, 6, 7)))
void acl_diag(struct acl_parser *p, enum acl_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...);
/* An error about file PATH itself: at the include line AT asking for it
 * (message prefixed by PATH), or at line 0 of PATH for the main file. */
__attribute__((format(printf, 4, 5)))
void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
		  const char *path, const char *fmt, ...);
/* 'TOKEN' for a message: control and non-ASCII bytes as \xNN, long
 * tokens shortened with "..." (a message may be shortened, a name never). */
const char *acl_quote(struct acl_quoted *q, const char *s, size_t len);

#define acl_err(p, f, col, ...) \
	acl_diag((p), ACL_SEV_ERROR, (f)->name, (f)->line, (col), __VA_ARGS__)
#define acl_warn(p, f, col, ...) \
	acl_diag((p), ACL_SEV_WARNING, (f)->name, (f)->line, (col), __VA_ARGS__)

#endif
