/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fake-helper: a deliberately broken stand-in for bridge-helper(8), to test
 * libbridge-helper and bridge-helper-run without privilege.
 *
 * The library gives the helper an empty environment and a fixed argv, so the
 * behaviour is chosen by the basename of argv[0]: the tests symlink this
 * binary under the name of each mode. "Fds" sent are /dev/null, not TAPs.
 *
 *   good         send K fds (--queues=K, default 1), exit 0
 *   slow         sleep 200 ms, then as good
 *   exit0-nofd   send nothing, exit 0
 *   byte-nofd    send one byte without fds, exit 0
 *   two-fds      send 2 fds in one message when 1 is asked, exit 0
 *   two-msgs     send 1 fd, then 1 more in a second message, exit 0
 *   short        send 1 fd whatever was asked, exit 0
 *   deny         print "bridge-helper: BR: denied by test", exit 3
 *   ugly         print a first line full of control characters, exit 4
 *   usage        print "bridge-helper: bad option (see --help)", exit 2
 *   chatty       print one line then 256 KiB more on stderr, exit 1
 *   echo-args    print argv[1..] on one stderr line, exit 5
 *   spew         write to stderr forever
 *   flood        send fds forever, one per message
 *   hang         sleep forever holding the socket
 *   hang-closed  close stderr and the socket, then sleep forever
 *   suicide      raise(SIGKILL)
 *   fd-check     as good if the process is clean (fds 0-3 only, the right
 *                kinds, empty signal mask, default dispositions, empty
 *                environment); otherwise say what is wrong and exit 9
 */
#include "fdpass.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Built with SANITIZE=address, the runtime would install its own SIGSEGV,
 * SIGBUS, SIGFPE... handlers before main(), which fd-check would then blame
 * on the library. Keep the dispositions as inherited. */
__attribute__((used, visibility("default")))
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0:"
	       "handle_sigill=0";
}

struct args {
	int fd;
	unsigned queues;
	const char *br;
};

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "fake-helper: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv, struct args *a)
{
	a->fd = -1;
	a->queues = 1;
	a->br = "?";
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--fd=", 5))
			a->fd = (int)number(argv[i] + 5, 0, INT_MAX);
		else if (!strncmp(argv[i], "--queues=", 9))
			a->queues = (unsigned)number(argv[i] + 9, 1, 256);
		else if (!strncmp(argv[i], "--br=", 5))
			a->br = argv[i] + 5;
	}
}

static void send_devnull(int sock, unsigned n)
{
	int fds[300] = { 0 };

	if (n > 300)
		exit(2);
	for (unsigned i = 0; i < n; i++) {
		fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fds[i] < 0) {
			perror("fake-helper: /dev/null");
			exit(1);
		}
	}
	if (fdpass_send(sock, fds, n) < 0) {
		fprintf(stderr, "fake-helper: cannot send fds\n");
		exit(1);
	}
	for (unsigned i = 0; i < n; i++)
		close(fds[i]);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool is_kind(int fd, mode_t kind)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

/* Any fd above 3? Returns false and describes the first one in WHY. */
static bool only_fds_0_to_3(char *why, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	bool ok = true;

	if (!d) {
		snprintf(why, len, "cannot open /proc/self/fd");
		return false;
	}
	while (ok && (e = readdir(d))) {
		char path[64], target[PATH_MAX];
		int fd;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		fd = (int)strtol(e->d_name, NULL, 10);  /* kernel-made: digits */
		if (fd <= 3 || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		snprintf(why, len, "fd %d is open (%s)", fd, target);
		ok = false;
	}
	closedir(d);
	return ok;
}

static bool clean_signals(char *why, size_t len)
{
	sigset_t cur;

	sigprocmask(SIG_SETMASK, NULL, &cur);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sigismember(&cur, sig) == 1) {
			snprintf(why, len, "signal %d is blocked", sig);
			return false;
		}
		if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
			continue;
		if (!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_DFL)
			continue;
		snprintf(why, len, "signal %d has no default disposition", sig);
		return false;
	}
	return true;
}

