/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* tap: non-persistent TAP devices through /dev/net/tun. See tap.h.
 *
 * The device is created by the first TUNSETIFF and lives exactly as long as
 * its queues' fds: we never call TUNSETPERSIST, so a crash anywhere leaks
 * nothing. Further queues of a multi-queue TAP attach by name.
 *
 * Until a TAP has an owner (or a group), the kernel lets anyone who can open
 * /dev/net/tun attach a queue to it by name (tun_not_capable()): so the
 * owner is set by the very next system call after the one that creates it,
 * and the name is one nobody can predict. What is left of that window is
 * closed by the caller, which checks the queues with the kernel (SECURITY.md,
 * "Queue hijack"). */
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#define TUN_PATH "/dev/net/tun"
#define NAME_PREFIX "tap"
#define NAME_TRIES 16         /* fresh random names after EBUSY (taken) */

int tap_open_tun(unsigned queues, int *fds)
{
	if (queues == 0 || queues > TAP_MAX_QUEUES)
		return -EINVAL;
	for (unsigned i = 0; i < queues; i++)
		fds[i] = -1;
	for (unsigned i = 0; i < queues; i++) {
		fds[i] = open(TUN_PATH, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fds[i] < 0) {
			int err = -errno;

			for (unsigned j = 0; j < i; j++) {
				close(fds[j]);
				fds[j] = -1;
			}
			return err;
		}
	}
	return 0;
}

static int set_iff(int fd, const char *name, short flags, char out[IFNAMSIZ])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = flags;
	if (name)
		memcpy(ifr.ifr_name, name, IFNAMSIZ);   /* NUL-terminated by the kernel */
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	if (out) {
		memcpy(out, ifr.ifr_name, IFNAMSIZ);
		out[IFNAMSIZ - 1] = '\0';
	}
	return 0;
}

static int make_name(uid_t owner, char name[IFNAMSIZ])
{
	uint16_t rnd;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return errno ? -errno : -EIO;
	snprintf(name, IFNAMSIZ, NAME_PREFIX "%08x%04x", (unsigned)owner,
		 (unsigned)rnd);
	return 0;
}

bool tap_name_owner(const char *name, uid_t *owner)
{
	const size_t p = sizeof(NAME_PREFIX) - 1;
	uint32_t v = 0;

	if (strnlen(name, IFNAMSIZ) != p + 12 || strncmp(name, NAME_PREFIX, p) != 0)
		return false;
	for (size_t i = p; i < p + 12; i++) {
		char c = name[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;

		if (d == 16)
			return false;
		if (i < p + 8)
			v = v << 4 | d;
	}
	if (v == (uint32_t)-1)           /* no such uid */
		return false;
	*owner = (uid_t)v;
	return true;
}

/* Create the device on FDS[0] under a fresh name: IFF_TUN_EXCL, so that a
 * name already taken is EBUSY (try another), never an attach to it. */
static int create_first(const struct tap_req *req, int fd, short flags,
			char out[IFNAMSIZ])
{
	char name[IFNAMSIZ];
	int r = -EBUSY;

	for (int t = 0; t < NAME_TRIES && r == -EBUSY; t++) {
		if ((r = make_name(req->owner, name)) < 0)
			return r;
		r = set_iff(fd, name, (short)(flags | IFF_TUN_EXCL), out);
	}
	if (r < 0)
		return r;
	/* The very next call: no owner, no protection (see the top). */
	if (ioctl(fd, TUNSETOWNER, (unsigned long)req->owner) < 0)
		return -errno;
	return 0;
}

int tap_create(const struct tap_req *req, const int *fds, struct tap_dev *out)
{
	unsigned int features = 0;
	short flags = IFF_TAP | IFF_NO_PI;
	int r;

	if (req->queues == 0 || req->queues > TAP_MAX_QUEUES || req->sndbuf < 0)
		return -EINVAL;
	if (ioctl(fds[0], TUNGETFEATURES, &features) < 0)
		return -errno;
	if (req->vnet_hdr && (features & IFF_VNET_HDR))
		flags |= IFF_VNET_HDR;
	if (req->queues > 1) {
		if (!(features & IFF_MULTI_QUEUE))
			return -EOPNOTSUPP;
		flags |= IFF_MULTI_QUEUE;
	}
	if ((r = create_first(req, fds[0], flags, out->name)) < 0)
		return r;
	for (unsigned i = 1; i < req->queues; i++) {
		r = set_iff(fds[i], out->name, flags, NULL);
		if (r < 0)
			return r;
	}
	/* The kernel applies the device's sndbuf to every queue. */
	if (req->sndbuf > 0 && ioctl(fds[0], TUNSETSNDBUF, &req->sndbuf) < 0)
		return -errno;
	out->vnet_hdr = (flags & IFF_VNET_HDR) != 0;
	return 0;
}
