/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_diag: diagnostics of bridge.conf(5) files. One job: count each
 * error, format each message with its file:line:col and hand it to the
 * caller's callback (acl_report_fn); warnings only when asked for. Below
 * every other part of acl*.c: it calls nothing of theirs.
 */
#include "acl_int.h"

#include <stdarg.h>
#include <stdio.h>

void acl_diag(struct acl_parser *p, enum acl_severity sev, const char *file,
	      unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[ACL_MSG_MAX];
	va_list ap;

	if (sev == ACL_SEV_ERROR) {
		if (p->errors < INT_MAX)
			p->errors++;
	} else if (!p->opts->warnings) {
		return;
	}
	if (!p->report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->report(p->ctx, sev, file, line, col, msg);
}

void acl_file_err(struct acl_parser *p, const struct acl_inc *at,
		  const char *path, const char *fmt, ...)
{
	char msg[ACL_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		acl_err(p, at->file, 0, "%s: %s", path, msg);
	else
		acl_diag(p, ACL_SEV_ERROR, path, 0, 0, "%s", msg);
}

const char *acl_quote(struct acl_quoted *q, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	q->s[o++] = '\'';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == ACL_QUOTE_MAX) {
			memcpy(q->s + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[c >> 4];
			q->s[o++] = hex[c & 0xf];
		} else {
			q->s[o++] = (char)c;
		}
	}
	q->s[o++] = '\'';
	q->s[o] = '\0';
	return q->s;
}
