/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* rsswrap: run CMD ARG... with one end of an AF_UNIX socketpair at fd 3,
 * receive (and close) whatever fds it sends, wait for it and print
 *
 *     maxrss_kb=N status=S fds=K
 *
 * Built static and kept tiny on purpose: the kernel folds the RSS of the
 * process that calls execve() into the child's ru_maxrss, so a fat launcher
 * would be measured instead of the helper. Part of `make bench`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int recv_fds(int sock)
{
	int n = 0;

	for (;;) {
		union {
			char buf[CMSG_SPACE(253 * sizeof(int))];
			struct cmsghdr align;
		} u;
		char byte;
		struct iovec iov = { &byte, 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = u.buf,
				      .msg_controllen = sizeof(u.buf) };
		ssize_t r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return n;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c;
		     c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[253];

			memcpy(fds, CMSG_DATA(c), k * sizeof(int));
			for (size_t i = 0; i < k; i++)
				close(fds[i]);
			n += (int)k;
		}
	}
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int sv[2], st = 0, nfds;
	pid_t pid;

	if (argc < 2) {
		fputs("usage: rsswrap CMD [ARG...]\n", stderr);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("rsswrap: socketpair");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("rsswrap: fork");
		return 1;
	}
	if (pid == 0) {
		if (sv[1] == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sv[1], 3) < 0)
			_exit(126);
		execv(argv[1], argv + 1);
		_exit(127);
	}
	close(sv[1]);
	nfds = recv_fds(sv[0]);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("rsswrap: wait4");
			return 1;
		}
	printf("maxrss_kb=%ld status=%d fds=%d\n", ru.ru_maxrss,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), nfds);
	return 0;
}
