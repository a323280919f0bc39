/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* priv: narrow privilege with libcap-ng, verify it from the kernel. See priv.h.
 *
 * The drop is libcap-ng's (capng_change_id / capng_apply). The check reads
 * the kernel's own account without it: one capget(2) for the effective,
 * permitted and inheritable sets (libcap-ng would also parse
 * /proc/self/status each time), getres[ug]id(2), getgroups(2), and
 * PR_CAPBSET_READ once per capability the kernel knows. Giving up
 * CAP_DAC_READ_SEARCH after the ACL is read is one capset(2). */
#include "priv.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>
#include <unistd.h>

#include <cap-ng.h>
#include <linux/capability.h>

struct capsets {
	uint64_t eff, prm, inh;
};

/* One capget(2), version 3: two 32-bit words per set. */
static int read_caps(struct capsets *c)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,   /* this thread */
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -errno;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int lowest_bit(uint64_t v)
{
	return __builtin_ctzll(v);
}

static int can_keep(int cap)
{
	struct capsets c = { 0 };
	int r;

	if (geteuid() == 0)
		return 1;
	if ((r = read_caps(&c)) < 0)
		return r;
	return (c.prm >> cap) & 1 ? 1 : 0;
}

int priv_can_net_admin(void)
{
	return can_keep(CAP_NET_ADMIN);
}

int priv_can_read(void)
{
	return can_keep(CAP_DAC_READ_SEARCH);
}

/* One capset(2), version 3: the three sets of C. */
static int write_caps(const struct capsets *c)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		d[i].effective = (uint32_t)(c->eff >> (32 * i));
		d[i].permitted = (uint32_t)(c->prm >> (32 * i));
		d[i].inheritable = (uint32_t)(c->inh >> (32 * i));
	}
	return syscall(SYS_capset, &hdr, d) < 0 ? -errno : 0;
}

/* Only the capabilities in WANT in the effective and permitted sets,
 * nothing inheritable or ambient. */
static enum priv_fail check_sets(uint64_t want, int *detail)
{
	struct capsets c = { 0 };
	int rc;

	/* All 64 bits of each set, not only those this kernel knows. */
	if ((rc = read_caps(&c)) < 0) {
		*detail = -rc;
		return PRIV_CAPGET;
	}
	if ((c.eff | c.prm | c.inh) & ~want) {
		*detail = lowest_bit((c.eff | c.prm | c.inh) & ~want);
		return PRIV_CAP_KEPT;
	}
	if ((c.eff & c.prm & want) != want) {
		*detail = lowest_bit(want & ~(c.eff & c.prm));
		return PRIV_CAP_MISSING;
	}

	/* Ambient: the kernel keeps it a subset of permitted AND inheritable
	 * (capset(2) clears what leaves either, PR_CAP_AMBIENT_RAISE refuses
	 * what is not in both), and inheritable was just read empty, so it is
	 * empty. The ones that could be in it, being permitted, are asked
	 * anyway (kernels before 4.3, without ambient: EINVAL, fine). */
	for (uint64_t w = want; w; w &= w - 1) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, lowest_bit(w),
			  0, 0) > 0) {
			*detail = lowest_bit(w);
			return PRIV_AMBIENT_KEPT;
		}
	}
	return PRIV_OK;
}

/* Nothing in the bounding set but ALLOWED: one read per capability, up to
 * the first the kernel does not know (EINVAL). */
static enum priv_fail check_bounding(uint64_t allowed, int *detail)
{
	int rc, cap;

	for (cap = 0; (rc = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) >= 0; cap++) {
		if (rc != 0 && !(cap < 64 && (allowed >> cap) & 1)) {
			*detail = cap;
			return PRIV_BOUNDING_KEPT;
		}
	}
	if (errno != EINVAL || cap <= CAP_NET_ADMIN) {    /* read nothing */
		*detail = errno;
		return PRIV_BOUNDING_READ;
	}
	return PRIV_OK;
}

/* Read back what the kernel says we hold: only the capabilities in WANT in
 * the effective and permitted sets, nothing inheritable or ambient, the
 * caller's ids in all three slots, and, when we were root, no way back to
 * it: no supplementary groups, an empty bounding set. */
