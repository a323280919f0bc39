/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* Minimal TAP (Test Anything Protocol) output for the C tests; tests/run-all
 * counts the "ok"/"not ok" lines of every suite. */
#ifndef BH_TEST_TAP_H
#define BH_TEST_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define OK(cond, ...) do {                                              \
	int ok_ = !!(cond);                                             \
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);               \
	printf(__VA_ARGS__);                                            \
	printf("\n");                                                   \
	if (!ok_) {                                                     \
		tap_failed++;                                           \
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}                                                               \
	fflush(stdout);                                                 \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
