/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_decide: the decision. One job: from a sealed rule store (acl_rules.c),
 * a bridge and a caller, say allowed, denied or no match, and which rule
 * (file:line) decided, with the limit, send buffer and queue bound that
 * apply. Pure: it reads the store and nothing else; it fails closed.
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

/* The rules that decide, one of each kind: the first matching allow and
 * deny, the smallest limit and queues bound (the first with it), the last
 * sndbuf. */
struct acl_found {
	const struct acl_rule *allow, *deny, *limit, *sndbuf, *queues;
};

static void acl_take(struct acl_found *fd, const struct acl_rule *r)
{
	switch (r->kind) {
	case ACL_K_ALLOW:
		if (!fd->allow)
			fd->allow = r;
		break;
	case ACL_K_DENY:
		if (!fd->deny)
			fd->deny = r;
		break;
	case ACL_K_LIMIT:
		if (!fd->limit || r->value < fd->limit->value)
			fd->limit = r;
		break;
	case ACL_K_SNDBUF:
		fd->sndbuf = r;
		break;
	case ACL_K_QUEUES:
		if (!fd->queues || r->value < fd->queues->value)
			fd->queues = r;
		break;
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
	for (size_t i = 0; i < acl->nrules; i++)
		if (acl_matches(&acl->rules[i], bridge, who))
			acl_take(&fd, &acl->rules[i]);
	if (fd.deny || fd.allow) {
		out->result = fd.deny ? ACL_DENIED : ACL_ALLOWED;
		out->rule = fd.deny ? fd.deny->where : fd.allow->where;
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
	if (fd.queues) {
		out->has_queues = true;
		out->max_queues = (unsigned)fd.queues->value;
		out->queues_rule = fd.queues->where;
	}
}
