/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* fuzz_acl: bridge.conf(5) parser and decision under libFuzzer.
 *
 * The input is one ACL file named "/nonexistent/fuzz.conf" (so relative
 * includes resolve to nothing on the host). Absolute includes and globs
 * cannot reach the host either: acl.c is compiled for this target with
 * -Dopen=fuzz_open -Dglob=fuzz_glob (see the Makefile's fuzz rules, which
 * also check that acl.o calls no other way of opening a path), and both
 * resolve every path inside a small private tree made at start-up
 * (openat2 RESOLVE_IN_ROOT: "..", absolute paths and symlinks stay inside).
 * So "include /dev/..." opens nothing on the host and a glob over the
 * root lists only the private tree.
 *
 * Checked on every input, besides what the sanitizers see:
 *  - acl_load_buffer returns >= 0 or -ENOMEM; every diagnostic has a file,
 *    a bounded message and a valid severity;
 *  - fail closed: a policy with errors decides NOMATCH for everyone;
 *  - an allow out of the caller's reach (files in the tree are under a
 *    0700 directory: only root reaches them) is named only with NOMATCH;
 *  - a decision names its rule (file:line >= 1) exactly when it matched,
 *    limits, send buffers and queue bounds stay in their documented
 *    ranges (no queues rule: the default bound);
 *  - invalid bridge names never match;
 *  - acl_opts.only changes nothing it should not: the input loaded again
 *    without warnings, once in full and once with only = {"br0"}, gives
 *    the same error count and, for br0, the same decisions (result, rule,
 *    limit, sndbuf, queues, each with its file:line) for every caller; with only,
 *    other bridges get NOMATCH.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <dirent.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "acl.h"

int fuzz_open(const char *path, int flags, ...);
int fuzz_glob(const char *pattern, int flags,
	      int (*errfunc)(const char *, int), glob_t *g);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;               /* FUZZ_VERBOSE=1: print diagnostics */
static int root_fd = -1;          /* the private tree all paths resolve in */
static char root_path[] = "/tmp/bh-fuzz-acl.XXXXXX";

#define CHECK(cond) do {                                                    \
	if (!(cond)) {                                                      \
		fprintf(stderr, "fuzz_acl: check failed: %s (line %d)\n",   \
			#cond, __LINE__);                                   \
		abort();                                                    \
	}                                                                   \
} while (0)

/* ---- the private tree ------------------------------------------------- */

static int in_root(const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)flags, .mode = mode,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	/* RESOLVE_IN_ROOT fails with EAGAIN when a rename or mount anywhere
	 * on the system races with a ".." lookup (openat2(2)): retry, or one
	 * input could read differently twice (a false finding of check_only). */
	for (int tries = 0; ; tries++) {
		fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || tries == 1000)
			return fd;
	}
}

int fuzz_open(const char *path, int flags, ...)
{
	/* acl*.c never creates a file, so there is no mode argument to read.
	 * (O_TMPFILE includes O_DIRECTORY's bit, which acl_file.c uses.) */
	CHECK(!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE);
	return in_root(path, flags, 0);
}

