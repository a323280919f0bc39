/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* test_client: libbridge-helper, with TAP output.
 *
 *   tests/test_client [--fake PATH]              against tests/fake-helper
 *   tests/test_client --real BRIDGE HELPER ACL   against the real helper
 *   tests/test_client --open2 BRIDGE HELPER      one bh_open2() for BRIDGE:
 *                          prints "status=NAME" (bh_strerror) and the message
 *
 * Fake mode needs no privilege: it symlinks fake-helper (default: next to
 * this binary) under each mode's name in a temporary directory. Real mode
 * runs inside a network namespace that has BRIDGE and no other TAP, with an
 * ACL (ACL "" means the helper's default, as for a setuid helper) that allows
 * BRIDGE and the missing bridge "bhnosuchbr0", sets no sndbuf, and has no
 * rule for "bhdenied0"; tests/client-real.bats sets that up, as root and as
 * an unprivileged user.
 * Every case checks the status, the exact message, that no fd leaked and that
 * no child was left behind.
 */
#include "bridge-helper.h"
#include "tests/tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_tun.h>

#define NTHREADS 16

static char fake_bin[PATH_MAX];
static char fake_dir[PATH_MAX];

static const char *const modes[] = {
	"good", "slow", "exit0-nofd", "byte-nofd", "two-fds", "two-msgs",
	"short", "deny", "usage", "ugly", "chatty", "echo-args", "spew", "flood", "hang",
	"hang-closed",
	"suicide", "fd-check",
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* --- helpers ------------------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;   /* the directory's own fd */
}

static bool no_children(void)
{
	errno = 0;
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static bool has_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* DIR/NAME into BUF; a test fixture path never gets truncated. */
static void join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "test_client: path too long: %s/%s\n", dir, name);
		exit(99);
	}
}

static void fake_path(char *buf, size_t len, const char *mode)
{
	join(buf, len, fake_dir, mode);
}

static struct bh_request *fake_request(const char *mode, unsigned queues,
				       unsigned timeout_ms)
{
	char path[PATH_MAX];
	struct bh_request *req = bh_request_new("br0");

	fake_path(path, sizeof(path), mode);
	if (!req || bh_request_set_helper(req, path) < 0 ||
	    bh_request_set_queues(req, queues) < 0 ||
	    bh_request_set_timeout(req, timeout_ms) < 0) {
		fprintf(stderr, "test_client: cannot build a request\n");
		exit(99);
	}
	return req;
}

static int open_fake(const char *mode, unsigned queues, unsigned timeout_ms,
		     struct bh_tap **tap, char *msg, size_t len)
{
	struct bh_request *req = fake_request(mode, queues, timeout_ms);
	int r = bh_open(req, tap, msg, len);

	bh_request_free(req);
	return r;
}

/* A failing request: status, exact message, no result, no leak, no child. */
static void expect_fail(const char *mode, unsigned queues, unsigned timeout_ms,
			int status, const char *want)
{
	struct bh_tap *tap = NULL;
	char msg[1024];
	int before = count_fds();
	int r = open_fake(mode, queues, timeout_ms, &tap, msg, sizeof(msg));

	OK(r == -status, "%s: status %s (got %d)", mode, bh_strerror(status), r);
	OK(!strcmp(msg, want), "%s: message \"%s\" (got \"%s\")", mode, want, msg);
	OK(tap == NULL, "%s: no result", mode);
	OK(count_fds() == before, "%s: no fd leaked", mode);
	OK(no_children(), "%s: helper reaped", mode);
}

/* --- fixtures ----------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const char *text,
		      mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	join(path, sizeof(path), dir, name);
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(text, f);
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

static void make_fakes(void)
{
	char link[PATH_MAX];

	if (access(fake_bin, X_OK) < 0) {
		fprintf(stderr, "test_client: %s: %s\n", fake_bin, strerror(errno));
		exit(99);
	}
	snprintf(fake_dir, sizeof(fake_dir), "%s/bh-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(fake_dir)) {
		perror("test_client: mkdtemp");
		exit(99);
	}
	for (size_t i = 0; i < NMODES; i++) {
		fake_path(link, sizeof(link), modes[i]);
		if (symlink(fake_bin, link) < 0) {
			perror("test_client: symlink");
			exit(99);
		}
	}
	if (write_file(fake_dir, "noexec", "#!/bin/sh\nexit 0\n", 0644) < 0 ||
	    write_file(fake_dir, "garbage", "this is not a program\n", 0755) < 0) {
		perror("test_client: fixture");
		exit(99);
	}
}

static void remove_fakes(void)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < NMODES; i++) {
		fake_path(path, sizeof(path), modes[i]);
		unlink(path);
	}
	fake_path(path, sizeof(path), "noexec");
	unlink(path);
	fake_path(path, sizeof(path), "garbage");
	unlink(path);
	rmdir(fake_dir);
}

/* --- fake mode tests ---------------------------------------------------- */

