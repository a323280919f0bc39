/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bridge-helperd: the service door. Gives the caller at the other end of
 * an AF_UNIX connection a TAP attached to a bridge, if the administrator's
 * ACL allows it -- the same decision, TAP, messages and log line as the
 * setuid bridge-helper, from the same core (core.c). See bridge-helperd(8).
 *
 * Invariants -- every change to these files MUST keep them:
 *  1. --help and --version are answered before any other work.
 *  2. Then: fds 0-2 open, every inherited fd but systemd's sockets closed,
 *     an empty environment, default signal dispositions (SIGPIPE ignored).
 *  3. Privilege: root with CAP_NET_ADMIN alone (verified, priv.c), no
 *     supplementary groups, no_new_privs, not dumpable, before any socket
 *     is made or file read. --acl only when started by root.
 *  4. The caller is who the kernel says (SO_PEERCRED, SO_PEERGROUPS),
 *     captured at connect; no message can claim an identity.
 *  5. Each request is decided on one complete policy; a broken ACL denies
 *     everything; the core decides and creates, this door never does.
 *  6. The service never blocks on a client (svc_loop.c); a TAP is never
 *     persistent, so a client or the service dying leaks nothing, and a
 *     TAP already handed over lives on with the client's fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "priv.h"
#include "svc.h"
#include "tap.h"

static const char usage_text[] =
"usage: " SVC_PROG " [--socket=PATH] [--acl=FILE] [--idle-exit=SECONDS]\n"
"                      [--max-per-uid=N] [--max-connections=N]\n"
"       " SVC_PROG " --help | --version\n"
"\n"
"Serve TAPs attached to bridges to local callers, as " BH_ACL_PATH "\n"
"allows, on an AF_UNIX SOCK_SEQPACKET socket: systemd's (socket activation)\n"
"or PATH (default " SVC_SOCKET_PATH "). Runs in the foreground.\n"
"\n"
"  --socket=PATH         listen here (not with socket activation)\n"
"  --acl=FILE            another ACL file (only when started by root)\n"
"  --idle-exit=SECONDS   exit after that long without a connection\n"
"  --max-per-uid=N       open connections per uid (default 32)\n"
"  --max-connections=N   open connections in all (default 1024)\n"
"\n"
"Exit status: 0 stopped (SIGTERM, SIGINT, idle), 1 system error, 2 usage.\n"
"See bridge-helperd(8).\n";

struct opts {
	const char *socket;
	const char *acl;
	unsigned long idle_exit, max_per_uid, max_conns;
	bool seen[5];
};

void svc_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs(SVC_PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* ---- 1. the command line ------------------------------------------------- */

static unsigned long number(const char *opt, const char *s, unsigned long min,
			    unsigned long max)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		die(CORE_USAGE, "--%s: '%s' is not a number", opt, s);
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v < min || v > max)
		die(CORE_USAGE, "--%s: '%s': %lu to %lu", opt, s, min, max);
	return v;
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const char *const names[] = { "socket", "acl", "idle-exit",
					     "max-per-uid", "max-connections" };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t k;

		if (!strcmp(a, "--help") || !strcmp(a, "--version")) {
			if (a[2] == 'h')
				fputs(usage_text, stdout);
			else
				puts(SVC_PROG " " BH_VERSION);
			exit(fflush(stdout) == 0 ? 0 : CORE_SYSTEM);
		}
		for (k = 0; k < 5; k++)
			if (eq && !strncmp(a, "--", 2) && (size_t)(eq - a - 2) ==
			    strlen(names[k]) && !strncmp(a + 2, names[k], strlen(names[k])))
				break;
		if (k == 5)
			die(CORE_USAGE, "unknown or malformed option '%.40s' (see --help)", a);
		if (o->seen[k])
			die(CORE_USAGE, "--%s given twice", names[k]);
		o->seen[k] = true;
		if (!eq[1])
			die(CORE_USAGE, "--%s needs a value", names[k]);
		if (k == 0)
			o->socket = eq + 1;
		else if (k == 1)
			o->acl = eq + 1;
		else if (k == 2)
			o->idle_exit = number(names[k], eq + 1, 1, 86400);
		else if (k == 3)
			o->max_per_uid = number(names[k], eq + 1, 1, 65536);
		else
			o->max_conns = number(names[k], eq + 1, 1, 1 << 20);
	}
}

/* ---- 2. the process ---------------------------------------------------------- */

static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 &&
		    open("/dev/null", O_RDWR | O_NOCTTY) != fd)
			_exit(CORE_SYSTEM);
}

