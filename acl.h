/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl: parse bridge.conf(5) files and decide. Pure: no sockets, no devices,
 * never exits, never prints (diagnostics go through a callback). */
#ifndef BH_ACL_H
#define BH_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ACL_MAX_LINE   1024  /* bytes per line, newline excluded */
#define ACL_MAX_DEPTH  8     /* include nesting */
#define ACL_MAX_FILES  256   /* files read in total, main one included */
#define ACL_QUEUES_MAX 256   /* a `queues` bound: 1..256, as --queues */
/* The queue bound when no `queues` rule matches: one, as qemu-bridge-helper
 * hands out (bridge.conf(5) says why). */
#define ACL_QUEUES_DEFAULT 1
#define ACL_VID_MAX    4094  /* VLAN ids: 1..4094 */

enum acl_severity { ACL_SEV_ERROR, ACL_SEV_WARNING };

/* Called once per diagnostic. COL is 1-based; 0 when not about a column
 * (e.g. the file could not be opened: LINE is then the including line, or 0).
 * MSG never repeats FILE:LINE:COL. A problem with an included file (cannot
 * open, unsafe, too large) is reported at the include line of the including
 * FILE, col 0, with MSG prefixed by the included path ("PATH: not owned by
 * root"); a problem with the main file is reported as FILE, line 0, col 0. */
typedef void (*acl_report_fn)(void *ctx, enum acl_severity sev,
			      const char *file, unsigned line, unsigned col,
			      const char *msg);

struct acl;

struct acl_opts {
	/* Require every file to be a regular file owned by uid 0 and not
	 * writable by group or others (checked with fstat on the opened fd).
	 * bridge-helper always sets this; only unit tests clear it. */
	bool require_safe;
	/* Also report warnings (rules that can never match, ...): --lint. */
	bool warnings;
	/* NULL (keep every rule), or a NULL-terminated list of the bridge names
	 * the caller will decide for: only the rules naming one of them, or
	 * `all`, are kept. Rules naming other bridges are still parsed and
	 * checked in full (an error anywhere, an unknown user, still counts),
	 * just not stored, so a large file costs little memory. acl_decide()
	 * on a bridge not in the list gives ACL_NOMATCH (fail closed). Ignored
	 * with WARNINGS: --lint needs every rule. The list is copied. */
	const char *const *only;
	/* Read only: look no user or group name up (no NSS) until the caller
	 * calls acl_resolve(), e.g. once it has given up a privilege it read
	 * the files with. Until then the policy matches nothing. */
	bool defer_names;
	/* The files are read with more than the caller's rights (setuid root,
	 * CAP_DAC_READ_SEARCH): each is opened with O_PATH, checked, and only
	 * then opened for reading, through /proc/self/fd (the same inode), so
	 * that no device, FIFO or socket is ever opened whatever a path leads
	 * to. Needs /proc. */
	bool privileged;
	/* NULL, or words appended to a "cannot open" error that was EACCES
	 * (the caller knows why it lacked the right, and the fix). */
	const char *eacces_hint;
};

/* Parse PATH and everything it includes. Always sets *OUT to a policy (maybe
 * empty) that the caller frees with acl_free(). Returns the number of errors
 * reported (0: the policy is usable; >0: the caller must deny), or -ENOMEM.
 *
 * User and group names are looked up once each, when reading is over: a
 * name that does not exist makes its rules match nobody (a warning); a
 * lookup that fails is an error. */
int acl_load(const char *path, const struct acl_opts *opts, struct acl **out,
	     acl_report_fn report, void *ctx);

/* After a load with acl_opts.defer_names: look the names up, and make the
 * policy usable. Returns as acl_load() does, counting the load's errors
 * too (a policy with errors looks nothing up). Once only. */
int acl_resolve(struct acl *acl, acl_report_fn report, void *ctx);

/* Parse an in-memory file named NAME (for fuzzing and unit tests). `include`
 * lines are parsed and resolved against dirname(NAME) as in acl_load(). */
int acl_load_buffer(const char *name, const char *buf, size_t len,
		    const struct acl_opts *opts, struct acl **out,
		    acl_report_fn report, void *ctx);

void acl_free(struct acl *acl);

