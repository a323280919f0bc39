/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* minhelper: the least a helper can be, for calibration only (never
 * install it: it checks nothing, drops nothing, logs nothing). It does the
 * kernel work of bridge-helper and no more -- open /dev/net/tun, TUNSETIFF
 * (tap%d), one ACKed RTM_NEWLINK (master, MTU, MAC, up) -- and passes the fd
 * on --fd=N. Built static, so its launch cost is exec's own.
 *
 *     minhelper --fd=N --br=BRIDGE [ignored...] */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static void attr(struct nlmsghdr *h, unsigned short type, const void *data,
		 size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int main(int argc, char **argv)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
		char attrs[256];
	} req;
	char reply[1024], byte = 0, *end;
	const char *br = NULL;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct ifreq ifr;
	struct cmsghdr *c;
	uint8_t mac[6];
	uint32_t mtu = 1500, master;
	int sock = -1, tun, nl;
	ssize_t n;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--fd=", 5))
			sock = (int)strtol(argv[i] + 5, &end, 10);
		else if (!strncmp(argv[i], "--br=", 5))
			br = argv[i] + 5;
	}
	if (sock < 0 || !br || strlen(br) >= IFNAMSIZ)
		return 2;
	tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (tun < 0 || nl < 0)
		return 1;
	/* The bridge's index and MTU: SIOCGIFINDEX/SIOCGIFMTU on any socket. */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, br, strlen(br));
	{
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (s < 0 || ioctl(s, SIOCGIFINDEX, &ifr) < 0)
			return 1;
		master = (uint32_t)ifr.ifr_ifindex;
		if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
			mtu = (uint32_t)ifr.ifr_mtu;
		close(s);
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(tun, TUNSETIFF, &ifr) < 0)
		return 1;
	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		return 1;
	mac[0] = 0xFE;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.i));
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	req.i.ifi_flags = IFF_UP;
	req.i.ifi_change = IFF_UP;
	attr(&req.h, IFLA_IFNAME, ifr.ifr_name, strlen(ifr.ifr_name) + 1);
	attr(&req.h, IFLA_ADDRESS, mac, sizeof(mac));
	attr(&req.h, IFLA_MTU, &mtu, sizeof(mtu));
	attr(&req.h, IFLA_MASTER, &master, sizeof(master));
	if (send(nl, &req, req.h.nlmsg_len, 0) < 0)
		return 1;
	n = recv(nl, reply, sizeof(reply), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    ((struct nlmsghdr *)reply)->nlmsg_type != NLMSG_ERROR ||
	    ((struct nlmsgerr *)NLMSG_DATA(reply))->error != 0)
		return 1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c)
		return 1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &tun, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : 1;
}