static void test_setters(void)
{
	static const char *const bad[] = {
		"", "0123456789abcdef", "a/b", "a:b", "a b", "a\tb", ".", "..", "a\x7f",
	};
	struct bh_request *req;
	int fds = count_fds();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		req = bh_request_new(bad[i]);
		OK(!req && errno == EINVAL, "bridge name \"%s\" rejected", bad[i]);
		bh_request_free(req);
	}
	OK(!bh_request_new(NULL) && errno == EINVAL, "NULL bridge rejected");
	req = bh_request_new("0123456789abcde");
	OK(req != NULL, "15-byte bridge name accepted");
	OK(bh_request_set_queues(req, 0) == -EINVAL, "queues 0 rejected");
	OK(bh_request_set_queues(req, 257) == -EINVAL, "queues 257 rejected");
	OK(bh_request_set_queues(req, 256) == 0, "queues 256 accepted");
	OK(bh_request_set_queues(req, 1) == 0, "queues 1 accepted");
	OK(bh_request_set_sndbuf(req, 0) == -EINVAL, "sndbuf 0 rejected");
	OK(bh_request_set_sndbuf(req, -1) == -EINVAL, "sndbuf -1 rejected");
	OK(bh_request_set_sndbuf(req, INT_MAX) == 0, "sndbuf INT_MAX accepted");
	OK(bh_request_set_mac(req, "01:00:5e:00:00:01") == -EINVAL, "group MAC rejected");
	OK(bh_request_set_mac(req, "00:00:00:00:00:00") == -EINVAL, "zero MAC rejected");
	OK(bh_request_set_mac(req, "52:54:00:12:34:5") == -EINVAL &&
	   bh_request_set_mac(req, "52:54:00:12:34:567") == -EINVAL &&
	   bh_request_set_mac(req, "52-54-00-12-34-56") == -EINVAL &&
	   bh_request_set_mac(req, NULL) == -EINVAL &&
	   bh_request_set_mac(NULL, "52:54:00:12:34:56") == -EINVAL, "malformed MACs rejected");
	OK(bh_request_set_mac(req, "52:54:00:AB:cd:EF") == 0, "a unicast MAC accepted, any case");
	OK(bh_request_set_helper(req, "") == -EINVAL, "empty helper path rejected");
	OK(bh_request_set_helper(req, NULL) == 0, "NULL helper: back to default");
	OK(bh_request_set_acl(req, "") == -EINVAL, "empty ACL path rejected");
	OK(bh_request_set_acl(req, NULL) == 0, "NULL ACL: the system one");
	OK(bh_request_set_timeout(req, 0) == 0, "timeout 0 (none) accepted");
	OK(bh_request_set_vnet_hdr(NULL, true) == -EINVAL &&
	   bh_request_set_queues(NULL, 1) == -EINVAL, "NULL request rejected");
	OK(bh_open(NULL, NULL, NULL, 0) == -BH_E_INVAL, "bh_open(NULL) is BH_E_INVAL");
	bh_request_free(req);
	bh_request_free(NULL);
	bh_tap_free(NULL);
	OK(!strcmp(bh_strerror(BH_E_TIMEOUT), "helper timed out") &&
	   !strcmp(bh_strerror(-BH_E_TIMEOUT), "helper timed out") &&
	   !strcmp(bh_strerror(99), "unknown error") &&
	   !strcmp(bh_strerror(INT_MIN), "unknown error"), "bh_strerror");
	OK(count_fds() == fds, "setters: no fd leaked");
}

static bool distinct_cloexec(const struct bh_tap *tap)
{
	unsigned n = bh_tap_queues(tap);

	for (unsigned i = 0; i < n; i++) {
		if (bh_tap_fd(tap, i) < 0 || !has_cloexec(bh_tap_fd(tap, i)))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (bh_tap_fd(tap, i) == bh_tap_fd(tap, j))
				return false;
	}
	return true;
}

