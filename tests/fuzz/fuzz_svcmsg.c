/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fuzz_svcmsg: bridge-helperd's protocol messages (svcmsg.c) under
 * libFuzzer: the request parser the service runs on whatever any local
 * user sends, and the reply parser the clients run.
 *
 * Byte 0 picks the side (even: request, odd: reply); the rest is the
 * message. Checked besides what the sanitizers see: the error text is one
 * bounded, terminated line; a decoded request is one the core can act on
 * (valid bridge name, 1..256 queues, sndbuf >= 0) and encodes back to a
 * message that decodes to the same request; a decoded reply is
 * consistent (status 0..4, a message with every refusal, a valid TAP name
 * when a TAP is announced) and survives the same round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do {                                                    \
	if (!(cond)) {                                                      \
		fprintf(stderr, "fuzz_svcmsg: check failed: %s (line %d)\n",\
			#cond, __LINE__);                                   \
		abort();                                                    \
	}                                                                   \
} while (0)

static void check_err(int rc, const char *err, size_t len)
{
	CHECK(memchr(err, '\0', len) != NULL);
	if (rc < 0)
		CHECK(err[0] && !strchr(err, '\n'));
}

static void request(const char *buf, size_t len)
{
	static char out[SVCMSG_REQ_MAX];
	struct svcmsg_req r, again;
	char err[SVCMSG_ERR_MAX];
	int rc;
	ssize_t n;

	memset(err, 0, sizeof(err));
	rc = svcmsg_req_decode(buf, len, &r, err, sizeof(err));
	CHECK(rc == 0 || rc == -1 || rc == -2);
	check_err(rc, err, sizeof(err));
	if (rc < 0)
		return;
	CHECK(svcmsg_ifname_ok(r.br));
	CHECK(r.queues >= 1 && r.queues <= SVCMSG_MAX_QUEUES && r.sndbuf >= 0);
	CHECK(r.op == SVCMSG_CREATE || r.op == SVCMSG_CHECK);
	n = svcmsg_req_encode(&r, out, sizeof(out));
	CHECK(n > 0 && (size_t)n <= len);     /* never longer than what came */
	CHECK(svcmsg_req_decode(out, (size_t)n, &again, err, sizeof(err)) == 0);
	CHECK(!strcmp(r.br, again.br) && r.op == again.op &&
	      r.vnet_hdr == again.vnet_hdr && r.queues == again.queues &&
	      r.sndbuf == again.sndbuf);
}

static void reply(const char *buf, size_t len)
{
	static struct svcmsg_reply r, again;
	static char out[SVCMSG_REPLY_MAX];
	char err[SVCMSG_ERR_MAX];
	int rc;
	ssize_t n;

	memset(err, 0, sizeof(err));
	rc = svcmsg_reply_decode(buf, len, &r, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	check_err(rc, err, sizeof(err));
	if (rc < 0)
		return;
	CHECK(r.status >= 0 && r.status <= 4);
	CHECK(r.status == 0 || (r.msg[0] && r.queues == 0));
	CHECK(!r.queues || svcmsg_ifname_ok(r.tap));
	CHECK(memchr(r.report, '\0', sizeof(r.report)) != NULL);
	n = svcmsg_reply_encode(&r, out, sizeof(out));
	CHECK(n > 0);
	CHECK(svcmsg_reply_decode(out, (size_t)n, &again, err, sizeof(err)) == 0);
	CHECK(again.status == r.status && again.queues == r.queues &&
	      !strcmp(again.tap, r.tap) && !strcmp(again.msg, r.msg) &&
	      !strcmp(again.report, r.report));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		reply((const char *)data + 1, size - 1);
	else
		request((const char *)data + 1, size - 1);
	return 0;
}
