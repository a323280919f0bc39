/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* acl_file: the file layer of bridge.conf(5), the top of reading. One job:
 * open each file, check it, read it in chunks and hand the chunks to the
 * line layer (acl_scan.c); when a line asks for an include, the line layer
 * returns the request here, and the included files are read (the same
 * way, one level deeper) before the rest of the including file.
 *
 * Invariants (what this file MUST keep true):
 *  - Every file is opened once, checked with fstat() on that same fd and
 *    read from it (bounded, in chunks); nothing is checked by path and
 *    then opened.
 *  - Relative includes resolve against the including file's directory,
 *    never the process's working directory.
 *  - Include nesting, the number of files and loops are bounded: a loop
 *    or too many files is an error, reported at the include line.
 *  - Reading with privilege, nothing but a checked regular file is ever
 *    opened for reading (acl_open_checked).
 *  - Each file's rules carry who could have read it (acl_file_reach): the
 *    modes fstat() saw, on the fds opened here.
 */
#include "acl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* ---- paths ------------------------------------------------------------ */

static char *acl_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* DIR/REL (REL when absolute); with ESCAPE, DIR's glob characters are
 * escaped so that only REL's act as a pattern. */
static char *acl_join(const char *dir, const char *rel, bool escape)
{
	size_t dl = strlen(dir), rl = strlen(rel), n = 0;
	char *out;

	if (rel[0] == '/')
		return strdup(rel);
	out = malloc(2 * dl + rl + 2);
	if (!out)
		return NULL;
	for (size_t i = 0; i < dl; i++) {
		if (escape && strchr("*?[\\", dir[i]))
			out[n++] = '\\';
		out[n++] = dir[i];
	}
	if (dl == 0 || dir[dl - 1] != '/')
		out[n++] = '/';
	memcpy(out + n, rel, rl + 1);
	return out;
}

/* Append S to the C string in DST (SIZE bytes), truncating. */
static void acl_append(char *dst, size_t size, const char *s)
{
	size_t dl = strlen(dst), sl = strlen(s);

	if (dl + 1 >= size)
		return;
	if (sl > size - dl - 1)
		sl = size - dl - 1;
	memcpy(dst + dl, s, sl);
	dst[dl + sl] = '\0';
}

/* ---- files ------------------------------------------------------------ */

/* Where a file's bytes come from: FD, or (FD < 0) a caller's buffer. */
struct acl_src {
	int fd;
	const char *mem;
	size_t len, off;
};

/* Up to N bytes into BUF: the count (0 at the end), or -errno. */
static ssize_t acl_src_read(struct acl_src *src, char *buf, size_t n)
{
	if (src->fd < 0) {
		if (n > src->len - src->off)
			n = src->len - src->off;
		memcpy(buf, src->mem + src->off, n);
		src->off += n;
		return (ssize_t)n;
	}
	for (;;) {
		ssize_t r = read(src->fd, buf, n);

		if (r >= 0)
			return r;
		if (errno != EINTR)
			return -errno;
	}
}

static void acl_include(struct acl_parser *p, const struct acl_file *f,
			const struct acl_rec *inc);

/* The complete lines of BUF (as acl_scan_lines() wants them), and the
 * includes they ask for, each where it stands. */
static void acl_lines(struct acl_parser *p, struct acl_file *f,
		      const char *buf, size_t len)
{
	while (len > 0 && !p->nomem) {
		struct acl_rec inc;
		size_t n = acl_scan_lines(p, f, buf, len, &inc);

		if (inc.kind == ACL_REC_INCLUDE)
			acl_include(p, f, &inc);
		buf += n;
		len -= n;
	}
}

/* Read SRC through one ACL_CHUNK buffer and parse it line by line: the
 * complete lines of each chunk at once, the partial last one carried over
 * to the next. Memory stays the same whatever the file's size. A line that
 * cannot fit (longer than ACL_MAX_LINE, plus a '\r') is reported as soon as
 * that is sure, and skipped to its end. PATH and AT: as acl_read_path's. */