static void test_good(unsigned queues, unsigned timeout_ms)
{
	struct bh_tap *tap = NULL;
	char msg[256];
	int before = count_fds();
	int r = open_fake("good", queues, timeout_ms, &tap, msg, sizeof(msg));
	int fd;

	OK(r == 0, "good x%u (timeout %u): success (%s)", queues, timeout_ms, msg);
	if (r < 0)
		return;
	OK(bh_tap_queues(tap) == queues, "good x%u: %u fds", queues, queues);
	OK(distinct_cloexec(tap), "good x%u: distinct fds, all FD_CLOEXEC", queues);
	OK(count_fds() == before + (int)queues, "good x%u: exactly %u new fds", queues, queues);
	OK(!strcmp(bh_tap_name(tap), "") && !bh_tap_vnet_hdr(tap),
	   "good x%u: /dev/null is no TAP: empty name, no vnet_hdr", queues);
	OK(bh_tap_fd(tap, queues) == -1, "good x%u: fd index %u out of range", queues, queues);
	fd = bh_tap_take_fd(tap, 0);
	OK(fd >= 0 && bh_tap_fd(tap, 0) == -1 && bh_tap_take_fd(tap, 0) == -1,
	   "good x%u: take_fd hands the fd over once", queues);
	bh_tap_free(tap);
	OK(fcntl(fd, F_GETFD) >= 0, "good x%u: a taken fd survives bh_tap_free", queues);
	close(fd);
	OK(count_fds() == before, "good x%u: no fd leaked", queues);
	OK(no_children(), "good x%u: helper reaped", queues);
}

static void expect_args(struct bh_request *req, const char *want, const char *what)
{
	struct bh_tap *tap = NULL;
	char msg[1024];
	int r = bh_open(req, &tap, msg, sizeof(msg));

	OK(r == -BH_E_HELPER && !strcmp(msg, want), "argv %s: \"%s\" (got \"%s\")",
	   what, want, msg);
	bh_request_free(req);
}

static void test_argv(void)
{
	struct bh_request *req = fake_request("echo-args", 2, 10000);

	bh_request_set_vnet_hdr(req, true);
	bh_request_set_sndbuf(req, 4096);
	bh_request_set_acl(req, "/x/acl");
	bh_request_set_mac(req, "52:54:00:AB:cd:EF");
	expect_args(req, "helper exited with status 5: --use-vnet --fd=3 --br=br0 "
		    "--queues=2 --sndbuf=4096 --mac=52:54:00:ab:cd:ef --acl=/x/acl",
		    "with every option");
	req = fake_request("echo-args", 1, 10000);
	expect_args(req, "helper exited with status 5: --fd=3 --br=br0",
		    "of a default request (QEMU's)");
}

static void test_failures(void)
{
	expect_fail("deny", 1, 10000, BH_E_HELPER,
		    "helper exited with status 3: bridge-helper: br0: denied by test");
	expect_fail("usage", 1, 10000, BH_E_HELPER,
		    "helper exited with status 2: bridge-helper: bad option (see --help)");
	expect_fail("ugly", 1, 10000, BH_E_HELPER,
		    "helper exited with status 4: ?[31mbridge-helper: evil thing");
	expect_fail("chatty", 1, 10000, BH_E_HELPER,
		    "helper exited with status 1: bridge-helper: chatty first line");
	expect_fail("suicide", 1, 10000, BH_E_SIGNAL, "helper killed by signal SIGKILL");
	expect_fail("exit0-nofd", 1, 10000, BH_E_NOFDS,
		    "helper exited 0 without sending a TAP fd");
	expect_fail("byte-nofd", 1, 10000, BH_E_PROTOCOL, "helper sent a malformed message");
	expect_fail("two-fds", 1, 10000, BH_E_PROTOCOL,
		    "helper sent more than 1 fd, expected 1");
	expect_fail("two-msgs", 1, 10000, BH_E_PROTOCOL, "helper sent 2 fds, expected 1");
	expect_fail("two-msgs", 256, 10000, BH_E_PROTOCOL,
		    "helper sent 257 fds, expected 256");
	expect_fail("short", 4, 10000, BH_E_PROTOCOL, "helper sent 1 fd, expected 4");
}

/* bh_open2(): the class of the helper's exit status (bridge-helper(8)),
 * the same message as bh_open(); every other outcome as bh_open(). */
