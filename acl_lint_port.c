/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_lint_port: --lint's warnings about the port settings (bridge.conf(5),
 * PORT SETTINGS). One job, on a complete store, which it only reads:
 *  - two vlan rules that one caller can match, with different VLANs: the
 *    first wins, and the later one never applies to that caller;
 *  - a trunk that carries the VLAN a vlan rule for the same callers makes
 *    untagged: the untagged one wins, and that VID is not tagged.
 * Port-setting rules are few (one or two per tenant), so each is compared
 * with the earlier ones: quadratic in their number, not in the file's.
 */
#include "acl_int.h"

static bool acl_is_port_vlan(const struct acl_rule *r)
{
	return r->kind == ACL_K_VLAN || r->kind == ACL_K_TRUNK;
}

/* Do A and B name callers in common, as far as the file says? Yes when
 * their bridges meet and one names everyone, or both the same user or the
 * same group. Rules for different users or groups, or a user and a group,
 * are taken to be for different tenants: who is in which group is NSS's
 * to say, not the file's (bridge.conf(5): a user in two tenants' groups
 * gets the first rule). */
static bool acl_may_share(const struct acl_rule *a, const struct acl_rule *b)
{
	bool a_any = !a->who.has_uid && !a->who.has_gid;
	bool b_any = !b->who.has_uid && !b->who.has_gid;

	if (!a->all && !b->all && strcmp(a->bridge, b->bridge) != 0)
		return false;
	if (a_any || b_any)
		return true;
	if (a->who.has_uid != b->who.has_uid || a->who.has_gid != b->who.has_gid)
		return false;
	return (!a->who.has_uid || a->who.uid == b->who.uid) &&
	       (!a->who.has_gid || a->who.gid == b->who.gid);
}

static void acl_lint_pair(struct acl_parser *p, const struct acl_rule *r,
			  const struct acl_rule *e)
{
	const struct acl_rule *v = r->kind == ACL_K_VLAN ? r : e;
	const struct acl_rule *t = r->kind == ACL_K_TRUNK ? r : e;

	if (r->kind == ACL_K_VLAN && e->kind == ACL_K_VLAN) {
		if (r->value != e->value)
			acl_diag(p, ACL_SEV_WARNING, r->where.file, r->where.line,
				 r->col, "vlan %llu conflicts with vlan %llu at "
				 "%s:%u: a caller matching both gets %llu (the "
				 "first)", r->value, e->value, e->where.file,
				 e->where.line, e->value);
		return;
	}
	if (v->kind != ACL_K_VLAN || t->kind != ACL_K_TRUNK ||
	    v->value < (t->value & 0xffff) || v->value > (t->value >> 16 & 0xffff))
		return;
	acl_diag(p, ACL_SEV_WARNING, r->where.file, r->where.line, r->col,
		 "trunk at %s:%u carries VLAN %llu, the untagged VLAN of the "
		 "vlan rule at %s:%u: a caller matching both gets it untagged only",
		 t->where.file, t->where.line, v->value, v->where.file,
		 v->where.line);
}

void acl_lint_port(struct acl_parser *p)
{
	const struct acl *a = p->acl;

	for (size_t j = 0; j < a->nrules; j++) {
		const struct acl_rule *r = &a->rules[j];

		if (!acl_is_port_vlan(r))
			continue;
		for (size_t i = 0; i < j; i++) {
			const struct acl_rule *e = &a->rules[i];

			if (acl_is_port_vlan(e) && acl_may_share(r, e)) {
				acl_lint_pair(p, r, e);
				if (r->kind == ACL_K_VLAN && e->kind == ACL_K_VLAN &&
				    r->value != e->value)
					break;          /* one conflict is enough */
			}
		}
	}
}
