/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* stopat: stop a program, deterministically, at one system call.
 *
 *   stopat --ioctl=REQUEST [--stops=N] [--seconds=S] -- COMMAND [ARG...]
 *
 * Runs COMMAND (as root: it may go on to become another user and exec a
 * setuid or file-capability program; nothing here uses ptrace) under a
 * seccomp filter that hands every ioctl(fd, REQUEST, ...) of COMMAND and its
 * descendants to us (SECCOMP_RET_USER_NOTIF). The first N (default 1) such
 * calls are stopped where they are: the calling process gets SIGSTOP
 * before the call runs (state T, as a user's own `kill -STOP` would leave
 * it), and we print "stopped pid=PID" (PID in our pid namespace). Once the
 * process is continued (SIGCONT) the stopped call starts again and runs, as
 * does every call after the first N. (One process at a time: a call that
 * comes after a stop is taken for its restart.) We exit with COMMAND's
 * status (128+N if killed by signal N) when COMMAND ends, or 124 after S
 * seconds (default 120) with COMMAND still running, after killing it.
 *
 * For tests/race.bats: REQUEST=TUNSETOWNER (0x400454cc) stops
 * bridge-helper right after the TUNSETIFF that created its TAP. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "stopat: add this architecture's AUDIT_ARCH_ value"
#endif

static int install_filter(unsigned long request)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* the low 32 bits of args[1] (little-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)request, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			    SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* Answer one notification: stop its caller (the first STOPS calls, not
 * counting a stopped call's restart), or let the call run. */
static void serve(int listener, long stops, long *stopped, int *restart)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return;
	if (!*restart && *stopped < stops) {
		/* The wait for our answer is interruptible: SIGSTOP ends it
		 * and the call restarts, from the start, once continued. */
		++*stopped;
		*restart = 1;
		kill((pid_t)req.pid, SIGSTOP);
		printf("stopped pid=%u\n", req.pid);
		fflush(stdout);
		return;
	}
	*restart = 0;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(pid_t child, int listener, long stops, long seconds)
{
	struct timespec t0, now;
	long stopped = 0;
	int restart = 0, st;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = listener, .events = POLLIN };
		pid_t w = waitpid(child, &st, WNOHANG);

		if (w == child)
			return status_of(st);
		if (poll(&p, 1, 50) > 0 && (p.revents & POLLIN))
			serve(listener, stops, &stopped, &restart);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= seconds) {
			kill(child, SIGKILL);
			waitpid(child, &st, 0);
			return 124;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long request = 0;
	long seconds = 120, stops = 1;
	int sv[2], listener = -1, i;
	pid_t child;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--ioctl=", 8))
			request = strtoul(argv[i] + 8, NULL, 0);
		else if (!strncmp(argv[i], "--stops=", 8))
			stops = strtol(argv[i] + 8, NULL, 10);
		else if (!strncmp(argv[i], "--seconds=", 10))
			seconds = strtol(argv[i] + 10, NULL, 10);
		else
			break;
	}
	if (i + 1 >= argc || strcmp(argv[i], "--") || !request || seconds <= 0 ||
	    stops < 0) {
		fprintf(stderr, "usage: stopat --ioctl=REQUEST [--stops=N] [--seconds=S] "
			"-- COMMAND [ARG...]\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		int fd = install_filter(request);

		if (fd < 0) {
			perror("stopat: seccomp");
			_exit(1);
		}
		if (fdpass_send(sv[1], &fd, 1) < 0)
			_exit(1);
		close(fd);
		close(sv[0]);
		close(sv[1]);
		execvp(argv[i + 1], argv + i + 1);
		perror("stopat: exec");
		_exit(127);
	}
	close(sv[1]);
	if (fdpass_recv(sv[0], &listener, 1, NULL) < 0) {
		waitpid(child, NULL, 0);
		return 1;
	}
	close(sv[0]);
	return run(child, listener, stops, seconds);
}
