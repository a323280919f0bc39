/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* Unit tests for acl*.c: every rule kind, every error class, with the exact
 * message, line and column where it matters. Run as root (the file-safety
 * tests chown files). Prints TAP; exits non-zero if any check fails.
 * acl_int.h only to count the rules a policy keeps (acl_opts.only). */
#include "acl.h"
#include "acl_int.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXDIAG 16

/* NSS with failures on demand (the Makefile links with --wrap): names
 * starting "nsseio_" fail with EIO, "nssrange_" with ERANGE at any buffer
 * size; every call is counted. */
static int nss_calls;
int __real_getpwnam_r(const char *name, struct passwd *pw, char *buf,
		      size_t size, struct passwd **res);
int __real_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t size, struct group **res);
int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf,
		      size_t size, struct passwd **res);
int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t size, struct group **res);

static int nss_fault(const char *name)
{
	nss_calls++;
	if (strncmp(name, "nsseio_", 7) == 0)
		return EIO;
	if (strncmp(name, "nssrange_", 9) == 0)
		return ERANGE;
	return 0;
}

int __wrap_getpwnam_r(const char *name, struct passwd *pw, char *buf,
		      size_t size, struct passwd **res)
{
	int e = nss_fault(name);

	*res = NULL;
	return e ? e : __real_getpwnam_r(name, pw, buf, size, res);
}

int __wrap_getgrnam_r(const char *name, struct group *gr, char *buf,
		      size_t size, struct group **res)
{
	int e = nss_fault(name);

	*res = NULL;
	return e ? e : __real_getgrnam_r(name, gr, buf, size, res);
}

static char tmp[64];            /* the test directory, stripped from output */
static int ndiag;               /* diagnostics seen (all of them) */
static char diag[MAXDIAG][PATH_MAX + 600];

/* ---- fixtures ------------------------------------------------------------ */

/* "E|W FILE:LINE:COL: MSG", with every "TMP/" removed. */
static void collect(void *ctx, enum acl_severity sev, const char *file,
		    unsigned line, unsigned col, const char *msg)
{
	char buf[sizeof(diag[0])], *out, *hit;
	size_t tl = strlen(tmp);

	(void)ctx;
	snprintf(buf, sizeof(buf), "%c %s:%u:%u: %s",
		 sev == ACL_SEV_ERROR ? 'E' : 'W', file, line, col, msg);
	if (ndiag >= MAXDIAG) {
		ndiag++;
		return;
	}
	out = diag[ndiag++];
	out[0] = '\0';
	for (char *s = buf; ; s = hit + tl + 1) {
		hit = strstr(s, tmp);
		if (!hit || hit[tl] != '/') {
			strcat(out, s);
			break;
		}
		strncat(out, s, (size_t)(hit - s));
	}
}

static void dump(void)
{
	for (int i = 0; i < ndiag && i < MAXDIAG; i++)
		printf("#   got: %s\n", diag[i]);
}

static bool has(const char *want)
{
	for (int i = 0; i < ndiag && i < MAXDIAG; i++)
		if (strcmp(diag[i], want) == 0)
			return true;
	dump();
	printf("#   want: %s\n", want);
	return false;
}

/* Exactly one diagnostic, equal to WANT, and RC errors. */
static bool only(int rc, int want_rc, const char *want)
{
	if (rc == want_rc && ndiag == 1 && strcmp(diag[0], want) == 0)
		return true;
	printf("#   rc=%d (want %d), %d diagnostics\n", rc, want_rc, ndiag);
	dump();
	printf("#   want: %s\n", want);
	return false;
}

static bool none(int rc)
{
	if (rc == 0 && ndiag == 0)
		return true;
	printf("#   rc=%d, %d diagnostics\n", rc, ndiag);
	dump();
	return false;
}

static void path_of(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", tmp, rel);
}

static void put_n(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX];
	int fd;

	path_of(path, sizeof(path), rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
	    fchmod(fd, 0644) < 0 || close(fd) < 0) {
		perror(path);
		exit(2);
	}
}

static void put(const char *rel, const char *text)
{
	put_n(rel, text, strlen(text));
}

static void mkd(const char *rel, mode_t mode)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0) {
		perror(path);
		exit(2);
	}
}

static void chown_rel(const char *rel, uid_t uid)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	if (chown(path, uid, (gid_t)-1) < 0) {
		perror(path);
		exit(2);
	}
}

static int load_opts(const char *rel, bool safe, bool warn, struct acl **a)
{
	struct acl_opts o = { .require_safe = safe, .warnings = warn };
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	ndiag = 0;
	return acl_load(path, &o, a, collect, NULL);
}

static int load(const char *rel, struct acl **a)
{
	return load_opts(rel, false, false, a);
}

static int buf_n(const char *text, size_t len, bool warn, struct acl **a)
{
	struct acl_opts o = { .require_safe = false, .warnings = warn };
	char name[PATH_MAX];

	path_of(name, sizeof(name), "mem.conf");
	ndiag = 0;
	return acl_load_buffer(name, text, len, &o, a, collect, NULL);
}

static int buf(const char *text, struct acl **a)
{
	return buf_n(text, strlen(text), false, a);
}

/* Decide for a caller UID/GID with up to 4 supplementary groups. */
static struct acl_decision dec_g(const struct acl *a, const char *br, uid_t uid,
				 gid_t gid, size_t n, const gid_t *groups)
{
	struct acl_caller who = { uid, gid, groups, n };
	struct acl_decision d;

	acl_decide(a, br, &who, &d);
	return d;
}

static struct acl_decision dec(const struct acl *a, const char *br, uid_t uid)
{
	return dec_g(a, br, uid, 1000, 0, NULL);
}

static bool at(struct acl_where w, const char *rel, unsigned line)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	if (w.file && strcmp(w.file, path) == 0 && w.line == line)
		return true;
	printf("#   where: %s:%u, want %s:%u\n", w.file ? w.file : "(null)",
	       w.line, path, line);
	return false;
}

/* Load TEXT from memory, expect exactly one error WANT. */
static void bad(const char *text, const char *want)
{
	struct acl *a;
	int rc = buf(text, &a);

	OK(only(rc, 1, want), "error: %s", want);
	acl_free(a);
}

/* Load TEXT from memory with warnings, expect no error and one warning WANT. */
static void warned(const char *text, const char *want)
{
	struct acl *a;
	int rc = buf_n(text, strlen(text), true, &a);

	OK(only(rc, 0, want), "warning: %s", want);
	acl_free(a);
}

/* ---- allow / deny ------------------------------------------------------------ */

static void test_allow_deny(void)
{
	struct acl *a;
	struct acl_decision d;

	OK(none(buf("allow br0\n", &a)), "allow br0 parses");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_ALLOWED && at(d.rule, "mem.conf", 1), "allow br0: br0 allowed by line 1");
	d = dec(a, "br1", 1000);
	OK(d.result == ACL_NOMATCH && !d.rule.file && !d.has_limit && !d.has_sndbuf,
	   "allow br0: br1 matches nothing");
	acl_free(a);

	OK(none(buf("allow all\n", &a)), "allow all parses");
	OK(dec(a, "virbr7", 0).result == ACL_ALLOWED, "allow all: any bridge allowed");
	acl_free(a);

	OK(none(buf("deny all\nallow br0\n", &a)), "deny all; allow br0 parses");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_DENIED && at(d.rule, "mem.conf", 1), "deny all wins over a later allow");
	acl_free(a);

	OK(none(buf("allow br0\ndeny br0\nallow br0\ndeny br0\n", &a)), "mixed parses");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_DENIED && at(d.rule, "mem.conf", 2), "rule is the first matching deny");
	acl_free(a);

	OK(none(buf("allow br0\nallow all\n", &a)), "two allows parse");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_ALLOWED && at(d.rule, "mem.conf", 1), "rule is the first matching allow");
	acl_free(a);

	OK(none(buf("allow br0\ndeny br0 user=0\n", &a)), "deny for one user parses");
	OK(dec(a, "br0", 1000).result == ACL_ALLOWED, "deny user=0 leaves uid 1000 allowed");
	OK(dec(a, "br0", 0).result == ACL_DENIED, "deny user=0 denies uid 0");
	acl_free(a);

	OK(none(buf("", &a)), "empty file parses");
	OK(dec(a, "br0", 0).result == ACL_NOMATCH, "empty file: nothing matches");
	acl_free(a);

	OK(none(buf("allow all\n", &a)), "allow all again");
	OK(dec(a, "abcdefghijklmnop", 0).result == ACL_NOMATCH, "decide: 16-byte bridge never matches");
	OK(dec(a, "", 0).result == ACL_NOMATCH, "decide: empty bridge never matches");
	OK(dec(a, "a/b", 0).result == ACL_NOMATCH, "decide: bridge with '/' never matches");
	OK(dec(a, "..", 0).result == ACL_NOMATCH, "decide: '..' never matches");
	acl_free(a);

	acl_free(NULL);
	OK(dec(NULL, "br0", 0).result == ACL_NOMATCH, "decide on NULL policy: no match");
}

/* ---- layout: comments, CRLF, tabs -------------------------------------------- */

static void test_layout(void)
{
	struct acl *a;
	struct acl_decision d;

	OK(none(buf("\n\n   \n\t\n# comment\n  # indented comment\nallow br0\n", &a)),
	   "blank lines and comments");
	d = dec(a, "br0", 1);
	OK(d.result == ACL_ALLOWED && at(d.rule, "mem.conf", 7), "line numbers count blank lines");
	acl_free(a);

	bad("allow br0 # anyone\ndeny br1 user=0# glued\n",
	    "E mem.conf:2:18: unexpected argument 'glued' (expected user= or group=)");

	OK(none(buf("allow br0 # anyone may use br0\ndeny br1 user=0 #x\n", &a)),
	   "comments after rules");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "rule before a comment applies");
	OK(dec(a, "br1", 0).result == ACL_DENIED, "subject before a comment applies");
	acl_free(a);

	OK(none(buf("allow br0\r\ndeny br1\r\nallow br2\r\n", &a)), "CRLF file parses");
	OK(dec(a, "br1", 0).result == ACL_DENIED, "CRLF: \\r is not part of the name");
	OK(dec(a, "br2", 0).result == ACL_ALLOWED, "CRLF: last line");
	acl_free(a);

	OK(none(buf("\tallow\t\tbr0  \t user=0\t\n", &a)), "tabs and spaces mixed");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "tab-separated rule applies");
	acl_free(a);

	OK(none(buf("allow br0\nallow br1", &a)), "last line without newline");
	d = dec(a, "br1", 0);
	OK(d.result == ACL_ALLOWED && at(d.rule, "mem.conf", 2), "last line without newline applies");
	acl_free(a);

	warned("\tdeny\tbr0\tuser=nosuchuser_bh\n",
	       "W mem.conf:1:16: unknown user 'nosuchuser_bh': the rule matches nobody");
}

