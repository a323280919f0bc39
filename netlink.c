/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* netlink: rtnetlink over libmnl. See netlink.h.
 *
 * Every request carries a fresh sequence number and is answered through
 * mnl_cb_run2(), which checks seq and portid; every change asks for an ACK;
 * the kernel's extended-ack text is kept for the caller's error message. */
#include "netlink.h"
#include "tap.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <time.h>

#include "netlink_int.h"

int nl_open(struct nl **out)
{
	/* Not calloc: only what the kernel wrote into buf is ever read, and
	 * zeroing its 32 KiB was 7% of a launch's instructions (make bench). */
	struct nl *nl = malloc(sizeof(*nl));
	int one = 1, err;

	if (!nl)
		return -ENOMEM;
	nl->ext_error[0] = '\0';
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Best effort: older kernels lack it; errors then just lack text.
	 * (No NETLINK_CAP_ACK: it only trims the request echoed in an error,
	 * which error_cb() skips either way.) */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*out = nl;
	return 0;
fail:
	err = -errno;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
	return err ? err : -EIO;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

const char *nl_ext_error(const struct nl *nl)
{
	return nl->ext_error[0] ? nl->ext_error : NULL;
}

static int ext_attr_cb(const struct nlattr *a, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
		const char *s = mnl_attr_get_str(a);
		size_t n = strnlen(s, sizeof(nl->ext_error) - 1);

		memcpy(nl->ext_error, s, n);
		nl->ext_error[n] = '\0';
	}
	return MNL_CB_OK;
}

/* What one exchange gathers; the NLMSG_ERROR callback and the data callbacks
 * share it, since mnl_cb_run2() hands them one data pointer. */
struct reply {
	struct nl *nl;
	/* nl_bridge_get */
	struct nl_bridge *br;
	char *kind;
	bool found;
	/* nl_count_owned */
	int br_ifindex;
	uid_t owner;
	int below;
	int count;
	/* nl_tap_check */
	const struct nl_tap_want *want;
	char *why;
	size_t whylen;
	int verdict;
};

/* NLMSG_ERROR: an ACK (error 0) ends the exchange; an error keeps its text. */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct reply *rep = data;
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, ext_attr_cb, rep->nl);
	errno = e->error < 0 ? -e->error : EPROTO;
	return MNL_CB_ERROR;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_STOP;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

/* Send REQ and run CB over every reply until the ACK, the end of a dump, or
 * an error. Returns 0 or -errno. */
static int transact(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		    struct reply *rep)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
		[NLMSG_OVERRUN] = overrun_cb,
	};
	int r;

	rep->nl = nl;
	nl->ext_error[0] = '\0';
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));

		if (n < 0)
			return -errno;
		r = mnl_cb_run2(nl->buf, (size_t)n, req->nlmsg_seq, nl->portid,
				cb, rep, ctl, NLMSG_MIN_TYPE);
	} while (r > 0);
	return r < 0 ? -errno : 0;
}

/* What nl_request() hands a callback of netlink_port.c: its own data (the
 * reply comes first, for error_cb). */
struct user_reply {
	struct reply rep;
	mnl_cb_t cb;
	void *data;
};

static int user_cb(const struct nlmsghdr *nlh, void *data)
{
	struct user_reply *u = data;

	return u->cb(nlh, u->data);
}

int nl_request(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct user_reply u = { .cb = cb, .data = data };

	return transact(nl, req, cb ? user_cb : NULL, &u.rep);
}

struct nlmsghdr *nl_put_header(struct nl *nl, char *buf, uint16_t type,
			       uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static struct nlmsghdr *new_req(struct nl *nl, char *buf, uint16_t type,
				uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = nl_put_header(nl, buf, type, flags);
	struct ifinfomsg *ifi;

	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

struct link_attrs {
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct nlattr *info[IFLA_INFO_MAX + 1];
	const struct nlattr *tun[IFLA_TUN_MAX + 1];
};

struct attr_table {
	const struct nlattr **tb;
	uint16_t max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;

	/* Unknown (newer) attribute types are skipped, not trusted. */
	if (mnl_attr_type_valid(a, t->max) > 0)
		t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			 uint16_t max)
{
	struct attr_table t = { tb, max };

	if (nest)
		mnl_attr_parse_nested(nest, attr_cb, &t);
}

/* Parse an RTM_NEWLINK message; returns its ifinfomsg or NULL if malformed. */
static const struct ifinfomsg *parse_link(const struct nlmsghdr *nlh,
					  struct link_attrs *la)
{
	struct attr_table t = { la->tb, IFLA_MAX };

	memset(la, 0, sizeof(*la));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct ifinfomsg)))
		return NULL;
	if (mnl_attr_parse(nlh, sizeof(struct ifinfomsg), attr_cb, &t) < 0)
		return NULL;
	parse_nested(la->tb[IFLA_LINKINFO], la->info, IFLA_INFO_MAX);
	parse_nested(la->info[IFLA_INFO_DATA], la->tun, IFLA_TUN_MAX);
	return mnl_nlmsg_get_payload(nlh);
}

