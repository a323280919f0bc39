/* libbridge-helper: spawn bridge-helper(8), receive the TAP fds, and turn
 * every failure into one precise line. See bridge-helper.h and
 * libbridge-helper(3).
 *
 * Invariants:
 * - No global mutable state: each bh_open() owns its fds, memory and child,
 *   so concurrent calls from many threads are safe.
 * - Every fd opened here is O_CLOEXEC from birth. The helper inherits exactly
 *   fds 0-2 (/dev/null, /dev/null, our stderr pipe) and the socket at fd 3;
 *   every other fd of the caller is closed in the child (closefrom 4).
 * - Nothing runs between fork and exec but posix_spawn's own code: no malloc,
 *   no locks, async-signal-safe; the child starts with an empty signal mask,
 *   default dispositions and an empty environment.
 * - Every child is reaped on every path; on timeout it is killed first.
 * - The library never prints, never exits, never touches signal handlers.
 */
#include "bridge-helper.h"
#include "fdpass.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_tun.h>

#define BH_EXPORT __attribute__((visibility("default")))

#ifndef BH_HELPER_PATH
#define BH_HELPER_PATH "/usr/local/libexec/bridge-helper"
#endif

#define CHILD_SOCK_FD      3      /* where the helper finds its socket */
#define MAX_QUEUES         256
#define DEFAULT_TIMEOUT_MS 10000u
#define ERR_CAP            4096   /* bytes of the helper's stderr kept */
#define NSEC_PER_MSEC      1000000LL

struct bh_request {
	char *bridge;
	char *helper;          /* never NULL */
	char *acl;             /* NULL: the helper's system ACL */
	bool vnet_hdr;
	unsigned queues;       /* 1..MAX_QUEUES */
	int sndbuf;            /* 0: not asked for */
	unsigned timeout_ms;   /* 0: wait forever */
};

struct bh_tap {
	unsigned n;
	bool vnet_hdr;
	char name[IFNAMSIZ];   /* "" when fds[0] is not a TUN/TAP (test doubles) */
	int fds[];             /* -1 once taken or closed */
};

/* --- small helpers ------------------------------------------------------ */

static void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}
#define cleanup_close __attribute__((cleanup(closep)))

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		closep(&fds[i]);
}

struct errmsg {
	char *buf;
	size_t len;
};

/* Write the one-line message and return -STATUS. */
__attribute__((format(printf, 3, 4)))
static int fail(struct errmsg *m, int status, const char *fmt, ...)
{
	va_list ap;

	if (m->buf && m->len) {
		va_start(ap, fmt);
		vsnprintf(m->buf, m->len, fmt, ap);
		va_end(ap);
	}
	return -status;
}