/* ---- subjects ------------------------------------------------------------- */

static void test_subjects(void)
{
	static const gid_t adm[] = { 5, 4 }, daemon_g[] = { 1 };
	struct acl *a;

	OK(none(buf("allow br0 user=root\nallow br1 user=0\nallow br2 user=1000\n"
		    "allow br3 user=4294967294\n", &a)), "user=NAME and user=UID");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "user=root matches uid 0");
	OK(dec(a, "br0", 1000).result == ACL_NOMATCH, "user=root does not match uid 1000");
	OK(dec(a, "br1", 0).result == ACL_ALLOWED, "user=0 matches uid 0");
	OK(dec(a, "br2", 1000).result == ACL_ALLOWED, "user=1000 matches uid 1000");
	OK(dec(a, "br2", 1001).result == ACL_NOMATCH, "user=1000 does not match 1001");
	OK(dec(a, "br3", 4294967294u).result == ACL_ALLOWED, "largest uid");
	acl_free(a);

	OK(none(buf("allow br0 group=daemon\nallow br1 group=4\n"
		    "allow br2 user=1000 group=adm\nallow br3 group=sys user=1000\n", &a)),
	   "group=NAME and group=GID");
	OK(dec_g(a, "br0", 1000, 1, 0, NULL).result == ACL_ALLOWED, "group=daemon matches primary gid 1");
	OK(dec_g(a, "br0", 1000, 1000, 0, NULL).result == ACL_NOMATCH, "group=daemon: other gid");
	OK(dec_g(a, "br0", 1000, 1000, 1, daemon_g).result == ACL_ALLOWED,
	   "group=daemon matches a supplementary group");
	OK(dec_g(a, "br1", 1000, 1000, 2, adm).result == ACL_ALLOWED, "group=4 matches 2nd supplementary group");
	OK(dec_g(a, "br1", 1000, 1000, 1, adm).result == ACL_NOMATCH, "ngroups bounds the search");
	OK(dec_g(a, "br2", 1000, 1000, 2, adm).result == ACL_ALLOWED, "user= and group= both match");
	OK(dec_g(a, "br2", 1000, 1000, 0, NULL).result == ACL_NOMATCH, "user matches, group does not");
	OK(dec_g(a, "br2", 1001, 1000, 2, adm).result == ACL_NOMATCH, "group matches, user does not");
	OK(dec_g(a, "br3", 1000, 3, 0, NULL).result == ACL_ALLOWED, "group= before user= works");
	acl_free(a);

	warned("allow br0 user=nosuchuser_bh\n",
	       "W mem.conf:1:16: unknown user 'nosuchuser_bh': the rule matches nobody");
	warned("deny br0 group=nosuchgroup_bh\n",
	       "W mem.conf:1:16: unknown group 'nosuchgroup_bh': the rule matches nobody");
	warned("allow br0 user=-1\n", "W mem.conf:1:16: unknown user '-1': the rule matches nobody");
	bad("allow br0 user=4294967295\n",
	    "E mem.conf:1:16: invalid uid '4294967295' (expected 0..4294967294)");
	bad("allow br0 group=99999999999999999999999\n",
	    "E mem.conf:1:17: invalid gid '99999999999999999999999' (expected 0..4294967294)");
	bad("allow br0 user=0 user=1\n", "E mem.conf:1:18: duplicate user=");
	bad("allow br0 group=0 user=0 group=1\n", "E mem.conf:1:26: duplicate group=");
	bad("allow br0 foo=1\n", "E mem.conf:1:11: unknown key 'foo=' (expected user= or group=)");
	bad("allow br0 =1\n", "E mem.conf:1:11: unknown key '=' (expected user= or group=)");
	bad("allow br0 br1\n", "E mem.conf:1:11: unexpected argument 'br1' (expected user= or group=)");
	bad("allow br0 user=\n", "E mem.conf:1:16: missing value after user=");
	bad("allow br0 group= # x\n", "E mem.conf:1:17: missing value after group=");
}

/* ---- users and groups that do not resolve --------------------------------- */

static void test_unresolved(void)
{
	static const char *const br0[] = { "br0", NULL };
	struct acl_opts defer = { .defer_names = true };
	const char *text;
	struct acl *a;
	int rc;

	/* A rule naming a user that does not exist matches nobody; the rest
	 * of the file stands (sudo and doas do the same). */
	OK(none(buf("allow br0\ndeny br0 user=nosuchuser_bh\nallow br1 user=nosuchuser_bh\n"
		    "deny br2 group=nosuchgroup_bh\nallow br2\nlimit br0 1 user=nosuchuser_bh\n", &a)),
	   "unknown names: no error");
	OK(dec(a, "br0", 1000).result == ACL_ALLOWED && !dec(a, "br0", 1000).has_limit,
	   "a deny naming an unknown user denies nobody (nor does its limit apply)");
	OK(dec(a, "br1", 1000).result == ACL_NOMATCH, "an allow naming one allows nobody");
	OK(dec(a, "br2", 1000).result == ACL_ALLOWED, "a deny naming an unknown group denies nobody");
	OK(a->nrules == 2, "their rules are not kept (%zu)", a->nrules);
	acl_free(a);
	OK(none(buf("allow br0 user=0 group=nosuchgroup_bh\n", &a)) &&
	   dec_g(a, "br0", 0, 0, 0, NULL).result == ACL_NOMATCH,
	   "one unknown name of two: the rule matches nobody");
	acl_free(a);

	/* A lookup that fails denies everything, at the name's first use. */
	bad("allow br0\ndeny br0 user=nsseio_x\n",
	    "E mem.conf:2:15: cannot look up user 'nsseio_x': Input/output error");
	bad("allow br0\ndeny br0 group=nssrange_x\ndeny br1 group=nssrange_x\n",
	    "E mem.conf:2:16: cannot look up group 'nssrange_x': Numerical result out of range");
	nss_calls = 0;
	bad("allow br0\ndeny br0 user=nssrange_y\n",
	    "E mem.conf:2:15: cannot look up user 'nssrange_y': Numerical result out of range");
	OK(nss_calls > 1, "ERANGE at every size: the buffer grows up to its cap, 1 MiB, "
	   "then the lookup fails (%d lookups)", nss_calls);
	OK(buf("allow br0 user=nsseio_x\n", &a) == 1 && dec(a, "br0", 0).result == ACL_NOMATCH,
	   "after a failed lookup the policy matches nothing");
	acl_free(a);

	/* defer_names: no lookup until acl_resolve(); nothing matches before. */
	nss_calls = 0;
	ndiag = 0;
	text = "allow br0 user=root\ndeny br0 user=nosuchuser_bh\n";
	rc = acl_load_buffer("mem.conf", text, strlen(text), &defer, &a, collect, NULL);
	OK(rc == 0 && nss_calls == 0 && dec_g(a, "br0", 0, 0, 0, NULL).result == ACL_NOMATCH,
	   "defer_names: read, nothing looked up, nothing matches (%d lookups)", nss_calls);
	OK(acl_resolve(a, collect, NULL) == 0 && nss_calls == 2 &&
	   dec_g(a, "br0", 0, 0, 0, NULL).result == ACL_ALLOWED, "acl_resolve: then it decides");
	OK(acl_resolve(a, collect, NULL) == 0 && nss_calls == 2, "acl_resolve twice: nothing more");
	acl_free(a);
	nss_calls = 0;
	ndiag = 0;
	text = "allow br0 user=root\nbogus\n";
	rc = acl_load_buffer("mem.conf", text, strlen(text), &defer, &a, collect, NULL);
	OK(rc == 1 && acl_resolve(a, collect, NULL) == 1 && nss_calls == 0 &&
	   dec_g(a, "br0", 0, 0, 0, NULL).result == ACL_NOMATCH,
	   "defer_names with an error: still the error, no lookup");
	acl_free(a);
	defer.only = br0;
	ndiag = 0;
	text = "allow br0\nallow br1 user=nsseio_z\n";
	rc = acl_load_buffer("mem.conf", text, strlen(text), &defer, &a, collect, NULL);
	OK(rc == 0 && acl_resolve(a, collect, NULL) == 1 &&
	   has("E mem.conf:2:16: cannot look up user 'nsseio_z': Input/output error") &&
	   dec(a, "br0", 0).result == ACL_NOMATCH,
	   "defer_names with only: a failed lookup in another bridge's rule denies");
	acl_free(a);
	OK(acl_resolve(NULL, collect, NULL) == -EINVAL, "acl_resolve(NULL)");
}

/* ---- names ----------------------------------------------------------------- */

static void test_names(void)
{
	struct acl *a;

	OK(none(buf("allow abcdefghijklmno\nallow .br\nallow br-0.1_x@\n", &a)),
	   "15-byte and unusual but valid names");
	OK(dec(a, "abcdefghijklmno", 0).result == ACL_ALLOWED, "15-byte name matches");
	acl_free(a);

	bad("allow abcdefghijklmnop\n",
	    "E mem.conf:1:7: invalid bridge name 'abcdefghijklmnop': longer than 15 bytes");
	bad("deny  abcdefghijklmnopqrstuvwxyz\n",
	    "E mem.conf:1:7: invalid bridge name 'abcdefghijklmnopqrstuvwxyz': longer than 15 bytes");
	bad("allow br/0\n", "E mem.conf:1:7: invalid bridge name 'br/0': contains '/'");
	bad("allow br:0\n", "E mem.conf:1:7: invalid bridge name 'br:0': contains ':'");
	bad("allow .\n", "E mem.conf:1:7: invalid bridge name '.': '.' and '..' are not allowed");
	bad("allow ..\n", "E mem.conf:1:7: invalid bridge name '..': '.' and '..' are not allowed");
	bad("allow br\x01\n",
	    "E mem.conf:1:7: invalid bridge name 'br\\x01': contains a space, control or non-ASCII byte");
	bad("allow br\xc3\xa9\n",
	    "E mem.conf:1:7: invalid bridge name 'br\\xc3\\xa9': contains a space, control or non-ASCII byte");
	bad("allow br\x7f\n",
	    "E mem.conf:1:7: invalid bridge name 'br\\x7f': contains a space, control or non-ASCII byte");
	bad("allow\n", "E mem.conf:1:6: missing bridge name (or 'all') after 'allow'");
	bad("deny   # nothing\n", "E mem.conf:1:8: missing bridge name (or 'all') after 'deny'");
	bad("permit br0\n", "E mem.conf:1:1: unknown keyword 'permit'");
	bad("  Allow br0\n", "E mem.conf:1:3: unknown keyword 'Allow'");
}

