/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bridge-helper: give the caller a TAP attached to a bridge, if the
 * administrator's ACL allows it. Installed setuid root or with the file
 * capability cap_net_admin+ep; see bridge-helper(8) and SECURITY.md.
 *
 * Invariants -- every change to this file MUST keep them:
 *  1. --help and --version are answered before any other work.
 *  2. Before anything else: fds 0-2 open, every other fd but --fd closed,
 *     empty environment, default signal mask and dispositions (SIGPIPE
 *     and SIGXFSZ ignored: errors, not deaths), not dumpable.
 *  3. The only privileged act before dropping privilege is opening
 *     /dev/net/tun (a fixed path; creates nothing). Then only CAP_NET_ADMIN
 *     is kept (none for --check/--lint), ids become the caller's, and the
 *     result is verified, not trusted (priv.c) -- but for
 *     CAP_DAC_READ_SEARCH, held only while the ACL files are read (no path
 *     the caller chooses; nothing but checked regular files is opened) and
 *     dropped, verified, before any name is looked up, anything decided or
 *     created. NSS runs only after that; only root's --check --user=
 *     before it.
 *  4. Every argument, the socket, the ACL decision and the bridge lookup are
 *     checked before any TAP exists. A refused request creates nothing.
 *  5. Any error in the ACL, anywhere, denies. --acl is refused when the
 *     process was made privileged by exec (AT_SECURE).
 *  6. The TAP is never persistent: it dies with its fds, so exiting on any
 *     error after creation leaks nothing.
 *  7. One line on stderr per failure; one syslog line per decision.
 *  8. This file is the setuid door only: who the caller is, privilege, the
 *     policy read per launch, the hand-over. Deciding and creating are
 *     core.c's, shared with the service door (bridge-helperd).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "acl.h"
#include "args.h"
#include "core.h"
#include "fdpass.h"
#include "netlink.h"
#include "priv.h"
#include "tap.h"

static const char usage_text[] =
"usage: bridge-helper [--use-vnet] [--queues=N] [--sndbuf=BYTES] [--mac=MAC]\n"
"                     [--acl=FILE] --fd=N --br=BRIDGE\n"
"       bridge-helper --check --br=BRIDGE [--user=NAME|UID] [--queues=N]\n"
"                     [--sndbuf=BYTES] [--mac=MAC] [--acl=FILE]\n"
"       bridge-helper --lint [FILE]\n"
"       bridge-helper --help | --version\n"
"\n"
"Create a TAP, attach it to BRIDGE and pass its fd(s) over the AF_UNIX\n"
"socket at fd N, if " BH_ACL_PATH " allows it.\n"
"\n"
"  --br=BRIDGE     the bridge (required)\n"
"  --fd=N          the AF_UNIX stream socket to send the TAP fd(s) on\n"
"  --use-vnet      ask for IFF_VNET_HDR (if the kernel offers it)\n"
"  --queues=N      a multi-queue TAP with N queues (1..256): N fds; at most\n"
"                  what the ACL allows (1 unless a queues rule says more)\n"
"  --sndbuf=BYTES  the send buffer the TAP starts with; may lower the\n"
"                  administrator's, never raise it\n"
"  --mac=MAC       the guest's MAC address, where a lockmac rule locks the\n"
"                  port to it (e.g. 52:54:00:12:34:56)\n"
"  --acl=FILE      another ACL file (refused when running privileged)\n"
"  --check         print whether the caller may use BRIDGE, and why\n"
"  --user=NAME|UID with --check, as root: ask on that user's behalf\n"
"  --lint [FILE]   report every error in an ACL file (default: the system one)\n"
"\n"
"Exit status: 0 success, 1 system error, 2 usage, 3 denied by policy,\n"
"4 bad configuration. See bridge-helper(8) and bridge.conf(5).\n";

enum { EXIT_SYSTEM = CORE_SYSTEM, EXIT_USAGE = CORE_USAGE, EXIT_CONFIG = CORE_CONFIG };

#define MAX_GROUPS 65536

/* Who is asking: ids and groups captured from the kernel before any
 * privilege change; the name looked up after it. */
struct caller {
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	size_t ngroups;
	char name[64];          /* user name for messages and the log */
};

static int tunfds_n;

/* ---- errors -------------------------------------------------------------- */

static void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("bridge-helper: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);    /* the TAP, if any, dies with our fds */
}

