/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_names: the users and groups that rules name. One job: turn a
 * user=/group= value into an id (a number as it is, a name through NSS:
 * getpwnam_r/getgrnam_r with a bounded buffer), remembering the answers
 * for the short names, since a large file names the same few again and
 * again. Reports nothing: the grammar (acl_parse.c) says what an answer
 * means at its line and column.
 */
#include "acl_int.h"

#include <grp.h>
#include <pwd.h>

/* Resolve a user or group: 0 and *ID; 1 bad number; 2 unknown name;
 * -errno when the lookup itself failed. */
static int acl_lookup(bool group, const char *name, unsigned long long *id)
{
	long hint = sysconf(group ? _SC_GETGR_R_SIZE_MAX : _SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;

	if (strspn(name, "0123456789") == strlen(name))
		return acl_number(name, 0, ACL_ID_MAX, id) ? 0 : 1;
	for (;;) {
		acl_autofree char *buf = malloc(size);
		struct passwd pw, *pwp = NULL;
		struct group gr, *grp = NULL;
		int rc;

		if (!buf)
			return -ENOMEM;
		if (group)
			rc = getgrnam_r(name, &gr, buf, size, &grp);
		else
			/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): BUF is acl_autofree; clang-analyzer does not model cleanup attributes */
			rc = getpwnam_r(name, &pw, buf, size, &pwp);
		if (rc == ERANGE && size < ACL_NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (rc)
			return -rc;
		if (!grp && !pwp)
			return 2;
		*id = group ? grp->gr_gid : pwp->pw_uid;
		return 0;
	}
}

int acl_lookup_cached(struct acl_parser *p, bool group, const char *s,
		      size_t len, unsigned long long *id)
{
	char name[ACL_MAX_LINE + 1];
	struct acl_idcache *e;
	int rc;

	for (unsigned i = 0; len < ACL_IDCACHE_NAME && i < p->nids; i++) {
		e = &p->ids[i];
		if (e->group == group && e->len == len && memcmp(e->name, s, len) == 0) {
			*id = e->id;
			return e->rc;
		}
	}
	memcpy(name, s, len);
	name[len] = '\0';
	rc = acl_lookup(group, name, id);
	if (rc < 0 || len >= ACL_IDCACHE_NAME)
		return rc;
	e = &p->ids[p->next_id];
	p->next_id = (p->next_id + 1) % ACL_IDCACHE;
	if (p->nids < ACL_IDCACHE)
		p->nids++;
	*e = (struct acl_idcache){
		.group = group, .rc = rc, .len = len, .id = rc == 0 ? *id : 0,
	};
	memcpy(e->name, s, len);
	return rc;
}
