/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* netlink: the rtnetlink requests bridge-helper needs, over libmnl. */
#ifndef BH_NETLINK_H
#define BH_NETLINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nl;

struct nl_bridge {
	int ifindex;
	unsigned mtu;
	bool vlan_filtering;   /* IFLA_BR_VLAN_FILTERING on */
	unsigned default_pvid; /* IFLA_BR_VLAN_DEFAULT_PVID (0: none) */
	char name[IFNAMSIZ];   /* the device's own name (not an altname) */
};

/* Open an rtnetlink socket (SOCK_CLOEXEC). Returns 0 or -errno. */
int nl_open(struct nl **out);
void nl_close(struct nl *nl);

/* The kernel's extended-ack text for the last failed request, or NULL. */
const char *nl_ext_error(const struct nl *nl);

/* Look NAME up. -ENODEV: no such device; -EMEDIUMTYPE: exists but its link
 * kind is not "bridge" (KIND, if not NULL, receives the kind it has, or
 * "none"); other -errno: netlink failure. */
int nl_bridge_get(struct nl *nl, const char *name, struct nl_bridge *br,
		  char kind[32]);

/* The alias bridge-helper gives its TAPs: "bridge-helper uid=N". */
#define NL_ALIAS_PREFIX "bridge-helper uid="

/* One ACKed RTM_NEWLINK on TAP_IFINDEX: MTU, MAC, master BR_IFINDEX, up
 * (or, with !UP, down: a port that forwards nothing until nl_link_up()),
 * and the alias NL_ALIAS_PREFIX OWNER (the quota mark). */
int nl_enslave(struct nl *nl, int tap_ifindex, int br_ifindex, unsigned mtu,
	       const uint8_t mac[6], uid_t owner, bool up);

/* The port settings of a bridge port (netlink_port.c); each ACKed. */
struct nl_port {
	bool isolated;          /* IFLA_BRPORT_ISOLATED */
	bool locked;            /* IFLA_BRPORT_LOCKED, learning and unknown-
				 * unicast flooding off */
};

/* Set FLAGS on port IFINDEX, then read them back: -EOPNOTSUPP when the
 * kernel did not take one (too old to know it). */
int nl_port_flags(struct nl *nl, int ifindex, const struct nl_port *flags);

/* Replace the VLANs of port IFINDEX: none but PVID (untagged; 0: none) and
 * the VIDs set in TAGGED (a 4096-bit map). */
int nl_port_vlans(struct nl *nl, int ifindex, unsigned pvid,
		  const uint64_t tagged[64]);

/* A static, sticky FDB entry MAC -> port IFINDEX on its bridge, for VID (0:
 * none); -EEXIST when the bridge already has one for MAC (on any port). */
int nl_fdb_add(struct nl *nl, int ifindex, const uint8_t mac[6], unsigned vid);

/* Bring IFINDEX up (ACKed). */
int nl_link_up(struct nl *nl, int ifindex);

/* Count the TUN/TAP devices of OWNER with an ifindex below BELOW that are
 * enslaved to BR_IFINDEX or have no master yet. Whose a TAP is: the alias
 * bridge-helper set, else the uid in a name tap_create() gave (so a TAP
 * counts from its first moment, before it has an owner or an alias), else,
 * for a TAP already on this bridge, IFLA_TUN_OWNER. Returns the count (>= 0)
 * or -errno. */
int nl_count_owned(struct nl *nl, int br_ifindex, uid_t owner, int below);

/* What a TAP just made must look like before it is used. */
struct nl_tap_want {
	const char *name;
	uid_t owner;
	unsigned queues;        /* the queues we attached; >1: multi-queue */
};

/* Check IFINDEX with the kernel: a TAP named WANT->name, owned by
 * WANT->owner, with no group, not persistent, an Ethernet link, and (when
 * multi-queue) exactly WANT->queues queues attached, none detached. 0: as
 * expected; -EBUSY: not (another process has or had a queue of it), WHY
 * says what differs; -EPROTO: the kernel does not say (too old); other
 * -errno: netlink failure. */
int nl_tap_check(struct nl *nl, int ifindex, const struct nl_tap_want *want,
		 char *why, size_t whylen);

/* Delete the link IFINDEX (RTM_DELLINK, ACKed). For a TAP this detaches
 * every queue, whoever holds it. Returns 0 or -errno. */
int nl_del_link(struct nl *nl, int ifindex);

/* ifindex of NAME, or -errno. */
int nl_ifindex(struct nl *nl, const char *name);

#endif
