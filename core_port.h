/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* core_port: the port settings of a decision (bridge.conf(5), PORT
 * SETTINGS) made real on a new port, for core.c only. Never a moment of
 * more access than granted: core.c enslaves the TAP down (a port that is
 * down forwards nothing, whatever VLAN the bridge gave it as it joined),
 * port_apply() sets everything, and only then is the TAP brought up. */
#ifndef BH_CORE_PORT_H
#define BH_CORE_PORT_H

#include <stddef.h>

#include "acl.h"
#include "core.h"
#include "netlink.h"

/* --check's report: FMT appended to OUT (LEN bytes in all), cut to fit. */
__attribute__((format(printf, 3, 4)))
void core_append(char *out, size_t len, const char *fmt, ...);

/* Before anything exists: CORE_OK, or why PORT cannot be had for REQ on
 * BR -- CORE_DENIED (lockmac, and no MAC declared), CORE_SYSTEM (a VLAN,
 * and the bridge does not filter VLANs) -- with one line in MSG (no
 * bridge name: the caller puts it first). */
int port_refusal(const struct acl_port *port, const struct core_req *req,
		 const struct nl_bridge *br, char *msg, size_t len);

/* Configure port IFINDEX (enslaved to BR, down) as PORT says: VLANs, then
 * flags (read back), then the static FDB entry of the declared MAC.
 * CORE_OK, or CORE_SYSTEM / CORE_DENIED (the MAC is taken) with MSG, as
 * port_refusal() words it. */
int port_apply(struct nl *nl, int ifindex, const struct acl_port *port,
	       const struct core_req *req, const struct nl_bridge *br,
	       char *msg, size_t len);

/* The settings in words, for the audit line: "vlan=10 tagged=100-110
 * isolated lockmac=52:54:00:12:34:56"; "" when PORT has none. */
void port_describe(const struct acl_port *port, const struct core_req *req,
		   char *out, size_t len);

/* --check's "port: ..." lines, each with the rule it comes from, appended
 * to OUT; nothing when PORT has no setting. */
void port_report(const struct acl_port *port, const struct core_req *req,
		 char *out, size_t len);

#endif
