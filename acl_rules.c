/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_rules: the rule store, which is what a loaded policy is. One job:
 * keep the rules in file order, the file names they point to (interned:
 * struct acl_where.file), and the filter that keeps only the rules for the
 * bridges asked for (acl_opts.only); once the names are resolved, put
 * their ids into the rules. The readers above add to it; the lint
 * (acl_lint.c) and the decision (acl_decide.c) read it. It calls nothing
 * above it.
 */
#include "acl_int.h"

const char *acl_intern(struct acl_parser *p, const char *name)
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

void acl_add_rule(struct acl_parser *p, const struct acl_rule *r)
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

/* Bits of MODE for access BIT (4 read, 1 search) in each class. */
static unsigned acl_classes(mode_t mode, unsigned bit)
{
	return (mode & (bit << 6) ? 4U : 0U) | (mode & (bit << 3) ? 2U : 0U) |
	       (mode & bit ? 1U : 0U);
}

int acl_reach_add(struct acl_parser *p, struct acl_reach *r, const char *path,
		  bool dir, const struct stat *st)
{
	unsigned bit = dir ? 1 : 4;
	const char *name;

	if (acl_classes(st->st_mode, bit) == 7)
		return 0;                          /* everyone gets through */
	for (unsigned i = 0; i < r->n; i++)
		if (r->p[i].dev == st->st_dev && r->p[i].ino == st->st_ino)
			return 0;
	if (r->n == ACL_REACH_MAX)
		return -1;
	name = acl_intern(p, path);
	if (!name)
		return 0;                          /* p->nomem */
	r->p[r->n++] = (struct acl_perm){
		.a = { .path = name, .dir = dir, .mode = st->st_mode & 07777,
		       .uid = st->st_uid, .gid = st->st_gid },
		.dev = st->st_dev, .ino = st->st_ino,
	};
	return 0;
}

static bool acl_same_reach(const struct acl_reach *x, const struct acl_reach *y)
{
	if (x->n != y->n)
		return false;
	for (unsigned i = 0; i < x->n; i++)
		if (x->p[i].a.path != y->p[i].a.path ||
		    x->p[i].a.mode != y->p[i].a.mode ||
		    x->p[i].a.uid != y->p[i].a.uid || x->p[i].a.gid != y->p[i].a.gid ||
		    x->p[i].a.dir != y->p[i].a.dir)
			return false;
	return true;
}

unsigned short acl_reach_intern(struct acl_parser *p, const struct acl_reach *r)
{
	struct acl *a = p->acl;

	if (r->n == 0)
		return 0;
	for (size_t i = 0; i < a->nreach; i++)
		if (acl_same_reach(&a->reach[i], r))
			return (unsigned short)(i + 1);
	if (a->nreach == a->reach_cap) {
		/* at most one per file read (ACL_MAX_FILES): fits a short */
		size_t cap = a->reach_cap ? 2 * a->reach_cap : 4;
		struct acl_reach *n = reallocarray(a->reach, cap, sizeof(*n));

		if (!n) {
			acl_nomem(p);
			return 0;
		}
		a->reach = n;
		a->reach_cap = cap;
	}
	a->reach[a->nreach++] = *r;
	return (unsigned short)a->nreach;
}

bool acl_lets(const struct acl_access *a, const struct acl_caller *who)
{
	unsigned bit = a->dir ? 1 : 4;
	bool member = who->gid == a->gid;

	if (who->uid == 0)
		return true;
	if (who->uid == a->uid)
		return a->mode & (bit << 6);
	for (size_t i = 0; !member && who->groups && i < who->ngroups; i++)
		member = who->groups[i] == a->gid;
	return a->mode & (member ? bit << 3 : bit);
}

void acl_free(struct acl *acl)
{
	if (!acl)
		return;
	for (size_t i = 0; i < acl->nfiles; i++)
		free(acl->files[i]);
	free(acl->files);
	free(acl->reach);
	free(acl->rules);
	free(acl->only);
	acl_names_free(&acl->names);
	free(acl);
}

const char *acl_file(const struct acl *acl, size_t i)
{
	return acl && i < acl->nfiles ? acl->files[i] : NULL;
}

/* Why NAME (LEN bytes) is not an interface name, or NULL if it is one. */
const char *acl_name_problem(const char *s, size_t len)
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

/* A name that is not an interface name is left out: no rule can name it,
 * and acl_decide() refuses it anyway. */
int acl_set_only(struct acl *a, const struct acl_opts *opts)
{
	size_t n = 0;

	if (!opts->only || opts->warnings)
		return 0;
	while (opts->only[n])
		n++;
	a->filtered = true;
	a->only = calloc(n ? n : 1, sizeof(*a->only));
	if (!a->only)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *name = opts->only[i];
		size_t len = strnlen(name, ACL_NAME_MAX + 1);

		if (acl_name_problem(name, len))
			continue;
		memcpy(a->only[a->nonly].s, name, len + 1);
		a->only[a->nonly++].len = len;
	}
	return 0;
}

/* The id of R's user (GROUP: group) name, into R: true; false when the
 * rule must go (the name does not exist, or its lookup failed). */
static bool acl_bind_one(struct acl_parser *p, struct acl_rule *r, bool group)
{
	const struct acl_names *t = &p->acl->names;
	bool named = group ? r->who.gid_named : r->who.uid_named;
	const struct acl_uname *u;
	struct acl_quoted q;

	if (!named)
		return true;
	u = &t->v[group ? r->who.gid : r->who.uid];
	if (u->state == ACL_N_UNKNOWN)
		acl_diag(p, ACL_SEV_WARNING, r->where.file, r->where.line,
			 group ? r->gcol : r->ucol,
			 "unknown %s %s: the rule matches nobody",
			 group ? "group" : "user", acl_quote(&q, u->name, u->len));
	if (u->state != ACL_N_FOUND)
		return false;
	if (group) {
		r->who.gid = (gid_t)u->id;
		r->who.gid_named = false;
	} else {
		r->who.uid = (uid_t)u->id;
		r->who.uid_named = false;
	}
	return true;
}

void acl_bind_names(struct acl_parser *p)
{
	struct acl *a = p->acl;
	size_t kept = 0;

	for (size_t i = 0; a->names.n && i < a->nrules; i++) {
		struct acl_rule *r = &a->rules[i];
		bool keep = acl_bind_one(p, r, false);

		keep = acl_bind_one(p, r, true) && keep;   /* both warned */
		if (keep && kept != i)
			a->rules[kept] = *r;
		kept += keep;
	}
	if (a->names.n)
		a->nrules = kept;
	acl_names_free(&a->names);
}