/* ---- lines ----------------------------------------------------------------- */

static void test_lines(void)
{
	char line[ACL_MAX_LINE + 8];
	struct acl *a;
	int rc;

	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[ACL_MAX_LINE] = '\n';
	OK(none(buf_n(line, ACL_MAX_LINE + 1, false, &a)), "1024-byte line is fine");
	acl_free(a);
	line[ACL_MAX_LINE] = '\r';
	line[ACL_MAX_LINE + 1] = '\n';
	OK(none(buf_n(line, ACL_MAX_LINE + 2, false, &a)), "1024 bytes + CRLF is fine");
	acl_free(a);
	line[ACL_MAX_LINE] = 'x';
	line[ACL_MAX_LINE + 1] = '\n';
	rc = buf_n(line, ACL_MAX_LINE + 2, false, &a);
	OK(only(rc, 1, "E mem.conf:1:1025: line too long (max 1024 bytes)"), "1025-byte line is an error");
	acl_free(a);

	{
		char text[2 * ACL_MAX_LINE];
		int n = snprintf(text, sizeof(text), "allow br0\n%.*s\nallow br1\nbogus\n",
				 ACL_MAX_LINE + 1, line);

		rc = buf_n(text, (size_t)n, false, &a);
		OK(rc == 2 && ndiag == 2 &&
		   has("E mem.conf:2:1025: line too long (max 1024 bytes)") &&
		   has("E mem.conf:4:1: unknown keyword 'bogus'"),
		   "parsing goes on after a long line");
	}
	acl_free(a);

	rc = buf_n("allow br0\nallow b\0r1\nallow br2\n",
		   sizeof("allow br0\nallow b\0r1\nallow br2\n") - 1, false, &a);
	OK(only(rc, 1, "E mem.conf:2:8: NUL byte not allowed"), "NUL byte is an error");
	acl_free(a);
	rc = buf_n("allow br0 # \0 in a comment\n",
		   sizeof("allow br0 # \0 in a comment\n") - 1, false, &a);
	OK(only(rc, 1, "E mem.conf:1:13: NUL byte not allowed"), "NUL byte even in a comment");
	acl_free(a);
}

/* ---- limit and sndbuf ------------------------------------------------------ */

static void test_numbers(void)
{
	struct acl *a;

	bad("limit br0 -1\n", "E mem.conf:1:11: invalid limit '-1' (expected 0..65535)");
	bad("limit br0 4x\n", "E mem.conf:1:11: invalid limit '4x' (expected 0..65535)");
	bad("limit br0 99999999999\n",
	    "E mem.conf:1:11: invalid limit '99999999999' (expected 0..65535)");
	bad("limit br0 65536\n", "E mem.conf:1:11: invalid limit '65536' (expected 0..65535)");
	bad("limit br0 +4\n", "E mem.conf:1:11: invalid limit '+4' (expected 0..65535)");
	bad("limit br0 0x10\n", "E mem.conf:1:11: invalid limit '0x10' (expected 0..65535)");
	bad("limit br0\n", "E mem.conf:1:10: missing limit (0..65535)");
	bad("limit br0 4 extra\n",
	    "E mem.conf:1:13: unexpected argument 'extra' (expected user= or group=)");
	bad("sndbuf br0 0\n",
	    "E mem.conf:1:12: invalid sndbuf bytes '0' (expected 1..2147483647)");
	bad("sndbuf br0 2147483648\n",
	    "E mem.conf:1:12: invalid sndbuf bytes '2147483648' (expected 1..2147483647)");
	bad("sndbuf br0 1k\n",
	    "E mem.conf:1:12: invalid sndbuf bytes '1k' (expected 1..2147483647)");
	bad("sndbuf all\n", "E mem.conf:1:11: missing sndbuf bytes (1..2147483647)");
	bad("limit\n", "E mem.conf:1:6: missing bridge name (or 'all') after 'limit'");

	OK(none(buf("limit br0 65535\nlimit br0 0\nsndbuf br0 2147483647\nsndbuf br0 1\n", &a)),
	   "limit and sndbuf at their bounds");
	acl_free(a);
}

static void test_limit(void)
{
	static const gid_t adm[] = { 4 };
	struct acl *a;
	struct acl_decision d;

	OK(none(buf("allow all\nlimit all 8\nlimit br0 4 group=adm\nlimit br0 6\n"
		    "limit br0 4 user=1000\nlimit br0 5\n", &a)), "limit rules parse");
	d = dec_g(a, "br0", 1000, 1000, 1, adm);
	OK(d.has_limit && d.limit == 4 && at(d.limit_rule, "mem.conf", 3),
	   "smallest matching limit, first rule with it");
	d = dec(a, "br0", 1001);
	OK(d.has_limit && d.limit == 5 && at(d.limit_rule, "mem.conf", 6), "limits not matching are skipped");
	d = dec(a, "br1", 1000);
	OK(d.has_limit && d.limit == 8 && at(d.limit_rule, "mem.conf", 2), "limit all");
	OK(d.result == ACL_ALLOWED && !d.has_sndbuf, "limit does not change the decision");
	acl_free(a);

	OK(none(buf("allow br0\nlimit br0 0\n", &a)), "limit 0 parses");
	d = dec(a, "br0", 1000);
	OK(d.has_limit && d.limit == 0, "limit 0 is a limit");
	OK(!dec(a, "br1", 1000).has_limit, "no limit rule matches br1");
	acl_free(a);
}

static void test_sndbuf(void)
{
	struct acl *a;
	struct acl_decision d;

	OK(none(buf("sndbuf all 1000\nsndbuf br0 2000\nsndbuf all 3000 user=5\n", &a)),
	   "sndbuf rules parse");
	d = dec(a, "br0", 5);
	OK(d.has_sndbuf && d.sndbuf == 3000 && at(d.sndbuf_rule, "mem.conf", 3), "last matching sndbuf wins");
	d = dec(a, "br0", 6);
	OK(d.has_sndbuf && d.sndbuf == 2000 && at(d.sndbuf_rule, "mem.conf", 2),
	   "specific sndbuf after a general one overrides it");
	d = dec(a, "br1", 6);
	OK(d.has_sndbuf && d.sndbuf == 1000 && at(d.sndbuf_rule, "mem.conf", 1), "sndbuf all");
	OK(d.result == ACL_NOMATCH && !d.has_limit, "sndbuf does not allow");
	acl_free(a);

	OK(none(buf("allow br0\n", &a)), "no sndbuf rule");
	OK(!dec(a, "br0", 6).has_sndbuf, "no sndbuf: kernel default stays");
	acl_free(a);
}

static void test_queues(void)
{
	static const gid_t adm[] = { 4 };
	struct acl *a;
	struct acl_decision d;

	bad("queues br0 0\n", "E mem.conf:1:12: invalid queues '0' (expected 1..256)");
	bad("queues br0 257\n", "E mem.conf:1:12: invalid queues '257' (expected 1..256)");
	bad("queues br0 4x\n", "E mem.conf:1:12: invalid queues '4x' (expected 1..256)");
	bad("queues br0\n", "E mem.conf:1:11: missing queues (1..256)");
	bad("queues\n", "E mem.conf:1:7: missing bridge name (or 'all') after 'queues'");
	bad("queues br0 4 br1\n",
	    "E mem.conf:1:14: unexpected argument 'br1' (expected user= or group=)");

	OK(none(buf("allow all\nqueues all 8\nqueues br0 4 group=adm\nqueues br0 6\n"
		    "queues br0 4 user=1000\nqueues br0 256 user=1001\n", &a)),
	   "queues rules parse");
	d = dec_g(a, "br0", 1000, 1000, 1, adm);
	OK(d.has_queues && d.max_queues == 4 && at(d.queues_rule, "mem.conf", 3),
	   "smallest matching queues bound, first rule with it");
	d = dec(a, "br0", 1001);
	OK(d.has_queues && d.max_queues == 6 && at(d.queues_rule, "mem.conf", 4),
	   "a larger bound for one user does not raise a smaller one for all");
	d = dec(a, "br1", 1000);
	OK(d.has_queues && d.max_queues == 8 && at(d.queues_rule, "mem.conf", 2), "queues all");
	OK(d.result == ACL_ALLOWED && !d.has_limit && !d.has_sndbuf,
	   "queues does not change the decision");
	acl_free(a);

	OK(none(buf("allow br0\nqueues br1 16\n", &a)), "no queues rule for br0");
	d = dec(a, "br0", 1000);
	OK(!d.has_queues && d.max_queues == ACL_QUEUES_DEFAULT && ACL_QUEUES_DEFAULT == 1 &&
	   !d.queues_rule.file, "no queues rule: the default bound, 1");
	OK(dec(a, "br1", 1000).result == ACL_NOMATCH && dec(a, "br1", 1000).max_queues == 16,
	   "queues does not allow");
	acl_free(a);

	OK(none(buf("queues br0 256\nqueues br0 1\n", &a)), "queues at its bounds");
	OK(dec(a, "br0", 0).max_queues == 1, "queues 1 after queues 256: 1");
	acl_free(a);
	OK(dec(NULL, "br0", 0).max_queues == ACL_QUEUES_DEFAULT, "no policy: the default bound");
}

/* ---- port settings: vlan, trunk, isolated, lockmac --------------------------- */

