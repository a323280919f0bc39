/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* priv: narrow bridge-helper's privilege with libcap-ng, then read back
 * what the kernel says the process holds and verify it. */
#ifndef BH_PRIV_H
#define BH_PRIV_H

#include <stdbool.h>

/* What went wrong; priv_drop()'s *DETAIL says more where noted. */
enum priv_fail {
	PRIV_OK = 0,
	PRIV_CANNOT_KEEP,    /* neither setuid root nor the file capability */
	PRIV_CAPNG,          /* libcap-ng failed; detail: its return code */
	PRIV_HARDEN,         /* no_new_privs or not dumpable; detail: errno */
	PRIV_IDS,            /* real/effective/saved ids are not the caller's */
	PRIV_ROOT_REGAINED,  /* setuid(0) or seteuid(0) still works */
	PRIV_GROUPS_KEPT,    /* supplementary groups left */
	PRIV_CAPGET,         /* cannot read the capabilities; detail: errno */
	PRIV_CAPSET,         /* cannot set them; detail: errno */
	PRIV_CAP_KEPT,       /* detail: a capability still held */
	PRIV_CAP_MISSING,    /* detail: a capability asked for but not held */
	PRIV_AMBIENT_KEPT,   /* detail: an ambient capability */
	PRIV_BOUNDING_KEPT,  /* detail: a capability left in the bounding set */
	PRIV_BOUNDING_READ,  /* cannot read the bounding set; detail: errno */
};

/* Whether this process can create a TAP at all: 1 if it runs as euid 0
 * (setuid root) or holds CAP_NET_ADMIN in its permitted set, 0 if not,
 * -errno if the capabilities cannot be read. */
int priv_can_net_admin(void);

/* Whether it can keep CAP_DAC_READ_SEARCH to read the ACL files: 1 as euid
 * 0, or with it in the permitted set (file capability, make install-caps),
 * 0 if not, -errno. */
int priv_can_read(void);

/* setuid root or started by root: only CAP_NET_ADMIN (when KEEP_NET_ADMIN)
 * and CAP_DAC_READ_SEARCH (when KEEP_READ) in the effective and permitted
 * sets, the real uid/gid in all three slots, no supplementary groups, empty
 * bounding set. File capability: only those (when asked), ids unchanged.
 * Then no_new_privs, not dumpable, and everything read back and verified.
 * Returns PRIV_OK or why not (*DETAIL as noted above); on failure the
 * process must exit. */
enum priv_fail priv_drop(bool keep_net_admin, bool keep_read, int *detail);

/* After priv_drop(..., KEEP_READ = true): CAP_DAC_READ_SEARCH out of every
 * set, and what is left verified again (CAP_NET_ADMIN when KEEP_NET_ADMIN,
 * nothing else). Harmless when it was not kept. */
enum priv_fail priv_drop_read(bool keep_net_admin, int *detail);

/* The service (bridge-helperd), started by root or by systemd as root with
 * CapabilityBoundingSet=CAP_NET_ADMIN, staying root: only CAP_NET_ADMIN in
 * the effective and permitted sets, nothing inheritable or ambient, no
 * supplementary groups, the bounding set at most CAP_NET_ADMIN (narrowed
 * when CAP_SETPCAP allows), ids unchanged, no_new_privs, not dumpable;
 * everything read back and verified. PRIV_CANNOT_KEEP: CAP_NET_ADMIN is
 * not permitted at all. On failure the process must exit. */
enum priv_fail priv_narrow(int *detail);

#endif