static void acl_read_lines(struct acl_parser *p, struct acl_file *f,
			   struct acl_src *src, const char *path,
			   const struct acl_inc *at)
{
	/* + a final '\n', + ACL_SLACK bytes kept set (acl_parse_lines) */
	acl_autofree char *buf = malloc(ACL_CHUNK + 1 + ACL_SLACK);
	size_t have = 0, total = 0;
	bool skipping = false;

	if (!buf) {
		acl_nomem(p);
		return;
	}
	while (!p->nomem) {
		ssize_t n = acl_src_read(src, buf + have, ACL_CHUNK - have);
		size_t from = 0, tail;
		const char *nl;

		if (n < 0) {
			acl_file_err(p, at, path, "read error: %s", strerror((int)-n));
			return;
		}
		total += (size_t)n;
		if (total > ACL_MAX_FILE_SIZE) {   /* it grew since fstat() */
			acl_file_err(p, at, path, "file too large (max %d bytes)",
				     ACL_MAX_FILE_SIZE);
			return;
		}
		if (n == 0) {                      /* the last line needs no '\n' */
			if (have > 0 && !skipping) {
				buf[have++] = '\n';
				memset(buf + have, 0, ACL_SLACK);
				acl_lines(p, f, buf, have);
			}
			return;
		}
		have += (size_t)n;
		memset(buf + have, 0, ACL_SLACK);
		if (skipping) {
			nl = memchr(buf, '\n', have);
			if (!nl) {
				have = 0;
				continue;
			}
			from = (size_t)(nl - buf) + 1;
			skipping = false;
		}
		nl = memrchr(buf + from, '\n', have - from);
		if (nl) {
			acl_lines(p, f, buf + from, (size_t)(nl - buf) + 1 - from);
			from = (size_t)(nl - buf) + 1;
		}
		tail = have - from;
		if (tail > ACL_MAX_LINE + 1) {
			struct acl_rec none;

			f->line++;
			acl_parse_line(p, f, buf + from, tail, &none);   /* too long */
			skipping = true;
			tail = 0;
		}
		memmove(buf, buf + from, tail);
		have = tail;
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): BUF is acl_autofree; clang-analyzer does not model cleanup attributes */
}

/* The directory named in PATH must be root's and not group/other
 * writable: otherwise someone else could swap the file. */
static int acl_check_dir(struct acl_parser *p, const struct acl_inc *at,
			 const char *path)
{
	acl_autofree char *dir = acl_dirname(path);
	acl_autoclose int dfd = -1;
	struct stat st;

	if (!dir) {
		acl_nomem(p);
		return -1;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &st) < 0) {
		acl_file_err(p, at, path, "cannot open directory %s: %s", dir,
			     strerror(errno));
		return -1;
	}
	if (st.st_uid != 0) {
		acl_file_err(p, at, path, "directory %s is not owned by root", dir);
		return -1;
	}
	if (st.st_mode & 022) {
		acl_file_err(p, at, path,
			     "directory %s is writable by group or others", dir);
		return -1;
	}
	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): DIR is acl_autofree; clang-analyzer does not model cleanup attributes */
	return 0;
}