static void test_ports(void)
{
	static const gid_t adm[] = { 4 };
	struct acl *a;
	struct acl_decision d;

	bad("vlan br0 0\n", "E mem.conf:1:10: invalid VLAN id '0' (expected 1..4094)");
	bad("vlan br0 4095\n", "E mem.conf:1:10: invalid VLAN id '4095' (expected 1..4094)");
	bad("vlan br0\n", "E mem.conf:1:9: missing VLAN id (1..4094)");
	bad("trunk br0\n", "E mem.conf:1:10: missing VLAN id or range (1..4094, or FIRST-LAST)");
	bad("trunk br0 20-10\n", "E mem.conf:1:11: invalid VLAN range '20-10' (expected "
	    "1..4094, or FIRST-LAST with FIRST <= LAST)");
	bad("trunk br0 1-4095\n", "E mem.conf:1:11: invalid VLAN range '1-4095' (expected "
	    "1..4094, or FIRST-LAST with FIRST <= LAST)");
	bad("trunk br0 -5\n", "E mem.conf:1:11: invalid VLAN range '-5' (expected "
	    "1..4094, or FIRST-LAST with FIRST <= LAST)");
	bad("isolated br0 3\n", "E mem.conf:1:14: unexpected argument '3' (expected user= or group=)");
	bad("lockmac\n", "E mem.conf:1:8: missing bridge name (or 'all') after 'lockmac'");

	OK(none(buf("allow br0\nvlan br0 10 group=adm\nvlan br0 20\ntrunk br0 100-102\n"
		    "trunk br0 20 user=1000\ntrunk all 4094\nisolated br0 user=1001\n"
		    "lockmac br0 group=adm\nlockmac br0 group=adm\n", &a)), "port rules parse");
	d = dec_g(a, "br0", 1000, 1000, 1, adm);
	OK(d.result == ACL_ALLOWED && d.port.pvid == 10 && at(d.port.pvid_rule, "mem.conf", 2),
	   "the first matching vlan wins");
	OK(d.port.has_trunk && acl_vid_tagged(&d.port, 100) && acl_vid_tagged(&d.port, 102) &&
	   !acl_vid_tagged(&d.port, 103) && acl_vid_tagged(&d.port, 20) &&
	   acl_vid_tagged(&d.port, 4094) && !acl_vid_tagged(&d.port, 10) &&
	   at(d.port.trunk_rule, "mem.conf", 4), "trunks add up, the first one named");
	OK(!d.port.isolated && d.port.lockmac && at(d.port.lockmac_rule, "mem.conf", 8),
	   "lockmac for the group, first rule named; isolated not");
	d = dec(a, "br0", 1001);
	OK(d.port.pvid == 20 && !acl_vid_tagged(&d.port, 20) && acl_vid_tagged(&d.port, 100) &&
	   d.port.isolated && !d.port.lockmac, "untagged wins over a trunk with the same VID");
	OK(acl_port_any(&d.port) && acl_port_vlans(&d.port), "port helpers");
	d = dec(a, "br1", 1000);
	OK(d.result == ACL_NOMATCH && !acl_port_any(&d.port) && !d.port.has_trunk,
	   "port rules never allow; no port settings without an allow");
	acl_free(a);

	OK(none(buf("allow br0\ndeny br0 user=7\nisolated br0\nvlan br0 5\n", &a)),
	   "a deny and port rules");
	d = dec(a, "br0", 7);
	OK(d.result == ACL_DENIED && !acl_port_any(&d.port), "denied: no port settings");
	d = dec(a, "br0", 8);
	OK(d.result == ACL_ALLOWED && d.port.isolated && d.port.pvid == 5, "allowed: both");
	acl_free(a);

	OK(none(buf("allow br0\nqueues br0 2\n", &a)), "no port rules");
	d = dec(a, "br0", 0);
	OK(!acl_port_any(&d.port) && !d.port.pvid_rule.file, "no port rule: no settings");
	acl_free(a);

	warned("vlan br0 10\nvlan all 20 group=4\n", "W mem.conf:2:1: vlan 20 conflicts with "
	       "vlan 10 at mem.conf:1: a caller matching both gets 10 (the first)");
	warned("vlan br0 10 group=5\nvlan br0 20 group=5\n", "W mem.conf:2:1: vlan 20 "
	       "conflicts with vlan 10 at mem.conf:1: a caller matching both gets 10 (the first)");
	warned("vlan br0 10 user=1\ntrunk br0 5-15 user=1\n", "W mem.conf:2:1: trunk at "
	       "mem.conf:2 carries VLAN 10, the untagged VLAN of the vlan rule at mem.conf:1: "
	       "a caller matching both gets it untagged only");
	{
		static const char t[] = "vlan br0 10 user=1\nvlan br0 20 user=2\n"
					"vlan br1 30\nvlan br1 30 user=9\ntrunk br0 11-15\n"
					"vlan br2 10 group=5\nvlan br2 20 group=6\n"
					"vlan br2 30 user=7\ntrunk br2 20 user=8\n";

		OK(none(buf_n(t, strlen(t), true, &a)), "vlans for different users, "
		   "groups, a user and a group, bridges, the same VID: no warning");
		acl_free(a);
	}
}

/* ---- includes -------------------------------------------------------------- */

static void test_include(void)
{
	char here[PATH_MAX];
	struct acl *a;
	struct acl_decision d;

	mkd("sub", 0755);
	mkd("decoy", 0755);
	mkd("decoy/sub", 0755);
	put("main.conf", "allow br0\ninclude sub/a.conf\n");
	put("sub/a.conf", "include b.conf # relative to sub/\n");
	put("sub/b.conf", "deny br0 user=1000\n");
	put("b.conf", "deny all\n");                /* decoys: wrong bases */
	put("decoy/sub/a.conf", "deny all\n");
	put("decoy/b.conf", "deny all\n");
	path_of(here, sizeof(here), "decoy");
	OK(chdir(here) == 0, "chdir to a decoy directory");

	OK(none(load("main.conf", &a)), "nested relative includes");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_DENIED && at(d.rule, "sub/b.conf", 1),
	   "included deny found relative to the including file");
	OK(dec(a, "br0", 1001).result == ACL_ALLOWED, "allow in main file");
	OK(dec(a, "br1", 1001).result == ACL_NOMATCH, "no decoy from the cwd was read");
	acl_free(a);

	put("first.conf", "include sub/b.conf\nallow br0\n");
	OK(none(load("first.conf", &a)), "include before allow");
	d = dec(a, "br0", 1000);
	OK(d.result == ACL_DENIED && at(d.rule, "sub/b.conf", 1), "deny wins wherever it stands");
	acl_free(a);

	OK(none(buf("include sub/b.conf\n", &a)), "acl_load_buffer: include relative to dirname(name)");
	OK(dec(a, "br0", 1000).result == ACL_DENIED, "acl_load_buffer: included rule applies");
	acl_free(a);

	{
		char text[PATH_MAX + 32];

		snprintf(text, sizeof(text), "include %s/sub/b.conf\n", tmp);
		OK(none(buf(text, &a)), "absolute include");
		OK(dec(a, "br0", 1000).result == ACL_DENIED, "absolute include applies");
		acl_free(a);
	}
	OK(chdir("/") == 0, "chdir /");
}

static void test_glob(void)
{
	static const gid_t adm[] = { 4 };
	struct acl *a;
	struct acl_decision d;

	mkd("g.d", 0755);
	put("g.d/20-b.conf", "deny br0 user=7\nsndbuf br0 200\n");
	put("g.d/10-a.conf", "sndbuf br0 100\nallow br0\n");
	put("g.d/30-c.conf", "sndbuf br0 300 user=8\ndeny br0 group=adm\n");
	put("g.d/x.txt", "deny all\n");
	put("glob.conf", "include g.d/*.conf\n");
	OK(none(load("glob.conf", &a)), "glob include");
	d = dec(a, "br0", 8);
	OK(d.sndbuf == 300 && at(d.sndbuf_rule, "g.d/30-c.conf", 1), "glob: files read in sorted order (30 last)");
	d = dec(a, "br0", 9);
	OK(d.sndbuf == 200 && at(d.sndbuf_rule, "g.d/20-b.conf", 2), "glob: 20 after 10");
	OK(d.result == ACL_ALLOWED && at(d.rule, "g.d/10-a.conf", 2), "glob: allow from 10-a.conf");
	d = dec_g(a, "br0", 7, 1000, 1, adm);
	OK(d.result == ACL_DENIED && at(d.rule, "g.d/20-b.conf", 1), "glob: first deny in sorted order");
	OK(dec(a, "br1", 9).result == ACL_NOMATCH, "glob: non-matching x.txt not read");
	acl_free(a);

	mkd("empty.d", 0755);
	put("empty.conf", "include empty.d/*.conf\nallow br0\n");
	OK(none(load("empty.conf", &a)), "glob matching nothing is fine");
	OK(dec(a, "br0", 9).result == ACL_ALLOWED, "rules after an empty glob apply");
	acl_free(a);

	put("nodir.conf", "include nodir.d/*.conf\n");
	OK(only(load("nodir.conf", &a), 1,
		"E nodir.conf:1:9: nodir.d/*.conf: cannot read directory: No such file or directory"),
	   "glob in a missing directory is an error");
	acl_free(a);
}

