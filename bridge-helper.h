/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: get a TAP attached to a bridge from the privileged
 * bridge-helper(8), from an unprivileged program. See libbridge-helper(3). */
#ifndef BRIDGE_HELPER_H
#define BRIDGE_HELPER_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BH_API_VERSION 2

/* Failure classes returned (negated) by bh_open() and bh_open2(). */
enum bh_status {
	BH_OK = 0,
	BH_E_INVAL = 1,      /* bad request (option out of range, no bridge) */
	BH_E_SYSTEM = 2,     /* socketpair, spawn, memory ... failed here */
	BH_E_NOHELPER = 3,   /* helper not found or not executable */
	BH_E_HELPER = 4,     /* helper exited non-zero (its stderr is in the message) */
	BH_E_SIGNAL = 5,     /* helper killed by a signal */
	BH_E_NOFDS = 6,      /* helper exited 0 without sending fds */
	BH_E_PROTOCOL = 7,   /* wrong number of fds, malformed message */
	BH_E_TIMEOUT = 8,    /* helper did not finish in time: killed and reaped */
	/* Since 1.1: what the helper's exit status says, from bh_open2() only;
	 * bh_open() reports these as BH_E_HELPER, as it always has. With
	 * bh_open2(), BH_E_HELPER is exit status 1 (a system error in the
	 * helper: no such bridge, not a bridge, no privilege ...) or a status
	 * outside bridge-helper(8)'s contract. */
	BH_E_DENIED = 9,     /* exit 3: the ACL denies, or the quota is reached */
	BH_E_CONFIG = 10,    /* exit 4: the ACL has an error: everything denied */
	BH_E_USAGE = 11,     /* exit 2: the helper refused the request's options */
};

struct bh_request;   /* what to ask for */
struct bh_tap;       /* what was received */

/* A request for BRIDGE with defaults: the installed helper, no vnet_hdr,
 * 1 queue, the kernel's/administrator's send buffer, the system ACL,
 * a 10 s timeout. NULL on ENOMEM or an invalid bridge name. */
struct bh_request *bh_request_new(const char *bridge);
void bh_request_free(struct bh_request *req);

/* Setters return 0, or -EINVAL / -ENOMEM and leave the request unchanged.
 * (The ACL is the helper's: a request with one set never goes to the
 * service; in BH_MODE_SERVICE, bh_open() refuses it with BH_E_INVAL.)
 * A NULL path restores the default (the installed helper; the system ACL). */
int bh_request_set_helper(struct bh_request *req, const char *path);
int bh_request_set_vnet_hdr(struct bh_request *req, bool on);
int bh_request_set_queues(struct bh_request *req, unsigned queues); /* 1..256 */
int bh_request_set_sndbuf(struct bh_request *req, int bytes);       /* 1..INT_MAX */
/* The guest's MAC address, "52:54:00:12:34:56" (a unicast address): where
 * the administrator locks the port to it (bridge.conf(5) lockmac), the
 * only source address its frames may have. Since 1.2. */
int bh_request_set_mac(struct bh_request *req, const char *mac);
int bh_request_set_acl(struct bh_request *req, const char *path);   /* tests */
int bh_request_set_timeout(struct bh_request *req, unsigned msec);  /* 0: none */

/* Spawn the helper and receive the TAP. Thread-safe. Returns 0 and sets *TAP,
 * or returns -enum bh_status and writes a one-line message (NUL-terminated,
 * truncated to ERRLEN) to ERRBUF if it is not NULL. The helper sees only
 * fds 0-3 and an empty environment; it is always reaped (killed first on
 * timeout); no fd opened here outlives a failed call. */
int bh_open(const struct bh_request *req, struct bh_tap **tap,
	    char *errbuf, size_t errlen);

/* Since 1.1: bh_open(), but a helper's non-zero exit status comes as its class:
 * BH_E_DENIED, BH_E_CONFIG, BH_E_USAGE or BH_E_HELPER. The message is the
 * same. */
int bh_open2(const struct bh_request *req, struct bh_tap **tap,
	     char *errbuf, size_t errlen);

unsigned bh_tap_queues(const struct bh_tap *tap);
/* The I-th fd (0 <= I < queues), O_CLOEXEC; still owned by TAP. */
int bh_tap_fd(const struct bh_tap *tap, unsigned i);
/* Take the I-th fd: the caller owns it from now on; bh_tap_free() won't close it. */
int bh_tap_take_fd(struct bh_tap *tap, unsigned i);
/* The interface name (TUNGETIFF); "" if the fd is no TUN/TAP (test doubles). */
const char *bh_tap_name(const struct bh_tap *tap);
bool bh_tap_vnet_hdr(const struct bh_tap *tap);
/* Close the fds still owned and free. The TAP vanishes with its last fd. */
void bh_tap_free(struct bh_tap *tap);

/* --- since BH_1.1: service mode (bridge-helperd(8)) ---------------------- */

/* Where bh_open() gets the TAP: AUTO (the default) asks the service when its
 * socket answers (connect succeeds) and otherwise spawns the helper; SERVICE
 * and HELPER insist on one. Results and messages are the same either way. */
enum bh_mode {
	BH_MODE_AUTO = 0,
	BH_MODE_SERVICE = 1,
	BH_MODE_HELPER = 2,
};

int bh_request_set_mode(struct bh_request *req, enum bh_mode mode);
/* The service's socket; NULL restores the default, /run/bridge-helper/socket. */
int bh_request_set_socket(struct bh_request *req, const char *path);

/* The same as bh_open2() (failure classes included), for event loops:
 * start, then call bh_op_step()
 * whenever bh_op_fd() is readable (poll it for POLLIN) or bh_op_timeout()
 * milliseconds have passed, until it returns 0 (*TAP set) or -status (the
 * message in ERRBUF). It returns 1 while the operation goes on. REQ may be
 * freed once bh_open_start() has returned. bh_op_free() ends an operation
 * at any point (a running helper is killed and reaped, a received TAP
 * closed). bh_open_start() returns 0 and sets *OP, or -status. */
struct bh_op;
int bh_open_start(const struct bh_request *req, struct bh_op **op,
		  char *errbuf, size_t errlen);
int bh_op_fd(const struct bh_op *op);
int bh_op_timeout(const struct bh_op *op);   /* ms; -1: wait for the fd */
int bh_op_step(struct bh_op *op, struct bh_tap **tap, char *errbuf,
	       size_t errlen);
void bh_op_free(struct bh_op *op);

/* A static string naming STATUS (an enum bh_status, positive or negated). */
const char *bh_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif
