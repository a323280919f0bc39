/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bridge-helper-run: get a TAP attached to a bridge from bridge-helperd(8)
 * or bridge-helper(8) through libbridge-helper (its auto mode), place its
 * fds at the lowest free fds from 3 up and exec COMMAND.
 * See bridge-helper-run(1).
 *
 * Order: answer --help/--version, parse every option strictly (any doubt is
 * a usage error, exit 2), ask the library (exit 125 on any failure, as
 * env(1) does for its own; COMMAND never starts), put the fds in place,
 * export their numbers, exec.
 * The helper path comes from the build or --helper, never from the
 * environment. The only fds added to COMMAND's are the TAP's, and every fd
 * the caller passed stays as it was: a nested bridge-helper-run keeps the
 * outer one's TAP.
 */
#include "bridge-helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BH_SOCKET_PATH
#define BH_SOCKET_PATH "/run/bridge-helper/socket"
#endif

#define PROG        "bridge-helper-run"
#define FIRST_FD    3
#define EXIT_USAGE  2
#define EXIT_NOTAP  125   /* no TAP obtained: COMMAND never ran */
#define EXIT_NOEXEC 126
#define EXIT_NOENT  127

enum opt_id { OPT_HELPER, OPT_ACL, OPT_BR, OPT_VNET, OPT_QUEUES, OPT_SNDBUF,
	      OPT_TIMEOUT, OPT_SOCKET, OPT_MAC, OPT_COUNT };

static const struct optdef {
	const char *name;
	bool has_value;
} optdefs[OPT_COUNT] = {
	[OPT_HELPER] = { "helper", true },
	[OPT_ACL] = { "acl", true },
	[OPT_BR] = { "br", true },
	[OPT_VNET] = { "use-vnet", false },
	[OPT_QUEUES] = { "queues", true },
	[OPT_SNDBUF] = { "sndbuf", true },
	[OPT_TIMEOUT] = { "timeout", true },
	[OPT_SOCKET] = { "socket", true },
	[OPT_MAC] = { "mac", true },
};

struct opts {
	const char *helper;    /* NULL: the library's default, BH_HELPER_PATH */
	const char *acl;
	const char *socket;    /* NULL: the library's default */
	const char *bridge;
	const char *mac;       /* NULL: none declared */
	bool vnet;
	unsigned long queues;
	unsigned long sndbuf;      /* 0: not given */
	unsigned long timeout_s;
	bool seen[OPT_COUNT];
	char **cmd;
};

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--helper=PATH] [--socket=PATH] [--acl=FILE] --br=BRIDGE\n"
		"       [--use-vnet] [--queues=N] [--sndbuf=BYTES] [--mac=MAC]\n"
		"       [--timeout=SECONDS]\n"
		"       -- COMMAND [ARG...]\n"
		"       " PROG " --help | --version\n"
		"\n"
		"Get a TAP attached to BRIDGE from the bridge-helperd service (when its\n"
		"socket answers) or else from bridge-helper, pass its N queue fds to\n"
		"COMMAND at the lowest free fds from 3 up (3, 4, ... unless the caller\n"
		"has some open) and run it with BRIDGE_HELPER_FDS (3:4:...) and\n"
		"BRIDGE_HELPER_IFNAME set. Default helper: " BH_HELPER_PATH "\n"
		"Default socket: " BH_SOCKET_PATH "\n"
		"Exit status: COMMAND's; 125 no TAP obtained; 126/127 COMMAND not run.\n");
}

/* Digits only, in [MIN, MAX]; exit 2 otherwise. */
static unsigned long number(const char *opt, const char *s, unsigned long min,
			    unsigned long max)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		die(EXIT_USAGE, "--%s: '%s' is not a number", opt, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		die(EXIT_USAGE, "--%s: '%s' is not a number", opt, s);
	if (errno == ERANGE || v < min || v > max)
		die(EXIT_USAGE, "--%s: %s is out of range %lu..%lu", opt, s, min, max);
	return v;
}