static const char *str_attr(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(a);
}

static bool u32_attr(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

/* IFLA_BR_VLAN_FILTERING of a bridge's IFLA_INFO_DATA (absent: off), and
 * the PVID a port gets as it joins. */
static void bridge_vlans(const struct nlattr *data, struct nl_bridge *br)
{
	const struct nlattr *tb[IFLA_BR_VLAN_DEFAULT_PVID + 1] = { NULL };
	const struct nlattr *f, *d;

	parse_nested(data, tb, IFLA_BR_VLAN_DEFAULT_PVID);
	f = tb[IFLA_BR_VLAN_FILTERING];
	d = tb[IFLA_BR_VLAN_DEFAULT_PVID];
	br->vlan_filtering = f && mnl_attr_validate(f, MNL_TYPE_U8) == 0 &&
			     mnl_attr_get_u8(f);
	br->default_pvid = d && mnl_attr_validate(d, MNL_TYPE_U16) == 0 ?
			   mnl_attr_get_u16(d) : 0;
}

static int bridge_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *rep = data;
	struct link_attrs la;
	const struct ifinfomsg *ifi = parse_link(nlh, &la);
	const char *name = ifi ? str_attr(la.tb[IFLA_IFNAME]) : NULL;
	const char *kind = str_attr(la.info[IFLA_INFO_KIND]);
	uint32_t mtu;

	if (!name || strlen(name) >= IFNAMSIZ || !u32_attr(la.tb[IFLA_MTU], &mtu)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rep->found = true;
	rep->br->ifindex = ifi->ifi_index;
	rep->br->mtu = mtu;
	rep->br->vlan_filtering = false;
	rep->br->default_pvid = 0;
	if (kind && strcmp(kind, "bridge") == 0)
		bridge_vlans(la.info[IFLA_INFO_DATA], rep->br);
	memcpy(rep->br->name, name, strlen(name) + 1);
	snprintf(rep->kind, 32, "%s", kind ? kind : "none");
	return MNL_CB_OK;
}

int nl_bridge_get(struct nl *nl, const char *name, struct nl_bridge *br,
		  char kind[32])
{
	char req[512] = { 0 }, kbuf[32];   /* zeroed: libmnl leaves padding as is */
	struct nlmsghdr *nlh = new_req(nl, req, RTM_GETLINK, NLM_F_ACK, 0);
	struct reply rep = { .br = br, .kind = kind ? kind : kbuf };
	int r;

	if (!mnl_attr_put_strz_check(nlh, sizeof(req), IFLA_IFNAME, name) ||
	    !mnl_attr_put_u32_check(nlh, sizeof(req), IFLA_EXT_MASK,
				    RTEXT_FILTER_SKIP_STATS))
		return -ENAMETOOLONG;
	r = transact(nl, nlh, bridge_cb, &rep);
	if (r < 0)
		return r;
	if (!rep.found)
		return -ENODEV;
	return strcmp(rep.kind, "bridge") == 0 ? 0 : -EMEDIUMTYPE;
}

/* SIOCGIFINDEX on the rtnetlink socket (netlink has no ioctls of its own,
 * so the kernel answers it from the socket's network namespace, as for any
 * socket): one syscall, where an RTM_GETLINK is three and a parse. */
int nl_ifindex(struct nl *nl, const char *name)
{
	struct ifreq ifr;
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return -ENAMETOOLONG;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, n);
	if (ioctl(mnl_socket_get_fd(nl->sock), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

int nl_enslave(struct nl *nl, int tap_ifindex, int br_ifindex, unsigned mtu,
	       const uint8_t mac[6], uid_t owner, bool up)
{
	char req[512] = { 0 };   /* zeroed: libmnl leaves padding as is */
	char alias[sizeof(NL_ALIAS_PREFIX) + 12];
	struct nlmsghdr *nlh = new_req(nl, req, RTM_NEWLINK, NLM_F_ACK, tap_ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct reply rep = { 0 };

	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (!mnl_attr_put_check(nlh, sizeof(req), IFLA_ADDRESS, 6, mac) ||
	    !mnl_attr_put_u32_check(nlh, sizeof(req), IFLA_MTU, mtu) ||
	    !mnl_attr_put_u32_check(nlh, sizeof(req), IFLA_MASTER, (uint32_t)br_ifindex))
		return -EMSGSIZE;
	/* The quota mark: unlike IFLA_TUN_OWNER, which whoever holds the fd
	 * may change (TUNSETOWNER), only CAP_NET_ADMIN can change an alias. */
	snprintf(alias, sizeof(alias), NL_ALIAS_PREFIX "%u", (unsigned)owner);
	if (!mnl_attr_put_strz_check(nlh, sizeof(req), IFLA_IFALIAS, alias))
		return -EMSGSIZE;
	return transact(nl, nlh, NULL, &rep);
}

/* "bridge-helper uid=N" -> N. */
static bool alias_owner(const struct nlattr *a, uint32_t *uid)
{
	const char *s = str_attr(a);
	size_t n = sizeof(NL_ALIAS_PREFIX) - 1;
	unsigned long v;
	char *end;

	if (!s || strncmp(s, NL_ALIAS_PREFIX, n) != 0 || s[n] < '0' || s[n] > '9')
		return false;
	errno = 0;
	v = strtoul(s + n, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*uid = (uint32_t)v;
	return true;
}

/* Whose TAP is this, for the quota? See nl_count_owned(). */
static bool tap_uid(const struct link_attrs *la, const char *name,
		    uint32_t master, int br_ifindex, uint32_t *uid)
{
	uid_t u;

	/* Handed out by bridge-helper: the mark decides, whatever
	 * TUNSETOWNER the holder of the fd did since. */
	if (alias_owner(la->tb[IFLA_IFALIAS], uid))
		return true;
	/* Made by bridge-helper, not yet marked: a launch on its way (or
	 * stopped on its way), its caller's from the start. */
	if (name && tap_name_owner(name, &u)) {
		*uid = (uint32_t)u;
		return true;
	}
	/* Anything else counts only once on the bridge: an owner alone is
	 * what any holder of a queue may set, e.g. on an unowned TAP. */
	return master == (uint32_t)br_ifindex &&
	       u32_attr(la->tun[IFLA_TUN_OWNER], uid);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *rep = data;
	struct link_attrs la;
	const struct ifinfomsg *ifi = parse_link(nlh, &la);
	const char *kind = str_attr(la.info[IFLA_INFO_KIND]);
	uint32_t uid, master = 0;

	if (!ifi) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!kind || strcmp(kind, "tun") != 0 || ifi->ifi_index >= rep->below)
		return MNL_CB_OK;
	if (la.tb[IFLA_MASTER] && !u32_attr(la.tb[IFLA_MASTER], &master))
		return MNL_CB_OK;
	if (master != 0 && master != (uint32_t)rep->br_ifindex)
		return MNL_CB_OK;
	if (tap_uid(&la, str_attr(la.tb[IFLA_IFNAME]), master, rep->br_ifindex,
		    &uid) && uid == (uint32_t)rep->owner)
		rep->count++;
	return MNL_CB_OK;
}

int nl_count_owned(struct nl *nl, int br_ifindex, uid_t owner, int below)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		char req[512];
		struct nlmsghdr *nlh = new_req(nl, req, RTM_GETLINK, NLM_F_DUMP, 0);
		struct nlattr *li;
		struct reply rep = { .br_ifindex = br_ifindex, .owner = owner,
				     .below = below };
		int r;

		/* Ask the kernel to dump only tun devices (a kind filter). */
		li = mnl_attr_nest_start_check(nlh, sizeof(req), IFLA_LINKINFO);
		if (!li || !mnl_attr_put_strz_check(nlh, sizeof(req),
						    IFLA_INFO_KIND, "tun") ||
		    !mnl_attr_put_u32_check(nlh, sizeof(req), IFLA_EXT_MASK,
					    RTEXT_FILTER_SKIP_STATS))
			return -EMSGSIZE;
		mnl_attr_nest_end(nlh, li);
		r = transact(nl, nlh, count_cb, &rep);
		if (r == -EINTR)        /* NLM_F_DUMP_INTR: links changed, retry */
			continue;
		return r < 0 ? r : rep.count;
	}
	return -EAGAIN;
}

/* ---- a TAP just made: is it only ours? ------------------------------------ */

static bool u8_attr(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

/* The first difference from WANT, as text; NULL: none. -EPROTO (in *ERR)
 * when the kernel leaves out what we must see. */
static const char *tap_differs(const struct ifinfomsg *ifi,
			       const struct link_attrs *la,
			       const struct nl_tap_want *want, char *buf,
			       size_t n, int *err)
{
	const char *name = str_attr(la->tb[IFLA_IFNAME]);
	uint32_t owner, queues, disabled;
	uint8_t type, persist, mq;

	if (!u8_attr(la->tun[IFLA_TUN_TYPE], &type) ||
	    !u8_attr(la->tun[IFLA_TUN_PERSIST], &persist) ||
	    !u8_attr(la->tun[IFLA_TUN_MULTI_QUEUE], &mq)) {
		*err = -EPROTO;
		return "the kernel does not report the TAP's state";
	}
	if (!name || strcmp(name, want->name) != 0)
		return "renamed";
	if (type != IFF_TAP || ifi->ifi_type != ARPHRD_ETHER)
		return "link type changed";
	if (!u32_attr(la->tun[IFLA_TUN_OWNER], &owner) || owner != (uint32_t)want->owner)
		return "owner changed";
	if (la->tun[IFLA_TUN_GROUP])
		return "group set";
	if (persist)
		return "made persistent";
	if (mq != (want->queues > 1))
		return "queue mode changed";
	if (want->queues <= 1)        /* a single queue: ours (EBUSY to others) */
		return NULL;
	if (!u32_attr(la->tun[IFLA_TUN_NUM_QUEUES], &queues) ||
	    !u32_attr(la->tun[IFLA_TUN_NUM_DISABLED_QUEUES], &disabled)) {
		*err = -EPROTO;
		return "the kernel does not report the TAP's queues";
	}
	if (queues == want->queues && disabled == 0)
		return NULL;
	snprintf(buf, n, "%u queues attached and %u detached, %u made",
		 (unsigned)queues, (unsigned)disabled, want->queues);
	return buf;
}

static int check_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *rep = data;
	struct link_attrs la;
	const struct ifinfomsg *ifi = parse_link(nlh, &la);
	const char *kind = str_attr(la.info[IFLA_INFO_KIND]);
	const char *why;
	char buf[96];
	int err = -EBUSY;

	if (!ifi) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	rep->found = true;
	if (!kind || strcmp(kind, "tun") != 0) {
		why = "not a TUN/TAP device";
	} else {
		why = tap_differs(ifi, &la, rep->want, buf, sizeof(buf), &err);
		if (!why) {
			rep->verdict = 0;
			return MNL_CB_OK;
		}
	}
	rep->verdict = err;
	snprintf(rep->why, rep->whylen, "%s", why);
	return MNL_CB_OK;
}

int nl_tap_check(struct nl *nl, int ifindex, const struct nl_tap_want *want,
		 char *why, size_t whylen)
{
	char req[512] = { 0 };
	struct nlmsghdr *nlh = new_req(nl, req, RTM_GETLINK, NLM_F_ACK, ifindex);
	struct reply rep = { .want = want, .why = why, .whylen = whylen,
			     .verdict = -EIO };
	int r;

	if (whylen)
		why[0] = '\0';
	if (!mnl_attr_put_u32_check(nlh, sizeof(req), IFLA_EXT_MASK,
				    RTEXT_FILTER_SKIP_STATS))
		return -EMSGSIZE;
	r = transact(nl, nlh, check_cb, &rep);
	if (r < 0)
		return r;
	return rep.found ? rep.verdict : -ENODEV;
}

int nl_del_link(struct nl *nl, int ifindex)
{
	char req[512] = { 0 };
	struct nlmsghdr *nlh = new_req(nl, req, RTM_DELLINK, NLM_F_ACK, ifindex);
	struct reply rep = { 0 };

	return transact(nl, nlh, NULL, &rep);
}
