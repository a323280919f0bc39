/* bridge-helper: give the caller a TAP attached to a bridge, if the
 * administrator's ACL allows it. Installed setuid root or with the file
 * capability cap_net_admin+ep; see bridge-helper(8) and SECURITY.md.
 *
 * Invariants -- every change to this file MUST keep them:
 *  1. --help and --version are answered before any other work.
 *  2. Before anything else: fds 0-2 open, every other fd but --fd closed,
 *     empty environment, default signal mask and dispositions, not dumpable.
 *  3. The only privileged act before dropping privilege is opening
 *     /dev/net/tun (a fixed path; creates nothing). Then only CAP_NET_ADMIN
 *     is kept (none for --check/--lint), ids become the caller's, and the
 *     result is verified, not trusted (priv.c). The caller's name is looked
 *     up (NSS) only after the drop; only root's --check --user= before it.
 *  4. Every argument, the socket, the ACL decision and the bridge lookup are
 *     checked before any TAP exists. A refused request creates nothing.
 *  5. Any error in the ACL, anywhere, denies. --acl is refused when the
 *     process was made privileged by exec (AT_SECURE).
 *  6. The TAP is never persistent: it dies with its fds, so exiting on any
 *     error after creation leaks nothing.
 *  7. One line on stderr per failure; one syslog line per decision.
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
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "args.h"
#include "fdpass.h"
#include "netlink.h"
#include "priv.h"
#include "tap.h"

static const char usage_text[] =
"usage: bridge-helper [--use-vnet] [--queues=N] [--sndbuf=BYTES] [--acl=FILE]\n"
"                     --fd=N --br=BRIDGE\n"
"       bridge-helper --check --br=BRIDGE [--user=NAME] [--sndbuf=BYTES] [--acl=FILE]\n"
"       bridge-helper --lint [FILE]\n"
"       bridge-helper --help | --version\n"
"\n"
"Create a TAP, attach it to BRIDGE and pass its fd(s) over the AF_UNIX\n"
"socket at fd N, if " BH_ACL_PATH " allows it.\n"
"\n"
"  --br=BRIDGE     the bridge (required)\n"
"  --fd=N          the AF_UNIX stream socket to send the TAP fd(s) on\n"
"  --use-vnet      ask for IFF_VNET_HDR (if the kernel offers it)\n"
"  --queues=N      a multi-queue TAP with N queues (1..256): N fds\n"
"  --sndbuf=BYTES  send buffer; may lower the administrator's, never raise it\n"
"  --acl=FILE      another ACL file (refused when running privileged)\n"
"  --check         print whether the caller may use BRIDGE, and why\n"
"  --user=NAME     with --check, as root: ask on NAME's behalf\n"
"  --lint [FILE]   report every error in an ACL file (default: the system one)\n"
"\n"
"Exit status: 0 success, 1 system error, 2 usage, 3 denied by policy,\n"
"4 bad configuration. See bridge-helper(8) and bridge.conf(5).\n";

enum { EXIT_SYSTEM = 1, EXIT_USAGE = 2, EXIT_DENIED = 3, EXIT_CONFIG = 4 };

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
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGPIPE)
			continue;            /* fixed by the kernel; set below */
		sigaction(sig, &sa, NULL);   /* libc's own (32, 33): EINVAL */
	}
	/* Writing to a socket or stderr whose reader is gone is an error we
	 * report, not a death by signal. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
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

/* --check --user=NAME: root asks on NAME's behalf (groups from the database). */
static void caller_as_user(struct caller *who, const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int n = MAX_GROUPS;

	if (who->uid != 0)
		die(EXIT_USAGE, "--user is for root only");
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || !res)
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