static void test_classes(void)
{
	static const struct { const char *mode; int status; const char *msg; } cases[] = {
		{ "chatty", BH_E_HELPER,
		  "helper exited with status 1: bridge-helper: chatty first line" },
		{ "usage", BH_E_USAGE,
		  "helper exited with status 2: bridge-helper: bad option (see --help)" },
		{ "deny", BH_E_DENIED,
		  "helper exited with status 3: bridge-helper: br0: denied by test" },
		{ "ugly", BH_E_CONFIG,
		  "helper exited with status 4: ?[31mbridge-helper: evil thing" },
		{ "echo-args", BH_E_HELPER,
		  "helper exited with status 5: --fd=3 --br=br0 --queues=2" },
		{ "suicide", BH_E_SIGNAL, "helper killed by signal SIGKILL" },
		{ "short", BH_E_PROTOCOL, "helper sent 1 fd, expected 2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bh_request *req = fake_request(cases[i].mode, 2, 10000);
		struct bh_tap *tap = NULL;
		char msg[1024];
		int before = count_fds();
		int r = bh_open2(req, &tap, msg, sizeof(msg));

		bh_request_free(req);
		OK(r == -cases[i].status && !strcmp(msg, cases[i].msg) && !tap,
		   "bh_open2 %s: %s, \"%s\" (got %d, \"%s\")", cases[i].mode,
		   bh_strerror(cases[i].status), cases[i].msg, r, msg);
		OK(count_fds() == before && no_children(),
		   "bh_open2 %s: no fd leaked, helper reaped", cases[i].mode);
	}
	OK(!strcmp(bh_strerror(-BH_E_DENIED), "denied by the helper's policy") &&
	   !strcmp(bh_strerror(BH_E_CONFIG), "the helper's configuration is bad") &&
	   !strcmp(bh_strerror(BH_E_USAGE), "the helper refused the request's options") &&
	   !strcmp(bh_strerror(BH_E_USAGE + 1), "unknown error"),
	   "bh_strerror names the API 2 classes");
}

static void test_timeouts(void)
{
	static const char *const hangs[] = { "hang", "hang-closed", "spew", "flood" };

	for (size_t i = 0; i < sizeof(hangs) / sizeof(hangs[0]); i++) {
		double t0 = now_ms(), ms;

		expect_fail(hangs[i], 1, 300, BH_E_TIMEOUT,
			    "helper did not answer within 300 ms: killed");
		ms = now_ms() - t0;
		OK(ms >= 295 && ms < 3000, "%s: gave up after %.0f ms", hangs[i], ms);
	}
}

/* valgrind runs posix_spawn's vfork as a plain fork: an exec failure can
 * then only show as the child's exit status 127, not as an errno. */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

static void test_nohelper(void)
{
	static const struct { const char *name, *why; } cases[] = {
		{ "nonexistent", "No such file or directory" },
		{ "noexec", "Permission denied" },
		{ "garbage", "Exec format error" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[PATH_MAX + 128];

		snprintf(want, sizeof(want), "cannot run helper %s/%s: %s",
			 fake_dir, cases[i].name, cases[i].why);
		if (under_valgrind())
			expect_fail(cases[i].name, 1, 10000, BH_E_HELPER,
				    "helper exited with status 127");
		else
			expect_fail(cases[i].name, 1, 10000, BH_E_NOHELPER, want);
	}
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A careless caller: an fd without O_CLOEXEC, blocked signals, an ignored
 * and a handled one. The helper must see none of it. */
static void test_hostile_caller(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, hnd = { .sa_handler = on_signal };
	struct sigaction old_term, old_hup;
	sigset_t block, old_mask;
	struct bh_tap *tap = NULL;
	int leak = open("/dev/null", O_RDONLY);   /* no O_CLOEXEC, on purpose */
	int leak2 = dup2(leak, 100);
	char msg[512];
	int r;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	sigaction(SIGTERM, &ign, &old_term);
	sigaction(SIGHUP, &hnd, &old_hup);
	r = open_fake("fd-check", 2, 10000, &tap, msg, sizeof(msg));
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	OK(leak >= 0 && leak2 == 100, "fd-check: caller has non-CLOEXEC fds %d and 100", leak);
	OK(r == 0, "fd-check: helper saw fds 0-3 only, empty mask, default "
	   "signals, empty env (%s)", r ? msg : "clean");
	bh_tap_free(tap);
	close(leak);
	close(leak2);
	OK(no_children(), "fd-check: helper reaped");
}

/* In a child process with fds 0-2 (or 0 only) and everything >= 3 closed,
 * so that the socketpair lands on 0/1 (or 0/3): the helper must still get
 * /dev/null, /dev/null, a pipe and the socket at 0, 1, 2, 3. */
static int closed_stdio_child(bool all_three)
{
	char path[PATH_MAX];
	struct bh_tap *tap = NULL;
	struct bh_request *req;
	int r;

	fake_path(path, sizeof(path), "fd-check");
	req = bh_request_new("br0");
	if (!req || bh_request_set_helper(req, path) < 0)
		return 99;
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	close(0);
	if (all_three) {
		close(1);
		close(2);
	}
	r = bh_open(req, &tap, NULL, 0);
	if (r == 0 && !has_cloexec(bh_tap_fd(tap, 0)))
		r = -98;
	bh_tap_free(tap);
	bh_request_free(req);
	return -r;
}

static void test_closed_stdio(void)
{
	for (int v = 0; v < 2; v++) {
		pid_t pid;
		int st = -1;

		fflush(stdout);
		pid = fork();
		if (pid == 0)
			_exit(closed_stdio_child(v == 1));
		waitpid(pid, &st, 0);
		OK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "fd-check with fd 0%s closed in the caller (status %d)",
		   v ? ", 1, 2" : "", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
}

/* Signals without SA_RESTART every millisecond while bh_open waits. */
static void test_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, old;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct bh_tap *tap = NULL;
	char msg[256];
	int r;

	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &it, NULL);
	r = open_fake("slow", 2, 5000, &tap, msg, sizeof(msg));
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_IGN);   /* drop a SIGALRM still pending (valgrind) */
	sigaction(SIGALRM, &old, NULL);
	OK(r == 0 && bh_tap_queues(tap) == 2, "EINTR storm: success (%s)", r ? msg : "ok");
	bh_tap_free(tap);
	OK(no_children(), "EINTR storm: helper reaped");
}

/* SIGCHLD ignored: the kernel reaps the helper, its status is lost. */
static void test_sigchld_ignored(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	struct bh_tap *tap = NULL;
	char msg[512];
	int r, before = count_fds();

	sigaction(SIGCHLD, &ign, &old);
	r = open_fake("good", 2, 10000, &tap, msg, sizeof(msg));
	OK(r == 0 && bh_tap_queues(tap) == 2, "SIGCHLD ignored: all fds arrived: success");
	bh_tap_free(tap);
	r = open_fake("deny", 1, 10000, &tap, msg, sizeof(msg));
	OK(r == -BH_E_HELPER && !strcmp(msg, "helper failed (cannot wait for it: No "
	   "child processes): bridge-helper: br0: denied by test"),
	   "SIGCHLD ignored: a failure is still reported (%s)", msg);
	sigaction(SIGCHLD, &old, NULL);
	OK(count_fds() == before && no_children(), "SIGCHLD ignored: no leak, no child");
}

static void test_errbuf(void)
{
	struct bh_tap *tap = NULL;
	char small[8];

	OK(open_fake("deny", 1, 10000, &tap, NULL, 0) == -BH_E_HELPER,
	   "errbuf NULL: status still returned");
	memset(small, 'x', sizeof(small));
	OK(open_fake("deny", 1, 10000, &tap, small, sizeof(small)) == -BH_E_HELPER &&
	   !strcmp(small, "helper "), "errbuf of 8: truncated, NUL-terminated");
	OK(no_children(), "errbuf: helpers reaped");
}

struct job {
	const struct bh_request *req;
	int r;
	unsigned n;
	int fds[4];
	char name[IFNAMSIZ];
	char msg[256];
};

static void *job_run(void *p)
{
	struct job *j = p;
	struct bh_tap *tap = NULL;

	j->r = bh_open(j->req, &tap, j->msg, sizeof(j->msg));
	if (j->r < 0)
		return NULL;
	j->n = bh_tap_queues(tap);
	for (unsigned i = 0; i < j->n && i < 4; i++)
		j->fds[i] = bh_tap_take_fd(tap, i);
	snprintf(j->name, sizeof(j->name), "%s", bh_tap_name(tap));
	bh_tap_free(tap);
	return NULL;
}

/* NTHREADS concurrent bh_open() of REQ. Returns how many succeeded with
 * distinct FD_CLOEXEC fds; JOBS keep the fds (caller closes). */
static int run_jobs(const struct bh_request *req, unsigned queues,
		    struct job *jobs)
{
	pthread_t th[NTHREADS];
	bool started[NTHREADS];
	int good = 0;

	for (int i = 0; i < NTHREADS; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].req = req;
		jobs[i].r = -999;
		started[i] = pthread_create(&th[i], NULL, job_run, &jobs[i]) == 0;
	}
	for (int i = 0; i < NTHREADS; i++)
		if (started[i])
			pthread_join(th[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		bool ok = jobs[i].r == 0 && jobs[i].n == queues;

		for (unsigned q = 0; ok && q < jobs[i].n; q++)
			ok = has_cloexec(jobs[i].fds[q]);
		if (!ok)
			printf("# job %d: %d %s\n", i, jobs[i].r, jobs[i].msg);
		good += ok;
	}
	return good;
}

static void close_jobs(struct job *jobs)
{
	for (int i = 0; i < NTHREADS; i++)
		for (unsigned q = 0; q < jobs[i].n && q < 4; q++)
			close(jobs[i].fds[q]);
}

static bool all_fds_distinct(const struct job *jobs)
{
	for (int i = 0; i < NTHREADS * 4; i++)
		for (int j = 0; j < i; j++) {
			const struct job *a = &jobs[i / 4], *b = &jobs[j / 4];

			if ((unsigned)(i % 4) < a->n && (unsigned)(j % 4) < b->n &&
			    a->fds[i % 4] == b->fds[j % 4])
				return false;
		}
	return true;
}

static void test_threads(void)
{
	struct bh_request *req = fake_request("good", 2, 10000);
	struct job jobs[NTHREADS];
	int before = count_fds();
	int good = run_jobs(req, 2, jobs);

	OK(good == NTHREADS, "%d threads at once: %d succeeded", NTHREADS, good);
	OK(all_fds_distinct(jobs), "%d threads: all fds distinct", NTHREADS);
	close_jobs(jobs);
	bh_request_free(req);
	OK(count_fds() == before, "%d threads: no fd leaked", NTHREADS);
	OK(no_children(), "%d threads: every helper reaped", NTHREADS);
}

static int fake_main(void)
{
	int before;

	make_fakes();
	before = count_fds();
	test_setters();
	test_good(1, 10000);
	test_good(4, 10000);
	test_good(256, 10000);
	test_good(1, 0);
	test_argv();
	test_failures();
	test_classes();
	test_timeouts();
	test_nohelper();
	test_hostile_caller();
	test_closed_stdio();
	test_eintr();
	test_errbuf();
	test_sigchld_ignored();
	test_threads();
	OK(count_fds() == before, "whole run: no fd leaked");
	OK(no_children(), "whole run: no child left");
	remove_fakes();
	return tap_done();
}

/* --- real mode ---------------------------------------------------------- */

static const char *real_bridge, *real_helper, *real_acl;

static struct bh_request *real_request(const char *bridge)
{
	struct bh_request *req = bh_request_new(bridge);

	if (!req || bh_request_set_helper(req, real_helper) < 0 ||
	    (*real_acl && bh_request_set_acl(req, real_acl) < 0)) {
		fprintf(stderr, "test_client: cannot build a request\n");
		exit(99);
	}
	return req;
}

/* The bridge NAME is enslaved to, from sysfs, into BUF ("" if none). */
static const char *master_of(const char *name, char *buf, size_t len)
{
	char path[128], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(path, sizeof(path), "/sys/class/net/%s/master", name);
	n = readlink(path, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		base = "(name too long)";
	memcpy(buf, base, strlen(base) + 1);
	return buf;
}

/* TUN/TAP links in this network namespace (they have a tun_flags file). */
static int count_taps(void)
{
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", e->d_name);
		n += access(path, F_OK) == 0;
	}
	closedir(d);
	return n;
}

static bool link_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) == 0;
}