static void test_include_errors(void)
{
	char name[32];
	struct acl *a;

	put("miss.conf", "allow br0\ninclude nope.conf\n");
	OK(only(load("miss.conf", &a), 1,
		"E miss.conf:2:0: nope.conf: cannot open: No such file or directory"),
	   "missing include is an error at the include line");
	OK(dec(a, "br0", 0).result == ACL_NOMATCH, "any error: policy matches nothing");
	acl_free(a);

	OK(only(load("nonexistent.conf", &a), 1,
		"E nonexistent.conf:0:0: cannot open: No such file or directory"),
	   "unreadable main file: one error at line 0");
	acl_free(a);

	put("la.conf", "include lb.conf\n");
	put("lb.conf", "allow br0\ninclude la.conf\n");
	OK(only(load("la.conf", &a), 1,
		"E lb.conf:2:9: include loop: la.conf includes itself via lb.conf"),
	   "a includes b includes a");
	acl_free(a);
	put("self.conf", "allow br0\n  include   self.conf\n");
	OK(only(load("self.conf", &a), 1, "E self.conf:2:13: include loop: self.conf includes itself"),
	   "a includes itself");
	acl_free(a);
	put("lx.conf", "include ly.conf\n");
	put("ly.conf", "include lz.conf\n");
	put("lz.conf", "include ./lx.conf\n");
	OK(only(load("lx.conf", &a), 1,
		"E lz.conf:1:9: include loop: lx.conf includes itself via ly.conf -> lz.conf"),
	   "loop of three, found by inode not by name");
	acl_free(a);
	put("diamond.conf", "include sub/b.conf\ninclude sub/b.conf\n");
	OK(none(load("diamond.conf", &a)), "the same file twice is not a loop");
	acl_free(a);

	for (int i = 0; i <= ACL_MAX_DEPTH + 1; i++) {
		char text[64];

		snprintf(name, sizeof(name), "d%d.conf", i);
		snprintf(text, sizeof(text), "include d%d.conf\n", i + 1);
		put(name, i == ACL_MAX_DEPTH + 1 ? "allow br0\n" : text);
	}
	OK(only(load("d0.conf", &a), 1, "E d8.conf:1:9: include nested too deep (max 8)"),
	   "include depth is bounded");
	acl_free(a);
	OK(none(load("d1.conf", &a)), "8 levels of include are fine");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "rule 8 levels deep applies");
	acl_free(a);

	bad("include a.conf b.conf\n",
	    "E mem.conf:1:16: unexpected argument 'b.conf' (include takes one path; "
	    "paths with spaces are not supported)");
	bad("include\n", "E mem.conf:1:8: missing path after 'include'");
	bad("include   # nothing\n", "E mem.conf:1:11: missing path after 'include'");
	bad("include sub\n", "E mem.conf:1:0: sub: not a regular file");

	{
		char fifo[PATH_MAX];

		path_of(fifo, sizeof(fifo), "fifo.conf");
		OK(mkfifo(fifo, 0644) == 0, "mkfifo");
		bad("include fifo.conf\n", "E mem.conf:1:0: fifo.conf: not a regular file");
	}

	mkd("many.d", 0755);
	for (int i = 0; i < ACL_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "many.d/%03d.conf", i);
		put(name, "");
	}
	put("many.conf", "include many.d/*.conf\n");
	OK(only(load("many.conf", &a), 1, "E many.conf:1:9: too many files (max 256)"),
	   "the number of files is bounded, one error per include line");
	acl_free(a);

	{
		/* 64 MiB of blank lines, written 1 MiB at a time. */
		size_t mib = 1024 * 1024, big = 64 * mib;
		char *text = malloc(mib), path[PATH_MAX];
		char *huge = malloc(big + 1);   /* never written: only its size counts */
		bool wrote = true;
		int fd;

		OK(text && huge, "malloc");
		if (!text || !huge) {
			free(text);
			free(huge);
			return;
		}
		memset(text, '\n', mib);
		path_of(path, sizeof(path), "big.conf");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		for (size_t i = 0; fd >= 0 && i < big / mib; i++)
			wrote = wrote && write(fd, text, mib) == (ssize_t)mib;
		OK(fd >= 0 && wrote && close(fd) == 0, "wrote a 64 MiB file");
		OK(none(load("big.conf", &a)), "64 MiB file is fine (read in chunks)");
		acl_free(a);
		OK(truncate(path, (off_t)big + 1) == 0, "truncate");
		OK(only(load("big.conf", &a), 1, "E big.conf:0:0: file too large (max 67108864 bytes)"),
		   "file above 64 MiB is an error");
		acl_free(a);
		OK(only(buf_n(huge, big + 1, false, &a), 1,
			"E mem.conf:0:0: file too large (max 67108864 bytes)"),
		   "buffer above 64 MiB is an error");
		acl_free(a);
		OK(unlink(path) == 0, "removed the 64 MiB file");
		free(text);
		free(huge);
	}
}

/* ---- file safety ----------------------------------------------------------- */

static void test_safe(void)
{
	struct passwd *nobody = getpwnam("nobody");
	uid_t nb = nobody ? nobody->pw_uid : 65534;
	char path[PATH_MAX], link[PATH_MAX];
	struct acl *a;

	if (geteuid() != 0) {
		OK(0, "file-safety tests must run as root");
		return;
	}
	mkd("s", 0755);
	put("s/ok.conf", "allow br0\n");
	OK(none(load_opts("s/ok.conf", true, false, &a)), "safe file loads");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "safe file applies");
	acl_free(a);

	put("s/ww.conf", "allow br0\n");
	path_of(path, sizeof(path), "s/ww.conf");
	OK(chmod(path, 0666) == 0, "chmod 0666");
	OK(only(load_opts("s/ww.conf", true, false, &a), 1,
		"E s/ww.conf:0:0: writable by group or others"), "world-writable file refused");
	OK(dec(a, "br0", 0).result == ACL_NOMATCH, "unsafe file: nothing allowed");
	acl_free(a);
	OK(none(load_opts("s/ww.conf", false, false, &a)), "same file fine without require_safe");
	acl_free(a);

	put("s/gw.conf", "allow br0\n");
	path_of(path, sizeof(path), "s/gw.conf");
	OK(chmod(path, 0664) == 0, "chmod 0664");
	OK(only(load_opts("s/gw.conf", true, false, &a), 1,
		"E s/gw.conf:0:0: writable by group or others"), "group-writable file refused");
	acl_free(a);

	put("s/nb.conf", "allow br0\n");
	chown_rel("s/nb.conf", nb);
	OK(only(load_opts("s/nb.conf", true, false, &a), 1,
		"E s/nb.conf:0:0: not owned by root"), "file owned by nobody refused");
	acl_free(a);

	OK(only(load_opts("s", true, false, &a), 1, "E s:0:0: not a regular file"),
	   "a directory is refused");
	acl_free(a);

	path_of(link, sizeof(link), "s/link.conf");
	OK(symlink("ok.conf", link) == 0, "symlink");
	OK(none(load_opts("s/link.conf", true, false, &a)), "symlink to a safe file is fine");
	acl_free(a);

	put("s/inc.conf", "allow br1\ninclude ww.conf\n");
	OK(only(load_opts("s/inc.conf", true, false, &a), 1,
		"E s/inc.conf:2:0: s/ww.conf: writable by group or others"),
	   "unsafe include: error at the include line");
	acl_free(a);

	mkd("u", 0775);
	put("u/x.conf", "allow br0\n");
	OK(only(load_opts("u/x.conf", true, false, &a), 1,
		"E u/x.conf:0:0: directory u is writable by group or others"),
	   "root's group-writable directory refused");
	acl_free(a);

	mkd("v", 0775);
	put("v/x.conf", "allow br0\n");
	chown_rel("v", nb);
	OK(only(load_opts("v/x.conf", true, false, &a), 1,
		"E v/x.conf:0:0: directory v is not owned by root"),
	   "group-writable directory not owned by root refused");
	acl_free(a);

	mkd("w", 0755);
	put("w/x.conf", "allow br0\n");
	chown_rel("w", nb);
	OK(only(load_opts("w/x.conf", true, false, &a), 1,
		"E w/x.conf:0:0: directory w is not owned by root"),
	   "directory owned by someone else refused");
	acl_free(a);

	path_of(path, sizeof(path), "s/ww.conf");
	ndiag = 0;
	OK(acl_load(path, NULL, &a, collect, NULL) == 1, "no options: require_safe by default");
	acl_free(a);
}

/* ---- who a file's rules reach ---------------------------------------------- */

static void chmod_rel(const char *rel, mode_t mode, gid_t gid)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), rel);
	if (chown(path, 0, gid) < 0 || chmod(path, mode) < 0) {
		perror(path);
		exit(2);
	}
}

static bool kept_out_by(const struct acl_decision *d, const char *rel,
			unsigned line, const char *by, bool dir, unsigned mode)
{
	char path[PATH_MAX];

	path_of(path, sizeof(path), by);
	if (d->result == ACL_NOMATCH && at(d->unreached, rel, line) &&
	    d->unreached_by.path && strcmp(d->unreached_by.path, path) == 0 &&
	    d->unreached_by.dir == dir && d->unreached_by.mode == mode &&
	    d->unreached_by.uid == 0 && d->unreached_by.gid == 4242)
		return true;
	printf("#   result %d, unreached by %s (dir %d, mode %04o, gid %u)\n", d->result,
	       d->unreached_by.path ? d->unreached_by.path : "(null)",
	       d->unreached_by.dir, d->unreached_by.mode, (unsigned)d->unreached_by.gid);
	return false;
}

