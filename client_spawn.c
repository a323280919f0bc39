/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* libbridge-helper: start bridge-helper(8) for a request. See client_int.h.
 *
 * Invariants:
 * - Every fd opened here is O_CLOEXEC from birth. The helper inherits exactly
 *   fds 0-2 (/dev/null, /dev/null, our stderr pipe) and the socket at fd 3;
 *   every other fd of the caller is closed in the child (closefrom 4).
 * - Nothing runs between fork and exec but posix_spawn's own code: no malloc,
 *   no locks, async-signal-safe; the child starts with an empty signal mask,
 *   default dispositions and an empty environment.
 */
#include "client_int.h"
#include "mac.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHILD_SOCK_FD      3      /* where the helper finds its socket */

/* The helper's argv, QEMU's order first: HELPER [--use-vnet] --fd=3 --br=BR
 * [--queues=K] [--sndbuf=B] [--mac=M] [--acl=F]. Options at their default are left
 * out, so a plain request also works with QEMU's own qemu-bridge-helper. */
struct argv_buf {
	char vnet[sizeof("--use-vnet")];
	char fd[16];
	char br[8 + IFNAMSIZ];
	char queues[32];
	char sndbuf[32];
	char mac[sizeof("--mac=") + MAC_STR];
	char *acl;             /* malloc'ed */
	char *argv[9];
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
	if (req->has_mac) {
		char m[MAC_STR];

		mac_format(req->mac, m);
		snprintf(a->mac, sizeof(a->mac), "--mac=%s", m);
		a->argv[n++] = a->mac;
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

/* Return *FD and leave -1 in its place: the fd is the caller's now, and
 * cleanup_close no longer closes it. */
static int take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

/* Fill C only on success: on failure every fd here is closed on return. */
static int start_helper(struct child *c, struct argv_buf *a, struct errmsg *m)
{
	cleanup_close int sock = -1, err = -1, csock = -1, errw = -1, devnull = -1;
	int sv[2], ep[2], r;
	pid_t pid = -1;
	char eb[128];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(m, BH_E_SYSTEM, "cannot create socket pair: %s",
			    errstr(errno, eb, sizeof(eb)));
	sock = sv[0];
	csock = sv[1];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return fail(m, BH_E_SYSTEM, "cannot create pipe: %s",
			    errstr(errno, eb, sizeof(eb)));
	err = ep[0];
	errw = ep[1];
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (devnull < 0)
		return fail(m, BH_E_SYSTEM, "cannot open /dev/null: %s",
			    errstr(errno, eb, sizeof(eb)));
	if ((r = move_high(&csock)) || (r = move_high(&errw)) ||
	    (r = move_high(&devnull)) || (r = set_nonblock(sock)) ||
	    (r = set_nonblock(err)))
		return fail(m, BH_E_SYSTEM, "cannot set up helper fds: %s",
			    errstr(-r, eb, sizeof(eb)));
	r = spawn(&pid, a, csock, errw, devnull);
	if (r && exec_error(r))
		return fail(m, BH_E_NOHELPER, "cannot run helper %s: %s",
			    a->argv[0], errstr(r, eb, sizeof(eb)));
	if (r)
		return fail(m, BH_E_SYSTEM, "cannot spawn helper %s: %s",
			    a->argv[0], errstr(r, eb, sizeof(eb)));
	c->pid = pid;
	c->sock = take_fd(&sock);
	c->err = take_fd(&err);
	return 0;
}

int client_spawn(struct child *c, const struct bh_request *req, struct errmsg *m)
{
	struct argv_buf a;
	int r;

	if (build_argv(&a, req) < 0)
		return fail(m, BH_E_SYSTEM, "out of memory");
	r = start_helper(c, &a, m);
	free(a.acl);
	return r;
}
