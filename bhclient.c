/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bridge-helper-client: QEMU's bridge helper protocol on one side,
 * bridge-helperd(8)'s on the other. Needs no privilege at all: give it to
 * QEMU or libvirt (helper=, bridge_helper=) where setuid does not work or
 * is not wanted. See bridge-helperd(8).
 *
 * Order: parse the command line as bridge-helper does (args.c, the same
 * rules and messages; --socket=PATH is ours, --acl/--lint/--user are not
 * for a client), check --fd, ask the service, pass the fds on over --fd,
 * exit with the service's status (bridge-helper's: 0 ok, 1 system,
 * 2 usage, 3 denied, 4 bad configuration) and its one-line message on
 * stderr. Small: libc, args.c, svcmsg.c, fdpass.c and client_svc.c. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "args.h"
#include "client_svc.h"
#include "fdpass.h"

#define PROG        "bridge-helper-client"
#define TIMEOUT_S   30
#define MAX_ARGS    64

enum { EXIT_SYSTEM = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
"usage: " PROG " [--use-vnet] [--queues=N] [--sndbuf=BYTES] [--mac=MAC]\n"
"                            [--socket=PATH] --fd=N --br=BRIDGE\n"
"       " PROG " --check --br=BRIDGE [--sndbuf=BYTES] [--mac=MAC]\n"
"                            [--socket=PATH]\n"
"       " PROG " --help | --version\n"
"\n"
"Ask bridge-helperd for a TAP attached to BRIDGE and pass its fd(s) over\n"
"the AF_UNIX socket at fd N, as bridge-helper does: for QEMU's helper=.\n"
"Needs no privilege. Socket: --socket=PATH, default " BH_SOCKET_PATH ".\n"
"\n"
"Exit status: 0 success, 1 system error, 2 usage, 3 denied by policy,\n"
"4 bad configuration. See bridge-helperd(8).\n";

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

/* Take --socket=PATH out of ARGV (into *SOCK) and refuse what only the
 * privileged helper knows; the rest goes to args_parse. */
static int our_options(int argc, char **argv, char **out, const char **sock)
{
	static const char *const not_ours[] = { "--acl=", "--lint", "--user=" };
	int n = 0;

	for (int i = 0; i < argc; i++) {
		if (i > 0 && !strncmp(argv[i], "--socket=", 9)) {
			if (*sock)
				die(EXIT_USAGE, "option --socket given twice (see --help)");
			if (!argv[i][9])
				die(EXIT_USAGE, "empty --socket (see --help)");
			*sock = argv[i] + 9;
			continue;
		}
		for (size_t k = 0; i > 0 && k < 3; k++)
			if (!strncmp(argv[i], not_ours[k], strlen(not_ours[k])))
				die(EXIT_USAGE, "%.*s is for bridge-helper, not a client of "
				    "the service (see --help)", (int)strcspn(argv[i], "="),
				    argv[i]);
		if (n == MAX_ARGS)
			die(EXIT_USAGE, "too many arguments");
		out[n++] = argv[i];
	}
	out[n] = NULL;
	return n;
}

static void check_socket(int fd)
{
	int domain = 0, type = 0;
	socklen_t l1 = sizeof(int), l2 = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l1) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l2) < 0) {
		if (errno == ENOTSOCK)
			die(EXIT_USAGE, "--fd=%d: not a socket", fd);
		die(EXIT_USAGE, "--fd=%d: %s", fd, strerror(errno));
	}
	if (domain != AF_UNIX || type != SOCK_STREAM)
		die(EXIT_USAGE, "--fd=%d: not an AF_UNIX stream socket", fd);
}

static int64_t deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec + TIMEOUT_S) * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char *av[MAX_ARGS + 1], err[256];
	const char *sock = NULL;
	struct svcmsg_req rq = { .op = SVCMSG_CREATE };
	struct svc_call c;
	struct args a;
	int n = our_options(argc, argv, av, &sock), r;

	if (args_parse(n, av, &a, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s (see --help)", err);
	if (a.mode == MODE_HELP || a.mode == MODE_VERSION) {
		fputs(a.mode == MODE_HELP ? usage_text : PROG " " BH_VERSION "\n",
		      stdout);
		return fflush(stdout) == 0 ? 0 : EXIT_SYSTEM;
	}
	if (a.mode == MODE_CREATE)
		check_socket(a.fd);
	else
		rq.op = SVCMSG_CHECK;
	memcpy(rq.br, a.br, strlen(a.br) + 1);   /* args_ifname_ok: < 16 */
	rq.vnet_hdr = a.vnet_hdr;
	rq.queues = a.queues;
	rq.sndbuf = a.sndbuf;
	rq.has_mac = a.has_mac;
	memcpy(rq.mac, a.mac, sizeof(rq.mac));

	if ((r = svc_call_start(&c, sock, &rq)) < 0)
		die(EXIT_SYSTEM, "cannot reach bridge-helperd at %s: %s",
		    sock ? sock : BH_SOCKET_PATH, strerror(-r));
	if (svc_call_run(&c, deadline()) < 0)
		die(EXIT_SYSTEM, "bridge-helperd at %s: %s",
		    sock ? sock : BH_SOCKET_PATH, c.err);
	if (rq.op == SVCMSG_CHECK) {
		fputs(c.rep.report, stdout);
		if (fflush(stdout) != 0)
			return EXIT_SYSTEM;
		if (c.rep.status != 0 && !c.rep.report[0])
			die(c.rep.status, "%s", c.rep.msg);
		return c.rep.status;
	}
	if (c.rep.status != 0)
		die(c.rep.status, "%s", c.rep.msg);
	if ((r = fdpass_send(a.fd, c.fds, c.want)) < 0)
		die(EXIT_SYSTEM, "cannot pass %s to the caller: %s", c.rep.tap,
		    strerror(-r));
	return 0;                     /* our copies of the fds close on exit */
}
