/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* args: bridge-helper's command line, parsed into one struct. Pure: no I/O,
 * no allocation, so it can be fuzzed. */
#ifndef BH_ARGS_H
#define BH_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum args_mode { MODE_CREATE, MODE_CHECK, MODE_LINT, MODE_HELP, MODE_VERSION };

struct args {
	enum args_mode mode;
	const char *br;         /* --br=NAME (validated interface name) */
	int fd;                 /* --fd=N, -1 if absent */
	bool vnet_hdr;          /* --use-vnet */
	unsigned queues;        /* --queues=N, 1 by default */
	int sndbuf;             /* --sndbuf=BYTES, 0: not given */
	bool has_mac;           /* --mac=MAC: the guest's address */
	uint8_t mac[6];
	const char *acl;        /* --acl=FILE, NULL: the system ACL */
	const char *user;       /* --user=NAME (--check, root only) */
	const char *lint_file;  /* --lint [FILE], NULL: the ACL in use */
};

/* Parse ARGV. Returns 0, or -1 with a one-line reason in ERR (usage error).
 * An option given twice is an error, except what QEMU's helper= strings
 * repeat with the same meaning (QEMU appends "--use-vnet --fd=N", and
 * "--br=NAME" unless the string has one): --use-vnet any number of times,
 * --br= again with the same name. Two different --br= conflict. */
int args_parse(int argc, char *const argv[], struct args *a,
	       char *err, size_t errlen);

/* A name the kernel accepts as an interface name and that fits IFNAMSIZ,
 * restricted to printable ASCII: 1..15 bytes, no '/', ':' or whitespace,
 * not "." or "..". Too long is invalid: never truncated. */
bool args_ifname_ok(const char *name);

/* Strict decimal: digits only, no sign, no spaces, MIN <= value <= MAX. */
bool args_number(const char *s, long min, long max, long *out);

#endif