static void sanitize_process(int nlisten)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	if (close_range(3 + (unsigned)nlisten, ~0U, 0) < 0)
		die(CORE_SYSTEM, "cannot close inherited fds: %s", strerror(errno));
	if (clearenv() != 0)
		die(CORE_SYSTEM, "cannot clear the environment");
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sa.sa_handler = SIG_IGN;              /* a gone client is an error */
	sigaction(SIGPIPE, &sa, NULL);
	umask(077);
}

/* Room for MAX connections, 256 queues' fds, netlink and the rest: the
 * soft fd limit up to the hard one, MAX lowered to fit. */
static unsigned long fit_fds(unsigned long max)
{
	struct rlimit rl;
	const unsigned long spare = TAP_MAX_QUEUES + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < max + spare)
		max = rl.rlim_cur > spare + 16 ? rl.rlim_cur - spare : 16;
	return max;
}

/* ---- 3. privilege ---------------------------------------------------------------- */

static void narrow_privilege(void)
{
	int d = 0;
	enum priv_fail f = priv_narrow(&d);

	if (f == PRIV_OK)
		return;
	if (f == PRIV_CANNOT_KEEP)
		die(CORE_SYSTEM, "no CAP_NET_ADMIN: run it as root (systemd: "
		    "bridge-helper.socket)");
	if (f == PRIV_GROUPS_KEPT)
		die(CORE_SYSTEM, "cannot drop supplementary groups");
	if (f == PRIV_CAP_KEPT || f == PRIV_BOUNDING_KEPT)
		die(CORE_SYSTEM, "privilege drop failed: capability %d kept", d);
	die(CORE_SYSTEM, "privilege drop failed (step %d, detail %d)", (int)f, d);
}

int main(int argc, char **argv)
{
	struct opts o = { .max_per_uid = SVC_MAX_PER_UID, .max_conns = SVC_MAX_CONNS };
	int lfds[SVC_MAX_LISTEN], nl, status;
	struct svc_policy *pol;
	char err[PATH_MAX + 128];
	struct stat own = { 0 };

	/* 1. */
	ensure_stdio();
	parse(argc, argv, &o);

	/* 2. systemd's sockets (read from the environment), then a clean slate. */
	nl = svc_listen_systemd(lfds, SVC_MAX_LISTEN, err, sizeof(err));
	if (nl < 0)
		die(CORE_SYSTEM, "%s", err);
	if (nl > 0 && o.socket)
		die(CORE_USAGE, "--socket is not for a socket-activated service");
	sanitize_process(nl);
	if (o.acl && (getauxval(AT_SECURE) || getuid() != 0))
		die(CORE_USAGE, "--acl is only for a service started by root; the "
		    "ACL is " BH_ACL_PATH);
	o.max_conns = fit_fds(o.max_conns);

	/* 3. */
	narrow_privilege();
	/* In the foreground the log (the core's lines too) also goes to stderr. */
	openlog(SVC_PROG, LOG_PID | LOG_NDELAY | (nl == 0 ? LOG_PERROR : 0),
		LOG_AUTHPRIV);
	if (nl == 0) {
		if (!o.socket)
			o.socket = SVC_SOCKET_PATH;
		if ((lfds[0] = svc_listen_path(o.socket, err, sizeof(err))) < 0)
			die(CORE_SYSTEM, "%s", err);
		nl = 1;
		if (stat(o.socket, &own) < 0)
			die(CORE_SYSTEM, "%s: %s", o.socket, strerror(errno));
	}

	/* 4.-6. */
	if (!(pol = svc_policy_new(o.acl ? o.acl : BH_ACL_PATH)))
		die(CORE_SYSTEM, "out of memory");
	svc_log(LOG_INFO, "listening (%s); ACL %s", o.socket ? o.socket :
		"socket-activated", o.acl ? o.acl : BH_ACL_PATH);
	status = svc_loop(&(struct svc_loop_opts){
		.lfds = lfds, .nlfds = (size_t)nl, .pol = pol,
		.timeout_ms = SVC_TIMEOUT_MS, .max_per_uid = (unsigned)o.max_per_uid,
		.max_conns = (unsigned)o.max_conns,
		.idle_exit_s = (unsigned)o.idle_exit });
	if (o.socket) {                       /* ours, unless replaced since */
		struct stat now;

		if (stat(o.socket, &now) == 0 && now.st_ino == own.st_ino &&
		    now.st_dev == own.st_dev)
			unlink(o.socket);
	}
	svc_policy_free(pol);
	return status;
}
