/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* tapinfo: a minimal QEMU-like client for the tests and the demo.
 *
 *   tapinfo [--then=SHELL-CMD] [--stall] [--close-early] -- HELPER ARG...
 *
 * Runs HELPER with one end of a socketpair; the argument "--fd=SOCK" is
 * replaced by the real "--fd=N". Receives the fd(s) (as many as a
 * "--queues=K" argument asks for), prints what the kernel says about them,
 * runs SHELL-CMD (with $TAP set) while still holding them, then closes them.
 * Exit status: the helper's on failure, 0 on success, 10 on a client error.
 *
 * --stall: before spawning, fill the helper's end of the socket (its send
 *   buffer) so that the helper's sendmsg() blocks; wait (up to 10 s) until it
 *   does -- the helper is sleeping (State S) and a TAP is up on the bridge of
 *   "--br=" and, where /proc/PID/syscall is readable (as root), the syscall
 *   is sendmsg -- then print "stall=ok" and the helper's /proc view:
 *   helper-Uid: ... (status lines, tabs as single spaces), helper-fds: N=TARGET
 *   ..., helper-environ: (NULs as spaces) or "unreadable: ERR". Then drain
 *   exactly the filler and receive the fds as usual. "stall=failed: WHY" if
 *   the helper never blocked (it is then just waited for).
 * --close-early: close our end of the socket before spawning (so the peer is
 *   gone, deterministically, before the helper can send); with --stall, close
 *   it instead of draining once the helper is blocked in sendmsg. Then wait
 *   for the helper and print helper-status=N (128+SIG if killed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"

static unsigned queues_of(char **argv)
{
	for (; *argv; argv++)
		if (!strncmp(*argv, "--queues=", 9))
			return (unsigned)strtoul(*argv + 9, NULL, 10);
	return 1;
}

static const char *bridge_of(char **argv)
{
	for (; *argv; argv++)
		if (!strncmp(*argv, "--br=", 5))
			return *argv + 5;
	return NULL;
}

static pid_t spawn(char **argv, int sock)
{
	static char fdarg[32];   /* stays in argv after we return */
	pid_t pid;

	snprintf(fdarg, sizeof(fdarg), "--fd=%d", sock);
	for (char **a = argv; *a; a++)
		if (!strcmp(*a, "--fd=SOCK"))
			*a = fdarg;
	pid = fork();
	if (pid == 0) {
		if (sock >= 0)
			fcntl(sock, F_SETFD, 0);
		execv(argv[0], argv);
		perror("tapinfo: exec");
		_exit(127);
	}
	return pid;
}

static int wait_helper(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

static int helper_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- --stall ------------------------------------------------------------- */

/* Fill SOCK's send buffer: the bytes wait in the peer's receive queue and
 * are charged to SOCK, so the next sendmsg on SOCK blocks. Returns the
 * number of bytes written, or -1. */
static long fill(int sock)
{
	static char buf[4096];
	long total = 0;

	memset(buf, 'x', sizeof(buf));
	for (;;) {
		ssize_t n = send(sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			total += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return total;
		return -1;
	}
}

static int drain(int sock, long bytes)
{
	char buf[4096];

	while (bytes > 0) {
		size_t want = bytes < (long)sizeof(buf) ? (size_t)bytes : sizeof(buf);
		ssize_t n = recv(sock, buf, want, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		bytes -= n;
	}
	return 0;
}

static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

/* The State letter in /proc/PID/status, or 0 if the process is gone. */
static char status_state(pid_t pid)
{
	char path[64], buf[8192], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "\nState:");
	if (!p)
		return 0;
	p += strlen("\nState:");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p;
}

/* Is a TAP (a device with tun_flags) an UP port of BRIDGE? Read from sysfs,
 * which needs no privilege. */
static bool tap_on_bridge(const char *bridge)
{
	char path[512], buf[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", bridge);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		unsigned long flags;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", de->d_name);
		if (access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/flags", de->d_name);
		if (read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		flags = strtoul(buf, NULL, 16);
		found = (flags & IFF_UP) != 0;
	}
	closedir(d);
	return found;
}

/* 1: the syscall is sendmsg, 0: another one or none, -1: unreadable. */
static int in_sendmsg(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10) == SYS_sendmsg;
}

static const char *wait_blocked(pid_t pid, const char *bridge)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	if (!bridge)
		return "no --br= argument";
	for (int i = 0; i < 1000; i++) {        /* 10 s */
		char st = status_state(pid);

		if (st == 0 || st == 'Z' || st == 'X')
			return "the helper exited";
		if (st == 'S' && tap_on_bridge(bridge) && in_sendmsg(pid) != 0)
			return NULL;
		nanosleep(&tick, NULL);
	}
	return "timed out after 10 s";
}

static void print_status(pid_t pid)
{
	static const char *const keys[] = {
		"State", "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff",
		"CapBnd", "CapAmb", "NoNewPrivs", "SigBlk", "SigIgn",
	};
	char path[64], buf[8192];

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':'), *save = NULL;

		if (!colon)
			continue;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if ((size_t)(colon - line) != strlen(keys[k]) ||
			    strncmp(line, keys[k], strlen(keys[k])))
				continue;
			printf("helper-%s:", keys[k]);
			for (char *v = strtok_r(colon + 1, " \t", &save); v;
			     v = strtok_r(NULL, " \t", &save))
				printf(" %s", v);
			putchar('\n');
		}
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void print_fds(pid_t pid)
{
	char path[64], target[512];
	int fds[1024], n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d) {
		printf("helper-fds: unreadable: %s\n", strerror(errno));
		return;
	}
	while ((de = readdir(d)) && n < 1024)
		if (de->d_name[0] != '.')
			fds[n++] = atoi(de->d_name);
	closedir(d);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	printf("helper-fds:");
	for (int i = 0; i < n; i++) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		target[len < 0 ? 0 : len] = '\0';
		printf(" %d=%s", fds[i], len < 0 ? "?" : target);
	}
	putchar('\n');
}