/* The TAP vanishes with its last fd; give the kernel up to 2 s. */
static bool link_gone(const char *name)
{
	for (int i = 0; i < 200 && link_exists(name); i++)
		usleep(10000);
	return !link_exists(name);
}

static short tun_flags(int fd, char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return 0;
	if (name)
		memcpy(name, ifr.ifr_name, IFNAMSIZ);
	return ifr.ifr_flags;
}

static void real_single(bool vnet)
{
	struct bh_request *req = real_request(real_bridge);
	struct bh_tap *tap = NULL;
	char msg[1024], name[IFNAMSIZ], master[IFNAMSIZ + 1];
	short fl;
	int r;

	bh_request_set_vnet_hdr(req, vnet);
	r = bh_open(req, &tap, msg, sizeof(msg));
	bh_request_free(req);
	OK(r == 0, "real%s: success (%s)", vnet ? " vnet" : "", r ? msg : "ok");
	if (r < 0)
		return;
	snprintf(name, sizeof(name), "%s", bh_tap_name(tap));
	fl = tun_flags(bh_tap_fd(tap, 0), NULL);
	OK(name[0] != '\0' && link_exists(name), "real: TAP %s exists", name);
	OK(!strcmp(master_of(name, master, sizeof(master)), real_bridge),
	   "real: %s enslaved to %s (master %s)", name, real_bridge, master);
	OK((fl & (IFF_TUN | IFF_TAP | IFF_NO_PI)) == (IFF_TAP | IFF_NO_PI),
	   "real: IFF_TAP|IFF_NO_PI");
	OK(bh_tap_vnet_hdr(tap) == vnet && !!(fl & IFF_VNET_HDR) == vnet,
	   "real: vnet_hdr %s, reported %s", vnet ? "on" : "off",
	   bh_tap_vnet_hdr(tap) ? "on" : "off");
	OK(has_cloexec(bh_tap_fd(tap, 0)), "real: fd has FD_CLOEXEC");
	bh_tap_free(tap);
	OK(link_gone(name), "real: %s gone with its last fd", name);
}

