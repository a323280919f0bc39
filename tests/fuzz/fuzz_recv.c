/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fuzz_recv: the receiving side of fd passing (fdpass_recv, used by
 * libbridge-helper) against whatever a hostile or broken helper can send.
 *
 * Input: byte 0 picks WANT (1..300) and byte 1 the socket set-up; then a
 * list of messages, each a header byte (bits 0-2: number of /dev/null fds
 * to attach; 7: the next byte B gives FDPASS_MAX_PER_MSG - B % 8 of them;
 * bit 3: no length byte follows, the payload is one byte), a length byte
 * and that many payload bytes. Set-up bits: 0
 * SO_PASSCRED on the receiver (every message then carries a foreign
 * SCM_CREDENTIALS), 1 keep the sender open and the receiver non-blocking
 * (-EAGAIN path), 2 a SOCK_SEQPACKET pair instead of SOCK_STREAM, 3 shut the
 * sender down for writing instead of closing it.
 *
 * Checked: the documented return values; on success exactly WANT fds,
 * each open and close-on-exec; on failure every received fd closed (on
 * -EAGAIN the GOT fds kept, which the harness closes); and in every case no
 * fd left behind: /proc/self/fd counted before and after.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_WANT 300
#define MAX_SENT 600       /* fds in flight per input, well below RLIMIT_NOFILE */

#define CHECK(cond) do {                                                    \
	if (!(cond)) {                                                      \
		fprintf(stderr, "fuzz_recv: check failed: %s (line %d)\n",  \
			#cond, __LINE__);                                   \
		abort();                                                    \
	}                                                                   \
} while (0)

static int devnull = -1;
static int proc_fd = -1;

static int count_fds(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0, fd = dup(proc_fd);

	CHECK(fd >= 0);
	d = fdopendir(fd);
	CHECK(d != NULL);
	rewinddir(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	proc_fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(devnull >= 0 && proc_fd >= 0);
	return 0;
}

static void send_msg(int sock, unsigned nfds, const uint8_t *payload, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_PER_MSG)];
	} cbuf;
	int fds[FDPASS_MAX_PER_MSG];
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = len ? 1 : 0 };

	if (nfds) {
		struct cmsghdr *c;

		for (unsigned i = 0; i < FDPASS_MAX_PER_MSG; i++)
			fds[i] = devnull;
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	/* A stream socket drops fds sent without data: that is the kernel's
	 * business; whatever it delivers is what the receiver must survive. */
	(void)sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds[MAX_WANT], sv[2], before, after, rc;
	size_t want, got = 0, off = 2, sent = 0;
	unsigned setup;

	if (size < 2)
		return 0;
	want = 1 + data[0] % MAX_WANT;
	setup = data[1];
	for (size_t i = 0; i < MAX_WANT; i++)
		fds[i] = -1;
	before = count_fds();
	CHECK(socketpair(AF_UNIX, ((setup & 4) ? SOCK_SEQPACKET : SOCK_STREAM) |
			 SOCK_CLOEXEC, 0, sv) == 0);
	if (setup & 1)
		CHECK(setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &(int){ 1 },
				 sizeof(int)) == 0);
	while (off < size) {
		unsigned h = data[off++], n = h & 7;
		size_t len;

		if (n == 7)
			n = FDPASS_MAX_PER_MSG - (off < size ? data[off++] % 8u : 0);
		len = off < size ? 1 : 0;
		if (!(h & 8)) {
			len = off < size ? data[off++] : 0;
			if (len > size - off)
				len = size - off;
		}
		if (sent + n > MAX_SENT)
			n = 0;
		sent += n;
		send_msg(sv[1], n, data + off, len);
		if (!(h & 8))
			off += len;
		else if (off < size)
			off++;   /* the one payload byte */
	}
	if (setup & 2) {
		CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	} else if (setup & 8) {
		shutdown(sv[1], SHUT_WR);
	} else {
		close(sv[1]);
		sv[1] = -1;
	}

	rc = fdpass_recv(sv[0], fds, want, &got);
	CHECK(got <= want);
	switch (rc) {
	case 0:
		CHECK(got == want);
		for (size_t i = 0; i < want; i++) {
			int fl = fcntl(fds[i], F_GETFD);

			CHECK(fl >= 0 && (fl & FD_CLOEXEC));
			close(fds[i]);
		}
		break;
	case -EAGAIN:
		CHECK(setup & 2);
		for (size_t i = 0; i < got; i++) {
			CHECK(fcntl(fds[i], F_GETFD) >= 0);
			close(fds[i]);
		}
		break;
	case -EPIPE:
	case -EBADMSG:
	case -E2BIG:
		for (size_t i = 0; i < got; i++)
			CHECK(fds[i] == -1);
		break;
	default:
		fprintf(stderr, "fuzz_recv: unexpected %d (%s)\n", rc, strerror(-rc));
		CHECK(!"fdpass_recv returned an undocumented error");
	}
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	after = count_fds();
	if (after != before) {
		fprintf(stderr, "fuzz_recv: fd leak: %d fds before, %d after "
			"(rc %d, want %zu, got %zu)\n", before, after, rc, want, got);
		abort();
	}
	return 0;
}