/* Thread-safe strerror (GNU strerror_r returns a string, maybe not BUF). */
static const char *errstr(int e, char *buf, size_t len)
{
	return strerror_r(e, buf, len);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds left until DEADLINE for poll(), rounded up; -1: no deadline. */
static int remaining_ms(int64_t deadline)
{
	int64_t left;

	if (deadline == INT64_MAX)
		return -1;
	left = deadline - now_ns();
	if (left <= 0)
		return 0;
	left = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* --- the request -------------------------------------------------------- */

/* The helper's rule for interface names: 1..15 bytes, no '/', ':',
 * whitespace or control character, not "." or "..". Never truncated. */
static bool valid_ifname(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, IFNAMSIZ);
	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

static bool valid_path(const char *s)
{
	return s && *s && strnlen(s, PATH_MAX) < PATH_MAX;
}

BH_EXPORT struct bh_request *bh_request_new(const char *bridge)
{
	struct bh_request *req;

	if (!valid_ifname(bridge)) {
		errno = EINVAL;
		return NULL;
	}
	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;
	req->bridge = strdup(bridge);
	req->helper = strdup(BH_HELPER_PATH);
	if (!req->bridge || !req->helper) {
		bh_request_free(req);
		errno = ENOMEM;
		return NULL;
	}
	req->queues = 1;
	req->timeout_ms = DEFAULT_TIMEOUT_MS;
	return req;
}

BH_EXPORT void bh_request_free(struct bh_request *req)
{
	if (!req)
		return;
	free(req->bridge);
	free(req->helper);
	free(req->acl);
	free(req);
}

/* Replace *SLOT by a copy of PATH (or of DEFAULT_ when PATH is NULL). */
static int set_path(char **slot, const char *path, const char *default_)
{
	char *copy = NULL;

	if (!path)
		path = default_;
	if (path && !valid_path(path))
		return -EINVAL;
	if (path && !(copy = strdup(path)))
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

BH_EXPORT int bh_request_set_helper(struct bh_request *req, const char *path)
{
	return req ? set_path(&req->helper, path, BH_HELPER_PATH) : -EINVAL;
}

BH_EXPORT int bh_request_set_acl(struct bh_request *req, const char *path)
{
	return req ? set_path(&req->acl, path, NULL) : -EINVAL;
}

BH_EXPORT int bh_request_set_vnet_hdr(struct bh_request *req, bool on)
{
	if (!req)
		return -EINVAL;
	req->vnet_hdr = on;
	return 0;
}

BH_EXPORT int bh_request_set_queues(struct bh_request *req, unsigned queues)
{
	if (!req || queues < 1 || queues > MAX_QUEUES)
		return -EINVAL;
	req->queues = queues;
	return 0;
}

BH_EXPORT int bh_request_set_sndbuf(struct bh_request *req, int bytes)
{
	if (!req || bytes < 1)
		return -EINVAL;
	req->sndbuf = bytes;
	return 0;
}

BH_EXPORT int bh_request_set_timeout(struct bh_request *req, unsigned msec)
{
	if (!req)
		return -EINVAL;
	req->timeout_ms = msec;
	return 0;
}

/* --- spawning ----------------------------------------------------------- */

/* The helper's argv, QEMU's order first: HELPER [--use-vnet] --fd=3 --br=BR
 * [--queues=K] [--sndbuf=B] [--acl=F]. Options at their default are left
 * out, so a plain request also works with QEMU's own qemu-bridge-helper. */
struct argv_buf {
	char vnet[sizeof("--use-vnet")];
	char fd[16];
	char br[8 + IFNAMSIZ];
	char queues[32];
	char sndbuf[32];
	char *acl;             /* malloc'ed */
	char *argv[8];
	char *envp[1];
};

static int build_argv(struct argv_buf *a, const struct bh_request *req)
{
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	a->argv[n++] = req->helper;
	if (req->vnet_hdr) {
		memcpy(a->vnet, "--use-vnet", sizeof(a->vnet));
		a->argv[n++] = a->vnet;
	}
	snprintf(a->fd, sizeof(a->fd), "--fd=%d", CHILD_SOCK_FD);
	a->argv[n++] = a->fd;
	snprintf(a->br, sizeof(a->br), "--br=%s", req->bridge);
	a->argv[n++] = a->br;
	if (req->queues > 1) {
		snprintf(a->queues, sizeof(a->queues), "--queues=%u", req->queues);
		a->argv[n++] = a->queues;
	}
	if (req->sndbuf > 0) {
		snprintf(a->sndbuf, sizeof(a->sndbuf), "--sndbuf=%d", req->sndbuf);
		a->argv[n++] = a->sndbuf;
	}
	if (req->acl) {
		if (asprintf(&a->acl, "--acl=%s", req->acl) < 0) {
			a->acl = NULL;
			return -ENOMEM;
		}
		a->argv[n++] = a->acl;
	}
	a->argv[n] = NULL;
	a->envp[0] = NULL;
	return 0;
}

/* Make sure *FD is >= 4, so that no dup2 of the file actions below can
 * clobber it before it is used, and dup2(fd, 3) always creates a new fd
 * without FD_CLOEXEC. Returns 0 or -errno. */
static int move_high(int *fd)
{
	int nfd;

	if (*fd > CHILD_SOCK_FD)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, CHILD_SOCK_FD + 1);
	if (nfd < 0)
		return -errno;
	close(*fd);
	*fd = nfd;
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* The child's fd table: 0,1 = /dev/null, 2 = stderr pipe, 3 = socket,
 * nothing else. All source fds are >= 4 (move_high) and O_CLOEXEC. */
static int file_actions(posix_spawn_file_actions_t *fa, int sock, int errw,
			int devnull)
{
	int r;

	if ((r = posix_spawn_file_actions_adddup2(fa, sock, CHILD_SOCK_FD)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, errw, STDERR_FILENO)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, devnull, STDIN_FILENO)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, devnull, STDOUT_FILENO)))
		return r;
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
	/* Also close what a careless caller left without O_CLOEXEC. */
	r = posix_spawn_file_actions_addclosefrom_np(fa, CHILD_SOCK_FD + 1);
#endif
	return r;
}

