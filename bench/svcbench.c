/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* svcbench: see svcbench.h. */
#include "svcbench.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bhbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int try_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = SVCB_SOCKET };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

pid_t svcb_start_daemon(const char *daemon, const char *acl, const char *extra)
{
	char sockarg[64] = "--socket=" SVCB_SOCKET, aclarg[4200];
	char *argv[6];
	posix_spawn_file_actions_t fa;
	struct timespec ms = { 0, 2000000 };
	pid_t pid;
	int n = 0, fd;

	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755") < 0 ||
	    mkdir("/run/bridge-helper", 0755) < 0)
		die("tmpfs on /run: %s", strerror(errno));
	snprintf(aclarg, sizeof(aclarg), "--acl=%s", acl);
	argv[n++] = (char *)(uintptr_t)daemon;
	argv[n++] = sockarg;
	argv[n++] = aclarg;
	if (extra)
		argv[n++] = (char *)(uintptr_t)extra;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, daemon, &fa, NULL, argv, environ) != 0)
		die("cannot start %s", daemon);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2500; i++) {
		if ((fd = try_connect()) >= 0) {
			close(fd);
			return pid;
		}
		nanosleep(&ms, NULL);
	}
	die("%s did not start", daemon);
}

static void hold(int n, int ready)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));

	if (!p || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		_exit(1);
	for (int i = 0; i < n; i++)
		if ((p[i].fd = try_connect()) < 0)
			_exit(2);
		else
			p[i].events = POLLIN;
	if (write(ready, "r", 1) != 1)
		_exit(3);
	close(ready);
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR)
			_exit(4);
		for (int i = 0; i < n; i++)
			if (p[i].revents) {        /* closed at its deadline */
				close(p[i].fd);
				p[i].fd = try_connect();
				p[i].revents = 0;
			}
	}
}

pid_t svcb_hold_idle(int n)
{
	int pp[2];
	char c;
	pid_t pid;

	if (pipe2(pp, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pp[0]);
		hold(n, pp[1]);
	}
	close(pp[1]);
	if (read(pp[0], &c, 1) != 1)
		die("the idle connections' holder failed");
	close(pp[0]);
	return pid;
}

void svcb_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
