/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* netlink_port: a bridge port's settings over rtnetlink (see netlink.h):
 * port flags (as `ip link set DEV type bridge_slave ...`), VLANs (as
 * `bridge vlan add/del`), static FDB entries (as `bridge fdb add ...
 * master static`). Mechanism only: what to set is the core's to say. */
#include "netlink.h"
#include "netlink_int.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct nlmsghdr *link_req(struct nl *nl, char *buf, uint16_t type,
				 uint8_t family, int ifindex)
{
	struct nlmsghdr *nlh = nl_put_header(nl, buf, type, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	return nlh;
}

int nl_link_up(struct nl *nl, int ifindex)
{
	char req[256] = { 0 };
	struct nlmsghdr *nlh = link_req(nl, req, RTM_NEWLINK, AF_UNSPEC, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_request(nl, nlh, NULL, NULL);
}

/* ---- port flags -------------------------------------------------------------- */

/* The IFLA_BRPORT_* values set, each a u8, and what reading back found. */
static const uint16_t port_attrs[] = {
	IFLA_BRPORT_ISOLATED, IFLA_BRPORT_LOCKED, IFLA_BRPORT_LEARNING,
	IFLA_BRPORT_UNICAST_FLOOD,
};
#define NPORT_ATTRS (sizeof(port_attrs) / sizeof(port_attrs[0]))

struct port_read {
	int ifindex;
	int value[NPORT_ATTRS];          /* -1: not reported */
};

/* What each attribute must be, -1: left alone (only what is asked for is
 * set, so that `isolated` alone works on kernels older than `locked`). */
static void port_want(const struct nl_port *f, int want[NPORT_ATTRS])
{
	want[0] = f->isolated ? 1 : -1;
	want[1] = f->locked ? 1 : -1;
	want[2] = f->locked ? 0 : -1;    /* a locked port learns nothing */
	want[3] = f->locked ? 0 : -1;    /* ... and gets no unknown unicast */
}

static int slave_cb(const struct nlattr *a, void *data)
{
	struct port_read *pr = data;

	for (size_t i = 0; i < NPORT_ATTRS; i++)
		if (mnl_attr_get_type(a) == port_attrs[i] &&
		    mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			pr->value[i] = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_INFO_SLAVE_DATA)
		mnl_attr_parse_nested(a, slave_cb, data);
	return MNL_CB_OK;
}

static int link_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		mnl_attr_parse_nested(a, linkinfo_cb, data);
	return MNL_CB_OK;
}

static int port_read_cb(const struct nlmsghdr *nlh, void *data)
{
	struct port_read *pr = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)) ||
	    ifi->ifi_index != pr->ifindex) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	mnl_attr_parse(nlh, sizeof(*ifi), link_cb, pr);
	return MNL_CB_OK;
}

int nl_port_flags(struct nl *nl, int ifindex, const struct nl_port *flags)
{
	char req[512] = { 0 };
	struct nlmsghdr *nlh = link_req(nl, req, RTM_NEWLINK, AF_UNSPEC, ifindex);
	struct port_read pr = { .ifindex = ifindex };
	struct nlattr *info, *data;
	int want[NPORT_ATTRS], e;

	port_want(flags, want);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
	for (size_t i = 0; i < NPORT_ATTRS; i++)
		if (want[i] >= 0)
			mnl_attr_put_u8(nlh, port_attrs[i], (uint8_t)want[i]);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if ((e = nl_request(nl, nlh, NULL, NULL)) < 0)
		return e;
	/* An older kernel skips attributes it does not know: read back. */
	memset(req, 0, sizeof(req));
	nlh = link_req(nl, req, RTM_GETLINK, AF_UNSPEC, ifindex);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	for (size_t i = 0; i < NPORT_ATTRS; i++)
		pr.value[i] = -1;
	if ((e = nl_request(nl, nlh, port_read_cb, &pr)) < 0)
		return e;
	for (size_t i = 0; i < NPORT_ATTRS; i++)
		if (want[i] >= 0 && pr.value[i] != want[i])
			return -EOPNOTSUPP;
	return 0;
}

/* ---- VLANs -------------------------------------------------------------------- */

static void put_vlan(struct nlmsghdr *nlh, uint16_t flags, unsigned vid)
{
	struct bridge_vlan_info v = { .flags = flags, .vid = (uint16_t)vid };

	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(v), &v);
}

/* FIRST..LAST as one entry or a range. */
static void put_range(struct nlmsghdr *nlh, uint16_t flags, unsigned first,
		      unsigned last)
{
	if (first == last) {
		put_vlan(nlh, flags, first);
		return;
	}
	put_vlan(nlh, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, first);
	put_vlan(nlh, flags | BRIDGE_VLAN_INFO_RANGE_END, last);
}

static bool bit(const uint64_t map[64], unsigned v)
{
	return map[v / 64] >> (v % 64) & 1;
}

/* At most 2 entries of 8 bytes per 3 VIDs: 22 KB for 4094. */
#define VLAN_REQ (NL_BUF)

int nl_port_vlans(struct nl *nl, int ifindex, unsigned pvid,
		  const uint64_t tagged[64])
{
	char *req = calloc(1, VLAN_REQ);
	struct nlmsghdr *nlh;
	struct nlattr *spec;
	int e;

	if (!req)
		return -ENOMEM;
	/* First none: whatever the bridge gave the port as it joined. */
	nlh = link_req(nl, req, RTM_DELLINK, AF_BRIDGE, ifindex);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	put_range(nlh, 0, 1, 4094);
	mnl_attr_nest_end(nlh, spec);
	if ((e = nl_request(nl, nlh, NULL, NULL)) < 0)
		goto out;
	memset(req, 0, VLAN_REQ);
	nlh = link_req(nl, req, RTM_SETLINK, AF_BRIDGE, ifindex);
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	if (pvid)
		put_vlan(nlh, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, pvid);
	for (unsigned v = 1; v <= 4094; v++) {
		unsigned first = v;

		if (!bit(tagged, v) || v == pvid)
			continue;
		while (v + 1 <= 4094 && bit(tagged, v + 1) && v + 1 != pvid)
			v++;
		put_range(nlh, 0, first, v);
	}
	mnl_attr_nest_end(nlh, spec);
	e = nl_request(nl, nlh, NULL, NULL);
out:
	free(req);
	return e;
}

/* ---- FDB ---------------------------------------------------------------------- */

int nl_fdb_add(struct nl *nl, int ifindex, const uint8_t mac[6], unsigned vid)
{
	char req[256] = { 0 };
	struct nlmsghdr *nlh = nl_put_header(nl, req, RTM_NEWNEIGH,
					     NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));

	nd->ndm_family = AF_BRIDGE;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_NOARP;           /* static, never ages */
	/* the bridge's FDB; sticky: a frame from that address on another
	 * port (a caller without lockmac, the uplink) does not move it */
	nd->ndm_flags = NTF_MASTER | NTF_STICKY;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (vid)
		mnl_attr_put_u16(nlh, NDA_VLAN, (uint16_t)vid);
	return nl_request(nl, nlh, NULL, NULL);
}