static void real_multiqueue(unsigned queues)
{
	struct bh_request *req = real_request(real_bridge);
	struct bh_tap *tap = NULL;
	char msg[1024], name[IFNAMSIZ], master[IFNAMSIZ + 1];
	bool same = true, mq = true;
	int r;

	bh_request_set_queues(req, queues);
	r = bh_open(req, &tap, msg, sizeof(msg));
	bh_request_free(req);
	OK(r == 0 && bh_tap_queues(tap) == queues, "real x%u: success (%s)",
	   queues, r ? msg : "ok");
	if (r < 0)
		return;
	for (unsigned i = 0; i < queues; i++) {
		char qname[IFNAMSIZ] = "";
		short fl = tun_flags(bh_tap_fd(tap, i), qname);

		same = same && !strcmp(qname, bh_tap_name(tap));
		mq = mq && (fl & IFF_MULTI_QUEUE);
	}
	OK(same && mq, "real x%u: every fd is a queue of %s (IFF_MULTI_QUEUE)",
	   queues, bh_tap_name(tap));
	OK(distinct_cloexec(tap), "real x%u: distinct fds, all FD_CLOEXEC", queues);
	snprintf(name, sizeof(name), "%s", bh_tap_name(tap));
	OK(!strcmp(master_of(name, master, sizeof(master)), real_bridge),
	   "real x%u: %s enslaved to %s (master %s)", queues, name, real_bridge, master);
	bh_tap_free(tap);
	OK(link_gone(name), "real x%u: %s gone with its last fd", queues, name);
}

