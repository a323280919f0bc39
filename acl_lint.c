/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_lint: the warnings about the stored rules that --lint adds to the
 * parser's: an allow that reaches only root (its file's mode), an allow
 * shadowed by a deny, a rule that repeats an earlier one. One job, on a
 * complete store (acl_rules.c), which it only reads.
 *
 * Each warning is about one rule and an earlier or covering one. Rather
 * than comparing every rule with every other (quadratic: 13 s for 100,000
 * lines), the candidates are looked up in indexes of the rules sorted by
 * where they apply: n log n, and the same warnings in the same order.
 */
#include "acl_int.h"

static bool acl_follows_reach(unsigned kind)
{
	return kind == ACL_K_ALLOW || kind == ACL_K_SNDBUF || kind == ACL_K_QUEUES;
}

/* A rule in an index, with the first bytes of its place: most comparisons
 * end there, without reading the rule (sorting millions of rules is then
 * not a cache miss per comparison). */
struct acl_ent {
	uint64_t pre;
	const struct acl_rule *r;
};

/* Orders as acl_cmp_place() does, as far as it goes: `all` is 0, a bridge
 * name (never empty, bytes > 0x20) its first 8 bytes, big-endian. */
static uint64_t acl_pre(const struct acl_rule *r)
{
	uint64_t pre = 0;

	for (size_t i = 0; !r->all && i < 8 && r->bridge[i]; i++)
		pre |= (uint64_t)(unsigned char)r->bridge[i] << (56 - 8 * i);
	return pre;
}

static int acl_cmp_id(bool ha, unsigned long long a, bool hb,
		      unsigned long long b)
{
	if (ha != hb)
		return ha ? 1 : -1;
	if (ha && a != b)
		return a < b ? -1 : 1;
	return 0;
}

/* Order by where a rule applies: `all` first, then by bridge name; then by
 * subject (none, group, user, both). Fields not in use are ignored. */
static int acl_cmp_place(const struct acl_ent *x, const struct acl_ent *y)
{
	const struct acl_rule *a = x->r, *b = y->r;
	int c;

	if (x->pre != y->pre)
		return x->pre < y->pre ? -1 : 1;
	if (a->all != b->all)
		return a->all ? -1 : 1;
	if (!a->all) {
		c = strcmp(a->bridge, b->bridge);
		if (c)
			return c;
	}
	c = acl_cmp_id(a->who.has_uid, a->who.uid, b->who.has_uid, b->who.uid);
	if (c)
		return c;
	return acl_cmp_id(a->who.has_gid, a->who.gid, b->who.has_gid, b->who.gid);
}

/* Is X the same rule as Y (place, kind, value)? As strcmp. */
static int acl_cmp_same(const struct acl_ent *x, const struct acl_ent *y)
{
	int c = acl_cmp_place(x, y);

	if (c)
		return c;
	if (x->r->kind != y->r->kind)
		return x->r->kind < y->r->kind ? -1 : 1;
	if (x->r->value != y->r->value)
		return x->r->value < y->r->value ? -1 : 1;
	/* The same allow in files that reach different callers is no repeat
	 * (a deny or limit reaches everyone from anywhere). */
	if (acl_follows_reach(x->r->kind) && x->r->reach != y->r->reach)
		return x->r->reach < y->r->reach ? -1 : 1;
	return 0;
}

/* Two rules of one array: by file order. */
static int acl_cmp_order(const struct acl_ent *x, const struct acl_ent *y)
{
	return x->r < y->r ? -1 : x->r > y->r;
}

/* qsort: by place, then file order. */
static int acl_qcmp_place(const void *x, const void *y)
{
	int c = acl_cmp_place(x, y);

	return c ? c : acl_cmp_order(x, y);
}

/* qsort: the same rules together, each group in file order. */
static int acl_qcmp_same(const void *x, const void *y)
{
	int c = acl_cmp_same(x, y);

	return c ? c : acl_cmp_order(x, y);
}

/* The first rule (in file order) of the N in IDX (sorted by acl_qcmp_place)
 * that applies exactly where KEY does, or NULL. */