static void store(struct opts *o, enum opt_id id, const char *v)
{
	const char *name = optdefs[id].name;

	switch (id) {
	case OPT_HELPER: o->helper = v; break;
	case OPT_ACL: o->acl = v; break;
	case OPT_SOCKET: o->socket = v; break;
	case OPT_MAC: o->mac = v; break;
	case OPT_BR: o->bridge = v; break;
	case OPT_VNET: o->vnet = true; break;
	case OPT_QUEUES: o->queues = number(name, v, 1, 256); break;
	case OPT_SNDBUF: o->sndbuf = number(name, v, 1, INT_MAX); break;
	case OPT_TIMEOUT: o->timeout_s = number(name, v, 0, UINT_MAX / 1000); break;
	case OPT_COUNT: break;
	}
}

/* One "--name" or "--name=value" argument; exactly as spelled, no prefixes. */
static void parse_opt(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (strncmp(arg, "--", 2) != 0)
		die(EXIT_USAGE, "unexpected argument '%s' (COMMAND goes after --)", arg);
	for (int id = 0; id < OPT_COUNT; id++) {
		const struct optdef *d = &optdefs[id];

		if (len != strlen(d->name) + 2 || strncmp(arg + 2, d->name, len - 2) != 0)
			continue;
		if (d->has_value && (!eq || !eq[1]))
			die(EXIT_USAGE, "--%s needs a value: --%s=...", d->name, d->name);
		if (!d->has_value && eq)
			die(EXIT_USAGE, "--%s takes no value", d->name);
		if (o->seen[id])
			die(EXIT_USAGE, "--%s given twice", d->name);
		o->seen[id] = true;
		store(o, (enum opt_id)id, eq ? eq + 1 : NULL);
		return;
	}
	die(EXIT_USAGE, "unknown option '%.*s'", (int)len, arg);
}

static void parse(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(0);
		}
		if (!strcmp(argv[i], "--version")) {
			printf(PROG " %s\n", BH_VERSION);
			exit(0);
		}
		parse_opt(o, argv[i]);
	}
	if (i >= argc)
		die(EXIT_USAGE, "missing -- before COMMAND");
	if (i + 1 >= argc)
		die(EXIT_USAGE, "missing COMMAND after --");
	if (!o->bridge)
		die(EXIT_USAGE, "missing --br=BRIDGE");
	o->cmd = argv + i + 1;
}

static struct bh_request *make_request(const struct opts *o)
{
	struct bh_request *req = bh_request_new(o->bridge);

	if (!req && errno == EINVAL)
		die(EXIT_USAGE, "--br: invalid bridge name '%s'", o->bridge);
	if (!req)
		die(EXIT_NOTAP, "out of memory");
	if (o->helper && bh_request_set_helper(req, o->helper) < 0)
		die(EXIT_USAGE, "--helper: invalid path '%s'", o->helper);
	if (o->socket && bh_request_set_socket(req, o->socket) < 0)
		die(EXIT_USAGE, "--socket: invalid path '%s'", o->socket);
	if (o->mac && bh_request_set_mac(req, o->mac) < 0)
		die(EXIT_USAGE, "--mac: invalid address '%.40s': a unicast address "
		    "such as 52:54:00:12:34:56", o->mac);
	if (o->acl && bh_request_set_acl(req, o->acl) < 0)
		die(EXIT_USAGE, "--acl: invalid path '%s'", o->acl);
	if (bh_request_set_vnet_hdr(req, o->vnet) < 0 ||
	    bh_request_set_queues(req, (unsigned)o->queues) < 0 ||
	    (o->sndbuf && bh_request_set_sndbuf(req, (int)o->sndbuf) < 0) ||
	    (o->seen[OPT_TIMEOUT] &&
	     bh_request_set_timeout(req, (unsigned)o->timeout_s * 1000u) < 0))
		die(EXIT_USAGE, "invalid request");
	return req;
}