static void real_threads(void)
{
	struct bh_request *req = real_request(real_bridge);
	struct job jobs[NTHREADS];
	int good = run_jobs(req, 1, jobs), distinct = 1, enslaved = 1;

	for (int i = 0; i < NTHREADS; i++) {
		char master[IFNAMSIZ + 1];

		if (jobs[i].r < 0)
			continue;
		enslaved &= !strcmp(master_of(jobs[i].name, master, sizeof(master)),
				    real_bridge);
		for (int j = 0; j < i; j++)
			if (jobs[j].r == 0 && !strcmp(jobs[i].name, jobs[j].name))
				distinct = 0;
	}
	OK(good == NTHREADS, "real: %d threads at once: %d succeeded", NTHREADS, good);
	OK(good == NTHREADS && distinct && enslaved, "real: %d distinct TAPs, all on %s",
	   NTHREADS, real_bridge);
	OK(all_fds_distinct(jobs) && count_taps() == NTHREADS,
	   "real: %d distinct fds, %d TAPs exist", NTHREADS, count_taps());
	close_jobs(jobs);
	bh_request_free(req);
	for (int i = 0; i < NTHREADS; i++)
		if (jobs[i].r == 0 && !link_gone(jobs[i].name))
			enslaved = 0;
	OK(good == NTHREADS && enslaved, "real: %d TAPs gone with their fds", NTHREADS);
}

