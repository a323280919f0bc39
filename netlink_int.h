/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* netlink_int.h: what netlink.c lends netlink_port.c. Private to the two. */
#ifndef BH_NETLINK_INT_H
#define BH_NETLINK_INT_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#define NL_BUF 32768

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char ext_error[256];
	char buf[NL_BUF];            /* requests and replies; fixed size */
};

/* A request header in BUF (zeroed by the caller) with a fresh sequence
 * number; the family header is the caller's to put. */
struct nlmsghdr *nl_put_header(struct nl *nl, char *buf, uint16_t type,
			       uint16_t flags);

/* Send REQ; run CB (may be NULL) with DATA over each reply until the ACK or
 * the end of the dump. 0 or -errno (the extended ack kept). */
int nl_request(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);

#endif