static void test_reach(void)
{
	static const gid_t kvm[] = { 4242 };
	struct acl *a;
	struct acl_decision d;

	if (geteuid() != 0) {
		OK(0, "reach tests must run as root");
		return;
	}
	/* QEMU's idiom: a world-readable main file includes a 0640 root:kvm
	 * one, whose allows reach the members of kvm only. */
	mkd("r", 0755);
	put("r/main.conf", "allow br0\ninclude kvm.conf\nqueues br0 8\n");
	put("r/kvm.conf", "allow br1\ndeny br0 user=1001\nsndbuf br1 100\nqueues br1 4\n"
	    "limit br1 2\nqueues br0 2\nallow br0\n");
	chmod_rel("r/kvm.conf", 0640, 4242);
	OK(none(load_opts("r/main.conf", true, false, &a)), "0640 root:4242 include loads");
	d = dec_g(a, "br1", 1000, 1000, 1, kvm);
	OK(d.result == ACL_ALLOWED && at(d.rule, "r/kvm.conf", 1) && !d.unreached.file,
	   "a member gets the include's bridge");
	OK(d.has_sndbuf && d.sndbuf == 100 && d.has_queues && d.max_queues == 4 &&
	   d.has_limit && d.limit == 2, "and its sndbuf, queues and limit");
	d = dec_g(a, "br1", 1002, 1002, 0, NULL);
	OK(kept_out_by(&d, "r/kvm.conf", 1, "r/kvm.conf", false, 0640),
	   "a non-member: no match, the allow it could not read named, and why");
	OK(!d.has_sndbuf && !d.has_queues && d.max_queues == 1,
	   "a non-member: no sndbuf, the default queue bound");
	OK(d.has_limit && d.limit == 2 && at(d.limit_rule, "r/kvm.conf", 5),
	   "a non-member: the limit reaches everyone");
	OK(dec_g(a, "br1", 1003, 4242, 0, NULL).result == ACL_ALLOWED,
	   "the file's group as primary group is enough");
	OK(dec_g(a, "br1", 0, 0, 0, NULL).result == ACL_ALLOWED, "root reads everything");
	d = dec_g(a, "br0", 1002, 1002, 0, NULL);
	OK(d.result == ACL_ALLOWED && at(d.rule, "r/main.conf", 1) && !d.unreached.file,
	   "a non-member keeps the other bridges");
	OK(d.has_queues && d.max_queues == 2 && at(d.queues_rule, "r/kvm.conf", 6),
	   "a queues bound it cannot read lowers its bound");
	d = dec_g(a, "br0", 1001, 1001, 0, NULL);
	OK(d.result == ACL_DENIED && at(d.rule, "r/kvm.conf", 2),
	   "a deny reaches everyone, stricter than qemu-bridge-helper");
	acl_free(a);

	ndiag = 0;
	OK(load_opts("r/main.conf", true, true, &a) == 0 && ndiag == 0,
	   "lint: a group-readable include is no warning, nor the same allow "
	   "in two files that reach different callers");
	acl_free(a);

	/* Only root reads a 0600 file: its allows reach root alone. */
	put("r/root.conf", "sndbuf br0 5\nallow br0\n");
	chmod_rel("r/root.conf", 0600, 0);
	OK(none(load_opts("r/root.conf", true, false, &a)), "a 0600 file loads");
	d = dec_g(a, "br0", 1000, 1000, 1, kvm);
	OK(d.result == ACL_NOMATCH && at(d.unreached, "r/root.conf", 2) &&
	   d.unreached_by.mode == 0600 && !d.has_sndbuf, "0600: nobody but root is allowed");
	OK(dec(a, "br0", 0).result == ACL_ALLOWED, "0600: root is");
	acl_free(a);
	OK(only(load_opts("r/root.conf", true, true, &a), 0,
		"W r/root.conf:1:1: sndbuf reaches only root: r/root.conf has mode 0600 "
		"(for every user: chmod 0644 r/root.conf; for one group: chgrp GROUP "
		"r/root.conf and chmod 0640)"),
	   "lint: a 0600 file's rules reach only root, once, with the fix");
	acl_free(a);

	/* A directory's search bit counts, and what an include inherits. */
	mkd("r/kvm.d", 0750);
	chmod_rel("r/kvm.d", 0750, 4242);
	put("r/kvm.d/a.conf", "allow br3\ninclude ../open.conf\n");
	put("r/open.conf", "allow br4\n");
	put("r/dir.conf", "include kvm.d/*.conf\nallow br5\n");
	OK(none(load_opts("r/dir.conf", true, false, &a)), "an include behind a 0750 directory");
	OK(dec_g(a, "br3", 1000, 1000, 1, kvm).result == ACL_ALLOWED &&
	   dec_g(a, "br4", 1000, 1000, 1, kvm).result == ACL_ALLOWED, "members get through");
	d = dec_g(a, "br3", 1002, 1002, 0, NULL);
	OK(kept_out_by(&d, "r/kvm.d/a.conf", 1, "r/kvm.d", true, 0750),
	   "a non-member is kept out by the directory's mode");
	d = dec_g(a, "br4", 1002, 1002, 0, NULL);
	OK(kept_out_by(&d, "r/kvm.d/../open.conf", 1, "r/kvm.d", true, 0750),
	   "a 0644 file included from there reaches no more than its includer");
	OK(dec_g(a, "br5", 1002, 1002, 0, NULL).result == ACL_ALLOWED, "the rest stands");
	acl_free(a);

	/* As the kernel decides: a group without the bit is kept out even
	 * when others have it (mode 0604). */
	put("r/odd.conf", "allow br0\n");
	chmod_rel("r/odd.conf", 0604, 4242);
	OK(none(load_opts("r/odd.conf", true, false, &a)), "a 0604 file loads");
	OK(dec_g(a, "br0", 1002, 1002, 0, NULL).result == ACL_ALLOWED, "0604: others are allowed");
	d = dec_g(a, "br0", 1000, 1000, 1, kvm);
	OK(kept_out_by(&d, "r/odd.conf", 1, "r/odd.conf", false, 0604),
	   "0604: members of its group are not");
	acl_free(a);

	/* Private settings: a bound or sndbuf there reaches its readers only,
	 * and a private queues bound never raises a public one. */
	put("r/pub.conf", "allow all\nqueues br0 8\nsndbuf br0 7\ninclude priv.conf\n");
	put("r/priv.conf", "queues br0 16\nqueues br1 16\nsndbuf br0 9\n");
	chmod_rel("r/priv.conf", 0640, 4242);
	OK(none(load_opts("r/pub.conf", true, false, &a)), "public and private settings");
	d = dec_g(a, "br0", 1002, 1002, 0, NULL);
	OK(d.max_queues == 8 && at(d.queues_rule, "r/pub.conf", 2) && d.sndbuf == 7,
	   "a non-member: the public bound and sndbuf");
	d = dec_g(a, "br0", 1000, 1000, 1, kvm);
	OK(d.max_queues == 8 && d.sndbuf == 9, "a member: the smallest bound, the last sndbuf");
	OK(dec_g(a, "br1", 1000, 1000, 1, kvm).max_queues == 16 &&
	   !dec_g(a, "br1", 1002, 1002, 0, NULL).has_queues &&
	   dec_g(a, "br1", 1002, 1002, 0, NULL).max_queues == ACL_QUEUES_DEFAULT,
	   "a private bound above the default reaches members only");
	acl_free(a);
}

static void test_privileged(void)
{
	struct acl_opts o = { .require_safe = true, .privileged = true };
	char path[PATH_MAX];
	struct acl *a;

	mkd("p", 0755);
	put("p/main.conf", "allow br0\ninclude link.conf\n");
	put("p/real.conf", "deny br0 user=7\n");
	path_of(path, sizeof(path), "p/link.conf");
	OK(symlink("real.conf", path) == 0, "symlink");
	path_of(path, sizeof(path), "p/main.conf");
	ndiag = 0;
	OK(none(acl_load(path, &o, &a, collect, NULL)) && dec(a, "br0", 7).result == ACL_DENIED &&
	   dec(a, "br0", 8).result == ACL_ALLOWED,
	   "privileged: read through O_PATH and /proc/self/fd, symlinks followed");
	acl_free(a);
	put("p/dev.conf", "allow br0\ninclude /dev/null\n");
	path_of(path, sizeof(path), "p/dev.conf");
	ndiag = 0;
	OK(only(acl_load(path, &o, &a, collect, NULL), 1,
		"E p/dev.conf:2:0: /dev/null: not a regular file"),
	   "privileged: a device is refused before it is opened");
	acl_free(a);
}

/* ---- many errors, warnings ------------------------------------------------- */

static void test_multi(void)
{
	struct acl *a;
	int rc = buf("allow br0\n"
		     "bogus br0\n"
		     "allow\n"
		     "deny br0 user=0\n"
		     "limit br0 x\n"
		     "  sndbuf  br0  1  foo=2\n"
		     "allow br1\n", &a);

	OK(rc == 4 && ndiag == 4, "four errors counted and reported (rc=%d, n=%d)", rc, ndiag);
	OK(strcmp(diag[0], "E mem.conf:2:1: unknown keyword 'bogus'") == 0, "1st: %s", diag[0]);
	OK(strcmp(diag[1], "E mem.conf:3:6: missing bridge name (or 'all') after 'allow'") == 0,
	   "2nd: %s", diag[1]);
	OK(strcmp(diag[2], "E mem.conf:5:11: invalid limit 'x' (expected 0..65535)") == 0,
	   "3rd: %s", diag[2]);
	OK(strcmp(diag[3], "E mem.conf:6:19: unknown key 'foo=' (expected user= or group=)") == 0,
	   "4th: %s", diag[3]);
	OK(dec(a, "br0", 1000).result == ACL_NOMATCH && dec(a, "br1", 1).result == ACL_NOMATCH,
	   "with errors the policy matches nothing");
	acl_free(a);

	put("e1.conf", "allow br0\ninclude e2.conf\nnope\n");
	put("e2.conf", "deny br0 user=4294967295\n");
	OK(load("e1.conf", &a) == 2 && ndiag == 2 &&
	   strcmp(diag[0], "E e2.conf:1:15: invalid uid '4294967295' (expected 0..4294967294)") == 0 &&
	   strcmp(diag[1], "E e1.conf:3:1: unknown keyword 'nope'") == 0,
	   "errors in included and including files, in reading order");
	acl_free(a);
}

static void test_warnings(void)
{
	static const char text[] =
		"allow br0 user=1000\n"         /* 1: shadowed by 2 */
		"deny br0\n"                    /* 2 */
		"allow br1\n"                   /* 3 */
		"allow br1\n"                   /* 4: duplicate of 3 */
		"limit br1 0\n"                 /* 5: limit 0 */
		"deny br2 user=5\n"             /* 6 */
		"allow br2 user=5 group=adm\n"  /* 7: shadowed by 6 */
		"allow br2 group=adm\n"         /* 8: fine */
		"allow all\n"                   /* 9: fine (only br0 denied) */
		"deny br3 group=adm\n"          /* 10 */
		"allow br3 user=5\n"            /* 11: fine (5 may not be in adm) */
		"deny all user=9\n"             /* 12 */
		"allow br4 user=9 # x\n";       /* 13: shadowed by 12 */
	struct acl *a;
	int rc;

	rc = buf_n(text, sizeof(text) - 1, true, &a);
	OK(rc == 0 && ndiag == 5, "warnings do not count as errors (rc=%d, n=%d)", rc, ndiag);
	OK(has("W mem.conf:5:11: limit 0 forbids every TAP"), "limit 0 warned");
	OK(has("W mem.conf:1:1: allow at line 1 is shadowed by deny at mem.conf:2"),
	   "allow shadowed by a later deny");
	OK(has("W mem.conf:4:1: duplicate of the rule at mem.conf:3"), "duplicate rule");
	OK(has("W mem.conf:7:1: allow at line 7 is shadowed by deny at mem.conf:6"),
	   "allow shadowed by a deny with a broader subject");
	OK(has("W mem.conf:13:1: allow at line 13 is shadowed by deny at mem.conf:12"),
	   "allow shadowed by deny all");
	OK(dec(a, "br1", 1).result == ACL_ALLOWED, "policy with warnings is usable");
	acl_free(a);

	rc = buf_n(text, sizeof(text) - 1, false, &a);
	OK(none(rc), "no warnings unless asked for");
	acl_free(a);

	rc = buf_n("allow br1#x\n", 12, true, &a);
	OK(only(rc, 0, "W mem.conf:1:10: '#' inside a word does not start a comment "
		"(put a space before it)"), "'#' glued to a word warned");
	acl_free(a);
}

/* ---- reading in chunks --------------------------------------------------- */

