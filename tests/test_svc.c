/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* test_svc: libbridge-helper against a real bridge-helperd (service mode),
 * for tests/service.bats:
 *
 *   test_svc SOCKET BRIDGE HELPER
 *
 * BRIDGE is allowed to the caller, bhdenied0 is not; HELPER is a working
 * (setuid) bridge-helper. Prints one line per check ("ok - ..." or
 * "FAIL - ...") and exits 1 if any failed. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge-helper.h"

static int failed;

__attribute__((format(printf, 2, 3)))
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed |= !ok;
}

static struct bh_request *req(const char *br, enum bh_mode mode,
			      const char *sock, const char *helper)
{
	struct bh_request *r = bh_request_new(br);

	if (!r || bh_request_set_mode(r, mode) < 0 ||
	    bh_request_set_socket(r, sock) < 0 ||
	    bh_request_set_helper(r, helper) < 0) {
		perror("request");
		exit(2);
	}
	return r;
}

/* bh_open_start + poll(bh_op_fd, bh_op_timeout) + bh_op_step. */
static int open_nb(const struct bh_request *r, struct bh_tap **tap, char *msg,
		   size_t len, int *rounds)
{
	struct bh_op *op;
	int s = bh_open_start(r, &op, msg, len);

	*rounds = 0;
	if (s < 0)
		return s;
	while ((s = bh_op_step(op, tap, msg, len)) == 1) {
		struct pollfd p = { .fd = bh_op_fd(op), .events = POLLIN };

		(*rounds)++;
		if (poll(&p, 1, bh_op_timeout(op)) < 0 && errno != EINTR)
			break;
	}
	bh_op_free(op);
	return s;
}

int main(int argc, char **argv)
{
	struct bh_request *r;
	struct bh_tap *tap = NULL;
	char msg[1024], want[1200];
	int s, rounds;

	if (argc != 4) {
		fprintf(stderr, "usage: test_svc SOCKET BRIDGE HELPER\n");
		return 2;
	}
	const char *sock = argv[1], *br = argv[2], *helper = argv[3];

	r = req(br, BH_MODE_SERVICE, sock, "/nonexistent");
	bh_request_set_queues(r, 3);
	bh_request_set_vnet_hdr(r, true);
	s = bh_open(r, &tap, msg, sizeof(msg));
	check(s == 0 && bh_tap_queues(tap) == 3 && bh_tap_vnet_hdr(tap) &&
	      !strncmp(bh_tap_name(tap), "tap", 3),
	      "service, blocking: 3 queues, vnet_hdr, %s (%d %s)",
	      s == 0 ? bh_tap_name(tap) : "-", s, msg);
	bh_tap_free(tap);
	tap = NULL;

	s = open_nb(r, &tap, msg, sizeof(msg), &rounds);
	check(s == 0 && bh_tap_queues(tap) == 3, "service, non-blocking: a TAP "
	      "after %d polls (%d %s)", rounds, s, msg);
	bh_tap_free(tap);
	tap = NULL;
	bh_request_free(r);

	r = req(br, BH_MODE_AUTO, sock, "/nonexistent");
	s = bh_open(r, &tap, msg, sizeof(msg));
	check(s == 0, "auto, service up, no helper: a TAP (%d %s)", s, msg);
	bh_tap_free(tap);
	tap = NULL;
	bh_request_free(r);

	r = req(br, BH_MODE_HELPER, sock, helper);
	s = open_nb(r, &tap, msg, sizeof(msg), &rounds);
	check(s == 0 && tap && bh_tap_queues(tap) == 1, "helper, non-blocking: a "
	      "TAP after %d polls (%d %s)", rounds, s, msg);
	bh_tap_free(tap);
	tap = NULL;
	/* bh_op_free() in the middle: the helper is killed and reaped */
	{
		struct bh_op *op;

		s = bh_open_start(r, &op, msg, sizeof(msg));
		bh_op_free(op);
		check(s == 0 && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
		      "helper, non-blocking, freed at once: no child left");
	}
	bh_request_free(r);

	/* the same refusal, the same class, through both doors and both forms */
	snprintf(want, sizeof(want), "bhdenied0: denied: no rule matches");
	for (int mode = BH_MODE_SERVICE; mode <= BH_MODE_HELPER; mode++)
		for (int nb = 0; nb < 2; nb++) {
			r = req("bhdenied0", mode, sock, helper);
			s = nb ? open_nb(r, &tap, msg, sizeof(msg), &rounds)
			       : bh_open(r, &tap, msg, sizeof(msg));
			/* bh_open_start() has bh_open2()'s classes */
			check(s == (nb ? -BH_E_DENIED : -BH_E_HELPER) &&
			      strstr(msg, want) &&
			      strstr(msg, mode == BH_MODE_SERVICE ?
				     "service refused with status 3: bridge-helperd: " :
				     "helper exited with status 3: bridge-helper: "),
			      "%s, %s: refused: %d %s", mode == BH_MODE_SERVICE ?
			      "service" : "helper", nb ? "non-blocking" : "blocking",
			      s, msg);
			bh_request_free(r);
		}

	r = req(br, BH_MODE_SERVICE, "/nonexistent/socket", helper);
	s = bh_open(r, &tap, msg, sizeof(msg));
	check(s == -BH_E_NOHELPER && !strcmp(msg, "cannot reach the service at "
	      "/nonexistent/socket: No such file or directory"),
	      "service mode, no service: %d %s", s, msg);
	bh_request_set_acl(r, "/etc/bridge-helper/bridge.conf");
	bh_request_set_socket(r, sock);
	s = bh_open(r, &tap, msg, sizeof(msg));
	check(s == -BH_E_INVAL, "service mode with an ACL: refused: %d %s", s, msg);
	check(bh_request_set_mode(r, (enum bh_mode)7) == -EINVAL &&
	      bh_request_set_socket(r, "") == -EINVAL, "setters refuse nonsense");
	bh_request_free(r);
	return failed;
}
