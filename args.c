/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* args: bridge-helper's command line. See args.h. */
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mac.h"
#include "tap.h"

bool args_number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')   /* no sign, no space, not empty */
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool args_ifname_ok(const char *name)
{
	size_t n = strnlen(name, IFNAMSIZ);

	if (n == 0 || n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	/* The message quotes argv: keep it one printable line. */
	for (char *c = err; len && *c; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			*c = '?';
	return -1;
}

/* "--key=value": VALUE if ARG is that option, NULL otherwise. */
static const char *opt_value(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return strncmp(arg, key, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* "--br", "--fd", ...: an option that takes "=VALUE", given without it
 * (as in a QEMU helper string "... --br br0"). */
static bool takes_value(const char *arg)
{
	static const char *const keys[] = {
		"--br", "--fd", "--queues", "--sndbuf", "--acl", "--user", "--mac",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(arg, keys[i]))
			return true;
	return false;
}

struct seen {
	unsigned br : 1, fd : 1, vnet : 1, queues : 1, sndbuf : 1, acl : 1,
		 user : 1, check : 1, lint : 1, mac : 1;
};

#define ONCE(flag, name) do {                                              \
	if (seen.flag)                                                     \
		return fail(err, len, "option %s given twice", name);      \
	seen.flag = 1;                                                     \
} while (0)

static int parse_one(const char *arg, const char *next, int *used,
		     struct args *a, struct seen *s_, char *err, size_t len);

int args_parse(int argc, char *const argv[], struct args *a,
	       char *err, size_t errlen)
{
	struct seen seen = { 0 };

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->queues = 1;
	a->mode = MODE_CREATE;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "--version")) {
			a->mode = argv[i][2] == 'h' ? MODE_HELP : MODE_VERSION;
			return 0;
		}
	for (int i = 1; i < argc; i++) {
		int used = 0;

		if (parse_one(argv[i], i + 1 < argc ? argv[i + 1] : NULL, &used,
			      a, &seen, err, errlen) < 0)
			return -1;
		i += used;
	}
	if (seen.check && seen.lint)
		return fail(err, errlen, "--check and --lint exclude each other");
	if (seen.lint && (seen.br || seen.fd || seen.vnet || seen.queues ||
			  seen.sndbuf || seen.user || seen.mac))
		return fail(err, errlen, "--lint takes no other option but --acl");
	if (seen.check && (seen.fd || seen.vnet))
		return fail(err, errlen, "--check takes only --br, --acl, --user, "
			    "--sndbuf, --queues, --mac");
	if (seen.user && !seen.check)
		return fail(err, errlen, "--user is only valid with --check");
	if (seen.lint && seen.acl && a->lint_file)
		return fail(err, errlen, "--lint takes either FILE or --acl, not both");
	if (!seen.lint && !seen.br)
		return fail(err, errlen, "missing --br=BRIDGE");
	if (a->mode == MODE_CREATE && !seen.fd)
		return fail(err, errlen, "missing --fd=N");
	return 0;
}

static int parse_one(const char *arg, const char *next, int *used,
		     struct args *a, struct seen *sp, char *err, size_t len)
{
	struct seen seen = *sp;
	const char *v;
	long n;

	if ((v = opt_value(arg, "--br"))) {
		if (!args_ifname_ok(v))
			return fail(err, len, "invalid bridge name '%.40s': 1 to %d "
				    "printable bytes, no '/', ':' or space", v,
				    IFNAMSIZ - 1);
		if (seen.br && strcmp(a->br, v) != 0)
			return fail(err, len, "conflicting --br=%s and --br=%s: "
				    "give one bridge", a->br, v);
		seen.br = 1;    /* again with the same name: the same request */
		a->br = v;
	} else if ((v = opt_value(arg, "--fd"))) {
		ONCE(fd, "--fd");
		if (!args_number(v, 3, INT_MAX, &n))
			return fail(err, len, "invalid --fd '%.40s': a number from 3 up", v);
		a->fd = (int)n;
	} else if (!strcmp(arg, "--use-vnet")) {
		seen.vnet = 1;  /* QEMU appends its own to a helper string */
		a->vnet_hdr = true;
	} else if ((v = opt_value(arg, "--queues"))) {
		ONCE(queues, "--queues");
		if (!args_number(v, 1, TAP_MAX_QUEUES, &n))
			return fail(err, len, "invalid --queues '%.40s': 1 to %d",
				    v, TAP_MAX_QUEUES);
		a->queues = (unsigned)n;
	} else if ((v = opt_value(arg, "--sndbuf"))) {
		ONCE(sndbuf, "--sndbuf");
		if (!args_number(v, 1, INT_MAX, &n))
			return fail(err, len, "invalid --sndbuf '%.40s': 1 to %d bytes",
				    v, INT_MAX);
		a->sndbuf = (int)n;
	} else if ((v = opt_value(arg, "--mac"))) {
		ONCE(mac, "--mac");
		if (!mac_parse(v, a->mac))
			return fail(err, len, "invalid --mac '%.40s': a unicast "
				    "address such as 52:54:00:12:34:56", v);
		a->has_mac = true;
	} else if ((v = opt_value(arg, "--acl"))) {
		ONCE(acl, "--acl");
		if (!*v)
			return fail(err, len, "empty --acl");
		a->acl = v;
	} else if ((v = opt_value(arg, "--user"))) {
		ONCE(user, "--user");
		if (!*v)
			return fail(err, len, "empty --user");
		a->user = v;
	} else if (!strcmp(arg, "--check")) {
		ONCE(check, "--check");
		a->mode = MODE_CHECK;
	} else if (!strcmp(arg, "--lint")) {
		ONCE(lint, "--lint");
		a->mode = MODE_LINT;
		if (next && strncmp(next, "--", 2) != 0) {
			a->lint_file = next;
			*used = 1;
		}
	} else if (takes_value(arg)) {
		return fail(err, len, "option %s needs its value after '=': %s=...",
			    arg, arg);
	} else {
		return fail(err, len, "unknown or malformed option '%.40s'", arg);
	}
	*sp = seen;
	return 0;
}