static void die_errno(int status, int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
static void die_errno(int status, int err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	die(status, "%s: %s", what, strerror(err < 0 ? -err : err));
}

/* ---- 2. the process -------------------------------------------------------- */

static void ensure_stdio(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n < 0)
			_exit(EXIT_SYSTEM);          /* nowhere to report it */
		if (n != fd)                         /* lowest free fd is FD */
			_exit(EXIT_SYSTEM);
	}
}

static void close_fds_but(int keep)
{
	if ((keep > 3 && close_range(3, (unsigned)keep - 1, 0) < 0) ||
	    close_range((unsigned)keep + 1, ~0U, 0) < 0)
		die_errno(EXIT_SYSTEM, errno, "cannot close inherited fds");
}

static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGPIPE ||
		    sig == SIGXFSZ)
			continue;            /* fixed by the kernel; set below */
		sigaction(sig, &sa, NULL);   /* libc's own (32, 33): EINVAL */
	}
	/* Writing to a socket or stderr whose reader is gone, or to a file
	 * beyond the caller's RLIMIT_FSIZE (ulimit -f), is an error reported
	 * by the exit status, not a death by signal. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		die_errno(EXIT_SYSTEM, errno, "cannot reset the signal mask");
}

/* clearenv() only drops libc's pointer: zero the strings themselves too, so
 * that nothing of the caller's environment stays in our memory. In secure
 * mode the loader has already unset (not erased) what it ignores (LD_PRELOAD,
 * GCONV_PATH ...), so also zero the whole block the kernel copied: from the
 * end of argv's strings (FROM) up to the executable's name (AT_EXECFN). */
static void wipe_environment(char *from)
{
	char *to = (char *)getauxval(AT_EXECFN);

	for (char **e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	/* (the loader may have moved a variable, e.g. GLIBC_TUNABLES, out of
	 * the block: its original stays inside and is erased here) */
	if (from && to > from && to - from <= 2L * 1024 * 1024)
		explicit_bzero(from, (size_t)(to - from));
	if (clearenv() != 0)
		die(EXIT_SYSTEM, "cannot clear the environment");
}

static void sanitize_process(int keep_fd, char *env_from)
{
	struct rlimit no_core = { 0, 0 };

	if (keep_fd >= 3)
		close_fds_but(keep_fd);
	else if (close_range(3, ~0U, 0) < 0)
		die_errno(EXIT_SYSTEM, errno, "cannot close inherited fds");
	wipe_environment(env_from);
	reset_signals();
	umask(077);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    setrlimit(RLIMIT_CORE, &no_core) < 0)
		die_errno(EXIT_SYSTEM, errno, "cannot make the process non-dumpable");
}

/* After the drop: NSS modules and their files never run privileged. */
static void caller_name(struct caller *who)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(who->uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
	    strlen(res->pw_name) < sizeof(who->name))
		snprintf(who->name, sizeof(who->name), "%s", res->pw_name);
	else
		snprintf(who->name, sizeof(who->name), "#%u", (unsigned)who->uid);
}

/* The real ids and the supplementary groups, as the kernel reports them. */
static void caller_capture(struct caller *who)
{
	int n = getgroups(0, NULL);

	who->uid = getuid();
	who->gid = getgid();
	if (n < 0 || n > MAX_GROUPS)
		die_errno(EXIT_SYSTEM, errno, "cannot read the caller's groups");
	who->groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!who->groups)
		die(EXIT_SYSTEM, "out of memory");
	if (n > 0 && (n = getgroups(n, who->groups)) < 0)
		die_errno(EXIT_SYSTEM, errno, "cannot read the caller's groups");
	who->ngroups = (size_t)n;
}

/* --check --user=NAME|UID: root asks on NAME's behalf (groups from the database). */
static void caller_as_user(struct caller *who, const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = MAX_GROUPS;
	long uid;

	if (who->uid != 0)
		die(EXIT_USAGE, "--user is for root only");

	/* A name, or a numeric uid as the ACL's user= takes them. */
	if ((getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res) &&
	    (!args_number(user, 0, (long)UINT32_MAX - 1, &uid) ||
	     getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) != 0 || !res))
		die(EXIT_USAGE, "--user=%.64s: no such user", user);
	free(who->groups);
	who->groups = calloc(MAX_GROUPS, sizeof(gid_t));
	if (!who->groups)
		die(EXIT_SYSTEM, "out of memory");
	if (getgrouplist(res->pw_name, res->pw_gid, who->groups, &n) < 0)
		die(EXIT_SYSTEM, "--user=%.64s: too many groups", user);
	who->uid = res->pw_uid;
	who->gid = res->pw_gid;
	who->ngroups = (size_t)n;
	caller_name(who);
}

