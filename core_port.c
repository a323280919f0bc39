/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* core_port: see core_port.h. */
#include "core_port.h"
#include "mac.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void core_append(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(out, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

/* PORT's tagged VIDs as "100-110,200", appended to OUT. */
static void tagged_list(const struct acl_port *port, char *out, size_t len)
{
	const char *sep = "";

	for (unsigned v = 1; v <= ACL_VID_MAX; v++) {
		unsigned first = v;

		if (!acl_vid_tagged(port, v))
			continue;
		while (v < ACL_VID_MAX && acl_vid_tagged(port, v + 1))
			v++;
		if (first == v)
			core_append(out, len, "%s%u", sep, v);
		else
			core_append(out, len, "%s%u-%u", sep, first, v);
		sep = ",";
	}
	if (!*sep)
		core_append(out, len, "none");
}

int port_refusal(const struct acl_port *port, const struct core_req *req,
		 const struct nl_bridge *br, char *msg, size_t len)
{
	const struct acl_where *w = port->pvid ? &port->pvid_rule : &port->trunk_rule;

	if (port->lockmac && !req->has_mac) {
		snprintf(msg, len, "lockmac at %s:%u: the launch must declare "
			 "the guest's MAC address (--mac=)", port->lockmac_rule.file, port->lockmac_rule.line);
		return CORE_DENIED;
	}
	if (acl_port_vlans(port) && !br->vlan_filtering) {
		snprintf(msg, len, "%s at %s:%u needs VLAN filtering, which is "
			 "off on this bridge (ip link set %s type bridge "
			 "vlan_filtering 1)", port->pvid ? "vlan" : "trunk",
			 w->file, w->line, br->name);
		return CORE_SYSTEM;
	}
	return CORE_OK;
}

/* The declared MAC on the port, for each VLAN its frames may carry (none
 * when the bridge does not filter VLANs): a locked port passes frames only
 * from the addresses the FDB has on it, per VLAN. */
static int lock_mac(struct nl *nl, int ifindex, const struct acl_port *port,
		    const struct core_req *req, const struct nl_bridge *br)
{
	unsigned pvid = acl_port_vlans(port) ? port->pvid : br->default_pvid;
	int e = 0;

	if (!br->vlan_filtering)
		return nl_fdb_add(nl, ifindex, req->mac, 0);
	if (pvid && (e = nl_fdb_add(nl, ifindex, req->mac, pvid)) < 0)
		return e;
	for (unsigned v = 1; v <= ACL_VID_MAX && e == 0; v++)
		if (acl_vid_tagged(port, v))
			e = nl_fdb_add(nl, ifindex, req->mac, v);
	return e;
}

int port_apply(struct nl *nl, int ifindex, const struct acl_port *port,
	       const struct core_req *req, const struct nl_bridge *br,
	       char *msg, size_t len)
{
	struct nl_port flags = { .isolated = port->isolated, .locked = port->lockmac };
	const char *what = NULL, *ext;
	char m[MAC_STR];
	int e = 0;

	if (acl_port_vlans(port) &&
	    (e = nl_port_vlans(nl, ifindex, port->pvid, port->tagged)) < 0)
		what = "cannot set the port's VLANs";
	else if ((port->isolated || port->lockmac) &&
		 (e = nl_port_flags(nl, ifindex, &flags)) == -EOPNOTSUPP) {
		snprintf(msg, len, "the kernel did not take the port flags "
			 "(isolated: Linux 4.18 or later; locked: 5.18)");
		return CORE_SYSTEM;
	} else if (e < 0)
		what = "cannot set the port flags";
	else if (port->lockmac && (e = lock_mac(nl, ifindex, port, req, br)) == -EEXIST) {
		mac_format(req->mac, m);
		snprintf(msg, len, "the MAC address %s is already on the bridge "
			 "(another port has it)", m);
		return CORE_DENIED;
	} else if (e < 0)
		what = "cannot add the MAC address to the bridge";
	if (e == 0)
		return CORE_OK;
	ext = nl_ext_error(nl);
	snprintf(msg, len, "%s: %s%s%s", what, strerror(-e), ext ? ": " : "",
		 ext ? ext : "");
	return CORE_SYSTEM;
}

void port_describe(const struct acl_port *port, const struct core_req *req,
		   char *out, size_t len)
{
	char m[MAC_STR];

	if (len)
		out[0] = '\0';
	if (port->pvid)
		core_append(out, len, "vlan=%u ", port->pvid);
	if (port->has_trunk) {
		core_append(out, len, "tagged=");
		tagged_list(port, out, len);
		core_append(out, len, " ");
	}
	if (port->isolated)
		core_append(out, len, "isolated ");
	if (port->lockmac && req->has_mac) {
		mac_format(req->mac, m);
		core_append(out, len, "lockmac=%s ", m);
	}
	if (len && *out)
		out[strlen(out) - 1] = '\0';       /* the last space */
}

void port_report(const struct acl_port *port, const struct core_req *req,
		 char *out, size_t len)
{
	char m[MAC_STR];

	if (port->pvid)
		core_append(out, len, "port: vlan %u untagged, the port's PVID (vlan at "
		       "%s:%u)\n", port->pvid, port->pvid_rule.file,
		       port->pvid_rule.line);
	if (port->has_trunk) {
		core_append(out, len, "port: tagged ");
		tagged_list(port, out, len);
		core_append(out, len, " (trunk at %s:%u)\n", port->trunk_rule.file,
		       port->trunk_rule.line);
	}
	if (port->isolated)
		core_append(out, len, "port: isolated (isolated at %s:%u)\n",
		       port->isolated_rule.file, port->isolated_rule.line);
	if (port->lockmac && req->has_mac) {
		mac_format(req->mac, m);
		core_append(out, len, "port: locked to %s (lockmac at %s:%u)\n", m,
		       port->lockmac_rule.file, port->lockmac_rule.line);
	} else if (port->lockmac) {
		core_append(out, len, "port: locked, and no --mac= declared (lockmac "
		       "at %s:%u)\n", port->lockmac_rule.file,
		       port->lockmac_rule.line);
	}
}
