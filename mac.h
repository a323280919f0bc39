/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* mac: Ethernet addresses as the command line and the service protocol
 * write them. Pure; shared by the doors, the protocol and the library. */
#ifndef BH_MAC_H
#define BH_MAC_H

#include <stdbool.h>
#include <stdint.h>

#define MAC_STR 18   /* "52:54:00:12:34:56" and its NUL */

/* Six two-digit hex bytes separated by ':' (either case), a unicast
 * address that is not all zeros: a guest's own address. False otherwise. */
bool mac_parse(const char *s, uint8_t mac[6]);

/* Lowercase "xx:xx:xx:xx:xx:xx". */
void mac_format(const uint8_t mac[6], char out[MAC_STR]);

#endif
