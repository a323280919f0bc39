/* acl: the policy of bridge.conf(5): the rules kept, the decision, the
 * lint warnings, and the public entry points. The grammar is acl_parse.c,
 * lines and their fast path acl_scan.c, files and includes acl_file.c
 * (shared structures: acl_int.h).
 *
 * Invariants (what acl*.c MUST keep true):
 *  - Every file is opened once, checked with fstat() on that same fd and
 *    read from it (bounded); nothing is checked by path and then opened.
 *  - A name that is too long is an error, never truncated.
 *  - Any error anywhere (or ENOMEM) leaves a policy that matches nothing,
 *    so a caller that forgets to look at the error count still denies.
 *  - Relative includes resolve against the including file's directory,
 *    never the process's working directory.
 *  - No global mutable state, no exit(), no printing: every diagnostic
 *    goes through the caller's callback.
 */
#include "acl_int.h"

#include <errno.h>
#include <string.h>

/* ---- the policy ------------------------------------------------------- */

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

void acl_free(struct acl *acl)
{
	if (!acl)
		return;
	for (size_t i = 0; i < acl->nfiles; i++)
		free(acl->files[i]);
	free(acl->files);
	free(acl->rules);
	free(acl->only);
	free(acl);
}

const char *acl_file(const struct acl *acl, size_t i)
{
	return acl && i < acl->nfiles ? acl->files[i] : NULL;
}

void acl_nomem(struct acl_parser *p)
{
	p->nomem = true;
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

/* ---- lint ------------------------------------------------------------- */

/* Each warning is about one rule and an earlier or covering one. Rather
 * than comparing every rule with every other (quadratic: 13 s for 100,000
 * lines), the candidates are looked up in indexes of the rules sorted by
 * where they apply: n log n, and the same warnings in the same order. */

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

/* The warnings about rules, in rule order: shadowed allow, duplicate. */
static void acl_lint(struct acl_parser *p)
{
	const struct acl *a = p->acl;
	size_t *dup = calloc(a->nrules ? a->nrules : 1, sizeof(*dup));
	struct acl_ent *deny = NULL;
	size_t ndeny = 0;

	if (!dup || acl_find_dups(a, dup) < 0 ||
	    !(deny = acl_index_denies(a, &ndeny))) {
		acl_nomem(p);
		free(dup);
		return;
	}
	for (size_t j = 0; j < a->nrules; j++) {
		const struct acl_rule *r = &a->rules[j], *d = NULL;
		const struct acl_where *w = &r->where;

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
	free(deny);
	free(dup);
}

/* ---- API -------------------------------------------------------------- */

/* Copy OPTS->only. A name that is not an interface name is left out: no
 * rule can name it, and acl_decide() refuses it anyway. */
static int acl_set_only(struct acl *a, const struct acl_opts *opts)
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

static int acl_begin(struct acl_parser *p, const struct acl_opts *opts,
		     struct acl **out, acl_report_fn report, void *ctx)
{
	/* No options: the safe ones. */
	static const struct acl_opts safe = { .require_safe = true };

	*p = (struct acl_parser){
		.opts = opts ? opts : &safe, .report = report, .ctx = ctx,
	};
	p->acl = *out = calloc(1, sizeof(**out));
	if (!p->acl)
		return -ENOMEM;
	if (acl_set_only(p->acl, p->opts) < 0) {
		p->acl->broken = true;
		return -ENOMEM;
	}
	return 0;
}

static int acl_finish(struct acl_parser *p)
{
	struct acl *a = p->acl;

	if (!p->nomem && p->opts->warnings)
		acl_lint(p);
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
		acl_parse_mem(&p, name, buf ? buf : "", len);
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
	size_t len;

	*out = (struct acl_decision){ .result = ACL_NOMATCH };
	if (!acl || acl->broken || !bridge || !who)
		return;
	len = strnlen(bridge, ACL_NAME_MAX + 1);
	if (acl_name_problem(bridge, len) || !acl_wanted(acl, false, bridge, len))
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