static void real_sndbuf(void)
{
	struct bh_request *req = real_request(real_bridge);
	struct bh_tap *tap = NULL;
	char msg[1024];
	int r, sndbuf = 0;

	bh_request_set_sndbuf(req, 65536);
	r = bh_open(req, &tap, msg, sizeof(msg));
	bh_request_free(req);
	OK(r == 0, "real sndbuf: success (%s)", r ? msg : "ok");
	if (r < 0)
		return;
	OK(ioctl(bh_tap_fd(tap, 0), TUNGETSNDBUF, &sndbuf) == 0 &&
	   sndbuf == 65536, "real sndbuf: the caller's 65536, the ACL setting none (%d)",
	   sndbuf);
	bh_tap_free(tap);
}

/* A request for BRIDGE (with ACL, if not NULL) that the helper refuses with
 * WANT: BH_E_HELPER from bh_open(), CLASS from bh_open2(); nothing created. */
static void real_refused(const char *bridge, const char *acl, int class,
			 const char *want, const char *what)
{
	struct bh_request *req = real_request(bridge);
	struct bh_tap *tap = NULL;
	char msg[1024], msg2[1024];
	int taps = count_taps(), fds = count_fds();
	int r, r2;

	if (acl)
		bh_request_set_acl(req, acl);
	r = bh_open(req, &tap, msg, sizeof(msg));
	r2 = bh_open2(req, &tap, msg2, sizeof(msg2));
	bh_request_free(req);
	OK(r == -BH_E_HELPER && !strcmp(msg, want), "real: %s: \"%s\" (got %d \"%s\")",
	   what, want, r, msg);
	OK(r2 == -class && !strcmp(msg2, want), "real: %s: bh_open2: %s (got %d \"%s\")",
	   what, bh_strerror(class), r2, msg2);
	OK(tap == NULL && count_taps() == taps && count_fds() == fds,
	   "real: %s: no result, no TAP, no fd", what);
}

static int real_main(void)
{
	int before = count_fds();

	real_single(false);
	real_single(true);
	real_multiqueue(4);
	real_sndbuf();
	real_threads();
	real_refused("bhnosuchbr0", NULL, BH_E_HELPER, "helper exited with status 1: "
		     "bridge-helper: bhnosuchbr0: no such bridge", "a missing bridge");
	real_refused("bhdenied0", NULL, BH_E_DENIED, "helper exited with status 3: "
		     "bridge-helper: bhdenied0: denied: no rule matches",
		     "a bridge the ACL denies");
	if (!*real_acl)   /* a privileged helper: --acl is a usage error */
		real_refused(real_bridge, "/tmp/any.conf", BH_E_USAGE,
			     "helper exited with status 2: bridge-helper: --acl is "
			     "refused: running privileged (setuid or file capability); "
			     "the ACL is /etc/bridge-helper/bridge.conf", "--acl");
	OK(count_taps() == 0, "real: no TAP left");
	OK(count_fds() == before, "real: no fd leaked");
	OK(no_children(), "real: no child left");
	return tap_done();
}

/* --open2: what a program sees, for the bats suites to compare. */
static int open2_main(const char *bridge, const char *helper)
{
	struct bh_request *req = bh_request_new(bridge);
	struct bh_tap *tap = NULL;
	char msg[1024];
	int r;

	if (!req || bh_request_set_helper(req, helper) < 0)
		return 99;
	r = bh_open2(req, &tap, msg, sizeof(msg));
	bh_request_free(req);
	printf("status=%s\n%s\n", bh_strerror(r), r < 0 ? msg : bh_tap_name(tap));
	bh_tap_free(tap);
	return 0;
}

/* --- main --------------------------------------------------------------- */

static void default_fake_bin(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n < 0 ? 0 : n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	join(fake_bin, sizeof(fake_bin), self, "fake-helper");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "--real")) {
		real_bridge = argv[2];
		real_helper = argv[3];
		real_acl = argv[4];
		return real_main();
	}
	if (argc == 4 && !strcmp(argv[1], "--open2"))
		return open2_main(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "--fake")) {
		if (!realpath(argv[2], fake_bin)) {   /* symlinks need it absolute */
			perror(argv[2]);
			return 99;
		}
		return fake_main();
	}
	if (argc != 1) {
		fprintf(stderr, "usage: test_client [--fake PATH] | "
			"--real BRIDGE HELPER ACL | --open2 BRIDGE HELPER\n");
		return 2;
	}
	default_fake_bin();
	return fake_main();
}
