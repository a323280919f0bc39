/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_decide: the decision. One job: from a sealed rule store (acl_rules.c),
 * a bridge and a caller, say allowed, denied or no match, and which rule
 * (file:line) decided, with the limit and send buffer that apply. Pure: it
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

void acl_decide(const struct acl *acl, const char *bridge,
		const struct acl_caller *who, struct acl_decision *out)
{
	const struct acl_rule *allow = NULL, *deny = NULL;
	const struct acl_rule *limit = NULL, *sndbuf = NULL;
	size_t len;

	*out = (struct acl_decision){ .result = ACL_NOMATCH };
	if (!acl || acl->broken || acl->pending || !bridge || !who)
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
