/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fuzz_args: bridge-helper's argv parser under libFuzzer.
 *
 * The input is split at NUL bytes into argv[1..] (argv[0] is
 * "bridge-helper"). Checked on every input, besides what the sanitizers
 * see: the error text is a bounded, terminated line; a successful parse
 * gives a request bridge-helper can act on (valid bridge name, fd >= 3,
 * 1..256 queues, sndbuf in 0..INT_MAX, strings pointing into argv), and
 * every --br= in argv names that one bridge (a repeated --br= is accepted
 * only with the same name: two bridges conflict).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

#define CHECK(cond) do {                                                    \
	if (!(cond)) {                                                      \
		fprintf(stderr, "fuzz_args: check failed: %s (line %d)\n",  \
			#cond, __LINE__);                                   \
		abort();                                                    \
	}                                                                   \
} while (0)

static int in_argv(char *const argv[], int argc, const char *p)
{
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (p >= argv[i] && p <= argv[i] + n)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGS + 2];
	char err[128];
	struct args a;
	int argc = 1, rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = (char *)"bridge-helper";
	for (size_t off = 0; off <= size && argc <= MAX_ARGS; ) {
		argv[argc++] = buf + off;
		off += strlen(buf + off) + 1;
	}
	argv[argc] = NULL;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	err[0] = '\0';
	rc = args_parse(argc, argv, &a, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc < 0) {
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
	} else {
		switch (a.mode) {
		case MODE_HELP:
		case MODE_VERSION:
			break;
		case MODE_CREATE:
			CHECK(a.fd >= 3);
			/* fall through */
		case MODE_CHECK:
			CHECK(a.br && args_ifname_ok(a.br) && in_argv(argv, argc, a.br));
			CHECK(strlen(a.br) < 16 && !strchr(a.br, '/'));
			CHECK(a.queues >= 1 && a.queues <= TAP_MAX_QUEUES);
			CHECK(a.sndbuf >= 0);
			CHECK(!a.acl || (*a.acl && in_argv(argv, argc, a.acl)));
			CHECK(!a.user || a.mode == MODE_CHECK);
			for (int i = 1; i < argc; i++)
				CHECK(strncmp(argv[i], "--br=", 5) != 0 ||
				      !strcmp(argv[i] + 5, a.br));
			break;
		case MODE_LINT:
			CHECK(!a.br && a.fd == -1 && !a.user);
			CHECK(!a.lint_file || in_argv(argv, argc, a.lint_file));
			CHECK(!(a.lint_file && a.acl));
			break;
		default:
			CHECK(!"unknown mode");
		}
	}
	/* The two helpers on the raw pieces. */
	for (int i = 1; i < argc; i++) {
		long v = -1;

		if (args_number(argv[i], 0, INT_MAX, &v))
			CHECK(v >= 0 && argv[i][0] >= '0' && argv[i][0] <= '9');
		if (args_ifname_ok(argv[i]))
			CHECK(strlen(argv[i]) >= 1 && strlen(argv[i]) <= 15);
	}
	free(buf);
	return 0;
}
