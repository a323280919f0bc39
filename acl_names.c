/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_names: the user and group names that rules use. One job: keep each
 * distinct name once (the readers hand them in while reading, and rules
 * refer to them by number), then resolve each once through NSS
 * (getpwnam_r/getgrnam_r, with a bounded buffer) when reading is over --
 * so that reading may run with a privilege that name lookups never get.
 *
 * A name NSS says does not exist is ACL_N_UNKNOWN: its rules match nobody
 * (acl_rules.c drops them, with a --lint warning). A lookup that fails
 * (an NSS error, a buffer that would pass ACL_NSS_BUF_MAX) is an error at
 * the name's first use, and an error denies everything: a directory that
 * cannot answer must not turn a deny off.
 */
#include "acl_int.h"

#include <grp.h>
#include <pwd.h>

static uint32_t acl_name_hash(bool group, const char *s, size_t len)
{
	uint32_t h = group ? 0x9e3779b9U : 2166136261U;     /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619U;
	return h;
}

/* Double the slots (a power of two, at most half full). */
static int acl_names_grow(struct acl_names *t)
{
	size_t n = t->nslot ? 2 * t->nslot : 64;
	uint32_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		const struct acl_uname *u = &t->v[i];
		size_t k = acl_name_hash(u->group, u->name, u->len) & (n - 1);

		while (slot[k])
			k = (k + 1) & (n - 1);
		slot[k] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

/* A new entry for S (LEN bytes) first named at F's line, column COL. */
static int acl_names_add(struct acl_parser *p, bool group, const char *s,
			 size_t len, const struct acl_file *f, unsigned col)
{
	struct acl_names *t = &p->acl->names;
	struct acl_uname *u;

	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct acl_uname *v = reallocarray(t->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	u = &t->v[t->n];
	*u = (struct acl_uname){
		.name = strndup(s, len), .len = len, .group = group,
		.first = { f->name, f->line }, .col = col,
	};
	if (!u->name)
		return -ENOMEM;
	t->n++;
	return 0;
}

int acl_name_ref(struct acl_parser *p, bool group, const char *s, size_t len,
		 const struct acl_file *f, unsigned col, uint32_t *ref)
{
	struct acl_names *t = &p->acl->names;
	size_t k;

	if (2 * (t->n + 1) > t->nslot && acl_names_grow(t) < 0)
		goto nomem;
	k = acl_name_hash(group, s, len) & (t->nslot - 1);
	for (; t->slot[k]; k = (k + 1) & (t->nslot - 1)) {
		const struct acl_uname *u = &t->v[t->slot[k] - 1];

		if (u->group == group && u->len == len && memcmp(u->name, s, len) == 0) {
			*ref = t->slot[k] - 1;
			return 0;
		}
	}
	if (acl_names_add(p, group, s, len, f, col) < 0)
		goto nomem;
	t->slot[k] = (uint32_t)t->n;
	*ref = (uint32_t)t->n - 1;
	return 0;
nomem:
	acl_nomem(p);
	return -ENOMEM;
}

/* NSS: 0 and *ID; 1 no such name; -errno when the lookup failed. */
static int acl_lookup(bool group, const char *name, uint32_t *id)
{
	long hint = sysconf(group ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;

	for (;;) {
		acl_autofree char *buf = malloc(size);
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;
		int rc;

		if (!buf)
			return -ENOMEM;
		if (group)
			/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): BUF is acl_autofree; clang-analyzer does not model cleanup attributes */
			rc = getgrnam_r(name, &gr, buf, size, &grp);
		else
			/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): BUF is acl_autofree; clang-analyzer does not model cleanup attributes */
			rc = getpwnam_r(name, &pw, buf, size, &pwp);
		if (rc == ERANGE && size < ACL_NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (rc)
			return -rc;       /* ERANGE here: beyond the cap */
		if (!grp && !pwp)
			return 1;
		*id = group ? (uint32_t)grp->gr_gid : (uint32_t)pwp->pw_uid;
		return 0;
	}
}

void acl_names_resolve(struct acl_parser *p)
{
	struct acl_names *t = &p->acl->names;

	for (size_t i = 0; i < t->n && !p->nomem; i++) {
		struct acl_uname *u = &t->v[i];
		struct acl_quoted q;
		int rc;

		if (u->state != ACL_N_PENDING)
			continue;
		rc = acl_lookup(u->group, u->name, &u->id);
		if (rc == -ENOMEM) {
			acl_nomem(p);
			return;
		}
		u->state = rc == 0 ? ACL_N_FOUND : rc == 1 ? ACL_N_UNKNOWN : ACL_N_FAILED;
		if (rc < 0)
			acl_diag(p, ACL_SEV_ERROR, u->first.file, u->first.line, u->col,
				 "cannot look up %s %s: %s", u->group ? "group" : "user",
				 acl_quote(&q, u->name, u->len), strerror(-rc));
	}
}

void acl_names_free(struct acl_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->slot);
	*t = (struct acl_names){ .n = 0 };
}