/* Empty signal mask, every signal back to its default action. */
static int spawn_attrs(posix_spawnattr_t *at)
{
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	sigset_t none, all;
	int r;

#ifdef POSIX_SPAWN_USEVFORK
	flags |= POSIX_SPAWN_USEVFORK;
#endif
	sigemptyset(&none);
	sigemptyset(&all);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&all, sig);   /* fails harmlessly for libc's own */
	if ((r = posix_spawnattr_setflags(at, flags)) ||
	    (r = posix_spawnattr_setsigmask(at, &none)) ||
	    (r = posix_spawnattr_setsigdefault(at, &all)))
		return r;
	return 0;
}

/* posix_spawn with the actions and attributes above. Returns 0 or a
 * positive errno (glibc reports exec failures synchronously). */
static int spawn(pid_t *pid, struct argv_buf *a, int sock, int errw, int devnull)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int r;

	if ((r = posix_spawn_file_actions_init(&fa)))
		return r;
	if ((r = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	r = file_actions(&fa, sock, errw, devnull);
	if (!r)
		r = spawn_attrs(&at);
	if (!r)
		r = posix_spawn(pid, a->argv[0], &fa, &at, a->argv, a->envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Errors of execve(2) that mean "this path is not a runnable helper". */
static bool exec_error(int e)
{
	switch (e) {
	case ENOENT: case EACCES: case ENOEXEC: case ENOTDIR: case ELOOP:
	case ENAMETOOLONG: case EPERM: case ETXTBSY: case EISDIR: case ELIBBAD:
		return true;
	default:
		return false;
	}
}

/* Our side of a running helper. */
struct child {
	pid_t pid;
	int sock;    /* our end of the socketpair, O_NONBLOCK */
	int err;     /* read end of the helper's stderr, O_NONBLOCK */
};

static int start_helper(struct child *c, struct argv_buf *a, struct errmsg *m)
{
	cleanup_close int csock = -1, errw = -1, devnull = -1;
	int sv[2], ep[2], r;
	char eb[128];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(m, BH_E_SYSTEM, "cannot create socket pair: %s",
			    errstr(errno, eb, sizeof(eb)));
	c->sock = sv[0];
	csock = sv[1];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return fail(m, BH_E_SYSTEM, "cannot create pipe: %s",
			    errstr(errno, eb, sizeof(eb)));
	c->err = ep[0];
	errw = ep[1];
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0)
		return fail(m, BH_E_SYSTEM, "cannot open /dev/null: %s",
			    errstr(errno, eb, sizeof(eb)));
	if ((r = move_high(&csock)) || (r = move_high(&errw)) ||
	    (r = move_high(&devnull)) || (r = set_nonblock(c->sock)) ||
	    (r = set_nonblock(c->err)))
		return fail(m, BH_E_SYSTEM, "cannot set up helper fds: %s",
			    errstr(-r, eb, sizeof(eb)));
	r = spawn(&c->pid, a, csock, errw, devnull);
	if (r && exec_error(r))
		return fail(m, BH_E_NOHELPER, "cannot run helper %s: %s",
			    a->argv[0], errstr(r, eb, sizeof(eb)));
	if (r)
		return fail(m, BH_E_SYSTEM, "cannot spawn helper %s: %s",
			    a->argv[0], errstr(r, eb, sizeof(eb)));
	return 0;
}

/* --- talking to the helper ---------------------------------------------- */

/* What came back. */
struct xfer {
	struct bh_tap *tap;   /* fds[0..got) received while got < tap->n */
	size_t got;           /* fds received for the TAP */
	size_t extra;         /* fds received beyond tap->n (all closed) */
	bool extra_more;      /* ... plus an unknown number in one message */
	bool malformed;
	int recv_err;         /* another -errno of recvmsg */
	size_t errlen;
	char errtext[ERR_CAP];
};


/* Record why fdpass_recv() stopped (R < 0) in X; returns R. */
static int note_recv_error(struct xfer *x, int r)
{
	if (r == -E2BIG)
		x->extra_more = true;
	else if (r == -EBADMSG)
		x->malformed = true;
	else if (r != -EPIPE && r != -EAGAIN)
		x->recv_err = r;
	return r;
}
/* After the TAP's fds: read to end of file, closing and counting anything
 * else the helper sends. Returns fdpass_recv()'s last result. */
static int recv_extra(int sock, struct xfer *x)
{
	for (int round = 0; round < 16; round++) {
		int scratch[FDPASS_MAX_PER_MSG];
		size_t g = 0;
		int r = fdpass_recv(sock, scratch, FDPASS_MAX_PER_MSG, &g);

		if (r == 0 || r == -EAGAIN)
			close_fds(scratch, g);  /* fdpass closed them otherwise */
		x->extra += g;
		if (r == 0)
			continue;
		return note_recv_error(x, r);
	}
	return -EAGAIN;   /* a flood: let pump() look at the clock */
}

/* Returns -EAGAIN while more is to come, anything else when the socket is
 * done with (end of file or an error recorded in X). */
static int read_sock(int sock, struct xfer *x)
{
	int r;

	if (x->got == x->tap->n)
		return recv_extra(sock, x);
	r = fdpass_recv(sock, x->tap->fds, x->tap->n, &x->got);
	if (r == 0)
		return recv_extra(sock, x);
	return note_recv_error(x, r);
}

/* Keep the first ERR_CAP-1 bytes of the helper's stderr, drain the rest so
 * that a chatty helper never blocks. Returns false at end of file. */
static bool read_err(int fd, struct xfer *x)
{
	for (int round = 0; round < 64; round++) {
		char buf[1024];
		ssize_t n = read(fd, buf, sizeof(buf));
		size_t keep;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		keep = sizeof(x->errtext) - 1 - x->errlen;
		if (keep > (size_t)n)
			keep = (size_t)n;
		memcpy(x->errtext + x->errlen, buf, keep);
		x->errlen += keep;
	}
	return true;      /* a flood: let pump() look at the clock */
}

/* Serve the socket and the stderr pipe until both reach end of file.
 * Returns 0, -ETIMEDOUT, or -errno of poll. The clock is checked on every
 * round, so a helper flooding either channel still times out. */
static int pump(struct child *c, struct xfer *x, int64_t deadline)
{
	while (c->sock >= 0 || c->err >= 0) {
		struct pollfd p[2] = {
			{ .fd = c->sock, .events = POLLIN },
			{ .fd = c->err, .events = POLLIN },
		};
		int ms = remaining_ms(deadline), n;

		if (ms == 0)
			return -ETIMEDOUT;
		n = poll(p, 2, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;         /* the clock decides */
		if (p[0].revents && read_sock(c->sock, x) != -EAGAIN)
			closep(&c->sock);
		if (p[1].revents && !read_err(c->err, x))
			closep(&c->err);
	}
	return 0;
}

static void nap_us(long us, int64_t deadline)
{
	int64_t ns = us * 1000LL;
	struct timespec ts;

	if (deadline != INT64_MAX && deadline - now_ns() < ns)
		ns = deadline - now_ns();
	if (ns <= 0)
		return;
	ts.tv_sec = ns / 1000000000LL;
	ts.tv_nsec = ns % 1000000000LL;
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* Wait for PID until DEADLINE, without SIGCHLD: the helper has closed its
 * fds, so it is exiting; poll its state with a short backoff.
 * Returns 0, -ETIMEDOUT, or -errno of waitpid (ECHILD if the caller
 * ignores SIGCHLD and the kernel reaped it). */
static int reap(pid_t pid, int *status, int64_t deadline)
{
	long us = 20;

	for (;;) {
		pid_t p = waitpid(pid, status, WNOHANG);

		if (p == pid)
			return 0;
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return -errno;
		if (remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		nap_us(us, deadline);
		us = us >= 5000 ? 10000 : us * 2;
	}
}

static void kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* --- judging the outcome ------------------------------------------------ */

/* The helper's first non-empty stderr line, control characters shown as
 * '?', tabs as spaces, trailing blanks and CR removed. */
static void first_line(const struct xfer *x, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (i < x->errlen && (x->errtext[i] == '\n' || x->errtext[i] == '\r'))
		i++;
	for (; i < x->errlen && x->errtext[i] != '\n' && o + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)x->errtext[i];

		if (ch == '\t')
			ch = ' ';
		else if (ch == '\r' && (i + 1 == x->errlen || x->errtext[i + 1] == '\n'))
			continue;
		else if (ch < 0x20 || ch == 0x7f)
			ch = '?';
		out[o++] = (char)ch;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

static const char *signame(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

/* The fds themselves: 0 when all is as asked, or -BH_E_PROTOCOL. */
static int judge_fds(const struct xfer *x, struct errmsg *m)
{
	unsigned want = x->tap->n;
	size_t sent = x->got + x->extra;
	char eb[128];

	if (x->recv_err)
		return fail(m, BH_E_SYSTEM, "cannot receive from helper: %s",
			    errstr(-x->recv_err, eb, sizeof(eb)));
	if (x->malformed)
		return fail(m, BH_E_PROTOCOL, "helper sent a malformed message");
	if (sent == 0 && !x->extra_more)
		return fail(m, BH_E_NOFDS, "helper exited 0 without sending a TAP fd");
	if (x->extra_more)
		return fail(m, BH_E_PROTOCOL, "helper sent more than %zu fd%s, expected %u",
			    sent, plural(sent), want);
	if (sent != want)
		return fail(m, BH_E_PROTOCOL, "helper sent %zu fd%s, expected %u",
			    sent, plural(sent), want);
	return 0;
}

/* WAITED is reap()'s result, STATUS the helper's wait status. */
static int judge(const struct xfer *x, int waited, int status, struct errmsg *m)
{
	char line[ERR_CAP], sb[32], eb[128];
	const char *sep;
	int r;

	first_line(x, line, sizeof(line));
	sep = line[0] ? ": " : "";
	if (!waited && WIFSIGNALED(status))
		return fail(m, BH_E_SIGNAL, "helper killed by signal %s%s%s",
			    signame(WTERMSIG(status), sb, sizeof(sb)), sep, line);
	if (!waited && WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return fail(m, BH_E_HELPER, "helper exited with status %d%s%s",
			    WEXITSTATUS(status), sep, line);
	r = judge_fds(x, m);
	if (r < 0 && waited)  /* status unknown (SIGCHLD ignored?) */
		return fail(m, BH_E_HELPER, "helper failed (cannot wait for it: %s)%s%s",
			    errstr(-waited, eb, sizeof(eb)), sep, line);
	return r;
}

/* TUNGETIFF on FD: 0 and IFR filled, or -1 if FD is no attached TUN/TAP. */
static int tun_info(int fd, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	if (ioctl(fd, TUNGETIFF, ifr) < 0)
		return -1;
	ifr->ifr_name[IFNAMSIZ - 1] = '\0';
	return 0;
}

/* Fill the TAP's name and vnet_hdr flag. An fd that is not a TUN/TAP at all
 * leaves the name empty (a test double sending /dev/null); a TUN device or
 * queues of different devices are protocol errors. */
static int describe(struct bh_tap *t, struct errmsg *m)
{
	struct ifreq ifr, other;

	if (tun_info(t->fds[0], &ifr) < 0)
		return 0;
	if ((ifr.ifr_flags & (IFF_TUN | IFF_TAP)) != IFF_TAP)
		return fail(m, BH_E_PROTOCOL, "helper sent %s, a TUN, not a TAP",
			    ifr.ifr_name);
	for (unsigned i = 1; i < t->n; i++)
		if (tun_info(t->fds[i], &other) < 0 ||
		    strcmp(other.ifr_name, ifr.ifr_name) != 0)
			return fail(m, BH_E_PROTOCOL,
				    "helper sent queue %u not belonging to %s",
				    i, ifr.ifr_name);
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->vnet_hdr = (ifr.ifr_flags & IFF_VNET_HDR) != 0;
	return 0;
}

/* --- bh_open ------------------------------------------------------------ */

static struct bh_tap *tap_new(unsigned n)
{
	struct bh_tap *t = calloc(1, sizeof(*t) + n * sizeof(int));

	if (!t)
		return NULL;
	t->n = n;
	for (unsigned i = 0; i < n; i++)
		t->fds[i] = -1;
	return t;
}

/* Run the spawned helper C to completion and judge it. */
static int converse(struct child *c, struct xfer *x, unsigned timeout_ms,
		    int64_t deadline, struct errmsg *m)
{
	char eb[128];
	int r, status = 0;

	r = pump(c, x, deadline);
	closep(&c->sock);
	closep(&c->err);
	if (r == 0)
		r = reap(c->pid, &status, deadline);
	if (r == -ETIMEDOUT) {
		kill_reap(c->pid);
		return fail(m, BH_E_TIMEOUT,
			    "helper did not answer within %u ms: killed", timeout_ms);
	}
	if (r < 0 && r != -ECHILD) {
		kill_reap(c->pid);
		return fail(m, BH_E_SYSTEM, "cannot wait for helper: %s",
			    errstr(-r, eb, sizeof(eb)));
	}
	r = judge(x, r, status, m);
	return r < 0 ? r : describe(x->tap, m);
}

BH_EXPORT int bh_open(const struct bh_request *req, struct bh_tap **tapp,
		      char *errbuf, size_t errlen)
{
	struct errmsg m = { .buf = errbuf, .len = errlen };
	struct child c = { .pid = -1, .sock = -1, .err = -1 };
	struct argv_buf a;
	struct xfer x;
	int64_t deadline;
	int r;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!req || !tapp)
		return fail(&m, BH_E_INVAL, "bh_open: no request or no result pointer");
	*tapp = NULL;
	memset(&x, 0, sizeof(x));
	x.tap = tap_new(req->queues);
	if (!x.tap || build_argv(&a, req) < 0) {
		free(x.tap);
		return fail(&m, BH_E_SYSTEM, "out of memory");
	}
	deadline = req->timeout_ms ? now_ns() + req->timeout_ms * NSEC_PER_MSEC
				   : INT64_MAX;
	r = start_helper(&c, &a, &m);
	free(a.acl);
	if (r == 0)
		r = converse(&c, &x, req->timeout_ms, deadline, &m);
	closep(&c.sock);
	closep(&c.err);
	if (r < 0) {
		bh_tap_free(x.tap);
		return r;
	}
	*tapp = x.tap;
	return 0;
}

/* --- the result --------------------------------------------------------- */

BH_EXPORT unsigned bh_tap_queues(const struct bh_tap *tap)
{
	return tap ? tap->n : 0;
}

BH_EXPORT int bh_tap_fd(const struct bh_tap *tap, unsigned i)
{
	if (!tap || i >= tap->n) {
		errno = EINVAL;
		return -1;
	}
	return tap->fds[i];
}

BH_EXPORT int bh_tap_take_fd(struct bh_tap *tap, unsigned i)
{
	int fd;

	if (!tap || i >= tap->n) {
		errno = EINVAL;
		return -1;
	}
	fd = tap->fds[i];
	tap->fds[i] = -1;
	return fd;
}

BH_EXPORT const char *bh_tap_name(const struct bh_tap *tap)
{
	return tap ? tap->name : "";
}

BH_EXPORT bool bh_tap_vnet_hdr(const struct bh_tap *tap)
{
	return tap && tap->vnet_hdr;
}

BH_EXPORT void bh_tap_free(struct bh_tap *tap)
{
	if (!tap)
		return;
	close_fds(tap->fds, tap->n);
	free(tap);
}

BH_EXPORT const char *bh_strerror(int status)
{
	static const char *const names[] = {
		[BH_OK] = "success",
		[BH_E_INVAL] = "invalid request",
		[BH_E_SYSTEM] = "system error",
		[BH_E_NOHELPER] = "helper not found or not executable",
		[BH_E_HELPER] = "helper failed",
		[BH_E_SIGNAL] = "helper killed by a signal",
		[BH_E_NOFDS] = "helper sent no fd",
		[BH_E_PROTOCOL] = "protocol error",
		[BH_E_TIMEOUT] = "helper timed out",
	};

	if (status < 0 && status > INT_MIN)
		status = -status;
	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[status];
}
