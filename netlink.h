/* netlink: the rtnetlink requests bridge-helper needs, over libmnl. */
#ifndef BH_NETLINK_H
#define BH_NETLINK_H

#include <net/if.h>
#include <stdint.h>
#include <sys/types.h>

struct nl;

struct nl_bridge {
	int ifindex;
	unsigned mtu;
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

/* One ACKed RTM_NEWLINK on TAP_IFINDEX: MTU, MAC, master BR_IFINDEX, up,
 * and the alias NL_ALIAS_PREFIX OWNER (the quota mark). */
int nl_enslave(struct nl *nl, int tap_ifindex, int br_ifindex, unsigned mtu,
	       const uint8_t mac[6], uid_t owner);

/* Count TUN/TAP devices of OWNER -- by the alias bridge-helper set, or, for
 * TAPs without it, by IFLA_TUN_OWNER -- with an ifindex below
 * BELOW that are either enslaved to BR_IFINDEX or have no master yet (they may
 * be on their way to it). Returns the count (>= 0) or -errno. *PENDING (if not
 * NULL) receives the number of TAPs below BELOW that have no owner yet and
 * look like a launch in progress (non-persistent, down, no master): they may
 * be the same caller's, between TUNSETIFF and TUNSETOWNER. */
int nl_count_owned(struct nl *nl, int br_ifindex, uid_t owner, int below,
		   int *pending);

/* ifindex of NAME, or -errno. */
int nl_ifindex(struct nl *nl, const char *name);

#endif