/* ---- 3. privilege ----------------------------------------------------------- */

static void check_socket(int fd)
{
	int domain = 0, type = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    (len = sizeof(int), getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len)) < 0) {
		if (errno == ENOTSOCK)
			die(EXIT_USAGE, "--fd=%d: not a socket", fd);
		die_errno(EXIT_USAGE, errno, "--fd=%d", fd);
	}
	if (domain != AF_UNIX || type != SOCK_STREAM)
		die(EXIT_USAGE, "--fd=%d: not an AF_UNIX stream socket", fd);
}

/* Fail early, and say why, when nothing can make us privileged. */
static void require_privilege(void)
{
	if (priv_can_net_admin() <= 0)
		die(EXIT_SYSTEM, "no CAP_NET_ADMIN: bridge-helper must be installed "
		    "setuid root (make install-setuid) or with the file capability "
		    "cap_net_admin+ep (make install-caps)");
}

static void open_tun(unsigned queues, int *fds)
{
	int r;

	require_privilege();
	r = tap_open_tun(queues, fds);

	if (r == -EACCES || r == -EPERM)
		die_errno(EXIT_SYSTEM, r, "cannot open /dev/net/tun (with file "
			  "capabilities the caller needs read-write access to it)");
	if (r < 0)
		die_errno(EXIT_SYSTEM, r, "cannot open /dev/net/tun");
	tunfds_n = (int)queues;
}

/* Why priv_drop() or priv_drop_read() failed (F, *D), in one line. */
static void priv_die(enum priv_fail f, int d) __attribute__((noreturn));
static void priv_die(enum priv_fail f, int d)
{
	const char *failed = "privilege drop failed";

	switch (f) {
	case PRIV_OK:
		break;
	case PRIV_CANNOT_KEEP:
		die(EXIT_SYSTEM, "cannot keep CAP_NET_ADMIN: not installed setuid "
		    "root or with the file capability cap_net_admin+ep");
	case PRIV_CAPNG:
		die(EXIT_SYSTEM, "cannot drop privileges (libcap-ng error %d)", d);
	case PRIV_HARDEN:
		die_errno(EXIT_SYSTEM, d, "cannot harden the process");
	case PRIV_IDS:
		die(EXIT_SYSTEM, "%s: ids not reset", failed);
	case PRIV_ROOT_REGAINED:
		die(EXIT_SYSTEM, "%s: root regained", failed);
	case PRIV_GROUPS_KEPT:
		die(EXIT_SYSTEM, "%s: supplementary groups kept", failed);
	case PRIV_CAPGET:
		die_errno(EXIT_SYSTEM, d, "%s: cannot read capabilities", failed);
	case PRIV_CAPSET:
		die_errno(EXIT_SYSTEM, d, "%s: cannot set capabilities", failed);
	case PRIV_CAP_KEPT:
		die(EXIT_SYSTEM, "%s: capability %d kept", failed, d);
	case PRIV_CAP_MISSING:
		die(EXIT_SYSTEM, "%s: capability %d missing", failed, d);
	case PRIV_AMBIENT_KEPT:
		die(EXIT_SYSTEM, "%s: ambient capability %d kept", failed, d);
	case PRIV_BOUNDING_KEPT:
		die(EXIT_SYSTEM, "%s: bounding set kept", failed);
	case PRIV_BOUNDING_READ:
		die_errno(EXIT_SYSTEM, d, "%s: cannot read the bounding set", failed);
	}
	die(EXIT_SYSTEM, "%s", failed);
}

/* The drop and its verification are priv.c's; the messages are ours. With
 * KEEP_READ, CAP_DAC_READ_SEARCH stays until drop_read(): the ACL files are
 * read with it, nothing else is done with it. */
static void drop_privileges(bool keep_net_admin, bool keep_read)
{
	int d = 0;
	enum priv_fail f = priv_drop(keep_net_admin, keep_read, &d);

	if (f != PRIV_OK)
		priv_die(f, d);
}

static void drop_read(bool keep_net_admin)
{
	int d = 0;
	enum priv_fail f = priv_drop_read(keep_net_admin, &d);

	if (f != PRIV_OK)
		priv_die(f, d);
}

/* ---- 4. policy, the setuid door's way: read per launch ------------------- */

struct diag {
	FILE *out;              /* --lint: print everything here */
	unsigned errors, warnings;
	char first[512];        /* otherwise: the first error, for one line */
};