/* TEXT grows by printf-like pieces (tests build files of 100s of KiB). */
struct text {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap ? 2 * t->cap + (size_t)n : 1 << 16;
		t->s = realloc(t->s, t->cap);
		if (!t->s) {
			perror("realloc");
			exit(2);
		}
	}
	t->len += (size_t)n;
}

/* Filler lines up to byte OFFSET (about): other bridges' rules, comments,
 * blank and indented lines, CRLF endings: every shape of the fast path. */
static unsigned fill(struct text *t, size_t offset, unsigned line)
{
	for (; t->len < offset; line++) {
		switch (line % 11) {
		case 0: add(t, "allow x%u\n", line); break;
		case 1: add(t, "deny y%u\n", line); break;
		case 2: add(t, "# comment %u\n", line); break;
		case 3: add(t, "\n"); break;
		case 4: add(t, "  allow\tz%u   # indented\n", line); break;
		case 5: add(t, "allow w%u\r\n", line); break;
		case 6: add(t, "deny v%u user=0\n", line); break;
		case 7: add(t, "allow u%u group=0 user=0 # %u\n", line, line); break;
		case 8: add(t, "limit t%u 3\n", line); break;
		case 9: add(t, "sndbuf s%u 65536 user=0\n", line); break;
		default: add(t, "allow all user=%u\n", line); break;
		}
	}
	return line;
}

/* Lint on 50,000 rules (it used to compare every rule with every other):
 * the warnings about the last lines are still found, and only those. */
static void test_warnings_big(void)
{
	struct text t = { NULL, 0, 0 };
	char want[3][128];
	unsigned line = 1, mid = 25000;
	struct acl *a;
	int rc;

	add(&t, "deny br0 user=7\n");                              /* 1 */
	for (line = 2; line < 50000 - 2; line++) {
		if (line == mid)
			add(&t, "deny all group=5\n");
		else if (line % 3 == 0)
			add(&t, "allow b%u\n", line);
		else if (line % 3 == 1)
			add(&t, "deny c%u user=%u\n", line, line);
		else
			add(&t, "allow all user=%u\n", line);
	}
	add(&t, "allow br0 user=7 group=3\n");     /* 49998: shadowed by 1 */
	add(&t, "allow br1 group=5\n");            /* 49999: shadowed by mid */
	add(&t, "allow b3\n");                     /* 50000: duplicate of 3 */
	snprintf(want[0], sizeof(want[0]), "W mem.conf:%u:1: allow at line %u "
		 "is shadowed by deny at mem.conf:1", line, line);
	snprintf(want[1], sizeof(want[1]), "W mem.conf:%u:1: allow at line %u "
		 "is shadowed by deny at mem.conf:%u", line + 1, line + 1, mid);
	snprintf(want[2], sizeof(want[2]), "W mem.conf:%u:1: duplicate of the "
		 "rule at mem.conf:3", line + 2);

	rc = buf_n(t.s, t.len, true, &a);
	OK(rc == 0 && ndiag == 3, "50,000 rules linted (rc=%d, n=%d)", rc, ndiag);
	OK(ndiag >= 1 && strcmp(diag[0], want[0]) == 0,
	   "shadowed allow at the end found");
	OK(ndiag >= 2 && strcmp(diag[1], want[1]) == 0,
	   "shadowed by a deny all in the middle");
	OK(ndiag >= 3 && strcmp(diag[2], want[2]) == 0,
	   "duplicate at the end of a rule at the start");
	if (ndiag != 3)
		dump();
	OK(a->nrules == 50000, "every rule kept (%zu)", a->nrules);
	acl_free(a);
	free(t.s);
}

static void test_chunks(void)
{
	static char big[70000];
	struct text t = { NULL, 0, 0 };
	unsigned line, mid;
	struct acl *a;
	int rc;

	/* A rule on each side of a chunk boundary and one straddling it. */
	mid = fill(&t, ACL_CHUNK - 20, 0);
	add(&t, "allow br0 user=1\n");                       /* mid + 1 */
	add(&t, "deny br0 user=2    # straddles a chunk\n");  /* mid + 2 */
	add(&t, "allow br0 user=3\n");                       /* mid + 3 */
	line = fill(&t, 3 * ACL_CHUNK + 100, mid + 3);
	add(&t, "allow br0 user=4");                         /* no final newline */
	rc = buf_n(t.s, t.len, false, &a);
	OK(none(rc), "%zu bytes in chunks: no error", t.len);
	OK(dec(a, "br0", 2).result == ACL_DENIED &&
	   at(dec(a, "br0", 2).rule, "mem.conf", mid + 2), "the rule across the chunk boundary");
	OK(at(dec(a, "br0", 1).rule, "mem.conf", mid + 1) &&
	   at(dec(a, "br0", 3).rule, "mem.conf", mid + 3), "the lines around it");
	OK(at(dec(a, "br0", 4).rule, "mem.conf", line + 1), "the last line needs no newline");
	OK(dec(a, "br0", 10).result == ACL_ALLOWED && dec(a, "br0", 10).rule.line == 11,
	   "allow all user=N from the filler");
	acl_free(a);

	/* A CR as the last byte of a chunk, its LF the first of the next. */
	t.len = 0;
	while (t.len < ACL_CHUNK - 10)
		add(&t, "#\n");
	while (t.len < ACL_CHUNK - 10 + 9)
		add(&t, "#");
	add(&t, "\r\nallow br0\r\n");
	rc = buf_n(t.s, t.len, false, &a);
	OK(none(rc) && dec(a, "br0", 1).result == ACL_ALLOWED, "CR LF split by the chunk boundary");
	acl_free(a);

	/* Long lines: one across the boundary, one longer than a chunk; each
	 * reported once, at its line, and the lines after are counted right. */
	t.len = 0;
	add(&t, "allow br0 user=1\n");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (line = 1; t.len < ACL_CHUNK - 500; line++)
		add(&t, "\n");
	add(&t, "#%.*s\n", ACL_MAX_LINE, big);               /* line + 1: 1025 */
	add(&t, "%s\n", big);                                /* line + 2: 69999 */
	add(&t, "#%.*s\r\n", ACL_MAX_LINE - 1, big);         /* line + 3: fine */
	add(&t, "bogus\n");                                  /* line + 4 */
	add(&t, "%s", big);                                  /* line + 5, at the end */
	rc = buf_n(t.s, t.len, false, &a);
	{
		char want[3][128];

		snprintf(want[0], sizeof(want[0]),
			 "E mem.conf:%u:1025: line too long (max 1024 bytes)", line + 1);
		snprintf(want[1], sizeof(want[1]),
			 "E mem.conf:%u:1025: line too long (max 1024 bytes)", line + 2);
		snprintf(want[2], sizeof(want[2]),
			 "E mem.conf:%u:1: unknown keyword 'bogus'", line + 4);
		OK(rc == 4 && ndiag == 4 && has(want[0]) && has(want[1]) && has(want[2]),
		   "long lines across and beyond a chunk: one error each (rc=%d)", rc);
		snprintf(want[0], sizeof(want[0]),
			 "E mem.conf:%u:1025: line too long (max 1024 bytes)", line + 5);
		OK(has(want[0]), "a long last line without newline");
	}
	OK(dec(a, "br0", 1).result == ACL_NOMATCH, "errors: nothing matches");
	acl_free(a);
	free(t.s);
}

/* Lines at the edges of the fast path (acl_parse.c) give what the general
 * path gives: the same errors, at the same columns, and the same rules. */
static void test_fast(void)
{
	static const struct { const char *text, *want, *br; } cases[] = {
		{ "allow ..x\n", NULL, "..x" },
		{ "allow .x\n", NULL, ".x" },
		{ "allow a23456789012345\n", NULL, "a23456789012345" },
		{ "deny  \tbr0   \t\n", NULL, "br0" },
		{ "allow br0\r", NULL, "br0" },
		{ "\t allow br0 user=0 group=0\t# c\r\n", NULL, "br0" },
		{ "allow br0 # a\rb\n", NULL, "br0" },
		{ "allow ..\n", "E mem.conf:1:7: invalid bridge name '..': '.' and '..' are not allowed", NULL },
		{ "allow .\n", "E mem.conf:1:7: invalid bridge name '.': '.' and '..' are not allowed", NULL },
		{ "allow a234567890123456\n", "E mem.conf:1:7: invalid bridge name 'a234567890123456': longer than 15 bytes", NULL },
		{ "allow br0\r\r\n", "E mem.conf:1:7: invalid bridge name 'br0\\x0d': contains a space, control or non-ASCII byte", NULL },
		{ "allow br:0\n", "E mem.conf:1:7: invalid bridge name 'br:0': contains ':'", NULL },
		{ "allow br0 user=0 user=0\n", "E mem.conf:1:18: duplicate user=", NULL },
		{ "allow br0 user=\n", "E mem.conf:1:16: missing value after user=", NULL },
		{ "allow br0 users=0\n", "E mem.conf:1:11: unknown key 'users=' (expected user= or group=)", NULL },
		{ "allow br0 user=4294967295\n", "E mem.conf:1:16: invalid uid '4294967295' (expected 0..4294967294)", NULL },
		{ "allow br0 group=99999999999999999999 # x\n", "E mem.conf:1:17: invalid gid '99999999999999999999' (expected 0..4294967294)", NULL },
		{ "allowbr0\n", "E mem.conf:1:1: unknown keyword 'allowbr0'", NULL },
		{ "allow\n", "E mem.conf:1:6: missing bridge name (or 'all') after 'allow'", NULL },
		{ "deny #\n", "E mem.conf:1:6: missing bridge name (or 'all') after 'deny'", NULL },
		{ "allow \xc3\xa9\n", "E mem.conf:1:7: invalid bridge name '\\xc3\\xa9': contains a space, control or non-ASCII byte", NULL },
	};
	struct acl *a;
	int rc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = buf(cases[i].text, &a);
		if (cases[i].want)
			OK(only(rc, 1, cases[i].want), "line %zu: %s", i, cases[i].want);
		else
			OK(none(rc) && dec_g(a, cases[i].br, 0, 0, 0, NULL).result ==
			   (cases[i].text[0] == 'd' ? ACL_DENIED : ACL_ALLOWED) &&
			   dec_g(a, cases[i].br, 0, 0, 0, NULL).rule.line == 1,
			   "line %zu: a rule for %s", i, cases[i].br);
		acl_free(a);
	}
	rc = buf_n("allow br0 # a\0b\n", 16, false, &a);
	OK(only(rc, 1, "E mem.conf:1:14: NUL byte not allowed"), "NUL in a rule's comment");
	acl_free(a);
	rc = buf_n("allow br0\0\n", 11, false, &a);
	OK(only(rc, 1, "E mem.conf:1:10: NUL byte not allowed"), "NUL after a name");
	acl_free(a);

	/* Names: the fast path ("0x": plain bytes) and the general one (':'). */
	warned("allow br0 user=0x\n", "W mem.conf:1:16: unknown user '0x': the rule matches nobody");
	warned("allow br0 user=0:0\n", "W mem.conf:1:16: unknown user '0:0': the rule matches nobody");
	OK(none(buf("allow br0 user=root\nallow br1 group=root user=root # c\r\n"
		    "allow br2 user=root:x\n", &a)) &&
	   dec_g(a, "br0", 0, 5, 0, NULL).result == ACL_ALLOWED &&
	   dec_g(a, "br1", 0, 0, 0, NULL).result == ACL_ALLOWED &&
	   dec_g(a, "br1", 0, 5, 0, NULL).result == ACL_NOMATCH &&
	   dec_g(a, "br2", 0, 0, 0, NULL).result == ACL_NOMATCH,
	   "names resolve the same on both paths");
	acl_free(a);
}