static enum priv_fail verify(uint64_t want, uid_t uid, gid_t gid, bool had_root,
			     int *detail)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	int rc;

	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid ||
	    getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid)
		return PRIV_IDS;
	if (had_root && uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return PRIV_ROOT_REGAINED;
	if (had_root && uid != 0 && getgroups(0, NULL) != 0)
		return PRIV_GROUPS_KEPT;
	if ((rc = check_sets(want, detail)) != PRIV_OK)
		return rc;
	/* The bounding set (we cleared it only if we were root). */
	return had_root ? check_bounding(0, detail) : PRIV_OK;
}

static uint64_t wanted(bool net_admin, bool read)
{
	return (net_admin ? UINT64_C(1) << CAP_NET_ADMIN : 0) |
	       (read ? UINT64_C(1) << CAP_DAC_READ_SEARCH : 0);
}

enum priv_fail priv_drop(bool keep_net_admin, bool keep_read, int *detail)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	bool had_root = geteuid() == 0;
	int r;

	*detail = 0;
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_net_admin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			     CAP_NET_ADMIN);
	if (keep_read)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			     CAP_DAC_READ_SEARCH);
	if (had_root)
		r = capng_change_id((int)uid, (int)gid,
				    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		r = capng_apply(CAPNG_SELECT_CAPS);
	if (r != 0 && !had_root && (keep_net_admin || keep_read))
		return PRIV_CANNOT_KEEP;
	if (r != 0) {
		*detail = r;
		return PRIV_CAPNG;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		*detail = errno;
		return PRIV_HARDEN;
	}
	return verify(wanted(keep_net_admin, keep_read), uid, gid, had_root, detail);
}

enum priv_fail priv_drop_read(bool keep_net_admin, int *detail)
{
	const uint64_t gone = ~(UINT64_C(1) << CAP_DAC_READ_SEARCH);
	struct capsets c = { 0 };
	int r;

	*detail = 0;
	if ((r = read_caps(&c)) < 0) {
		*detail = -r;
		return PRIV_CAPGET;
	}
	c.eff &= gone;
	c.prm &= gone;
	c.inh = 0;
	if ((r = write_caps(&c)) < 0) {
		*detail = -r;
		return PRIV_CAPSET;
	}
	/* ids, groups and the bounding set were verified by priv_drop(), and
	 * nothing left can change them: the capabilities again. */
	return verify(wanted(keep_net_admin, false), getuid(), getgid(), false,
		      detail);
}

enum priv_fail priv_narrow(int *detail)
{
	const uint64_t net_admin = UINT64_C(1) << CAP_NET_ADMIN;
	struct capsets c = { 0 };
	int r;

	*detail = 0;
	if ((r = read_caps(&c)) < 0) {
		*detail = -r;
		return PRIV_CAPGET;
	}
	if (!(c.prm & net_admin))
		return PRIV_CANNOT_KEEP;
	if (getgroups(0, NULL) != 0 && setgroups(0, NULL) < 0)
		return PRIV_GROUPS_KEPT;
	if (c.eff == c.prm && c.prm == net_admin && !c.inh)
		goto harden;           /* systemd made it so: no capset(2) needed */
	capng_clear(CAPNG_SELECT_BOTH);
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
		     CAPNG_BOUNDING_SET, CAP_NET_ADMIN);
	/* The bounding set too where we may (CAP_SETPCAP: started by root);
	 * under systemd's CapabilityBoundingSet= it already is CAP_NET_ADMIN. */
	r = capng_apply((c.eff >> CAP_SETPCAP) & 1 ? CAPNG_SELECT_BOTH
						   : CAPNG_SELECT_CAPS);
	if (r != 0) {
		*detail = r;
		return PRIV_CAPNG;
	}
harden:
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		*detail = errno;
		return PRIV_HARDEN;
	}
	if (getgroups(0, NULL) != 0)
		return PRIV_GROUPS_KEPT;
	if ((r = check_sets(net_admin, detail)) != PRIV_OK)
		return r;
	return check_bounding(net_admin, detail);
}
