/* SPDX-License-Identifier: MIT-0 */
/* Copyright (C) 2026 The bridge-helper authors */
/* open-tap: get a TAP on a bridge from bridge-helper and read one frame.
 *
 *   cc examples/open-tap.c $(pkg-config --cflags --libs bridge-helper)
 *   ./a.out br0 [QUEUES]
 *
 * No privilege needed: the installed bridge-helper decides, from its ACL
 * (/etc/bridge-helper/bridge.conf), whether you may use the bridge.
 *
 * This example is under the MIT No Attribution license (MIT-0), unlike the
 * rest of bridge-helper, so that its code may be copied into any program:
 *
 * Permission is hereby granted, free of charge, to any person obtaining a
 * copy of this software and associated documentation files (the "Software"),
 * to deal in the Software without restriction, including without limitation
 * the rights to use, copy, modify, merge, publish, distribute, sublicense,
 * and/or sell copies of the Software, and to permit persons to whom the
 * Software is furnished to do so.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 * FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
 * DEALINGS IN THE SOFTWARE.
 */
#include <bridge-helper.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct bh_request *req;
	struct bh_tap *tap;
	char err[512], frame[65536];
	unsigned long queues = 1;
	struct pollfd p;
	ssize_t n;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s BRIDGE [QUEUES]\n", argv[0]);
		return 2;
	}
	if (argc == 3) {
		char *end;

		queues = strtoul(argv[2], &end, 10);
		if (*argv[2] < '0' || *argv[2] > '9' || *end || queues > 256) {
			fprintf(stderr, "%s: bad queue count %s\n", argv[0], argv[2]);
			return 2;
		}
	}
	req = bh_request_new(argv[1]);
	if (!req) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 2;
	}
	if (bh_request_set_queues(req, (unsigned)queues) < 0) {
		fprintf(stderr, "%s: queues must be 1 to 256\n", argv[0]);
		return 2;
	}
	r = bh_open(req, &tap, err, sizeof(err));
	bh_request_free(req);
	if (r < 0) {
		/* -r is an enum bh_status: the class; err has the details. */
		fprintf(stderr, "%s: %s (%s)\n", argv[0], err, bh_strerror(r));
		return 1;
	}
	printf("%s: %u queue(s), first fd %d, vnet_hdr %s\n", bh_tap_name(tap),
	       bh_tap_queues(tap), bh_tap_fd(tap, 0),
	       bh_tap_vnet_hdr(tap) ? "on" : "off");
	fflush(stdout);   /* now, not after the wait, even into a pipe */

	/* The TAP is up on the bridge: wait up to 5 s for a frame on queue 0
	 * (with several queues the kernel spreads flows over them). */
	p.fd = bh_tap_fd(tap, 0);
	p.events = POLLIN;
	if (poll(&p, 1, 5000) == 1 && (n = read(p.fd, frame, sizeof(frame))) > 0)
		printf("received a %zd-byte frame\n", n);
	else
		printf("no frame within 5 s\n");

	bh_tap_free(tap);   /* closes the fds: the TAP disappears */
	return 0;
}