static bool clean_process(char *why, size_t len)
{
	if (!is_kind(0, S_IFCHR) || !is_kind(1, S_IFCHR)) {
		snprintf(why, len, "fds 0 and 1 are not /dev/null");
		return false;
	}
	if (!is_kind(2, S_IFIFO) || !is_kind(3, S_IFSOCK)) {
		snprintf(why, len, "fd 2 is not a pipe or fd 3 is not a socket");
		return false;
	}
	if (fcntl(3, F_GETFD) != 0) {
		snprintf(why, len, "fd 3 has FD_CLOEXEC set");
		return false;
	}
	if (environ && environ[0]) {
		snprintf(why, len, "environment is not empty: %s", environ[0]);
		return false;
	}
	return only_fds_0_to_3(why, len) && clean_signals(why, len);
}

static void chatty(void)
{
	char line[1024];

	fputs("bridge-helper: chatty first line\n", stderr);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 256; i++)
		fwrite(line, 1, sizeof(line), stderr);
	exit(1);
}

static void echo_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		fprintf(stderr, "%s%s", i > 1 ? " " : "", argv[i]);
	fputc('\n', stderr);
	exit(5);
}

static int run_mode(const char *mode, const struct args *a, int argc, char **argv)
{
	char why[PATH_MAX + 64];

	if (!strcmp(mode, "good")) {
		send_devnull(a->fd, a->queues);
	} else if (!strcmp(mode, "slow")) {
		sleep_ms(200);
		send_devnull(a->fd, a->queues);
	} else if (!strcmp(mode, "exit0-nofd")) {
		return 0;
	} else if (!strcmp(mode, "byte-nofd")) {
		return write(a->fd, "x", 1) == 1 ? 0 : 1;
	} else if (!strcmp(mode, "two-fds")) {
		send_devnull(a->fd, a->queues + 1);
	} else if (!strcmp(mode, "two-msgs")) {
		send_devnull(a->fd, a->queues);
		send_devnull(a->fd, 1);
	} else if (!strcmp(mode, "short")) {
		send_devnull(a->fd, 1);
	} else if (!strcmp(mode, "deny")) {
		fprintf(stderr, "bridge-helper: %s: denied by test\n", a->br);
		return 3;
	} else if (!strcmp(mode, "usage")) {
		fputs("bridge-helper: bad option (see --help)\n", stderr);
		return 2;
	} else if (!strcmp(mode, "ugly")) {
		fputs("\n\033[31mbridge-helper: evil\tthing\r\nsecond line\n", stderr);
		return 4;
	} else if (!strcmp(mode, "chatty")) {
		chatty();
	} else if (!strcmp(mode, "echo-args")) {
		echo_args(argc, argv);
	} else if (!strcmp(mode, "spew")) {
		for (;;)
			fputs("bridge-helper: spew spew spew spew spew spew\n", stderr);
	} else if (!strcmp(mode, "flood")) {
		for (;;)
			send_devnull(a->fd, 1);
	} else if (!strcmp(mode, "hang")) {
		for (;;)
			pause();
	} else if (!strcmp(mode, "hang-closed")) {
		close(2);
		close(a->fd);
		for (;;)
			pause();
	} else if (!strcmp(mode, "suicide")) {
		raise(SIGKILL);
	} else if (!strcmp(mode, "fd-check")) {
		if (!clean_process(why, sizeof(why))) {
			fprintf(stderr, "fake-helper: %s\n", why);
			return 9;
		}
		send_devnull(a->fd, a->queues);
	} else {
		fprintf(stderr, "fake-helper: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = strrchr(argv[0], '/');
	struct args a;

	mode = mode ? mode + 1 : argv[0];
	parse(argc, argv, &a);
	if (a.fd < 0 && strcmp(mode, "echo-args") != 0) {
		fprintf(stderr, "fake-helper: no --fd\n");
		return 2;
	}
	return run_mode(mode, &a, argc, argv);
}