static const struct acl_rule *acl_first_at(const struct acl_ent *idx, size_t n,
					   const struct acl_ent *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (acl_cmp_place(&idx[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && acl_cmp_place(&idx[lo], key) == 0 ? idx[lo].r : NULL;
}

/* The first deny (in file order) that covers allow R: a deny for `all` or
 * for R's bridge (unless R is for `all`) whose subject asks no more than R's
 * (nothing, R's user, R's group, or both). DENY: the N denies, sorted by
 * acl_qcmp_place. */
static const struct acl_rule *acl_shadow(const struct acl_ent *deny, size_t n,
					 const struct acl_rule *r)
{
	const struct acl_rule *first = NULL;

	for (unsigned place = 0; place < (r->all ? 1U : 2U); place++) {
		for (unsigned sub = 0; sub < 4; sub++) {
			struct acl_rule k = *r;
			struct acl_ent key = { 0, &k };
			const struct acl_rule *d;

			k.all = place == 0;
			k.who.has_uid = (sub & 1) != 0;
			k.who.has_gid = (sub & 2) != 0;
			if ((k.who.has_uid && !r->who.has_uid) ||
			    (k.who.has_gid && !r->who.has_gid))
				continue;
			key.pre = acl_pre(&k);
			d = acl_first_at(deny, n, &key);
			if (d && (!first || d < first))
				first = d;
		}
	}
	return first;
}

/* DUP[i]: 1 + the index of the first rule the same as rule i, if that is
 * an earlier one; else 0. */
static int acl_find_dups(const struct acl *a, size_t *dup)
{
	struct acl_ent *idx = calloc(a->nrules ? a->nrules : 1, sizeof(*idx));
	size_t first = 0;

	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < a->nrules; i++)
		idx[i] = (struct acl_ent){ acl_pre(&a->rules[i]), &a->rules[i] };
	qsort(idx, a->nrules, sizeof(*idx), acl_qcmp_same);
	for (size_t i = 1; i < a->nrules; i++) {
		if (acl_cmp_same(&idx[first], &idx[i]) != 0)
			first = i;
		else
			dup[idx[i].r - a->rules] = (size_t)(idx[first].r - a->rules) + 1;
	}
	free(idx);
	return 0;
}

/* The deny rules, sorted by acl_qcmp_place; their count in *N. */
static struct acl_ent *acl_index_denies(const struct acl *a, size_t *n)
{
	struct acl_ent *deny;

	*n = 0;
	for (size_t i = 0; i < a->nrules; i++)
		*n += a->rules[i].kind == ACL_K_DENY;
	deny = calloc(*n ? *n : 1, sizeof(*deny));
	if (!deny)
		return NULL;
	for (size_t i = 0, k = 0; i < a->nrules; i++)
		if (a->rules[i].kind == ACL_K_DENY)
			deny[k++] = (struct acl_ent){ acl_pre(&a->rules[i]),
						      &a->rules[i] };
	qsort(deny, *n, sizeof(*deny), acl_qcmp_place);
	return deny;
}

/* The first file or directory of REACH that lets nobody but root through
 * (neither its group nor others have the bit, and its owner is root or
 * lacks it too), or NULL. */
static const struct acl_access *acl_root_only(const struct acl *a,
					      unsigned short reach)
{
	const struct acl_reach *r = acl_reach_of(a, reach);

	for (unsigned i = 0; r && i < r->n; i++) {
		const struct acl_access *x = &r->p[i].a;
		unsigned bit = x->dir ? 1 : 4;

		if (!(x->mode & (bit << 3 | bit)) &&
		    (x->uid == 0 || !(x->mode & bit << 6)))
			return x;
	}
	return NULL;
}

/* R (an allow, sndbuf or queues rule) reaches only root: say so, with the
 * fix, once for each set of files and directories (WARNED). */
static void acl_lint_reach(struct acl_parser *p, const struct acl_rule *r,
			   bool *warned)
{
	static const char *const kinds[] = {
		[ACL_K_ALLOW] = "allow", [ACL_K_SNDBUF] = "sndbuf",
		[ACL_K_QUEUES] = "queues",
	};
	const struct acl_access *x;
	const char *what, *all, *grp;

	if (!r->reach || !acl_follows_reach(r->kind) || warned[r->reach])
		return;
	x = acl_root_only(p->acl, r->reach);
	if (!x)
		return;
	warned[r->reach] = true;
	what = x->dir ? "directory " : "";
	all = x->dir ? "0755" : "0644";
	grp = x->dir ? "0750" : "0640";
	acl_diag(p, ACL_SEV_WARNING, r->where.file, r->where.line, r->col,
		 "%s reaches only root: %s%s has mode %04o (for every user: chmod "
		 "%s %s; for one group: chgrp GROUP %s and chmod %s)",
		 kinds[r->kind], what, x->path, x->mode, all, x->path, x->path, grp);
}

/* The warnings about rules, in rule order: an allow (or sndbuf, queues)
 * that reaches only root, shadowed allow, duplicate. */
void acl_lint(struct acl_parser *p)
{
	const struct acl *a = p->acl;
	size_t *dup = calloc(a->nrules ? a->nrules : 1, sizeof(*dup));
	bool *warned = calloc(a->nreach + 1, sizeof(*warned));
	struct acl_ent *deny = NULL;
	size_t ndeny = 0;

	if (!dup || !warned || acl_find_dups(a, dup) < 0 ||
	    !(deny = acl_index_denies(a, &ndeny))) {
		acl_nomem(p);
		free(warned);
		free(dup);
		return;
	}
	for (size_t j = 0; j < a->nrules; j++) {
		const struct acl_rule *r = &a->rules[j], *d = NULL;
		const struct acl_where *w = &r->where;

		acl_lint_reach(p, r, warned);
		if (r->kind == ACL_K_ALLOW && ndeny)
			d = acl_shadow(deny, ndeny, r);
		if (d)
			acl_diag(p, ACL_SEV_WARNING, w->file, w->line, r->col,
				 "allow at line %u is shadowed by deny at %s:%u",
				 w->line, d->where.file, d->where.line);
		if (dup[j]) {
			d = &a->rules[dup[j] - 1];
			acl_diag(p, ACL_SEV_WARNING, w->file, w->line, r->col,
				 "duplicate of the rule at %s:%u",
				 d->where.file, d->where.line);
		}
	}
	acl_lint_port(p);
	free(deny);
	free(warned);
	free(dup);
}