/* The drop and its verification are priv.c's; the messages are ours. */
static void drop_privileges(bool keep_net_admin)
{
	const char *failed = "privilege drop failed";
	int d = 0;

	switch (priv_drop(keep_net_admin, &d)) {
	case PRIV_OK:
		return;
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

/* ---- audit ------------------------------------------------------------------ */

static void audit_open(void)
{
	openlog("bridge-helper", LOG_PID, LOG_AUTHPRIV);
}

/* One line per decision; a logging failure never changes the decision. */
static void audit(int prio, const struct caller *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void audit(int prio, const struct caller *who, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	syslog(prio, "uid=%u user=%s %s", (unsigned)who->uid, who->name, what);
}

/* ---- 4. policy -------------------------------------------------------------- */

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

/* Load the policy for bridge NAME only: rules naming other bridges are
 * checked but not kept (a large file stays cheap), and the policy decides
 * for NAME alone. */
static struct acl *load_acl(const char *path, const struct args *a,
			    const struct caller *who, const char *name)
{
	const char *const only[] = { name, NULL };
	struct acl_opts opts = { .require_safe = true, .only = only };
	struct diag d = { 0 };
	struct acl *acl = NULL;
	int r = acl_load(path, &opts, &acl, diag_cb, &d);

	if (r == -ENOMEM)
		die(EXIT_SYSTEM, "out of memory reading %s", path);
	if (r != 0 || d.errors) {
		audit(LOG_NOTICE, who, "denied: bridge=%s queues=%u reason=\"bad "
		      "configuration: %s\"", a->br, a->queues, d.first);
		die(EXIT_CONFIG, "bad configuration, everything denied: %s%s",
		    d.first, d.errors > 1 ? " (and more: see --lint)" : "");
	}
	return acl;
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

static void decide(const struct acl *acl, const char *br,
		   const struct caller *who, struct acl_decision *dec)
{
	struct acl_caller c = { who->uid, who->gid, who->groups, who->ngroups };

	acl_decide(acl, br, &c, dec);
}

static const char *verdict(const struct acl_decision *dec, char *buf, size_t n)
{
	if (dec->result == ACL_NOMATCH)
		return "denied: no rule matches";
	snprintf(buf, n, "%s by %s:%u", dec->result == ACL_ALLOWED ?
		 "allowed" : "denied", dec->rule.file, dec->rule.line);
	return buf;
}

/* The send buffer: the administrator's value, lowered (never raised) by the
 * caller's --sndbuf; with neither, 0: the kernel's default stays. */
static int effective_sndbuf(const struct acl_decision *dec, int asked)
{
	if (dec->has_sndbuf && (asked == 0 || asked > dec->sndbuf))
		return dec->sndbuf;
	return asked;
}

/* Decide on NAME and, if it is only an alternative name, on the device's
 * own name too: both must allow. Dies (logged) when denied. */
static void require_allowed(const struct acl *acl, const char *name,
			    const struct caller *who, const struct args *a,
			    struct acl_decision *dec)
{
	char buf[PATH_MAX + 64];

	decide(acl, name, who, dec);
	if (dec->result == ACL_ALLOWED)
		return;
	audit(LOG_NOTICE, who, "denied: bridge=%s queues=%u reason=\"%s\"",
	      name, a->queues, verdict(dec, buf, sizeof(buf)));
	die(EXIT_DENIED, "%s: %s", name, verdict(dec, buf, sizeof(buf)));
}

static void lookup_bridge(struct nl *nl, const char *name, struct nl_bridge *br,
			  const struct caller *who, unsigned queues)
{
	char kind[32];
	int r = nl_bridge_get(nl, name, br, kind);

	if (r == -ENODEV) {
		audit(LOG_NOTICE, who, "denied: bridge=%s queues=%u reason=\"no such "
		      "device\"", name, queues);
		die(EXIT_SYSTEM, "%s: no such bridge", name);
	}
	if (r == -EMEDIUMTYPE) {
		audit(LOG_NOTICE, who, "denied: bridge=%s queues=%u reason=\"a %s, "
		      "not a bridge\"", name, queues, kind);
		die(EXIT_SYSTEM, "%s: is a %s device, not a bridge", name, kind);
	}
	if (r < 0)
		die_errno(EXIT_SYSTEM, r, "cannot look up %s", name);
}

/* With SETTLE (the tie-break after our TAP exists): a lower-index TAP that
 * has no owner yet may be a concurrent launch of this very caller, between
 * TUNSETIFF and TUNSETOWNER, which would not count us either. Give such
 * TAPs a moment to settle; those that do not still count: fail closed. */
static int count_or_die(struct nl *nl, int br_ifindex, uid_t uid, int below,
			bool settle)
{
	const struct timespec ms = { 0, 1000000 };
	int n, pending = 0;

	for (int tries = 0;; tries++) {
		n = nl_count_owned(nl, br_ifindex, uid, below, settle ? &pending : NULL);
		if (n < 0)
			die_errno(EXIT_SYSTEM, n, "cannot count the caller's TAPs");
		if (pending == 0 || tries == 200)
			return n + pending;
		nanosleep(&ms, NULL);
	}
}

static int do_check(const struct args *a, const struct caller *who)
{
	const char *path = a->acl ? a->acl : BH_ACL_PATH;
	struct acl *acl = load_acl(path, a, who, a->br);
	struct acl_decision dec;
	struct nl_bridge br = { .ifindex = 0 };
	struct nl *nl = NULL;
	char buf[PATH_MAX + 64], kind[32];
	int r = nl_open(&nl);

	if (r < 0)
		die_errno(EXIT_SYSTEM, r, "cannot open rtnetlink");
	r = nl_bridge_get(nl, a->br, &br, kind);
	if (r == -ENODEV)
		printf("%s: no such device\n", a->br);
	else if (r == -EMEDIUMTYPE)
		printf("%s: a %s device, not a bridge\n", a->br, kind);
	else if (r < 0)
		die_errno(EXIT_SYSTEM, r, "cannot look up %s", a->br);
	decide(acl, a->br, who, &dec);
	if (r == 0 && strcmp(br.name, a->br) != 0 && dec.result == ACL_ALLOWED) {
		printf("%s: an alternative name of %s\n", a->br, br.name);
		acl_free(acl);        /* rare: load again, for the device's name */
		acl = load_acl(path, a, who, br.name);
		decide(acl, br.name, who, &dec);
	}
	printf("user %s (uid %u) on %s: %s\n", who->name, (unsigned)who->uid,
	       a->br, verdict(&dec, buf, sizeof(buf)));
	if (dec.has_limit)
		printf("quota: %d of %u in use (limit at %s:%u)\n",
		       r == 0 ? count_or_die(nl, br.ifindex, who->uid, INT_MAX, false) : 0,
		       dec.limit, dec.limit_rule.file, dec.limit_rule.line);
	if (dec.has_sndbuf && a->sndbuf && a->sndbuf < dec.sndbuf)
		printf("sndbuf: %d (asked; at most %d, set at %s:%u)\n", a->sndbuf,
		       dec.sndbuf, dec.sndbuf_rule.file, dec.sndbuf_rule.line);
	else if (dec.has_sndbuf && a->sndbuf > dec.sndbuf)
		printf("sndbuf: %d (asked %d, capped at %s:%u)\n", dec.sndbuf,
		       a->sndbuf, dec.sndbuf_rule.file, dec.sndbuf_rule.line);
	else if (dec.has_sndbuf)
		printf("sndbuf: %d (set at %s:%u)\n", dec.sndbuf,
		       dec.sndbuf_rule.file, dec.sndbuf_rule.line);
	else if (a->sndbuf)
		printf("sndbuf: %d (asked)\n", a->sndbuf);
	else
		printf("sndbuf: kernel default\n");
	nl_close(nl);
	acl_free(acl);
	if (fflush(stdout) != 0)
		return EXIT_SYSTEM;
	return dec.result == ACL_ALLOWED && r == 0 ? 0 : EXIT_DENIED;
}

/* ---- 5. act ----------------------------------------------------------------- */

static void quota_or_die(struct nl *nl, const struct acl_decision *dec,
			 const struct nl_bridge *br, const struct caller *who,
			 unsigned queues, int below)
{
	int n;

	if (!dec->has_limit)
		return;
	n = count_or_die(nl, br->ifindex, who->uid, below, below != INT_MAX);
	if ((unsigned)n < dec->limit)
		return;
	audit(LOG_NOTICE, who, "denied: bridge=%s queues=%u reason=\"quota: %d of "
	      "%u in use (limit at %s:%u)\"", br->name, queues, n, dec->limit,
	      dec->limit_rule.file, dec->limit_rule.line);
	die(EXIT_DENIED, "%s: quota reached: %d of %u TAPs in use (limit at %s:%u)",
	    br->name, n, dec->limit, dec->limit_rule.file, dec->limit_rule.line);
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		die_errno(EXIT_SYSTEM, errno, "cannot get random bytes");
	/* 0xFE: unicast, locally administered, and higher than any real NIC's
	 * first octet, so the bridge never takes this address as its own. */
	mac[0] = 0xFE;
}

static int do_create(const struct args *a, const struct caller *who, int *tunfds)
{
	const char *path = a->acl ? a->acl : BH_ACL_PATH;
	struct acl *acl = load_acl(path, a, who, a->br);
	struct tap_req req = { .vnet_hdr = a->vnet_hdr, .queues = a->queues,
			       .owner = who->uid };
	struct acl_decision dec;
	struct nl_bridge br;
	struct tap_dev tap;
	struct nl *nl = NULL;
	uint8_t mac[6];
	char buf[PATH_MAX + 64];
	int r, tap_ifindex;

	/* Denied by the name asked for: no lookup, so no existence oracle. */
	require_allowed(acl, a->br, who, a, &dec);
	if ((r = nl_open(&nl)) < 0)
		die_errno(EXIT_SYSTEM, r, "cannot open rtnetlink");
	lookup_bridge(nl, a->br, &br, who, a->queues);
	if (strcmp(br.name, a->br) != 0) {    /* an altname: the device decides */
		acl_free(acl);                /* rare: load again, for its name */
		acl = load_acl(path, a, who, br.name);
		require_allowed(acl, br.name, who, a, &dec);
	}
	req.sndbuf = effective_sndbuf(&dec, a->sndbuf);
	quota_or_die(nl, &dec, &br, who, a->queues, INT_MAX);

	/* The first moment a TAP exists. */
	if ((r = tap_create(&req, tunfds, &tap)) < 0)
		die_errno(EXIT_SYSTEM, r, "cannot create a TAP");
	if ((tap_ifindex = nl_ifindex(nl, tap.name)) < 0)
		die_errno(EXIT_SYSTEM, tap_ifindex, "cannot find %s", tap.name);
	random_mac(mac);
	if ((r = nl_enslave(nl, tap_ifindex, br.ifindex, br.mtu, mac, who->uid)) < 0)
		die(EXIT_SYSTEM, "cannot enslave %s to %s: %s%s%s", tap.name, br.name,
		    strerror(-r), nl_ext_error(nl) ? ": " : "",
		    nl_ext_error(nl) ? nl_ext_error(nl) : "");
	/* Concurrent launches: only TAPs created before ours count against us. */
	quota_or_die(nl, &dec, &br, who, a->queues, tap_ifindex);
	if ((r = fdpass_send(a->fd, tunfds, a->queues)) < 0)
		die_errno(EXIT_SYSTEM, r, "cannot pass %s to the caller", tap.name);
	audit(LOG_INFO, who, "allowed: bridge=%s tap=%s queues=%u sndbuf=%d rule=%s",
	      br.name, tap.name, a->queues, req.sndbuf,
	      verdict(&dec, buf, sizeof(buf)) + strlen("allowed by "));
	nl_close(nl);
	acl_free(acl);
	return 0;
}

int main(int argc, char **argv)
{
	static int tunfds[TAP_MAX_QUEUES];
	static struct caller who;   /* static: its groups stay reachable to the end */
	struct args a;
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
	audit_open();

	/* 3. Narrow privilege: none at all to inspect, CAP_NET_ADMIN to create. */
	if (a.mode == MODE_LINT) {
		drop_privileges(false);
		return do_lint(&a);
	}
	if (a.mode == MODE_CHECK) {
		if (a.user)
			caller_as_user(&who, a.user);   /* root only */
		drop_privileges(false);
		if (!a.user)
			caller_name(&who);
		return do_check(&a, &who);
	}
	check_socket(a.fd);
	open_tun(a.queues, tunfds);
	drop_privileges(true);
	caller_name(&who);

	/* 4. Decide, then act. */
	return do_create(&a, &who, tunfds);
}