static void *sb_opendir(const char *path)
{
	int fd = in_root(*path ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

static struct dirent *sb_readdir(void *d) { return readdir(d); }
static void sb_closedir(void *d) { closedir(d); }

static int sb_statx(const char *path, struct stat *st, int nofollow)
{
	int fd = in_root(path, O_PATH | O_CLOEXEC | nofollow, 0), rc;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

static int sb_stat(const char *path, struct stat *st) { return sb_statx(path, st, 0); }
static int sb_lstat(const char *path, struct stat *st) { return sb_statx(path, st, O_NOFOLLOW); }

int fuzz_glob(const char *pattern, int flags,
	      int (*errfunc)(const char *, int), glob_t *g)
{
	g->gl_opendir = sb_opendir;
	g->gl_readdir = sb_readdir;
	g->gl_closedir = sb_closedir;
	g->gl_stat = sb_stat;
	g->gl_lstat = sb_lstat;
	return glob(pattern, flags | GLOB_ALTDIRFUNC, errfunc, g);
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root_path, rel);
	if (!text) {
		CHECK(mkdir(path, 0755) == 0);
		return;
	}
	f = fopen(path, "w");
	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_tree(void)
{
	if (root_fd >= 0 &&
	    nftw(root_path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "fuzz_acl: could not remove %s\n", root_path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	CHECK(mkdtemp(root_path));
	root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(root_fd >= 0);
	atexit(remove_tree);
	/* Something for absolute includes and globs to find: rules, a
	 * nested include, a loop, a broken file, a directory of parts. */
	put("inc", NULL);
	put("inc/d", NULL);
	put("inc/a.conf", "allow br1 group=0\nlimit br1 2\nsndbuf all 65536\n"
	    "queues br0 4\n");
	put("inc/b.conf", "include a.conf\ndeny br0 user=0\n");
	put("inc/loop.conf", "include loop.conf\n");
	put("inc/bad.conf", "allow\n");
	put("inc/d/10-x.conf", "allow br2\n");
	put("inc/d/20-y.conf", "include ../d/*.conf\n");
	{
		char link[PATH_MAX];

		/* A symlink pointing out of the tree: must stay inside. */
		snprintf(link, sizeof(link), "%s/inc/out.conf", root_path);
		CHECK(symlink("/etc/passwd", link) == 0);
	}
	return 0;
}

/* ---- the target ------------------------------------------------------- */

static void report(void *ctx, enum acl_severity sev, const char *file,
		   unsigned line, unsigned col, const char *msg)
{
	unsigned *n = ctx;

	if (verbose)
		fprintf(stderr, "%s:%u:%u: %s: %s\n", file, line, col,
			sev == ACL_SEV_ERROR ? "error" : "warning", msg);
	CHECK(sev == ACL_SEV_ERROR || sev == ACL_SEV_WARNING);
	CHECK(file != NULL && msg != NULL);
	CHECK(strlen(msg) < PATH_MAX + 512);
	if (sev == ACL_SEV_ERROR)
		(*n)++;
}

static const char *const bridges[] = {
	"br0", "br1", "br2", "virbr0", "all", "a23456789012345",
	/* never valid: must never match */
	"", ".", "..", "a/b", "br:0", "br 0", "a234567890123456",
};
#define NVALID 6

static bool same_where(struct acl_where a, struct acl_where b)
{
	if (!a.file || !b.file)
		return !a.file && !b.file;
	return strcmp(a.file, b.file) == 0 && a.line == b.line;
}

/* The same decision from two policies (rule names point into each). */
static void check_same(const struct acl_decision *a, const struct acl_decision *b)
{
	CHECK(a->result == b->result);
	CHECK(same_where(a->rule, b->rule));
	CHECK(a->has_limit == b->has_limit);
	if (a->has_limit)
		CHECK(a->limit == b->limit && same_where(a->limit_rule, b->limit_rule));
	CHECK(a->has_sndbuf == b->has_sndbuf);
	if (a->has_sndbuf)
		CHECK(a->sndbuf == b->sndbuf &&
		      same_where(a->sndbuf_rule, b->sndbuf_rule));
	CHECK(a->has_queues == b->has_queues && a->max_queues == b->max_queues);
	if (a->has_queues)
		CHECK(same_where(a->queues_rule, b->queues_rule));
	CHECK(same_where(a->unreached, b->unreached));
	if (a->unreached.file)
		CHECK(strcmp(a->unreached_by.path, b->unreached_by.path) == 0 &&
		      a->unreached_by.mode == b->unreached_by.mode);
}

/* Load DATA in full and with only = {"br0"}: the same for br0. */
static void check_only(const uint8_t *data, size_t size,
		       const struct acl_caller *callers, size_t ncallers)
{
	static const char *const br0[] = { "br0", NULL };
	const struct acl_opts full_opts = { .require_safe = false };
	const struct acl_opts only_opts = { .require_safe = false, .only = br0 };
	struct acl *full = NULL, *only = NULL;
	unsigned full_errors = 0, only_errors = 0;
	int full_rc, only_rc;

	full_rc = acl_load_buffer("/nonexistent/fuzz.conf", (const char *)data,
				  size, &full_opts, &full, report, &full_errors);
	only_rc = acl_load_buffer("/nonexistent/fuzz.conf", (const char *)data,
				  size, &only_opts, &only, report, &only_errors);
	CHECK(full != NULL && only != NULL);
	if (full_rc != -ENOMEM && only_rc != -ENOMEM) {
		CHECK(full_rc == only_rc);
		for (size_t c = 0; c < ncallers; c++) {
			struct acl_decision a, b;

			acl_decide(full, "br0", &callers[c], &a);
			acl_decide(only, "br0", &callers[c], &b);
			check_same(&a, &b);
			acl_decide(only, "br1", &callers[c], &b);
			CHECK(b.result == ACL_NOMATCH && !b.has_limit && !b.has_sndbuf &&
			      !b.has_queues && b.max_queues == ACL_QUEUES_DEFAULT);
		}
	}
	acl_free(full);
	acl_free(only);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const gid_t groups1000[] = { 27, 100, 1000 };
	const struct acl_caller callers[] = {
		{ 0, 0, NULL, 0 },
		{ 1000, 1000, groups1000, 3 },
		{ 65534, 65534, NULL, 0 },
		{ 1000, 100, NULL, 0 },
		{ 5, 27, groups1000, 3 },
	};
	const struct acl_opts opts = { .require_safe = false, .warnings = true };
	struct acl *acl = NULL;
	unsigned errors = 0;
	int rc;

	rc = acl_load_buffer("/nonexistent/fuzz.conf", (const char *)data, size,
			     &opts, &acl, report, &errors);
	CHECK(acl != NULL);
	CHECK(rc == -ENOMEM || rc >= 0);
	CHECK(rc < 0 || (unsigned)rc == errors);
	for (size_t b = 0; b < sizeof(bridges) / sizeof(bridges[0]); b++) {
		for (size_t c = 0; c < sizeof(callers) / sizeof(callers[0]); c++) {
			struct acl_decision d;

			memset(&d, 0xa5, sizeof(d));
			acl_decide(acl, bridges[b], &callers[c], &d);
			if (rc != 0 || b >= NVALID) {   /* fail closed */
				CHECK(d.result == ACL_NOMATCH);
				CHECK(!d.has_limit && !d.has_sndbuf && !d.has_queues);
			}
			CHECK(d.result == ACL_NOMATCH || d.result == ACL_ALLOWED ||
			      d.result == ACL_DENIED);
			CHECK((d.result == ACL_NOMATCH) == (d.rule.file == NULL));
			if (d.rule.file)
				CHECK(d.rule.line >= 1);
			if (d.has_limit)
				CHECK(d.limit <= 65535 && d.limit_rule.file &&
				      d.limit_rule.line >= 1);
			if (d.has_sndbuf)
				CHECK(d.sndbuf >= 1 && d.sndbuf_rule.file &&
				      d.sndbuf_rule.line >= 1);
			CHECK(d.max_queues >= 1 && d.max_queues <= ACL_QUEUES_MAX);
			/* an allow out of reach is named only when nothing decided */
			if (d.unreached.file)
				CHECK(d.result == ACL_NOMATCH && d.unreached.line >= 1 &&
				      d.unreached_by.path);
			else
				CHECK(!d.unreached_by.path);
			if (d.has_queues)
				CHECK(d.queues_rule.file && d.queues_rule.line >= 1);
			else
				CHECK(d.max_queues == ACL_QUEUES_DEFAULT && !d.queues_rule.file);
		}
	}
	{
		struct acl_decision d;

		acl_decide(acl, NULL, &callers[0], &d);
		CHECK(d.result == ACL_NOMATCH);
	}
	acl_free(acl);
	check_only(data, size, callers, sizeof(callers) / sizeof(callers[0]));
	return 0;
}
