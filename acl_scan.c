/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_scan: the line layer. One job: cut a chunk of a file into lines and
 * read each: the common ones in one pass here (the fast path), every other
 * one through the grammar (acl_parse_line()). Rules go to the store
 * (acl_rules.c); a line asking for an include ends the scan, and its
 * request goes back to the file layer (acl_file.c), which reads the
 * included files and then scans on.
 *
 * A large file (100,000 lines of `allow NAME`) must cost little more than a
 * small one, so a common line costs about 70 instructions here (measured
 * with callgrind: bench/README.md), not the ~500 of tokenizing it.
 *
 * Invariant: the fast path never reports and never decides differently
 * from the general path. It reads a line only when every byte of it is of
 * a shape it fully knows, and otherwise returns NULL before any side
 * effect, so that acl_parse_line() reads the whole line again and reports
 * whatever is wrong, exactly as before.
 */
#include "acl_int.h"

#include <stdint.h>
#include <string.h>

/* Bytes of a name or a user/group in the fast path: printable ASCII but
 * '#', '/' and ':' (anything else: the general path decides). */
static const unsigned char acl_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static bool acl_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* C is where a line may end: at '\n', "\r\n" or a comment after a blank
 * (or at the start). Returns the byte after the line's '\n', or NULL when
 * the line is too long or its comment holds a NUL byte. */
static const char *acl_fast_end(const char *s, const char *c)
{
	size_t n;

	if (*c == '#') {
		const char *nl = rawmemchr(c, '\n');

		if (memchr(c, '\0', (size_t)(nl - c)))
			return NULL;
		c = nl;
	} else if (*c == '\r') {
		if (c[1] != '\n')
			return NULL;
		c++;
	} else if (*c != '\n') {
		return NULL;
	}
	n = (size_t)(c - s);
	if (n > 0 && c[-1] == '\r')
		n--;
	return n > ACL_MAX_LINE ? NULL : c + 1;
}

/* A user= or group= value the fast path read: S (LEN bytes) at column COL
 * of its line; NAMED unless all digits (then ID). */
struct acl_fast_id {
	const char *s;
	size_t len;
	unsigned col;
	bool named;
	unsigned long long id;
};

/* The value at V..END (plain bytes) as a number or a name: false when a
 * number is out of range (the general path reports it). */
static bool acl_fast_value(const char *v, const char *end, const char *line,
			   struct acl_fast_id *out)
{
	unsigned long long id = 0;

	*out = (struct acl_fast_id){
		.s = v, .len = (size_t)(end - v), .col = (unsigned)(v - line) + 1,
	};
	for (const char *c = v; c < end; c++) {
		if (*c < '0' || *c > '9') {
			out->named = true;
			return true;
		}
		id = 10 * id + (unsigned)(*c - '0');
		if (id > ACL_ID_MAX)
			return false;
	}
	out->id = id;
	return true;
}

/* Subject WHO's user (GROUP: group) from the fast path's ID. */
static int acl_fast_who(struct acl_parser *p, const struct acl_file *f,
			bool group, const struct acl_fast_id *id,
			struct acl_rule *r)
{
	uint32_t ref = 0;

	if (id->named && acl_name_ref(p, group, id->s, id->len, f, id->col, &ref) < 0)
		return -1;
	if (group) {
		r->who.has_gid = true;
		r->who.gid_named = id->named;
		r->who.gid = id->named ? (gid_t)ref : (gid_t)id->id;
		r->gcol = (unsigned short)id->col;
	} else {
		r->who.has_uid = true;
		r->who.uid_named = id->named;
		r->who.uid = id->named ? (uid_t)ref : (uid_t)id->id;
		r->ucol = (unsigned short)id->col;
	}
	return 0;
}

/* Keep the rule the fast path read, if the policy wants it. Its names go
 * to the names table even if it does not (a lookup that fails anywhere
 * must still count). UID and GID: NULL, or the values read. */
__attribute__((noinline))
static void acl_fast_add(struct acl_parser *p, const struct acl_file *f,
			 enum acl_kind kind, const char *name, size_t len,
			 unsigned col, const struct acl_fast_id *uid,
			 const struct acl_fast_id *gid)
{
	bool all = len == 3 && memcmp(name, "all", 3) == 0;
	struct acl_rule r = {
		.kind = kind, .all = all, .where = { f->name, f->line },
		.col = col, .reach = f->reach,
	};

	if ((uid && acl_fast_who(p, f, false, uid, &r) < 0) ||
	    (gid && acl_fast_who(p, f, true, gid, &r) < 0))
		return;
	if (!acl_wanted(p->acl, all, name, len))
		return;
	if (!all)
		memcpy(r.bridge, name, len);
	acl_add_rule(p, &r);
}

/* The line at S in one pass, if it has a common shape: blank, a comment,
 * or `allow|deny NAME [user=X] [group=Y] [# comment]` made of plain bytes
 * (acl_plain). Returns the byte after its '\n', or NULL: the general path
 * then parses the line again and reports what is wrong. So the fast path
 * never reports, and accepts only what the general path would accept, the
 * same way; nothing is kept before the whole line is read. The line ends
 * with a '\n' (acl_scan_lines), where every scan below stops. */
