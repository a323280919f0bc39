/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* mac: see mac.h. */
#include "mac.h"

#include <stddef.h>
#include <stdio.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	bool zero = true;

	for (size_t i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);

		if (lo < 0 || p[2] != (i == 5 ? '\0' : ':'))
			return false;
		m[i] = (uint8_t)(hi << 4 | lo);
		zero = zero && m[i] == 0;
	}
	if (zero || (m[0] & 1))               /* none, or a group address */
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = m[i];
	return true;
}

void mac_format(const uint8_t mac[6], char out[MAC_STR])
{
	snprintf(out, MAC_STR, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}