static void print_environ(pid_t pid)
{
	char path[64], buf[8192];
	int n;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	n = read_small(path, buf, sizeof(buf));
	if (n < 0) {
		printf("helper-environ: unreadable: %s\n", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	printf("helper-environ-bytes=%d\nhelper-environ:%s%s\n", n, n ? " " : "", buf);
}

/* ---- results ----------------------------------------------------------- */

static void describe(const int *fds, unsigned n)
{
	struct ifreq ifr;
	int sndbuf = 0;
	unsigned cloexec = 0;

	memset(&ifr, 0, sizeof(ifr));
	for (unsigned i = 0; i < n; i++) {
		if (ioctl(fds[i], TUNGETIFF, &ifr) < 0) {
			printf("fd%u=not-a-tap\n", i);
			continue;
		}
		if (fcntl(fds[i], F_GETFD) & FD_CLOEXEC)
			cloexec++;
	}
	ioctl(fds[0], TUNGETSNDBUF, &sndbuf);
	printf("fds=%u\nname=%s\ntap=%d\nno_pi=%d\nvnet_hdr=%d\nmulti_queue=%d\n"
	       "sndbuf=%d\ncloexec=%u\n", n, ifr.ifr_name,
	       !!(ifr.ifr_flags & IFF_TAP), !!(ifr.ifr_flags & IFF_NO_PI),
	       !!(ifr.ifr_flags & IFF_VNET_HDR), !!(ifr.ifr_flags & IFF_MULTI_QUEUE),
	       sndbuf, cloexec);
	fflush(stdout);
	setenv("TAP", ifr.ifr_name, 1);
}

static int usage(void)
{
	fprintf(stderr, "usage: tapinfo [--then=CMD] [--stall] [--close-early] "
		"-- HELPER ARG...\n");
	return 10;
}

int main(int argc, char **argv)
{
	const char *then = NULL, *why;
	bool stall = false, close_early = false;
	int sv[2], status, fds[256];
	unsigned want;
	long filled = 0;
	pid_t pid;
	int i = 1, r;

	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strncmp(argv[i], "--then=", 7))
			then = argv[i] + 7;
		else if (!strcmp(argv[i], "--stall"))
			stall = true;
		else if (!strcmp(argv[i], "--close-early"))
			close_early = true;
		else
			return usage();
	}
	if (i >= argc || i + 1 >= argc)
		return usage();
	want = queues_of(argv + i + 1);
	if (want == 0 || want > 256)
		want = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 10;
	if (stall && (filled = fill(sv[1])) <= 0) {
		printf("stall=failed: cannot fill the socket\n");
		return 10;
	}
	if (close_early && !stall) {
		close(sv[0]);
		sv[0] = -1;
	}
	fflush(stdout);
	pid = spawn(argv + i + 1, sv[1]);
	close(sv[1]);
	if (pid < 0)
		return 10;
	if (stall) {
		why = wait_blocked(pid, bridge_of(argv + i + 1));
		if (why) {
			printf("stall=failed: %s\n", why);
		} else {
			printf("stall=ok\nfiller=%ld\n", filled);
			print_status(pid);
			print_fds(pid);
			print_environ(pid);
		}
		fflush(stdout);
		if (close_early) {
			close(sv[0]);
			sv[0] = -1;
		} else if (drain(sv[0], filled) < 0) {
			printf("recv-error=cannot drain the filler\n");
			wait_helper(pid);
			return 10;
		}
	}
	if (close_early) {
		status = wait_helper(pid);
		printf("helper-status=%d\n", helper_status(status));
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 10;
	}
	r = fdpass_recv(sv[0], fds, want, NULL);
	status = wait_helper(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("helper-status=%d\n", helper_status(status));
		return WIFEXITED(status) ? WEXITSTATUS(status) : 10;
	}
	if (r < 0) {
		printf("recv-error=%s\n", strerror(-r));
		return 10;
	}
	describe(fds, want);
	if (then && system(then) != 0)
		return 11;
	return 0;
}
