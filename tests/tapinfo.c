/* tapinfo: a minimal QEMU-like client for the tests and the demo.
 *
 *   tapinfo [--then=SHELL-CMD] -- HELPER ARG...
 *
 * Runs HELPER with one end of a socketpair; the argument "--fd=SOCK" is
 * replaced by the real "--fd=N". Receives the fd(s) (as many as a
 * "--queues=K" argument asks for), prints what the kernel says about them,
 * runs SHELL-CMD (with $TAP set) while still holding them, then closes them.
 * Exit status: the helper's on failure, 0 on success, 10 on a client error. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"

static unsigned queues_of(char **argv)
{
	for (; *argv; argv++)
		if (!strncmp(*argv, "--queues=", 9))
			return (unsigned)strtoul(*argv + 9, NULL, 10);
	return 1;
}

static pid_t spawn(char **argv, int sock)
{
	char fdarg[32];
	pid_t pid;

	snprintf(fdarg, sizeof(fdarg), "--fd=%d", sock);
	for (char **a = argv; *a; a++)
		if (!strcmp(*a, "--fd=SOCK"))
			*a = fdarg;
	pid = fork();
	if (pid == 0) {
		fcntl(sock, F_SETFD, 0);
		execv(argv[0], argv);
		perror("tapinfo: exec");
		_exit(127);
	}
	return pid;
}

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

int main(int argc, char **argv)
{
	const char *then = NULL;
	int sv[2], status, fds[256];
	unsigned want;
	pid_t pid;
	int i = 1, r;

	if (i < argc && !strncmp(argv[i], "--then=", 7))
		then = argv[i++] + 7;
	if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc) {
		fprintf(stderr, "usage: tapinfo [--then=CMD] -- HELPER ARG...\n");
		return 10;
	}
	want = queues_of(argv + i + 1);
	if (want == 0 || want > 256)
		want = 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return 10;
	pid = spawn(argv + i + 1, sv[1]);
	close(sv[1]);
	r = fdpass_recv(sv[0], fds, want, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("helper-status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
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
