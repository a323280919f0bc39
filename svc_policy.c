/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svc_policy: the ACL in bridge-helperd's memory, always current.
 *
 * The whole ACL is loaded (acl_load, the same require_safe checks as the
 * setuid helper), and with it a stamp (device, inode, size, mtime, ctime)
 * of every file it was read from, of each one's directory (a file added
 * to or renamed into it, an include glob's new match), and of /etc/passwd
 * and /etc/group (user and group names are resolved at load time). Before
 * each request the stamps are compared with a stat(2) of each path: a
 * difference, a broken policy, or a SIGHUP means reload. A file changed
 * within the last STAMP_RACY_S seconds of a load could change again
 * within the same timestamp tick unseen: such a policy is reloaded at the
 * next request too, until its files have been quiet that long.
 *
 * Invariants: a request sees one complete policy (reloads happen only in
 * svc_policy_refresh(), before the core runs); a broken ACL denies
 * everything with the setuid helper's message, logged once per distinct
 * message; a fix takes effect at the next request. */
#include "svc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "acl.h"

#define STAMP_RACY_S 2

struct stamp {
	char *path;
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct svc_policy {
	const char *path;
	struct acl *acl;          /* NULL when broken */
	int status;               /* CORE_OK, CORE_CONFIG, CORE_SYSTEM */
	char msg[CORE_MSG_MAX];
	char logged[CORE_MSG_MAX];/* the last broken state logged */
	struct stamp *st;
	size_t nst;
	bool stale;               /* SIGHUP, or racy stamps */
};

/* ---- stamps ------------------------------------------------------------- */

static void stamp_take(struct stamp *s)
{
	struct stat st;

	s->exists = stat(s->path, &st) == 0;
	if (!s->exists)
		return;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
}

static bool ts_eq(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool stamp_changed(const struct stamp *s)
{
	struct stamp now = { .path = s->path };

	stamp_take(&now);
	if (now.exists != s->exists)
		return true;
	return now.exists && (now.dev != s->dev || now.ino != s->ino ||
			      now.size != s->size || !ts_eq(now.mtime, s->mtime) ||
			      !ts_eq(now.ctime, s->ctime));
}

static void stamps_free(struct svc_policy *p)
{
	for (size_t i = 0; i < p->nst; i++)
		free(p->st[i].path);
	free(p->st);
	p->st = NULL;
	p->nst = 0;
}

/* Add PATH (and, with DIR, its directory) unless already there. */
static int stamp_add(struct svc_policy *p, const char *path, size_t *cap)
{
	struct stamp *n;

	for (size_t i = 0; i < p->nst; i++)
		if (!strcmp(p->st[i].path, path))
			return 0;
	if (p->nst == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		n = reallocarray(p->st, *cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->st = n;
	}
	memset(&p->st[p->nst], 0, sizeof(p->st[p->nst]));
	if (!(p->st[p->nst].path = strdup(path)))
		return -ENOMEM;
	stamp_take(&p->st[p->nst++]);
	return 0;
}

static int stamp_add_with_dir(struct svc_policy *p, const char *path,
			      size_t *cap)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (stamp_add(p, path, cap) < 0)
		return -ENOMEM;
	if (!slash || n >= sizeof(dir))
		return stamp_add(p, ".", cap);
	memcpy(dir, path, n ? n : 1);
	dir[n ? n : 1] = '\0';
	return stamp_add(p, dir, cap);
}

/* The stamps of everything the policy depends on; STALE if any changed at
 * or after SINCE - STAMP_RACY_S (racy: the next request reloads again). */
static int stamps_take(struct svc_policy *p, time_t since)
{
	static const char *const userdb[] = { "/etc/passwd", "/etc/group" };
	size_t cap = 0;
	const char *f;

	stamps_free(p);
	if (stamp_add_with_dir(p, p->path, &cap) < 0)
		return -ENOMEM;
	for (size_t i = 0; (f = acl_file(p->acl, i)); i++)
		if (stamp_add_with_dir(p, f, &cap) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < 2; i++)
		if (stamp_add(p, userdb[i], &cap) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < p->nst; i++)
		if (p->st[i].exists && (p->st[i].mtime.tv_sec >= since - STAMP_RACY_S ||
					p->st[i].ctime.tv_sec >= since - STAMP_RACY_S))
			p->stale = true;
	return 0;
}

/* ---- loading -------------------------------------------------------------- */

struct diag {
	unsigned errors;
	char first[512];
};

static void diag_cb(void *ctx, enum acl_severity sev, const char *file,
		    unsigned line, unsigned col, const char *msg)
{
	struct diag *d = ctx;

	if (sev != ACL_SEV_ERROR || d->errors++ > 0)
		return;
	if (line && col)
		snprintf(d->first, sizeof(d->first), "%s:%u:%u: %s", file, line, col, msg);
	else if (line)
		snprintf(d->first, sizeof(d->first), "%s:%u: %s", file, line, msg);
	else
		snprintf(d->first, sizeof(d->first), "%s: %s", file, msg);
}

/* Log a broken policy once per distinct message; and its end. */
static void note(struct svc_policy *p)
{
	if (p->status == CORE_OK) {
		if (p->logged[0])
			svc_log(LOG_NOTICE, "%s: the ACL is usable again", p->path);
		p->logged[0] = '\0';
		return;
	}
	if (!strcmp(p->logged, p->msg))
		return;
	svc_log(LOG_ERR, "%s", p->msg);
	snprintf(p->logged, sizeof(p->logged), "%s", p->msg);
}

static void load(struct svc_policy *p)
{
	struct acl_opts opts = { .require_safe = true };
	struct diag d = { 0 };
	time_t since = time(NULL);
	int r;

	acl_free(p->acl);
	p->acl = NULL;
	p->stale = false;
	r = acl_load(p->path, &opts, &p->acl, diag_cb, &d);
	if (r == -ENOMEM || (r == 0 && !d.errors && stamps_take(p, since) < 0)) {
		p->status = CORE_SYSTEM;
		snprintf(p->msg, sizeof(p->msg), "out of memory reading %s", p->path);
	} else if (r != 0 || d.errors) {
		p->status = CORE_CONFIG;
		snprintf(p->msg, sizeof(p->msg), "bad configuration, everything "
			 "denied: %s%s", d.first,
			 d.errors > 1 ? " (and more: see --lint)" : "");
	} else {
		p->status = CORE_OK;
		p->msg[0] = '\0';
	}
	if (p->status != CORE_OK) {
		acl_free(p->acl);
		p->acl = NULL;
		stamps_free(p);
	}
	note(p);
}

/* ---- the interface ------------------------------------------------------- */

struct svc_policy *svc_policy_new(const char *path)
{
	struct svc_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->path = path;
	load(p);
	return p;
}

void svc_policy_free(struct svc_policy *p)
{
	if (!p)
		return;
	acl_free(p->acl);
	stamps_free(p);
	free(p);
}

void svc_policy_hup(struct svc_policy *p)
{
	p->stale = true;
}

void svc_policy_refresh(struct svc_policy *p)
{
	bool reload = p->stale || p->status != CORE_OK;

	for (size_t i = 0; !reload && i < p->nst; i++)
		reload = stamp_changed(&p->st[i]);
	if (reload)
		load(p);
}

const struct acl *svc_policy_get(void *ctx, const char *name,
				 struct core_result *res)
{
	struct svc_policy *p = ctx;

	(void)name;                        /* the whole ACL is in memory */
	if (p->acl)
		return p->acl;
	res->status = p->status;
	snprintf(res->msg, sizeof(res->msg), "%s", p->msg);
	return NULL;
}
