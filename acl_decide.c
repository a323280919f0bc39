/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_decide: the decision. One job: from a sealed rule store (acl_rules.c),
 * a bridge and a caller, say allowed, denied or no match, and which rule
 * (file:line) decided, with the limit, send buffer, queue bound and port
 * settings that apply. Pure: it
 * reads the store and nothing else; it fails closed.
 */
#include "acl_int.h"

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

/* The first of REACH's files and directories that keeps WHO out, or NULL
 * when WHO could read the rule's file. */
static const struct acl_access *acl_kept_out(const struct acl *a,
					     unsigned short reach,
					     const struct acl_caller *who)
{
	const struct acl_reach *r = acl_reach_of(a, reach);

	for (unsigned i = 0; r && i < r->n; i++)
		if (!acl_lets(&r->p[i].a, who))
			return &r->p[i].a;
	return NULL;
}

/* The rules that decide, one of each kind: the first matching allow and
 * deny, the smallest limit and queues bound (the first with it), the last
 * sndbuf; and the first allow and the smallest queues bound of those in
 * files the caller could not have read (UNREACHED, OUT_*). */
struct acl_found {
	const struct acl_rule *allow, *deny, *limit, *sndbuf, *queues;
	const struct acl_rule *unreached, *out_queues;
	const struct acl_access *unreached_by;
	struct acl_port port;
};

/* The port-setting rules: each reaches everyone (it shapes a port, never
 * lets a caller in). The first vlan wins; trunks add up; one isolated or
 * lockmac is enough. */
static void acl_take_port(struct acl_port *p, const struct acl_rule *r)
{
	switch (r->kind) {
	case ACL_K_VLAN:
		if (!p->pvid) {
			p->pvid = (unsigned)r->value;
			p->pvid_rule = r->where;
		}
		break;
	case ACL_K_TRUNK:
		if (!p->has_trunk)
			p->trunk_rule = r->where;
		p->has_trunk = true;
		for (unsigned v = r->value & 0xffff; v <= (r->value >> 16 & 0xffff); v++)
			p->tagged[v / 64] |= 1ULL << (v % 64);
		break;
	case ACL_K_ISOLATED:
		if (!p->isolated)
			p->isolated_rule = r->where;
		p->isolated = true;
		break;
	case ACL_K_LOCKMAC:
		if (!p->lockmac)
			p->lockmac_rule = r->where;
		p->lockmac = true;
		break;
	default:
		break;
	}
}

static void acl_take(struct acl_found *fd, const struct acl_rule *r,
		     const struct acl_access *out)
{
	switch (r->kind) {
	case ACL_K_ALLOW:
		if (!out && !fd->allow)
			fd->allow = r;
		if (out && !fd->unreached) {
			fd->unreached = r;
			fd->unreached_by = out;
		}
		break;
	case ACL_K_DENY:                       /* reaches everyone */
		if (!fd->deny)
			fd->deny = r;
		break;
	case ACL_K_LIMIT:                      /* reaches everyone */
		if (!fd->limit || r->value < fd->limit->value)
			fd->limit = r;
		break;
	case ACL_K_SNDBUF:
		if (!out)
			fd->sndbuf = r;
		break;
	case ACL_K_QUEUES:
		if (!out && (!fd->queues || r->value < fd->queues->value))
			fd->queues = r;
		if (out && (!fd->out_queues || r->value < fd->out_queues->value))
			fd->out_queues = r;
		break;
	default:
		acl_take_port(&fd->port, r);
		break;
	}
}

/* The queues bound: the smallest the caller reaches, or the default; a
 * bound it does not reach may lower that, never raise it. */
static void acl_queues(const struct acl_found *fd, struct acl_decision *out)
{
	const struct acl_rule *q = fd->queues;
	unsigned long long bound = q ? q->value : ACL_QUEUES_DEFAULT;

	if (fd->out_queues && fd->out_queues->value < bound)
		q = fd->out_queues;
	if (q && (q == fd->queues || q->value < bound)) {
		out->has_queues = true;
		out->max_queues = (unsigned)q->value;
		out->queues_rule = q->where;
	}
}

void acl_decide(const struct acl *acl, const char *bridge,
		const struct acl_caller *who, struct acl_decision *out)
{
	struct acl_found fd = { .allow = NULL };
	size_t len;

	*out = (struct acl_decision){
		.result = ACL_NOMATCH, .max_queues = ACL_QUEUES_DEFAULT,
	};
	if (!acl || acl->broken || acl->pending || !bridge || !who)
		return;
	len = strnlen(bridge, ACL_NAME_MAX + 1);
	if (acl_name_problem(bridge, len) || !acl_wanted(acl, false, bridge, len))
		return;
	for (size_t i = 0; i < acl->nrules; i++) {
		const struct acl_rule *r = &acl->rules[i];

		if (acl_matches(r, bridge, who))
			acl_take(&fd, r, r->reach ? acl_kept_out(acl, r->reach, who) : NULL);
	}
	if (fd.deny || fd.allow) {
		out->result = fd.deny ? ACL_DENIED : ACL_ALLOWED;
		out->rule = fd.deny ? fd.deny->where : fd.allow->where;
		if (!fd.deny) {
			out->port = fd.port;
			if (out->port.pvid)     /* untagged wins over a trunk */
				out->port.tagged[out->port.pvid / 64] &=
					~(1ULL << (out->port.pvid % 64));
		}
	} else if (fd.unreached) {
		out->unreached = fd.unreached->where;
		out->unreached_by = *fd.unreached_by;
	}
	if (fd.limit) {
		out->has_limit = true;
		out->limit = (unsigned)fd.limit->value;
		out->limit_rule = fd.limit->where;
	}
	if (fd.sndbuf) {
		out->has_sndbuf = true;
		out->sndbuf = (int)fd.sndbuf->value;
		out->sndbuf_rule = fd.sndbuf->where;
	}
	acl_queues(&fd, out);
}