static void diag_cb(void *ctx, enum acl_severity sev, const char *file,
		    unsigned line, unsigned col, const char *msg)
{
	struct diag *d = ctx;
	char where[PATH_MAX + 32];

	if (line && col)
		snprintf(where, sizeof(where), "%s:%u:%u", file, line, col);
	else if (line)
		snprintf(where, sizeof(where), "%s:%u", file, line);
	else
		snprintf(where, sizeof(where), "%s", file);
	if (sev == ACL_SEV_WARNING)
		d->warnings++;
	else if (d->errors++ == 0 &&
		 snprintf(d->first, sizeof(d->first), "%s: %s", where, msg) < 0)
		d->first[0] = '\0';
	if (d->out)
		fprintf(d->out, "%s: %s%s\n", where,
			sev == ACL_SEV_WARNING ? "warning: " : "", msg);
}

/* The policy of one launch, read once, with CAP_DAC_READ_SEARCH when the
 * helper has it (as root in setuid mode): every file is read, and each
 * file's rules reach whom its mode lets read it (bridge.conf(5)); names
 * are looked up only after that capability is gone. Only the rules for
 * the bridge asked for (and for the device's own name, when that is an
 * alternative name) are kept, so a large file stays cheap; every rule is
 * still checked. The core asks for it by name (policy_get). */
struct policy {
	const char *path;
	struct acl *acl;
	struct diag d;          /* across reading and resolving */
	int status;             /* CORE_OK, or why the ACL is unusable */
	char msg[CORE_MSG_MAX];
};

static void policy_status(struct policy *p, int r)
{
	if (r == -ENOMEM) {
		p->status = CORE_SYSTEM;
		snprintf(p->msg, sizeof(p->msg), "out of memory reading %s", p->path);
	} else if (r != 0 || p->d.errors) {
		p->status = CORE_CONFIG;
		snprintf(p->msg, sizeof(p->msg), "bad configuration, everything "
			 "denied: %s%s", p->d.first,
			 p->d.errors > 1 ? " (and more: see --lint)" : "");
	}
}

/* The device's own name behind BR, when BR is an alternative name; "" if
 * not, or on any failure: the core looks BR up again and decides, and a
 * name not read for gets no rule (fail closed). No answer leaves here. */
static void own_name(const char *br, char name[IFNAMSIZ])
{
	struct nl_bridge b;
	struct nl *nl = NULL;
	char kind[32];

	name[0] = '\0';
	if (nl_open(&nl) < 0)
		return;
	if (nl_bridge_get(nl, br, &b, kind) == 0 && strcmp(b.name, br) != 0)
		snprintf(name, IFNAMSIZ, "%s", b.name);
	nl_close(nl);
}

/* Read the ACL (PRIVILEGED: with CAP_DAC_READ_SEARCH); no name looked up. */
static void policy_read(struct policy *p, const struct args *a, bool privileged)
{
	char own[IFNAMSIZ];
	const char *only[] = { a->br, NULL, NULL };
	struct acl_opts opts = {
		.require_safe = true, .only = only, .defer_names = true,
		.privileged = privileged,
		.eacces_hint = privileged ? NULL : "(the helper reads the ACL as the "
			"caller: give it cap_dac_read_search too, as make "
			"install-caps does, or install it setuid root)",
	};

	p->path = a->acl ? a->acl : BH_ACL_PATH;
	own_name(a->br, own);
	if (own[0])
		only[1] = own;
	policy_status(p, acl_load(p->path, &opts, &p->acl, diag_cb, &p->d));
}

/* Once the capability is gone: the names (NSS). */
static void policy_resolve(struct policy *p)
{
	if (p->status == CORE_OK)
		policy_status(p, acl_resolve(p->acl, diag_cb, &p->d));
}

static const struct acl *policy_get(void *ctx, const char *name,
				    struct core_result *res)
{
	const struct policy *p = ctx;

	(void)name;                 /* the policy decides for the names read */
	if (p->status == CORE_OK)
		return p->acl;
	res->status = p->status;
	snprintf(res->msg, sizeof(res->msg), "%s", p->msg);
	return NULL;
}

