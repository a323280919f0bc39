/* priv: narrow privilege with libcap-ng, verify it from the kernel. See priv.h.
 *
 * The drop is libcap-ng's (capng_change_id / capng_apply). The check reads
 * the kernel's own account without it: one capget(2) for the effective,
 * permitted and inheritable sets (libcap-ng would also parse
 * /proc/self/status each time), getres[ug]id(2), getgroups(2), and
 * PR_CAPBSET_READ once per capability the kernel knows. */
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

int priv_can_net_admin(void)
{
	struct capsets c = { 0 };
	int r;

	if (geteuid() == 0)
		return 1;
	if ((r = read_caps(&c)) < 0)
		return r;
	return (c.prm >> CAP_NET_ADMIN) & 1 ? 1 : 0;
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

/* Only CAP_NET_ADMIN (when KEEP) in the effective and permitted sets,
 * nothing inheritable or ambient. */
static enum priv_fail check_sets(bool keep, int *detail)
{
	const uint64_t want = keep ? UINT64_C(1) << CAP_NET_ADMIN : 0;
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
		*detail = CAP_NET_ADMIN;
		return PRIV_CAP_MISSING;
	}

	/* Ambient: the kernel keeps it a subset of permitted AND inheritable
	 * (capset(2) clears what leaves either, PR_CAP_AMBIENT_RAISE refuses
	 * what is not in both), and inheritable was just read empty, so it is
	 * empty. The one capability that could be in it, being permitted, is
	 * asked anyway (kernels before 4.3, without ambient: EINVAL, fine). */
	if (keep && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_ADMIN,
			  0, 0) > 0) {
		*detail = CAP_NET_ADMIN;
		return PRIV_AMBIENT_KEPT;
	}
	return PRIV_OK;
}

/* Read back what the kernel says we hold: only CAP_NET_ADMIN (when KEEP) in
 * the effective and permitted sets, nothing inheritable or ambient, the
 * caller's ids in all three slots, and, when we were root, no way back to
 * it: no supplementary groups, an empty bounding set. */
static enum priv_fail verify(bool keep, uid_t uid, gid_t gid, bool had_root,
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

	if ((rc = check_sets(keep, detail)) != PRIV_OK)
		return rc;

	/* The bounding set (we cleared it only if we were root). */
	return had_root ? check_bounding(0, detail) : PRIV_OK;
}

enum priv_fail priv_drop(bool keep_net_admin, int *detail)
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
	if (had_root)
		r = capng_change_id((int)uid, (int)gid,
				    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		r = capng_apply(CAPNG_SELECT_CAPS);
	if (r != 0 && !had_root && keep_net_admin)
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
	return verify(keep_net_admin, uid, gid, had_root, detail);
}

enum priv_fail priv_narrow(int *detail)
{
	struct capsets c = { 0 };
	int r;

	*detail = 0;
	if ((r = read_caps(&c)) < 0) {
		*detail = -r;
		return PRIV_CAPGET;
	}
	if (!((c.prm >> CAP_NET_ADMIN) & 1))
		return PRIV_CANNOT_KEEP;
	if (getgroups(0, NULL) != 0 && setgroups(0, NULL) < 0)
		return PRIV_GROUPS_KEPT;
	if (c.eff == c.prm && c.prm == UINT64_C(1) << CAP_NET_ADMIN && !c.inh)
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
	if ((r = check_sets(true, detail)) != PRIV_OK)
		return r;
	return check_bounding(UINT64_C(1) << CAP_NET_ADMIN, detail);
}