__attribute__((noinline))
static const char *acl_fast_full(struct acl_parser *p, const struct acl_file *f,
				 const char *s)
{
	struct acl_fast_id ids[2];                 /* user, group */
	bool has[2] = { false, false };
	const char *c = s, *name;
	enum acl_kind kind;
	unsigned col;
	size_t len;

	if ((unsigned char)*c <= ' ')          /* one test for the usual case */
		while (acl_blank(*c))
			c++;
	col = (unsigned)(c - s) + 1;
	if (c[0] == 'a' && c[1] == 'l' && c[2] == 'l' && c[3] == 'o' && c[4] == 'w') {
		kind = ACL_K_ALLOW;
		c += 5;
	} else if (c[0] == 'd' && c[1] == 'e' && c[2] == 'n' && c[3] == 'y') {
		kind = ACL_K_DENY;
		c += 4;
	} else {
		return acl_fast_end(s, c);     /* blank, comment, or not ours */
	}
	if (!acl_blank(*c))
		return NULL;
	while (acl_blank(*c))
		c++;
	name = c;
	while (acl_plain[(unsigned char)*c])
		c++;
	len = (size_t)(c - name);
	if (len == 0 || len > ACL_NAME_MAX ||
	    (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'))))
		return NULL;
	for (;;) {
		const char *v;
		int group;

		if (!acl_blank(*c))
			break;                  /* '\n', "\r\n" or not ours */
		while (acl_blank(*c))
			c++;
		if (c[0] == 'u' && c[1] == 's' && c[2] == 'e' && c[3] == 'r' &&
		    c[4] == '=') {
			group = 0;
			v = c + 5;
		} else if (c[0] == 'g' && c[1] == 'r' && c[2] == 'o' && c[3] == 'u' &&
			   c[4] == 'p' && c[5] == '=') {
			group = 1;
			v = c + 6;
		} else {
			break;                  /* '\n', "\r\n", '#' or not ours */
		}
		c = v;
		while (acl_plain[(unsigned char)*c])
			c++;
		if (c == v || (size_t)(c - s) > ACL_MAX_LINE || has[group] ||
		    !acl_fast_value(v, c, s, &ids[group]))
			return NULL;
		has[group] = true;
	}
	if (*c == '#' && !acl_blank(c[-1]))
		return NULL;                    /* glued: part of a word */
	if (*c == '\n' && (size_t)(c - s) <= ACL_MAX_LINE)
		c++;                            /* the usual end, inline */
	else
		c = acl_fast_end(s, c);
	if (c)
		acl_fast_add(p, f, kind, name, len, col, has[0] ? &ids[0] : NULL,
			     has[1] ? &ids[1] : NULL);
	return c;
}

/* The 4 bytes at S as one word (a constant when S is a literal). */
static inline uint32_t acl_word(const char *s)
{
	uint32_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* The commonest lines, inline and with nothing to spill: `allow|deny NAME`
 * alone (one space, a plain NAME not starting with '.', then '\n') and a
 * blank line. Anything else goes to acl_fast_full(). Reads the 4 bytes at
 * S even when the line is shorter (see acl_scan_lines). */
static inline const char *acl_fast_line(struct acl_parser *p,
					const struct acl_file *f, const char *s)
{
	uint32_t w = acl_word(s);
	const char *c, *name;
	enum acl_kind kind;
	size_t len;

	if (w == acl_word("allo") && s[4] == 'w' && s[5] == ' ') {
		kind = ACL_K_ALLOW;
		name = s + 6;
	} else if (w == acl_word("deny") && s[4] == ' ') {
		kind = ACL_K_DENY;
		name = s + 5;
	} else if (s[0] == '\n') {
		return s + 1;
	} else {
		return acl_fast_full(p, f, s);
	}
	/* Two bytes a step (the second may be the next line's, or slack). */
	for (c = name; acl_plain[(unsigned char)c[0]] & acl_plain[(unsigned char)c[1]]; )
		c += 2;
	c += acl_plain[(unsigned char)c[0]];
	len = (size_t)(c - name);
	if (*c != '\n' || len == 0 || len > ACL_NAME_MAX || name[0] == '.')
		return acl_fast_full(p, f, s);
	if (!p->acl->filtered || acl_wanted(p->acl, false, name, len) ||
	    (len == 3 && name[0] == 'a' && name[1] == 'l' && name[2] == 'l'))
		acl_fast_add(p, f, kind, name, len, 1, NULL, NULL);
	return c + 1;
}

/* A line the fast path does not read, at S (its '\n' before END): through
 * the grammar; a rule is stored, an include request left in *INC. Returns
 * the byte after the line. Out of line: the loop below stays small. */
__attribute__((noinline))
static const char *acl_slow_line(struct acl_parser *p, const struct acl_file *f,
				 const char *s, const char *end,
				 struct acl_rec *inc)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

	if (n > 0 && s[n - 1] == '\r')
		n--;
	acl_parse_line(p, f, s, n, inc);
	if (inc->kind == ACL_REC_RULE) {
		if (acl_wanted(p->acl, inc->rule.all, inc->rule.bridge,
			       strlen(inc->rule.bridge)))
			acl_add_rule(p, &inc->rule);
		inc->kind = ACL_REC_NONE;
	}
	return nl ? nl + 1 : end;
}

size_t acl_scan_lines(struct acl_parser *p, struct acl_file *f,
		      const char *buf, size_t len, struct acl_rec *inc)
{
	const char *s = buf, *end = buf + len;

	inc->kind = ACL_REC_NONE;
	while (s < end && !p->nomem) {
		const char *next;

		f->line++;
		next = acl_fast_line(p, f, s);
		if (next) {
			s = next;
			continue;
		}
		s = acl_slow_line(p, f, s, end, inc);
		if (inc->kind == ACL_REC_INCLUDE)
			break;                  /* the file layer's, then on */
	}
	return (size_t)(s - buf);
}
