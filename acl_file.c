/* acl_file: open, check and read bridge.conf(5) files; includes.
 *
 * Invariants (what this file MUST keep true):
 *  - Every file is opened once, checked with fstat() on that same fd and
 *    read from it (bounded); nothing is checked by path and then opened.
 *  - Relative includes resolve against the including file's directory,
 *    never the process's working directory.
 *  - Include nesting, the number of files and loops are bounded: a loop
 *    or too many files is an error, reported at the include line.
 */
#include "acl_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
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

/* Read all of FD, at most ACL_MAX_FILE_SIZE bytes. */
static int acl_read_fd(int fd, char **out, size_t *outlen)
{
	acl_autofree char *buf = NULL;
	size_t cap = 0, len = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (ncap > ACL_MAX_FILE_SIZE + 1)
				ncap = ACL_MAX_FILE_SIZE + 1;
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > ACL_MAX_FILE_SIZE)
			return -EFBIG;
	}
	*out = buf;
	buf = NULL;
	*outlen = len;
	return 0;
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

/* Parse BUF as file NAME, pushed on the include stack. */
static void acl_parse_file(struct acl_parser *p, const char *name,
			   const char *buf, size_t len, const struct stat *st)
{
	struct acl_file f = { .name = acl_intern(p, name) };

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
	acl_parse_lines(p, &f, buf, len);
	p->stack[--p->depth] = NULL;   /* no pointer to F outlives it */
	free(f.dir);
}

/* Open PATH once, check that fd, read it whole, parse it. AT is the
 * include line asking for it, NULL for the main file. */
void acl_parse_path(struct acl_parser *p, const char *path,
		    const struct acl_inc *at)
{
	acl_autoclose int fd = -1;
	acl_autofree char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int rc;

	p->nread++;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		acl_file_err(p, at, path, "cannot open: %s", strerror(errno));
		return;
	}
	if (acl_check_fd(p, at, path, fd, &st) < 0 || p->nomem)
		return;
	if (at && acl_is_loop(p, at, &st))
		return;
	rc = acl_read_fd(fd, &buf, &len);
	if (rc == -ENOMEM) {
		acl_nomem(p);
		return;
	}
	if (rc == -EFBIG) {
		acl_file_err(p, at, path, "file too large (max %d bytes)",
			     ACL_MAX_FILE_SIZE);
		return;
	}
	if (rc < 0) {
		acl_file_err(p, at, path, "read error: %s", strerror(-rc));
		return;
	}
	close(fd);
	/* NOLINTNEXTLINE(clang-analyzer-deadcode.DeadStores): read by acl_autoclose (cleanup attribute) at scope exit */
	fd = -1;
	acl_parse_file(p, path, buf, len, &st);
}

void acl_parse_mem(struct acl_parser *p, const char *name, const char *buf,
		   size_t len)
{
	acl_parse_file(p, name, buf, len, NULL);
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
	acl_parse_path(p, path, at);
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

void acl_include(struct acl_parser *p, const struct acl_file *f, unsigned col,
		 const char *rel)
{
	const struct acl_inc at = { f, col };
	acl_autofree char *path = NULL;
	bool glob_chars;

	if (p->depth > ACL_MAX_DEPTH) {
		acl_err(p, f, col, "include nested too deep (max %d)", ACL_MAX_DEPTH);
		return;
	}
	glob_chars = strpbrk(rel, "*?[") != NULL;
	path = acl_join(f->dir, rel, glob_chars);
	if (!path)
		acl_nomem(p);
	else if (strlen(path) >= PATH_MAX)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): PATH is acl_autofree; clang-analyzer does not model cleanup attributes */
		acl_err(p, f, col, "include path too long");
	else if (glob_chars)
		acl_include_glob(p, &at, path);
	else
		acl_include_one(p, &at, path);
}
