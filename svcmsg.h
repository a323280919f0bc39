/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svcmsg: the messages of bridge-helperd(8)'s protocol, encoded and decoded.
 * Pure: no I/O, no allocation, no locale, so that both ends (the service,
 * and libbridge-helper / bridge-helper-client) share one implementation and
 * it can be fuzzed (tests/fuzz/fuzz_svcmsg.c).
 *
 * Protocol 1, over an AF_UNIX SOCK_SEQPACKET connection to the service's
 * socket (default /run/bridge-helper/socket); one request per connection.
 * Who the caller is comes from the kernel (SO_PEERCRED, SO_PEERGROUPS),
 * never from a message.
 *
 * Request (client -> service): ONE message of at most SVCMSG_REQ_MAX bytes,
 * lines ending in '\n', nothing else (no NUL, CR, blank line, space, no fds):
 *     bridge-helper/1            the version line, always first (2 when
 *                                the request has mac=)
 *     op=create|check            optional, default create
 *     br=NAME                    required: 1..15 bytes, no '/', ':', space
 *     vnet=0|1                   optional, default 0 (IFF_VNET_HDR)
 *     queues=N                   optional, 1..256, default 1
 *     sndbuf=BYTES               optional, 1..2147483647
 *     mac=xx:xx:xx:xx:xx:xx      version 2 only: the guest's unicast MAC
 *                                (bridge.conf(5) lockmac)
 * Each key at most once, in any order; numbers are plain decimal with no
 * leading zero. Any other key is refused. A service speaks versions 1 and
 * 2; a client sends 2 only when it needs mac= (an older service refuses
 * it by name); replies are version 1.
 *
 * Reply (service -> client): ONE message of at most SVCMSG_REPLY_MAX bytes,
 * the same line syntax, keys in this order:
 *     bridge-helper/1
 *     status=N                   0 ok, 1 system, 2 usage, 3 denied,
 *                                4 bad configuration (bridge-helper(8)'s)
 *     tap=NAME                   status 0, op=create: the TAP
 *     vnet=0|1                   status 0, op=create: IFF_VNET_HDR is on
 *     queues=N                   status 0, op=create: fds that come with it
 *     sndbuf=BYTES               status 0, op=create: 0 is the kernel's
 *     msg=TEXT                   status != 0: one printable line
 *     report=TEXT                op=check: one per line of the report
 * With status 0 and op=create, the reply message carries the first
 * min(queues, 253) fds as SCM_RIGHTS; the rest follow in messages of a
 * 1-byte payload and at most 253 fds each (fdpass.h). Then the service
 * waits for the client to close the connection.
 */
#ifndef BH_SVCMSG_H
#define BH_SVCMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SVCMSG_VERSION      1      /* replies, and requests without mac= */
#define SVCMSG_VERSION_MAX  2      /* requests: 1, or 2 with mac= */
#define SVCMSG_MAGIC        "bridge-helper/1"
#define SVCMSG_MAGIC2       "bridge-helper/2"
#define SVCMSG_REQ_MAX      512
#define SVCMSG_REPLY_MAX    8192
#define SVCMSG_MSG_MAX      1024   /* = CORE_MSG_MAX */
#define SVCMSG_REPORT_MAX   4096
#define SVCMSG_NAME_MAX     16     /* = IFNAMSIZ */
#define SVCMSG_MAX_QUEUES   256    /* = TAP_MAX_QUEUES */
#define SVCMSG_ERR_MAX      128    /* decoders' error text */

enum svcmsg_op { SVCMSG_CREATE, SVCMSG_CHECK };

struct svcmsg_req {
	enum svcmsg_op op;
	char br[SVCMSG_NAME_MAX];
	bool vnet_hdr;
	unsigned queues;               /* 1..SVCMSG_MAX_QUEUES */
	int sndbuf;                    /* 0: not asked for */
	bool has_mac;                  /* mac= (version 2) */
	uint8_t mac[6];
};

struct svcmsg_reply {
	int status;                    /* 0..4 */
	char tap[SVCMSG_NAME_MAX];     /* status 0, create */
	bool vnet_hdr;
	unsigned queues;               /* status 0, create: 1..; else 0 */
	int sndbuf;
	char msg[SVCMSG_MSG_MAX];      /* status != 0 */
	char report[SVCMSG_REPORT_MAX];/* check: lines, each ending in '\n' */
};

/* An interface name as bridge-helper accepts it: 1..15 printable ASCII
 * bytes, no '/', ':' or space, not "." or "..". Never truncated. */
bool svcmsg_ifname_ok(const char *name);

/* Encode R into BUF (CAP bytes). Returns the length (no NUL is sent), or
 * -EINVAL (R is not a valid request/reply) or -EMSGSIZE (does not fit). A
 * reply's msg and report are made printable (control bytes become '?') and
 * cut to fit SVCMSG_REPLY_MAX; a reply with status 0 for op=create must
 * have a valid tap and 1..256 queues. */
ssize_t svcmsg_req_encode(const struct svcmsg_req *r, char *buf, size_t cap);
ssize_t svcmsg_reply_encode(const struct svcmsg_reply *r, char *buf, size_t cap);

/* Decode the LEN bytes of BUF (not NUL-terminated). Returns 0 and fills R,
 * or -1 with a one-line reason in ERR (ERRLEN bytes, at most
 * SVCMSG_ERR_MAX needed); -2 (request only) when the version line names a
 * version this side does not speak, the reason saying so. */
int svcmsg_req_decode(const char *buf, size_t len, struct svcmsg_req *r,
		      char *err, size_t errlen);
int svcmsg_reply_decode(const char *buf, size_t len, struct svcmsg_reply *r,
			char *err, size_t errlen);

#endif
