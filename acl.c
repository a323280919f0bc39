/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl: the entry points of bridge.conf(5) loading. One job: run a load
 * from top to bottom -- read the files (acl_file.c, which goes down to
 * lines, then rules), resolve the names (acl_names.c) and bind them into
 * the rules (acl_rules.c), then the lint warnings (acl_lint.c), then seal
 * the store so that a load with any error matches nothing. The parts and
 * the one direction they call in: acl_int.h. The decision: acl_decide.c.
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
 *  - No part calls back into a part that calls it (acl_int.h).
 */
#include "acl_int.h"

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

/* Names, lint, seal: the rest of a load once every file is read. */
static int acl_seal(struct acl_parser *p)
{
	struct acl *a = p->acl;

	/* A broken load looks nothing up, but --lint reports everything. */
	if (!p->nomem && (!p->errors || p->opts->warnings))
		acl_names_resolve(p);
	if (!p->nomem)
		acl_bind_names(p);
	if (!p->nomem && p->opts->warnings)
		acl_lint(p);
	a->pending = false;
	if (p->nomem || p->errors) {
		a->broken = true;
		a->nrules = 0;
	}
	return p->nomem ? -ENOMEM : p->errors;
}

static int acl_finish(struct acl_parser *p)
{
	struct acl *a = p->acl;

	if (!p->opts->defer_names || p->nomem)
		return acl_seal(p);
	a->pending = true;                  /* matches nothing until resolved */
	a->warnings = p->opts->warnings;
	a->errors = p->errors;
	return p->errors;
}

int acl_resolve(struct acl *acl, acl_report_fn report, void *ctx)
{
	struct acl_opts opts = { .warnings = acl && acl->warnings };
	struct acl_parser p = {
		.acl = acl, .opts = &opts, .report = report, .ctx = ctx,
	};

	if (!acl || !acl->pending)
		return acl && !acl->broken ? 0 : -EINVAL;
	p.errors = acl->errors;
	return acl_seal(&p);
}

int acl_load(const char *path, const struct acl_opts *opts, struct acl **out,
	     acl_report_fn report, void *ctx)
{
	struct acl_parser p;

	if (acl_begin(&p, opts, out, report, ctx) < 0)
		return -ENOMEM;
	if (path)
		acl_read_path(&p, path, NULL);
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
		acl_read_mem(&p, name, buf ? buf : "", len);
	return acl_finish(&p);
}