/* ---- only: keep the rules for some bridges ------------------------------- */

static int buf_only(const char *text, const char *const *names, struct acl **a)
{
	struct acl_opts o = { .only = names };
	char name[PATH_MAX];

	path_of(name, sizeof(name), "mem.conf");
	ndiag = 0;
	return acl_load_buffer(name, text, strlen(text), &o, a, collect, NULL);
}

static void test_only(void)
{
	static const char *const br0[] = { "br0", NULL };
	static const char *const br0_br2[] = { "br0", "br2", NULL };
	static const char *const none_[] = { NULL };
	static const char *const bad_names[] = { "a234567890123456", "a/b", "", NULL };
	static const char text[] =
		"allow br1\n"                    /* 1: not kept for br0 */
		"deny all user=5\n"              /* 2: kept */
		"allow br0\n"                    /* 3: kept */
		"limit br1 2\n"                  /* 4: not kept */
		"sndbuf br0 65536 group=0\n"     /* 5: kept */
		"deny br2 user=6 # c\n"          /* 6: kept with br2 */
		"  allow\tbr0x\n"                /* 7: not kept */
		"limit all 3\n";                 /* 8: kept */
	struct acl_opts lint = { .warnings = true, .only = br0 };
	struct acl *a;
	int rc;

	rc = buf_only(text, br0, &a);
	OK(none(rc) && a->nrules == 4, "only br0: the br0 and `all` rules are kept (%zu)",
	   a->nrules);
	OK(dec(a, "br0", 1000).result == ACL_ALLOWED && at(dec(a, "br0", 1000).rule, "mem.conf", 3),
	   "only br0: allowed by line 3");
	OK(dec(a, "br0", 5).result == ACL_DENIED && at(dec(a, "br0", 5).rule, "mem.conf", 2),
	   "only br0: deny all still wins");
	OK(dec_g(a, "br0", 1000, 0, 0, NULL).has_sndbuf && dec(a, "br0", 1).has_limit &&
	   dec(a, "br0", 1).limit == 3, "only br0: sndbuf and limit rules kept");
	OK(dec(a, "br1", 1000).result == ACL_NOMATCH && !dec(a, "br1", 1000).has_limit,
	   "only br0: a decision for br1 matches nothing (fail closed)");
	OK(dec(a, "br2", 5).result == ACL_NOMATCH, "only br0: not even a deny all for br2");
	acl_free(a);

	rc = buf_only(text, br0_br2, &a);
	OK(none(rc) && a->nrules == 5 && dec(a, "br2", 6).result == ACL_DENIED &&
	   dec(a, "br0", 1).result == ACL_ALLOWED, "only br0 and br2: both decided");
	acl_free(a);

	rc = buf_only(text, none_, &a);
	OK(none(rc) && a->nrules == 2 && dec(a, "br0", 1).result == ACL_NOMATCH,
	   "only nothing: the `all` rules kept, nothing decided");
	acl_free(a);
	rc = buf_only(text, bad_names, &a);
	OK(none(rc) && a->nrules == 2 && dec(a, "a/b", 1).result == ACL_NOMATCH,
	   "invalid names in only are left out");
	acl_free(a);

	ndiag = 0;
	rc = acl_load_buffer("mem.conf", text, sizeof(text) - 1, &lint, &a, collect, NULL);
	OK(rc == 0 && a->nrules == 8 && dec(a, "br1", 1).result == ACL_ALLOWED,
	   "only is ignored with warnings (--lint needs every rule)");
	acl_free(a);

	/* Rules for other bridges are still checked in full: fail closed. */
	rc = buf_only("allow br0\nallow br1 user=nsseio_u\n", br0, &a);
	OK(only(rc, 1, "E mem.conf:2:16: cannot look up user 'nsseio_u': Input/output error") &&
	   dec(a, "br0", 1).result == ACL_NOMATCH,
	   "only br0: a failed lookup in a br1 rule is still an error, br0 denied");
	acl_free(a);
	rc = buf_only("allow br0\ndeny br1 group=nsseio_g # x\n", br0, &a);
	OK(only(rc, 1, "E mem.conf:2:16: cannot look up group 'nsseio_g': Input/output error"),
	   "only br0: a failed group lookup in a br1 rule is still an error");
	acl_free(a);
	rc = buf_only("allow br0\nallow br1 user=nosuchuser_bh\n", br0, &a);
	OK(none(rc) && dec(a, "br0", 1).result == ACL_ALLOWED,
	   "only br0: an unknown user in a br1 rule is no error");
	acl_free(a);
	rc = buf_only("allow br0\nlimit br1 x\nallow br1/x\n", br0, &a);
	OK(rc == 2 && has("E mem.conf:2:11: invalid limit 'x' (expected 0..65535)") &&
	   has("E mem.conf:3:7: invalid bridge name 'br1/x': contains '/'"),
	   "only br0: syntax errors in other bridges' rules still count");
	acl_free(a);

	/* The same names again: one lookup, the same answer. */
	nss_calls = 0;
	rc = buf_n("allow br1 user=root\nallow br0 user=root\nallow br0 user=nosuchuser_bh\n"
		   "allow br1 user=nosuchuser_bh\nallow br0 group=root user=0\n",
		   strlen("allow br1 user=root\nallow br0 user=root\nallow br0 user=nosuchuser_bh\n"
			  "allow br1 user=nosuchuser_bh\nallow br0 group=root user=0\n"), true, &a);
	OK(rc == 0 && ndiag == 2 &&
	   has("W mem.conf:3:16: unknown user 'nosuchuser_bh': the rule matches nobody") &&
	   has("W mem.conf:4:16: unknown user 'nosuchuser_bh': the rule matches nobody"),
	   "remembered names: each unknown one still reported at its line");
	OK(nss_calls == 3, "each name looked up once (%d lookups)", nss_calls);
	acl_free(a);
	rc = buf_only("allow br1 user=root\nallow br0 user=root group=root\n", br0, &a);
	OK(none(rc) && a->nrules == 1 && dec_g(a, "br0", 0, 0, 0, NULL).result == ACL_ALLOWED &&
	   dec(a, "br0", 1000).result == ACL_NOMATCH, "remembered names resolve the same");
	acl_free(a);
}

/* The benchmark's file (bench/run): 100,000 lines, 99,999 of them for
 * other bridges; here with a deny for br0 at the very end. */
static void test_only_big(void)
{
	static const char *const br0[] = { "br0", NULL };
	static const char digits[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct acl_opts o = { .require_safe = true, .only = br0 };
	struct text t = { NULL, 0, 0 };
	char path[PATH_MAX];
	struct acl *a;
	int rc;

	add(&t, "allow br0\n");
	for (unsigned i = 1; i < 99999; i++) {
		char name[8];
		unsigned n = i, k = 0;

		for (; k < (i % 2 ? 4u : 3u); k++, n /= 62)
			name[k] = digits[n % 62];
		name[k] = '\0';
		add(&t, "%s %s\n", i % 2 ? "deny" : "allow", name);
	}
	add(&t, "deny br0 user=1000\n");
	put_n("big100k.conf", t.s, t.len);
	path_of(path, sizeof(path), "big100k.conf");
	ndiag = 0;
	rc = acl_load(path, &o, &a, collect, NULL);
	/* 3: line 1, line 100,000 and "allow all" (line 42,967, as in bench/run) */
	OK(none(rc) && a->nrules == 3, "100,000 lines, only br0: 3 rules kept (%zu)", a->nrules);
	OK(dec(a, "br0", 1000).result == ACL_DENIED &&
	   at(dec(a, "br0", 1000).rule, "big100k.conf", 100000),
	   "a deny for br0 at line 100,000 still wins");
	OK(dec(a, "br0", 1001).result == ACL_ALLOWED &&
	   at(dec(a, "br0", 1001).rule, "big100k.conf", 1), "others: allowed by line 1");
	acl_free(a);
	o.only = NULL;
	rc = acl_load(path, &o, &a, collect, NULL);
	OK(rc == 0 && a->nrules == 100000 && dec(a, "br0", 1000).result == ACL_DENIED,
	   "without only: every rule kept, the same decision");
	acl_free(a);
	free(t.s);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	umask(022);
	snprintf(tmp, sizeof(tmp), "/tmp/acl.XXXXXX");
	/* 0755, as a system ACL's directory: rules in files under it reach
	 * every caller unless a test says otherwise (test_reach). */
	if (!mkdtemp(tmp) || chmod(tmp, 0755) < 0) {
		perror(tmp);
		return 2;
	}
	test_allow_deny();
	test_layout();
	test_subjects();
	test_unresolved();
	test_names();
	test_lines();
	test_numbers();
	test_limit();
	test_sndbuf();
	test_queues();
	test_ports();
	test_include();
	test_glob();
	test_include_errors();
	test_safe();
	test_reach();
	test_privileged();
	test_multi();
	test_warnings();
	test_warnings_big();
	test_chunks();
	test_fast();
	test_only();
	test_only_big();
	OK(chdir("/") == 0 && nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0,
	   "removed %s", tmp);
	return tap_done();
}