static int do_lint(const struct args *a)
{
	const char *path = a->lint_file ? a->lint_file : a->acl ? a->acl : BH_ACL_PATH;
	struct acl_opts opts = { .require_safe = true, .warnings = true };
	struct diag d = { .out = stdout };
	struct acl *acl = NULL;
	int r = acl_load(path, &opts, &acl, diag_cb, &d);

	acl_free(acl);
	if (r == -ENOMEM)
		die(EXIT_SYSTEM, "out of memory reading %s", path);
	printf("%s: %u error%s, %u warning%s\n", path, d.errors,
	       d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s");
	if (fflush(stdout) != 0)
		return EXIT_SYSTEM;
	return d.errors ? EXIT_CONFIG : 0;
}

/* ---- 5. decide and act: the core ------------------------------------------ */

static void core_args(const struct args *a, const struct caller *who,
		      struct core_req *req, struct core_caller *c)
{
	*req = (struct core_req){ .br = a->br, .vnet_hdr = a->vnet_hdr,
				  .queues = a->queues, .sndbuf = a->sndbuf,
				  .has_mac = a->has_mac };
	memcpy(req->mac, a->mac, sizeof(req->mac));
	*c = (struct core_caller){ .uid = who->uid, .gid = who->gid,
				   .groups = who->groups, .ngroups = who->ngroups };
	snprintf(c->name, sizeof(c->name), "%s", who->name);
}

static int do_check(const struct args *a, const struct caller *who,
		    struct policy *pol)
{
	const struct core_policy cp = { policy_get, pol };
	static char report[8192];
	struct core_result res;
	struct core_req req;
	struct core_caller c;
	int s;

	core_args(a, who, &req, &c);
	s = core_check(&req, &c, &cp, report, sizeof(report), &res);
	acl_free(pol->acl);
	if (s == CORE_CONFIG || !report[0])   /* nothing to explain but this */
		die(s, "%s", res.msg);
	fputs(report, stdout);
	if (fflush(stdout) != 0)
		return EXIT_SYSTEM;
	return s;
}

static int do_create(const struct args *a, const struct caller *who,
		     struct policy *pol, int *tunfds)
{
	const struct core_policy cp = { policy_get, pol };
	struct core_result res;
	struct core_req req;
	struct core_caller c;
	int r;

	core_args(a, who, &req, &c);
	if (core_create(&req, &c, &cp, tunfds, &res) != CORE_OK)
		die(res.status, "%s", res.msg);   /* the TAP dies with our fds */
	if ((r = fdpass_send(a->fd, tunfds, a->queues)) < 0)
		die_errno(EXIT_SYSTEM, r, "cannot pass %s to the caller", res.tap);
	acl_free(pol->acl);
	return 0;
}

int main(int argc, char **argv)
{
	static int tunfds[TAP_MAX_QUEUES];
	static struct caller who;   /* static: its groups stay reachable to the end */
	static struct policy pol;
	struct args a;
	bool read;
	char err[256];

	/* 1. stdio first, so that every message has somewhere to go. */
	ensure_stdio();
	if (args_parse(argc, argv, &a, err, sizeof(err)) < 0)
		die(EXIT_USAGE, "%s (see --help)", err);
	if (a.mode == MODE_HELP) {
		fputs(usage_text, stdout);
		return fflush(stdout) == 0 ? 0 : EXIT_SYSTEM;
	}
	if (a.mode == MODE_VERSION) {
		puts("bridge-helper " BH_VERSION);
		return fflush(stdout) == 0 ? 0 : EXIT_SYSTEM;
	}

	/* 2. Sanitise what the caller handed us. */
	sanitize_process(a.fd, argc > 0 && argv[argc - 1] ?
			 argv[argc - 1] + strlen(argv[argc - 1]) + 1 : NULL);
	caller_capture(&who);
	if (a.acl && getauxval(AT_SECURE))
		die(EXIT_USAGE, "--acl is refused: running privileged "
		    "(setuid or file capability); the ACL is " BH_ACL_PATH);
	openlog("bridge-helper", LOG_PID, LOG_AUTHPRIV);

	/* 3. Narrow privilege: none at all to lint; CAP_NET_ADMIN to create;
	 * CAP_DAC_READ_SEARCH, when we have it, only to read the ACL. */
	if (a.mode == MODE_LINT) {
		drop_privileges(false, false);
		return do_lint(&a);
	}
	read = priv_can_read() > 0;
	if (a.mode == MODE_CHECK) {
		if (a.user)
			caller_as_user(&who, a.user);   /* root only */
		drop_privileges(false, read);
		policy_read(&pol, &a, read);
		drop_read(false);
		policy_resolve(&pol);
		if (!a.user)
			caller_name(&who);
		return do_check(&a, &who, &pol);
	}
	check_socket(a.fd);
	open_tun(a.queues, tunfds);
	drop_privileges(true, read);
	policy_read(&pol, &a, read);
	drop_read(true);
	policy_resolve(&pol);
	caller_name(&who);

	/* 4. Decide, then act. */
	return do_create(&a, &who, &pol, tunfds);
}