/* The I-th file ACL was read from (main file first, then includes, as
 * named), or NULL past the last: for a service that reloads on change. */
const char *acl_file(const struct acl *acl, size_t i);

/* Who is asking: the real uid/gid and the supplementary groups the kernel
 * reported for the process (getgroups), captured before any privilege drop. */
struct acl_caller {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

enum acl_result {
	ACL_NOMATCH,   /* no allow/deny rule matched: denied */
	ACL_ALLOWED,
	ACL_DENIED,    /* a deny rule matched (deny wins wherever it stands) */
};

struct acl_where {
	const char *file;      /* NULL: none; points into the struct acl */
	unsigned line;
};

/* A file or directory on the way to a rule, as fstat() saw it when it was
 * read: whose mode keeps some callers from reading that rule's file. */
struct acl_access {
	const char *path;      /* NULL: none; points into the struct acl */
	bool dir;              /* a directory (search permission), or the file */
	unsigned mode;         /* permission bits, e.g. 0640 */
	uid_t uid;
	gid_t gid;
};

/* The port settings that apply (bridge.conf(5), PORT SETTINGS). Every
 * port-setting rule reaches everyone: it shapes a port an allow let in. */
struct acl_port {
	unsigned pvid;                /* 0: no vlan rule (the bridge's default) */
	struct acl_where pvid_rule;   /* the first matching vlan rule wins */
	bool has_trunk;               /* a trunk rule matched: TAGGED holds the */
	uint64_t tagged[64];          /* union of theirs, bit VID (never the PVID) */
	struct acl_where trunk_rule;  /* the first matching trunk rule */
	bool isolated;                /* any matching isolated rule */
	struct acl_where isolated_rule;
	bool lockmac;                 /* any matching lockmac rule */
	struct acl_where lockmac_rule;
};

/* Any port setting at all; a VLAN setting (it needs vlan_filtering). */
static inline bool acl_port_any(const struct acl_port *p)
{
	return p->pvid || p->has_trunk || p->isolated || p->lockmac;
}

static inline bool acl_port_vlans(const struct acl_port *p)
{
	return p->pvid || p->has_trunk;
}

static inline bool acl_vid_tagged(const struct acl_port *p, unsigned vid)
{
	return vid < 64 * 64 && (p->tagged[vid / 64] >> (vid % 64) & 1);
}

struct acl_decision {
	enum acl_result result;
	struct acl_where rule;        /* first matching deny, else first allow */
	bool has_limit;               /* a `limit` rule matched */
	unsigned limit;               /* the smallest matching limit */
	struct acl_where limit_rule;
	bool has_sndbuf;              /* a `sndbuf` rule matched */
	int sndbuf;                   /* the last matching sndbuf rule's bytes */
	struct acl_where sndbuf_rule;
	bool has_queues;              /* a `queues` rule matched */
	unsigned max_queues;          /* the smallest matching bound, else
				       * ACL_QUEUES_DEFAULT (always 1..256) */
	struct acl_where queues_rule;
	/* ACL_NOMATCH only: the first allow that matched the caller but is in
	 * a file the caller could not have read (file NULL: none), and the
	 * file or directory whose mode says so. */
	struct acl_where unreached;
	struct acl_access unreached_by;
	struct acl_port port;         /* ACL_ALLOWED only; else all zero */
};

/* Decide for BRIDGE (the device's own name). Pure.
 *
 * Each rule reaches the callers who could read its file, as the kernel
 * would decide from the modes seen when it was read (the file's read bit,
 * the search bit of each directory named on its path, and so for each
 * file that included it; root always): `allow` and `sndbuf` rules reach
 * only those; `deny` and `limit` rules reach everyone, as they only take
 * away; a `queues` rule a caller cannot reach may lower its bound, never
 * raise it above ACL_QUEUES_DEFAULT. bridge.conf(5) says why.
 *
 * Fails closed: a policy
 * whose load reported any error (or ENOMEM), a NULL policy or caller, an
 * invalid BRIDGE name and, when loaded with acl_opts.only, a BRIDGE not in
 * that list all give ACL_NOMATCH (with max_queues ACL_QUEUES_DEFAULT). */
void acl_decide(const struct acl *acl, const char *bridge,
		const struct acl_caller *who, struct acl_decision *out);

#endif