/* Is FD one of TAP's? */
static bool is_tap_fd(const struct bh_tap *tap, int fd)
{
	for (unsigned i = 0; i < bh_tap_queues(tap); i++)
		if (bh_tap_fd(tap, i) == fd)
			return true;
	return false;
}

/* The N lowest fds from FIRST_FD up that the caller does not hold: free, or
 * already one of TAP's (every other fd the library opened is closed). */
static void pick_slots(const struct bh_tap *tap, unsigned n, int *slot)
{
	long max = sysconf(_SC_OPEN_MAX);
	int fd = FIRST_FD;

	for (unsigned i = 0; i < n; fd++) {
		if (max > 0 && fd >= max)
			die(EXIT_NOTAP, "no free fd for the TAP below the limit of %ld",
			    max);
		if (is_tap_fd(tap, fd) || (fcntl(fd, F_GETFD) < 0 && errno == EBADF))
			slot[i++] = fd;
	}
}

/* Move the TAP's fds to SLOT[0..n) without FD_CLOEXEC. They may already sit
 * on some of those numbers: first move them all above the highest slot
 * (close-on-exec), then dup2 each into place, where only a free fd or one
 * of the TAP's own can be. */
static void place_fds(struct bh_tap *tap, unsigned n, const int *slot)
{
	int *high = calloc(n, sizeof(*high));

	if (!high)
		die(EXIT_NOTAP, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		int fd = bh_tap_take_fd(tap, i);

		high[i] = fcntl(fd, F_DUPFD_CLOEXEC, slot[n - 1] + 1);
		if (high[i] < 0)
			die(EXIT_NOTAP, "cannot move TAP fd %d: %s", fd, strerror(errno));
		close(fd);
	}
	for (unsigned i = 0; i < n; i++) {
		if (dup2(high[i], slot[i]) < 0)
			die(EXIT_NOTAP, "cannot place TAP fd at %d: %s", slot[i],
			    strerror(errno));
		close(high[i]);
	}
	free(high);
}

/* BRIDGE_HELPER_FDS=SLOT[0]:SLOT[1]:... and BRIDGE_HELPER_IFNAME (unset if
 * unknown): this run's TAP; an outer run's values are replaced. */
static void export_env(unsigned n, const int *slot, const char *ifname)
{
	size_t len = (size_t)n * 12 + 1, off = 0;
	char *list = malloc(len);

	if (!list)
		die(EXIT_NOTAP, "out of memory");
	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(list + off, len - off, "%s%d", i ? ":" : "",
					slot[i]);
	if (setenv("BRIDGE_HELPER_FDS", list, 1) < 0 ||
	    (*ifname ? setenv("BRIDGE_HELPER_IFNAME", ifname, 1)
		     : unsetenv("BRIDGE_HELPER_IFNAME")) < 0)
		die(EXIT_NOTAP, "cannot set environment: %s", strerror(errno));
	free(list);
}

int main(int argc, char **argv)
{
	struct opts o = { .queues = 1 };
	struct bh_request *req;
	struct bh_tap *tap = NULL;
	char msg[1024];
	unsigned n;
	int r, e, *slot;

	parse(argc, argv, &o);
	req = make_request(&o);
	r = bh_open(req, &tap, msg, sizeof(msg));
	bh_request_free(req);
	if (r < 0)
		die(EXIT_NOTAP, "%s", msg);
	n = bh_tap_queues(tap);
	slot = calloc(n, sizeof(*slot));
	if (!slot)
		die(EXIT_NOTAP, "out of memory");
	pick_slots(tap, n, slot);
	export_env(n, slot, bh_tap_name(tap));
	place_fds(tap, n, slot);
	bh_tap_free(tap);
	free(slot);
	execvp(o.cmd[0], o.cmd);
	e = errno;
	die(e == ENOENT ? EXIT_NOENT : EXIT_NOEXEC, "cannot run %s: %s",
	    o.cmd[0], strerror(e));
}
