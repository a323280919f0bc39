/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* tap: create a non-persistent TAP device through /dev/net/tun. */
#ifndef BH_TAP_H
#define BH_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#define TAP_MAX_QUEUES 256

struct tap_req {
	bool vnet_hdr;      /* ask for IFF_VNET_HDR (only if the kernel offers it) */
	unsigned queues;    /* 1..TAP_MAX_QUEUES; >1 means IFF_MULTI_QUEUE */
	int sndbuf;         /* TUNSETSNDBUF value, 0: leave the kernel's default */
	uid_t owner;        /* TUNSETOWNER, and the uid in the TAP's name */
};

struct tap_dev {
	char name[IFNAMSIZ];
	bool vnet_hdr;      /* IFF_VNET_HDR is on */
};

/* Open REQ->queues fds of /dev/net/tun (O_RDWR|O_CLOEXEC) into FDS.
 * Done early, while the process may still open a 0600 /dev/net/tun;
 * creates nothing. Returns 0 or -errno (all opened fds closed). */
int tap_open_tun(unsigned queues, int *fds);

/* Turn the opened fds into one new TAP device (IFF_TAP|IFF_NO_PI ...)
 * named by tap_name_owner()'s rule for REQ->owner, owned by REQ->owner
 * from the first moment the kernel allows (right after the TUNSETIFF that
 * makes it, before any other queue exists). Returns 0 or -errno. On
 * failure the caller closes the fds and the device, which is never
 * persistent, disappears with them. The fds may be used again after their
 * device was deleted (RTM_DELLINK). */
int tap_create(const struct tap_req *req, const int *fds, struct tap_dev *out);

/* The names tap_create() gives: "tap", the owner's uid in 8 lowercase hex
 * digits, 4 random lowercase hex digits (15 bytes). True, with the uid in
 * *OWNER, if NAME has that form. Only CAP_NET_ADMIN can make or rename a
 * device, so such a name is a mark the TAP carries from its first moment. */
bool tap_name_owner(const char *name, uid_t *owner);

#endif
