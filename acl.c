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
