/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svc_listen: bridge-helperd's listening sockets. See svc.h.
 *
 * Socket activation is sd_listen_fds(3)'s protocol, in these few lines
 * rather than through libsystemd: the daemon then maps no libsystemd,
 * liblzma, libzstd, liblz4, libgcrypt and libcap into a CAP_NET_ADMIN
 * process, and starts faster after an idle exit. */
#include "svc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

/* Plain decimal, 1..MAX. */
static bool env_number(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (!s || *s < '1' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

/* FD is a listening AF_UNIX SOCK_SEQPACKET socket. */
static bool is_seqpacket_listener(int fd)
{
	int domain = 0, type = 0, listening = 0;
	socklen_t l1 = sizeof(int), l2 = sizeof(int), l3 = sizeof(int);

	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l1) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l2) == 0 &&
	       getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l3) == 0 &&
	       domain == AF_UNIX && type == SOCK_SEQPACKET && listening;
}

int svc_listen_systemd(int *fds, size_t max, char *err, size_t errlen)
{
	const char *pid_s = getenv("LISTEN_PID"), *n_s = getenv("LISTEN_FDS");
	long pid, n;

	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (!pid_s || !env_number(pid_s, INT_MAX, &pid) || pid != getpid())
		return 0;                 /* not for us: not socket-activated */
	if (!env_number(n_s, (long)max, &n)) {
		snprintf(err, errlen, "LISTEN_FDS=%.20s: expected 1 to %zu sockets",
			 n_s ? n_s : "", max);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || !is_seqpacket_listener(fd)) {
			snprintf(err, errlen, "socket-activated fd %d is not a listening "
				 "AF_UNIX SOCK_SEQPACKET socket (ListenSequentialPacket=)",
				 fd);
			return -1;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			snprintf(err, errlen, "socket-activated fd %d: %s", fd,
				 strerror(errno));
			return -1;
		}
		fds[i] = fd;
	}
	return (int)n;
}

/* Is someone listening on the socket file at ADDR? */
static bool answers(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool yes;

	if (fd < 0)
		return true;              /* cannot tell: do not remove it */
	yes = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0 ||
	      errno != ECONNREFUSED;
	close(fd);
	return yes;
}

int svc_listen_path(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--socket=%.40s...: longer than %zu bytes", path,
			 sizeof(addr.sun_path) - 1);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || answers(&addr)) {
			snprintf(err, errlen, "%s: %s", path, S_ISSOCK(st.st_mode) ?
				 "another service answers there" : "exists, not a socket");
			return -1;
		}
		unlink(path);             /* a stale socket of ours */
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0111);                /* srw-rw-rw-: anyone may ask */
	r = bind(fd, (const struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0 || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