/* Checks on the opened FD itself (never on the path). */
static int acl_check_fd(struct acl_parser *p, const struct acl_inc *at,
			const char *path, int fd, struct stat *st)
{
	if (fstat(fd, st) < 0) {
		acl_file_err(p, at, path, "cannot stat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		acl_file_err(p, at, path, "not a regular file");
		return -1;
	}
	if (!p->opts->require_safe)
		return 0;
	if (st->st_uid != 0) {
		acl_file_err(p, at, path, "not owned by root");
		return -1;
	}
	if (st->st_mode & 022) {
		acl_file_err(p, at, path, "writable by group or others");
		return -1;
	}
	return acl_check_dir(p, at, path);
}

/* PATH opened for reading, checked (acl_check_fd) on that fd, ST its
 * fstat: the fd, or -1 (reported). Reading with privilege (opts.privileged),
 * the first open is O_PATH, which opens nothing: no device, FIFO or socket
 * is ever opened with our rights, only the regular file just checked,
 * through /proc/self/fd (the same inode, whatever PATH leads to now). */
static int acl_open_checked(struct acl_parser *p, const struct acl_inc *at,
			    const char *path, struct stat *st)
{
	bool priv = p->opts->privileged;
	char proc[64];
	struct stat again;
	int fd, rfd;

	fd = open(path, priv ? O_PATH | O_CLOEXEC :
		  O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		const char *hint = p->opts->eacces_hint;

		acl_file_err(p, at, path, "cannot open: %s%s%s", strerror(e),
			     e == EACCES && hint ? " " : "",
			     e == EACCES && hint ? hint : "");
		return -1;
	}
	if (acl_check_fd(p, at, path, fd, st) < 0 || p->nomem) {
		close(fd);
		return -1;
	}
	if (!priv)
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rfd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (rfd < 0)
		acl_file_err(p, at, path, "cannot reopen %s: %s", proc, strerror(errno));
	close(fd);
	if (rfd >= 0 && (fstat(rfd, &again) < 0 || again.st_dev != st->st_dev ||
			 again.st_ino != st->st_ino)) {
		close(rfd);
		acl_file_err(p, at, path, "changed while it was opened");
		return -1;
	}
	return rfd;
}

/* The mode of directory DIR on PATH's way, into R. */
static int acl_dir_reach(struct acl_parser *p, const struct acl_inc *at,
			 const char *path, const char *dir, struct acl_reach *r)
{
	acl_autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (dfd < 0 || fstat(dfd, &st) < 0) {
		acl_file_err(p, at, path, "cannot open directory %s: %s", dir,
			     strerror(errno));
		return -1;
	}
	if (acl_reach_add(p, r, dir, true, &st) < 0) {
		acl_file_err(p, at, path, "more than %d files and directories with "
			     "restricted modes on the way", ACL_REACH_MAX);
		return -1;
	}
	return 0;
}

/* Who could read file PATH (ST): the reach of the file including it (AT),
 * PATH's own read bits, and the search bits of each directory its path
 * names ("." first for a relative one), into *REACH: 0, or -1 (reported). */
static int acl_file_reach(struct acl_parser *p, const struct acl_inc *at,
			  const char *path, const struct stat *st,
			  unsigned short *reach)
{
	const struct acl_reach *up = at ? acl_reach_of(p->acl, at->file->reach) : NULL;
	struct acl_reach r = { .n = 0 };
	char dir[PATH_MAX];
	size_t len = strlen(path);

	if (up)
		r = *up;
	if (len >= sizeof(dir))
		return 0;                  /* never: include paths are shorter */
	if (path[0] != '/' && acl_dir_reach(p, at, path, ".", &r) < 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (path[i] != '/' || (i > 0 && path[i - 1] == '/'))
			continue;
		memcpy(dir, path, i ? i : 1);  /* "/" for the root */
		dir[i ? i : 1] = '\0';
		if (acl_dir_reach(p, at, path, dir, &r) < 0)
			return -1;
	}
	if (acl_reach_add(p, &r, path, false, st) < 0) {
		acl_file_err(p, at, path, "more than %d files and directories with "
			     "restricted modes on the way", ACL_REACH_MAX);
		return -1;
	}
	*reach = acl_reach_intern(p, &r);
	return 0;
}

/* Is ST already on the include stack? Then report the loop. */
static bool acl_is_loop(struct acl_parser *p, const struct acl_inc *at,
			const struct stat *st)
{
	char via[ACL_MSG_MAX] = "";

	for (unsigned i = 0; i < p->depth; i++) {
		const struct acl_file *f = p->stack[i];

		if (!f->has_id || f->dev != st->st_dev || f->ino != st->st_ino)
			continue;
		for (unsigned j = i + 1; j < p->depth; j++) {
			acl_append(via, sizeof(via), j == i + 1 ? " via " : " -> ");
			acl_append(via, sizeof(via), p->stack[j]->name);
		}
		acl_err(p, at->file, at->col, "include loop: %s includes itself%s",
			f->name, via);
		return true;
	}
	return false;
}

/* Parse SRC as file NAME, pushed on the include stack; ST: its identity
 * (NULL: an in-memory buffer); AT as acl_read_path's; REACH: who could
 * read it (acl_rule.reach). */
static void acl_parse_file(struct acl_parser *p, const char *name,
			   struct acl_src *src, const struct stat *st,
			   const struct acl_inc *at, unsigned short reach)
{
	struct acl_file f = { .name = acl_intern(p, name), .reach = reach };

	if (!f.name)
		return;
	f.dir = acl_dirname(name);
	if (!f.dir) {
		acl_nomem(p);
		return;
	}
	if (st) {
		f.has_id = true;
		f.dev = st->st_dev;
		f.ino = st->st_ino;
	}
	p->stack[p->depth++] = &f;
	acl_read_lines(p, &f, src, name, at);
	p->stack[--p->depth] = NULL;   /* no pointer to F outlives it */
	free(f.dir);
}

void acl_read_path(struct acl_parser *p, const char *path,
		    const struct acl_inc *at)
{
	acl_autoclose int fd = -1;
	struct acl_src src = { .fd = -1 };
	unsigned short reach = 0;
	struct stat st;

	p->nread++;
	fd = acl_open_checked(p, at, path, &st);
	if (fd < 0)
		return;
	if (at && acl_is_loop(p, at, &st))
		return;
	if (acl_file_reach(p, at, path, &st, &reach) < 0 || p->nomem)
		return;
	if (st.st_size > ACL_MAX_FILE_SIZE) {
		acl_file_err(p, at, path, "file too large (max %d bytes)",
			     ACL_MAX_FILE_SIZE);
		return;
	}
	src.fd = fd;
	acl_parse_file(p, path, &src, &st, at, reach);
}

void acl_read_mem(struct acl_parser *p, const char *name, const char *buf,
		   size_t len)
{
	struct acl_src src = { .fd = -1, .mem = buf, .len = len };

	acl_parse_file(p, name, &src, NULL, NULL, 0);
}

/* ---- includes --------------------------------------------------------- */

/* One file of an include; -1 when no more may be read. */
static int acl_include_one(struct acl_parser *p, const struct acl_inc *at,
			   const char *path)
{
	if (p->nread >= ACL_MAX_FILES) {
		acl_err(p, at->file, at->col, "too many files (max %d)",
			ACL_MAX_FILES);
		return -1;
	}
	acl_read_path(p, path, at);
	return p->nomem ? -1 : 0;
}

/* A pattern matching nothing is fine (an empty bridge.d); a directory
 * that cannot be read is an error. Matches are sorted. */
static void acl_include_glob(struct acl_parser *p, const struct acl_inc *at,
			     const char *pattern)
{
	glob_t g;
	int rc, e;

	errno = 0;
	rc = glob(pattern, GLOB_ERR, NULL, &g);
	e = errno;
	if (rc == GLOB_NOSPACE)
		acl_nomem(p);
	else if (rc == GLOB_ABORTED)
		acl_err(p, at->file, at->col, "%s: cannot read directory: %s",
			pattern, e ? strerror(e) : "read error");
	else if (rc == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (acl_include_one(p, at, g.gl_pathv[i]) < 0)
				break;
	globfree(&g);
}

/* The include request INC of a line of F: one file, or a glob's. */
static void acl_include(struct acl_parser *p, const struct acl_file *f,
			const struct acl_rec *inc)
{
	const struct acl_inc at = { f, inc->col };
	acl_autofree char *path = NULL;
	char rel[ACL_MAX_LINE + 1];
	bool glob_chars;

	if (inc->len >= sizeof(rel)) {         /* a line's token: never */
		acl_err(p, f, inc->col, "include path too long");
		return;
	}
	memcpy(rel, inc->path, inc->len);
	rel[inc->len] = '\0';
	if (p->depth > ACL_MAX_DEPTH) {
		acl_err(p, f, inc->col, "include nested too deep (max %d)",
			ACL_MAX_DEPTH);
		return;
	}
	glob_chars = strpbrk(rel, "*?[") != NULL;
	path = acl_join(f->dir, rel, glob_chars);
	if (!path)
		acl_nomem(p);
	else if (strlen(path) >= PATH_MAX)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): PATH is acl_autofree; clang-analyzer does not model cleanup attributes */
		acl_err(p, f, inc->col, "include path too long");
	else if (glob_chars)
		acl_include_glob(p, &at, path);
	else
		acl_include_one(p, &at, path);
}
