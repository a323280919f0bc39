/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright (C) 2026 The bridge-helper authors */
/* bhbench: the launch benchmark behind `make bench` (see bench/README.md).
 * A benchmark, never a test: it fails only when something does not work,
 * never for being slow.
 *
 * It measures, in one run and interleaved (A B B A ...), how long it takes
 * from "spawn the helper" to "TAP fd in hand":
 *   floor  the same end state from this process, no exec: open /dev/net/tun,
 *          TUNSETIFF (tap%d), one ACKed RTM_NEWLINK (master, MTU, MAC, up);
 *   bh     bridge-helper through libbridge-helper (bh_open);
 *   qemu   qemu-bridge-helper through the same library (same argv);
 * in worker processes that each own a scratch network namespace with an
 * bridge br0 whose only port is a veth (and a private mount namespace with
 * their own /etc/qemu/bridge.conf):
 *   empty  1-line ACL, no TAP on the bridge, a small caller;
 *   acl    100,000-line ACL;
 *   k1000  1000 TAPs already on the bridge;
 *   big    a caller with 4 GiB resident (4 KiB pages);
 *   idle   (service mode) 1000 idle connections held open by another user.
 * Service mode (--daemon, --client): bridge-helperd runs in the empty,
 * acl100k and idle workers' namespaces; "svc" asks it through the library
 * (no exec), "svc-client" through bridge-helper-client (an exec per
 * launch, as QEMU's helper=).
 * TAPs are closed between batches; that teardown (RCU, 15-20 ms per TAP)
 * is timed apart and never counted in a launch.
 *
 * It must run as root inside a private mount namespace where
 * /etc/qemu/bridge.conf exists (bench/run arranges that). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "bridge-helper.h"
#include "svcbench.h"

#define MAXN        256          /* launches per batch */
#define PREFILL_GRP 42           /* link group of the prefilled TAPs */
#define QEMU_CONF   "/etc/qemu/bridge.conf"

extern char **environ;

enum method { M_FLOOR, M_BH, M_QEMU, M_MIN, M_SVC, M_SVCX, M_NMETHODS };
static const char *const method_name[] = { "floor", "bridge-helper",
					   "qemu-bridge-helper", "minhelper",
					   "service", "service-client" };

enum wkind { W_EMPTY, W_ACL, W_K1000, W_BIG, W_IDLE, W_NKINDS };
static const char *const wkind_name[] = { "empty", "acl100k", "k1000", "big",
					  "idle" };

/* ---- options ---------------------------------------------------------------- */

static struct {
	const char *helper, *qemu, *acl1, *acl100k, *qconf1, *qconf100k;
	const char *rsswrap, *outdir, *minhelper, *daemon, *client;
	int rounds, batch1, batch8, prefill, rss_runs, idle;
	long big_mib;
	bool callgrind;
} opt = {
	/* Many small batches: the finer the interleaving, the more evenly
	 * bursts of other load on a shared machine hit every cell. */
	.rounds = 40, .batch1 = 6, .batch8 = 32, .prefill = 1000,
	.rss_runs = 5, .big_mib = 4096, .callgrind = true, .idle = 1000,
};

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bhbench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the kernel floor: open, TUNSETIFF, one ACKed RTM_NEWLINK -------------------- */

struct floor_nl {
	struct mnl_socket *sock;
	unsigned portid, seq;
};

static void floor_nl_open(struct floor_nl *f)
{
	f->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!f->sock || mnl_socket_bind(f->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("rtnetlink: %s", strerror(errno));
	f->portid = mnl_socket_get_portid(f->sock);
	f->seq = (unsigned)now_ns();
}

/* Send NLH and wait for its ACK: 0 or -errno. */
static int floor_nl_ack(struct floor_nl *f, struct nlmsghdr *nlh)
{
	char buf[8192];
	ssize_t n;
	int r;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++f->seq;
	if (mnl_socket_sendto(f->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(f->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, f->portid, NULL, NULL);
	} while (r > 0);
	return r < 0 ? -errno : 0;
}

struct bridge {
	int ifindex;
	unsigned mtu;
};

/* One TAP on BR, the minimum the kernel needs. GROUP 0: the default group. */
static int floor_launch(struct floor_nl *f, const struct bridge *br,
			uint32_t group, int *fdout)
{
	char req[512];
	struct ifreq ifr;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	uint8_t mac[6];
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (getrandom(mac, sizeof(mac), 0) != sizeof(mac))
		die("getrandom: %s", strerror(errno));
	mac[0] = 0xFE;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifr.ifr_name);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, br->mtu);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)br->ifindex);
	if (group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	r = floor_nl_ack(f, nlh);
	if (r < 0) {
		close(fd);
		return r;
	}
	*fdout = fd;
	return 0;
}

/* Every link of GROUP in one RTM_DELLINK: one unregister batch. */
static int delete_group(struct floor_nl *f, uint32_t group)
{
	char req[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	return floor_nl_ack(f, nlh);
}

/* ---- a worker: one network namespace, one kind of caller ----------------------- */

enum op { OP_LAUNCH, OP_RSS, OP_CALLGRIND, OP_QUIT };

struct cmd {
	enum op op;
	enum method method;
	int conc, n;
};

struct result {
	int ok;
	char err[512];
	int n;
	int64_t wall_ns;             /* first start to last end */
	int64_t lat_ns[MAXN];        /* per launch */
	int64_t close_ns[MAXN];      /* per TAP, teardown */
	long rss_kb;                 /* OP_RSS: median ru_maxrss */
	unsigned long long instr;    /* OP_CALLGRIND: Ir */
	int64_t quit_del_ns;         /* OP_QUIT: deleting the prefilled TAPs */
	int quit_ndel;
};

struct worker {
	enum wkind kind;
	pid_t pid;
	int sock;
	/* inside the worker */
	struct bridge br;
	struct floor_nl nl;
	struct bh_request *req[M_NMETHODS];
	int *prefill_fds;
	int nprefill;
	pid_t holder;                /* holds the prefilled TAPs */
	int holder_pipe;
	pid_t daemon, idler;         /* service mode */
};

/* argv for exec: the strings are never written to. */
static char *unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

static int run_cmd(const char *const cargv[])
{
	char *argv[16];
	pid_t pid;
	int st, n = 0;

	for (; n < 15 && cargv[n]; n++)
		argv[n] = unconst(cargv[n]);
	argv[n] = NULL;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The prefilled TAPs go to a child that only holds them: the launching
 * process keeps a small fd table, as a real caller does (a spawn copies
 * and closes the caller's fd table: that cost is the caller's, not the
 * bridge's). The child exits when the worker closes the pipe. */
static void hand_over_prefill(struct worker *w)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	for (int i = 0; i < w->nprefill; i++)
		close(w->prefill_fds[i]);
	w->holder = pid;
	w->holder_pipe = p[1];
}

static void worker_setup(struct worker *w)
{
	const char *const lo[] = { "ip", "link", "set", "lo", "up", NULL };
	const char *const add[] = { "ip", "link", "add", "br0", "type", "bridge",
				    NULL };
	/* An uplink-like port, as on a real host: the bridge keeps its carrier
	 * and its MAC whatever the TAPs do (otherwise the first TAP after a
	 * teardown pays for the bridge's carrier coming up: IPv6 addrconf). */
	const char *const veth[] = { "ip", "link", "add", "p0", "address",
				     "02:00:00:00:00:01", "type", "veth", "peer",
				     "name", "p1", NULL };
	const char *const port[] = { "ip", "link", "set", "p0", "master", "br0",
				     "up", NULL };
	const char *const peer[] = { "ip", "link", "set", "p1", "up", NULL };
	const char *const up[] = { "ip", "link", "set", "br0", "up", NULL };
	const char *qconf = w->kind == W_ACL ? opt.qconf100k : opt.qconf1;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		die("unshare: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /: %s", strerror(errno));
	if (qconf && mount(qconf, QEMU_CONF, NULL, MS_BIND, NULL) < 0)
		die("bind %s on %s: %s", qconf, QEMU_CONF, strerror(errno));
	if (run_cmd(lo) < 0 || run_cmd(add) < 0 || run_cmd(veth) < 0 ||
	    run_cmd(port) < 0 || run_cmd(peer) < 0 || run_cmd(up) < 0)
		die("cannot set up br0 in the %s namespace", wkind_name[w->kind]);
	w->br.ifindex = (int)if_nametoindex("br0");
	w->br.mtu = 1500;
	if (!w->br.ifindex)
		die("br0: %s", strerror(errno));
	floor_nl_open(&w->nl);

	if (opt.daemon && (w->kind == W_EMPTY || w->kind == W_ACL ||
			   w->kind == W_IDLE)) {
		w->daemon = svcb_start_daemon(opt.daemon, w->kind == W_ACL ?
					      opt.acl100k : opt.acl1, w->kind == W_IDLE ?
					      "--max-per-uid=4096" : NULL);
		if (w->kind == W_IDLE)
			w->idler = svcb_hold_idle(opt.idle);
	}
	for (int m = M_SVC; m <= M_SVCX && w->daemon; m++) {
		w->req[m] = bh_request_new("br0");
		if (!w->req[m] || bh_request_set_mode(w->req[m], m == M_SVC ?
						      BH_MODE_SERVICE : BH_MODE_HELPER) < 0 ||
		    (m == M_SVCX && bh_request_set_helper(w->req[m], opt.client) < 0))
			die("bh_request: %s", strerror(errno));
	}
	for (int m = M_BH; m <= M_MIN; m++) {
		const char *helper = m == M_BH ? opt.helper :
				     m == M_QEMU ? opt.qemu : opt.minhelper;

		if (!helper)
			continue;
		/* BH_MODE_HELPER: the service in this namespace must not answer
		 * for the helpers (auto mode would ask it first) */
		w->req[m] = bh_request_new("br0");
		if (!w->req[m] || bh_request_set_helper(w->req[m], helper) < 0 ||
		    bh_request_set_mode(w->req[m], BH_MODE_HELPER) < 0 ||
		    (m == M_BH && bh_request_set_acl(w->req[m], w->kind == W_ACL ?
						     opt.acl100k : opt.acl1) < 0))
			die("bh_request: %s", strerror(errno));
	}

	if (w->kind == W_K1000) {
		w->prefill_fds = calloc((size_t)opt.prefill, sizeof(int));
		if (!w->prefill_fds)
			die("out of memory");
		for (int i = 0; i < opt.prefill; i++) {
			int r = floor_launch(&w->nl, &w->br, PREFILL_GRP,
					     &w->prefill_fds[i]);
			if (r < 0)
				die("prefill TAP %d: %s", i, strerror(-r));
			w->nprefill++;
		}
		hand_over_prefill(w);
	}
	if (w->kind == W_BIG) {
		size_t len = (size_t)opt.big_mib << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap %ld MiB: %s", opt.big_mib, strerror(errno));
		/* 4 KiB pages: the most page-table work a fork would copy. */
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
	}
}

/* One launch by method M; the TAP stays open (fd or bh_tap) until teardown. */
struct held {
	int fd;
	struct bh_tap *tap;
};

static int launch(struct worker *w, struct floor_nl *nl, enum method m,
		  struct held *h, int64_t *lat, char *err, size_t errlen)
{
	int64_t t0 = now_ns();
	int r;

	h->fd = -1;
	h->tap = NULL;
	if (m == M_FLOOR) {
		r = floor_launch(nl, &w->br, 0, &h->fd);
		if (r < 0)
			snprintf(err, errlen, "floor: %s", strerror(-r));
	} else {
		r = bh_open(w->req[m], &h->tap, err, errlen);
	}
	*lat = now_ns() - t0;
	return r;
}

static void teardown(struct held *h)
{
	if (h->tap)
		bh_tap_free(h->tap);
	if (h->fd >= 0)
		close(h->fd);
}

struct thr {
	struct worker *w;
	enum method m;
	int first, n;
	struct held *held;
	struct result *res;
	pthread_barrier_t *go;
	int64_t t_end;
	int failed;
	char err[512];
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	struct floor_nl nl;

	if (t->m == M_FLOOR)
		floor_nl_open(&nl);
	pthread_barrier_wait(t->go);
	for (int i = t->first; i < t->first + t->n; i++)
		if (launch(t->w, &nl, t->m, &t->held[i], &t->res->lat_ns[i],
			   t->err, sizeof(t->err)) < 0) {
			t->failed = 1;
			break;
		}
	t->t_end = now_ns();
	if (t->m == M_FLOOR)
		mnl_socket_close(nl.sock);
	return NULL;
}

static void do_launch(struct worker *w, const struct cmd *c, struct result *res)
{
	struct held held[MAXN];
	int n = c->n > MAXN ? MAXN : c->n;

	for (int i = 0; i < n; i++)
		held[i] = (struct held){ .fd = -1 };
	res->n = n;
	if (c->conc <= 1) {
		int64_t t0 = now_ns();

		for (int i = 0; i < n; i++)
			if (launch(w, &w->nl, c->method, &held[i], &res->lat_ns[i],
				   res->err, sizeof(res->err)) < 0) {
				res->ok = 0;
				break;
			}
		res->wall_ns = now_ns() - t0;
	} else {
		struct thr t[64];
		pthread_t tid[64];
		pthread_barrier_t go;
		int conc = c->conc > 64 ? 64 : c->conc, first = 0;
		int64_t t0, t_end = 0;

		pthread_barrier_init(&go, NULL, (unsigned)conc + 1);
		for (int i = 0; i < conc; i++) {
			int k = n / conc + (i < n % conc);

			t[i] = (struct thr){ .w = w, .m = c->method, .first = first,
					     .n = k, .held = held, .res = res,
					     .go = &go };
			first += k;
			if (pthread_create(&tid[i], NULL, thr_main, &t[i]) != 0)
				die("pthread_create failed");
		}
		pthread_barrier_wait(&go);
		t0 = now_ns();
		for (int i = 0; i < conc; i++) {
			pthread_join(tid[i], NULL);
			if (t[i].t_end > t_end)
				t_end = t[i].t_end;
			if (t[i].failed) {
				res->ok = 0;
				snprintf(res->err, sizeof(res->err), "%s", t[i].err);
			}
		}
		pthread_barrier_destroy(&go);
		res->wall_ns = t_end - t0;
	}
	/* Teardown, apart: the last close of a TAP unregisters it (RCU). */
	for (int i = 0; i < n; i++) {
		int64_t t0 = now_ns();

		teardown(&held[i]);
		res->close_ns[i] = now_ns() - t0;
	}
}

/* Run ARGV with stdout on a pipe; the first line of its output in LINE. */
static int capture(char *const argv[], char *line, size_t len)
{
	posix_spawn_file_actions_t fa;
	int p[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], line + got, len - 1 - got)) > 0)
		got += (size_t)n;
	line[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The helper's own argv (as the library builds it, --fd=3). */
static int helper_argv(const struct worker *w, enum method m, char **argv, int n,
		       char *aclarg, size_t acllen)
{
	argv[n++] = unconst(m == M_BH ? opt.helper : opt.qemu);
	argv[n++] = unconst("--fd=3");
	argv[n++] = unconst("--br=br0");
	if (m == M_BH) {
		snprintf(aclarg, acllen, "--acl=%s",
			 w->kind == W_ACL ? opt.acl100k : opt.acl1);
		argv[n++] = aclarg;
	}
	argv[n] = NULL;
	return n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Peak RSS of the helper, through the tiny static rsswrap. */
static void do_rss(struct worker *w, const struct cmd *c, struct result *res)
{
	long kb[64] = { 0 };
	int runs = opt.rss_runs > 64 ? 64 : opt.rss_runs;

	for (int i = 0; i < runs; i++) {
		char *argv[16], aclarg[PATH_MAX + 8], line[256];
		int fds = 0, status = -1;

		argv[0] = unconst(opt.rsswrap);
		helper_argv(w, c->method, argv, 1, aclarg, sizeof(aclarg));
		if (capture(argv, line, sizeof(line)) < 0 ||
		    sscanf(line, "maxrss_kb=%ld status=%d fds=%d", &kb[i], &status,
			   &fds) != 3 || status != 0 || fds != 1) {
			res->ok = 0;
			snprintf(res->err, sizeof(res->err), "rsswrap %s: %.300s",
				 method_name[c->method], line);
			return;
		}
	}
	qsort(kb, (size_t)runs, sizeof(long), cmp_long);
	res->rss_kb = kb[runs / 2];
}

/* Instructions executed by the helper (ld.so included), under callgrind. */
static void do_callgrind(struct worker *w, const struct cmd *c, struct result *res)
{
	char *argv[24], aclarg[PATH_MAX + 8], outarg[PATH_MAX + 32];
	char path[PATH_MAX], line[512], buf[4096];
	int n = 0, fds = 0, status = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/callgrind.%s.%s.out", opt.outdir,
		 c->method == M_BH ? "bh" : "qemu", wkind_name[w->kind]);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", path);
	argv[n++] = unconst(opt.rsswrap);
	argv[n++] = unconst("/usr/bin/valgrind");
	argv[n++] = unconst("--tool=callgrind");
	argv[n++] = unconst("-q");
	argv[n++] = outarg;
	helper_argv(w, c->method, argv, n, aclarg, sizeof(aclarg));
	if (capture(argv, line, sizeof(line)) < 0 ||
	    sscanf(line, "maxrss_kb=%*d status=%d fds=%d", &status, &fds) != 2 ||
	    status != 0 || fds != 1) {
		res->ok = 0;
		snprintf(res->err, sizeof(res->err), "callgrind %s: %.300s",
			 method_name[c->method], line);
		return;
	}
	f = fopen(path, "re");
	if (!f) {
		res->ok = 0;
		snprintf(res->err, sizeof(res->err), "%.300s: %s", path,
			 strerror(errno));
		return;
	}
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "summary: %llu", &res->instr) == 1 ||
		    sscanf(buf, "totals: %llu", &res->instr) == 1)
			break;
	fclose(f);
}

static void do_quit(struct worker *w, struct result *res)
{
	svcb_stop(w->idler);
	svcb_stop(w->daemon);
	if (w->nprefill) {
		int64_t t0 = now_ns();
		int r = delete_group(&w->nl, PREFILL_GRP);

		res->quit_del_ns = now_ns() - t0;
		res->quit_ndel = w->nprefill;
		if (r < 0) {
			res->ok = 0;
			snprintf(res->err, sizeof(res->err), "delete group: %s",
				 strerror(-r));
		}
		close(w->holder_pipe);
		waitpid(w->holder, NULL, 0);
	}
}

static void worker_main(struct worker *w)
{
	static struct result res;
	struct cmd c;

	worker_setup(w);
	res = (struct result){ .ok = 1 };
	if (send(w->sock, &res, sizeof(res), 0) < 0)    /* ready */
		_exit(1);
	for (;;) {
		ssize_t n = recv(w->sock, &c, sizeof(c), 0);

		if (n != (ssize_t)sizeof(c))
			_exit(n == 0 ? 0 : 1);
		res = (struct result){ .ok = 1 };
		if (c.op == OP_LAUNCH)
			do_launch(w, &c, &res);
		else if (c.op == OP_RSS)
			do_rss(w, &c, &res);
		else if (c.op == OP_CALLGRIND)
			do_callgrind(w, &c, &res);
		else
			do_quit(w, &res);
		if (send(w->sock, &res, sizeof(res), 0) < 0)
			_exit(1);
		if (c.op == OP_QUIT)
			_exit(0);
	}
}

static struct worker workers[W_NKINDS];

static void start_worker(enum wkind k)
{
	struct worker *w = &workers[k];
	int sv[2], buf = 4 * (int)sizeof(struct result);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	w->kind = k;
	w->pid = fork();
	if (w->pid < 0)
		die("fork: %s", strerror(errno));
	if (w->pid == 0) {
		close(sv[0]);
		w->sock = sv[1];
		worker_main(w);
		_exit(0);
	}
	close(sv[1]);
	w->sock = sv[0];
}

static void ask(enum wkind k, const struct cmd *c, struct result *res)
{
	struct worker *w = &workers[k];

	if (c && send(w->sock, c, sizeof(*c), 0) < 0)
		die("worker %s: %s", wkind_name[k], strerror(errno));
	if (recv(w->sock, res, sizeof(*res), 0) != (ssize_t)sizeof(*res))
		die("worker %s died", wkind_name[k]);
	if (!res->ok)
		die("worker %s: %s", wkind_name[k], res->err);
}

/* ---- variants and statistics ------------------------------------------------ */

struct variant {
	const char *label;
	enum wkind w;
	enum method m;
	int conc;
	/* results */
	int64_t *lat;
	size_t nlat, cap;
	double *rate;                /* launches/s per batch (conc > 1) */
	size_t nrate;
	int64_t *close;
	size_t nclose, ccap;
};

enum {
	V_FLOOR, V_BH, V_Q,              /* empty bridge, 1-line ACL, c=1 */
	V_BH_ACL, V_Q_ACL,               /* 100,000-line ACL */
	V_FLOOR_K, V_BH_K, V_Q_K,        /* 1000 TAPs on the bridge */
	V_BH_BIG, V_Q_BIG,               /* 4 GiB caller */
	V_FLOOR_8, V_BH_8, V_Q_8,        /* c=8 */
	V_MIN,                           /* calibration: static minhelper */
	V_SVC, V_SVCX, V_SVC_8,          /* service: library, client exec, c=8 */
	V_SVC_ACL, V_SVC_IDLE,           /* 100,000-line ACL, 1000 idle conns */
	V_N
};

static struct variant var[V_N] = {
	[V_FLOOR]   = { "floor c=1",         W_EMPTY, M_FLOOR, 1 },
	[V_BH]      = { "bh c=1",            W_EMPTY, M_BH,    1 },
	[V_Q]       = { "qemu c=1",          W_EMPTY, M_QEMU,  1 },
	[V_BH_ACL]  = { "bh acl100k",        W_ACL,   M_BH,    1 },
	[V_Q_ACL]   = { "qemu acl100k",      W_ACL,   M_QEMU,  1 },
	[V_FLOOR_K] = { "floor 1000 TAPs",   W_K1000, M_FLOOR, 1 },
	[V_BH_K]    = { "bh 1000 TAPs",      W_K1000, M_BH,    1 },
	[V_Q_K]     = { "qemu 1000 TAPs",    W_K1000, M_QEMU,  1 },
	[V_BH_BIG]  = { "bh 4 GiB caller",   W_BIG,   M_BH,    1 },
	[V_Q_BIG]   = { "qemu 4 GiB caller", W_BIG,   M_QEMU,  1 },
	[V_FLOOR_8] = { "floor c=8",         W_EMPTY, M_FLOOR, 8 },
	[V_BH_8]    = { "bh c=8",            W_EMPTY, M_BH,    8 },
	[V_Q_8]     = { "qemu c=8",          W_EMPTY, M_QEMU,  8 },
	[V_MIN]     = { "minhelper c=1",     W_EMPTY, M_MIN,   1 },
	[V_SVC]     = { "svc c=1",           W_EMPTY, M_SVC,   1 },
	[V_SVCX]    = { "svc-client c=1",    W_EMPTY, M_SVCX,  1 },
	[V_SVC_8]   = { "svc c=8",           W_EMPTY, M_SVC,   8 },
	[V_SVC_ACL] = { "svc acl100k",       W_ACL,   M_SVC,   1 },
	[V_SVC_IDLE] = { "svc 1000 idle",    W_IDLE,  M_SVC,   1 },
};

static bool enabled(const struct variant *v)
{
	return (v->m != M_QEMU || opt.qemu) && (v->m != M_MIN || opt.minhelper) &&
	       ((v->m != M_SVC && v->m != M_SVCX) || opt.daemon);
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = need * 2;
	p = realloc(p, *cap * size);
	if (!p)
		die("out of memory");
	return p;
}

static void run_batch(struct variant *v)
{
	static struct result res;
	struct cmd c = { OP_LAUNCH, v->m, v->conc,
			 v->conc > 1 ? opt.batch8 : opt.batch1 };
	size_t ccap = v->ccap;

	ask(v->w, &c, &res);
	v->lat = grow(v->lat, &v->cap, v->nlat + (size_t)res.n, sizeof(int64_t));
	memcpy(v->lat + v->nlat, res.lat_ns, (size_t)res.n * sizeof(int64_t));
	v->nlat += (size_t)res.n;
	v->close = grow(v->close, &ccap, v->nclose + (size_t)res.n, sizeof(int64_t));
	v->ccap = ccap;
	memcpy(v->close + v->nclose, res.close_ns, (size_t)res.n * sizeof(int64_t));
	v->nclose += (size_t)res.n;
	if (v->conc > 1) {
		v->rate = realloc(v->rate, (v->nrate + 1) * sizeof(double));
		if (!v->rate)
			die("out of memory");
		v->rate[v->nrate++] = res.n * 1e9 / (double)res.wall_ns;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile P of N sorted values, in ms. */
static double pct_ms(int64_t *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_i64);
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1e6;
}

static double med(const struct variant *v)
{
	return pct_ms(v->lat, v->nlat, 50);
}

static double p99(const struct variant *v)
{
	return pct_ms(v->lat, v->nlat, 99);
}

static double mean_rate(const struct variant *v)
{
	double sum = 0;

	for (size_t i = 0; i < v->nlat; i++)
		sum += (double)v->lat[i];
	return v->nlat ? 1e9 * (double)v->nlat / sum : 0;
}

static double med_rate(const struct variant *v)
{
	if (!v->nrate)
		return 0;
	qsort(v->rate, v->nrate, sizeof(double), cmp_dbl);
	return v->nrate % 2 ? v->rate[v->nrate / 2] :
	       (v->rate[v->nrate / 2 - 1] + v->rate[v->nrate / 2]) / 2;
}

/* ---- the table -------------------------------------------------------------- */

static int nmet, nmissed;

static void target(const char *what, double value, const char *cmp, double limit,
		   const char *unit)
{
	bool ok = strcmp(cmp, "<=") == 0 ? value <= limit : value >= limit;

	if (ok)
		nmet++;
	else
		nmissed++;
	printf("  %-52s %8.2f%-3s %s %5.2f%-3s %s", what, value, unit, cmp, limit,
	       unit, ok ? "met" : "MISSED");
	if (!ok)
		printf(" (by %.0f%%)", 100.0 * (strcmp(cmp, "<=") == 0 ?
						value / limit - 1 : 1 - value / limit));
	putchar('\n');
}

/* A row of the table: PREC decimals, SUFFIX after each value; NAN: none. */
static void row(const char *label, double f, double b, double q, int prec,
		const char *suffix)
{
	char fs[32] = "-", bs[32] = "-", qs[32] = "-";

	if (!isnan(f))
		snprintf(fs, sizeof(fs), "%.*f%s", prec, f, suffix);
	if (!isnan(b))
		snprintf(bs, sizeof(bs), "%.*f%s", prec, b, suffix);
	if (!isnan(q))
		snprintf(qs, sizeof(qs), "%.*f%s", prec, q, suffix);
	printf("%-38s %10s %14s %19s", label, fs, bs, qs);
	if (b > 0 && q > 0)
		printf(" %8.2fx", b / q);
	else
		printf(" %9s", "");
	if (b > 0 && f > 0)
		printf(" %9.2fx", b / f);
	putchar('\n');
}

static double q_or(int idx, double (*fn)(const struct variant *))
{
	return enabled(&var[idx]) ? fn(&var[idx]) : NAN;
}

/* ---- service mode (issue 12) ------------------------------------------------ */

/* A service row: the value, and its ratio to qemu-bridge-helper's Q and to
 * the floor's F (NAN: none). */
static void srow(const char *label, double v, double q, double f, int prec)
{
	printf("%-38s %10.*f", label, prec, v);
	if (q > 0)
		printf("   %6.2fx qemu", v / q);
	if (f > 0)
		printf("   %6.2fx floor", v / f);
	putchar('\n');
}

static void print_service(double f, double q, double r8q)
{
	double s = med(&var[V_SVC]);

	printf("\nservice mode (bridge-helperd; svc = through libbridge-helper, "
	       "no exec; svc-client = bridge-helper-client exec'd per launch)\n");
	srow("svc c=1 median (ms)", s, q, f, 3);
	srow("svc c=1 p99 (ms)", p99(&var[V_SVC]), q_or(V_Q, p99),
	     p99(&var[V_FLOOR]), 3);
	srow("svc c=8 launches/s", med_rate(&var[V_SVC_8]), r8q,
	     med_rate(&var[V_FLOOR_8]), 0);
	srow("svc c=8 median latency (ms)", med(&var[V_SVC_8]), q_or(V_Q_8, med),
	     med(&var[V_FLOOR_8]), 3);
	srow("svc-client c=1 median (ms)", med(&var[V_SVCX]), q, f, 3);
	srow("svc, 100,000-line ACL: median (ms)", med(&var[V_SVC_ACL]), NAN,
	     NAN, 3);
	printf("  x the 1-line ACL %30.2fx\n", med(&var[V_SVC_ACL]) / s);
	printf("svc, %d idle connections of another user: median (ms) %.3f\n"
	       "  x without them %32.2fx\n", opt.idle, med(&var[V_SVC_IDLE]),
	       med(&var[V_SVC_IDLE]) / s);
}

static void service_targets(double f, double q, double r8q)
{
	double s = med(&var[V_SVC]);

	printf("\ntargets (issue 12, service mode):\n");
	if (q > 0)
		target("svc c=1 median, x qemu-bridge-helper", s / q, "<=", 0.25, "x");
	target("svc c=1 median, x the in-process floor", s / f, "<=", 2.0, "x");
	if (r8q > 0)
		target("svc c=8 launches/s, x qemu-bridge-helper",
		       med_rate(&var[V_SVC_8]) / r8q, ">=", 5.0, "x");
	if (q > 0)
		target("svc-client c=1 median, x qemu-bridge-helper",
		       med(&var[V_SVCX]) / q, "<=", 0.45, "x");
	target("svc with 1000 idle connections, x without",
	       med(&var[V_SVC_IDLE]) / s, "<=", 1.2, "x");
	target("svc 100,000-line ACL, x the 1-line ACL",
	       med(&var[V_SVC_ACL]) / s, "<=", 1.05, "x");
}

static void usage(void)
{
	fputs("usage: bhbench --helper=PATH --acl1=FILE --acl100k=FILE "
	      "--rsswrap=PATH --outdir=DIR\n"
	      "               [--minhelper=PATH]\n"
	      "               [--qemu=PATH --qconf1=FILE --qconf100k=FILE]\n"
	      "               [--rounds=N] [--batch1=N] [--batch8=N] "
	      "[--prefill=N] [--big-mib=N]\n"
	      "               [--rss-runs=N] [--no-callgrind]\n"
	      "               [--daemon=PATH --client=PATH] [--idle=N]\n", stderr);
	exit(2);
}

static bool optval(const char *arg, const char *name, const char **out)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return false;
	*out = arg + n + 1;
	return true;
}

static int num(const char *s, int max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s < '0' || *s > '9' || *end || v < 1 || v > max)
		usage();
	return (int)v;
}

int main(int argc, char **argv)
{
	static struct result res;
	struct rlimit nofile;
	long rss[M_NMETHODS][2] = { { 0 } };
	unsigned long long instr[M_NMETHODS][2] = { { 0 } };
	int64_t t_start = now_ns();
	const char *s;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (optval(a, "--helper", &opt.helper) || optval(a, "--qemu", &opt.qemu) ||
		    optval(a, "--acl1", &opt.acl1) || optval(a, "--acl100k", &opt.acl100k) ||
		    optval(a, "--qconf1", &opt.qconf1) ||
		    optval(a, "--qconf100k", &opt.qconf100k) ||
		    optval(a, "--rsswrap", &opt.rsswrap) ||
		    optval(a, "--outdir", &opt.outdir) ||
		    optval(a, "--minhelper", &opt.minhelper) ||
		    optval(a, "--daemon", &opt.daemon) ||
		    optval(a, "--client", &opt.client))
			continue;
		if (optval(a, "--rounds", &s))
			opt.rounds = num(s, 1000);
		else if (optval(a, "--batch1", &s))
			opt.batch1 = num(s, MAXN);
		else if (optval(a, "--batch8", &s))
			opt.batch8 = num(s, MAXN);
		else if (optval(a, "--prefill", &s))
			opt.prefill = num(s, 30000);
		else if (optval(a, "--big-mib", &s))
			opt.big_mib = num(s, 1 << 20);
		else if (optval(a, "--idle", &s))
			opt.idle = num(s, 30000);
		else if (optval(a, "--rss-runs", &s))
			opt.rss_runs = num(s, 64);
		else if (!strcmp(a, "--no-callgrind"))
			opt.callgrind = false;
		else
			usage();
	}
	if (!opt.helper || !opt.acl1 || !opt.acl100k || !opt.rsswrap || !opt.outdir ||
	    (opt.qemu && (!opt.qconf1 || !opt.qconf100k)) ||
	    (!opt.daemon != !opt.client))
		usage();
	/* The prefilled TAPs and a batch stay open at once. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		die("getrlimit NOFILE: %s", strerror(errno));
	nofile.rlim_cur = nofile.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0 ||
	    nofile.rlim_cur < (rlim_t)opt.prefill + 8 * MAXN ||
	    nofile.rlim_cur < (rlim_t)opt.idle + 64)
		die("need %d open files, the limit is %llu", opt.prefill + 8 * MAXN,
		    (unsigned long long)nofile.rlim_cur);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fprintf(stderr, "bhbench: setting up 5 namespaces (%d TAPs prefilled, "
		"a %ld MiB caller)\n", opt.prefill, opt.big_mib);
	for (int k = 0; k < W_NKINDS; k++)
		start_worker((enum wkind)k);
	for (int k = 0; k < W_NKINDS; k++)
		ask((enum wkind)k, NULL, &res);        /* ready */

	/* Warm up every variant once (page cache, dentries), then measure,
	 * interleaved A B C ... C B A so that drift hits all alike. */
	for (int v = 0; v < V_N; v++)
		if (enabled(&var[v])) {
			run_batch(&var[v]);
			var[v].nlat = var[v].nclose = var[v].nrate = 0;
		}
	for (int r = 0; r < opt.rounds; r++) {
		fprintf(stderr, "\rbhbench: round %d/%d", r + 1, opt.rounds);
		for (int i = 0; i < V_N; i++) {
			int v = r % 2 ? V_N - 1 - i : i;

			if (enabled(&var[v]))
				run_batch(&var[v]);
		}
	}
	fputc('\n', stderr);

	for (int m = M_BH; m <= M_QEMU; m++) {
		if (m == M_QEMU && !opt.qemu)
			continue;
		for (int a = 0; a < 2; a++) {
			struct cmd c = { OP_RSS, (enum method)m, 1, 1 };

			ask(a ? W_ACL : W_EMPTY, &c, &res);
			rss[m][a] = res.rss_kb;
			if (opt.callgrind) {
				c.op = OP_CALLGRIND;
				ask(a ? W_ACL : W_EMPTY, &c, &res);
				instr[m][a] = res.instr;
			}
		}
	}
	{
		struct cmd c = { .op = OP_QUIT };

		for (int k = 0; k < W_NKINDS; k++) {
			ask((enum wkind)k, &c, &res);
			if (k == W_K1000)
				fprintf(stderr, "bhbench: %d prefilled TAPs deleted in one "
					"RTM_DELLINK in %.0f ms\n", res.quit_ndel,
					(double)res.quit_del_ns / 1e6);
			waitpid(workers[k].pid, NULL, 0);
		}
	}

	/* ---- print ---- */
	{
		double f = med(&var[V_FLOOR]), b = med(&var[V_BH]);
		double q = q_or(V_Q, med);
		double fk = med(&var[V_FLOOR_K]), bk = med(&var[V_BH_K]);
		double qk = q_or(V_Q_K, med);
		double ba = med(&var[V_BH_ACL]), qa = q_or(V_Q_ACL, med);
		double bb = med(&var[V_BH_BIG]), qb = q_or(V_Q_BIG, med);
		double r8f = med_rate(&var[V_FLOOR_8]), r8b = med_rate(&var[V_BH_8]);
		double r8q = q_or(V_Q_8, med_rate);
		int64_t *all = NULL, *allk = NULL;
		size_t nall = 0, nallk = 0, cap = 0, capk = 0;

		for (int v = 0; v < V_N; v++) {
			struct variant *x = &var[v];

			if (!enabled(x))
				continue;
			if (x->w == W_K1000) {
				allk = grow(allk, &capk, nallk + x->nclose, sizeof(int64_t));
				memcpy(allk + nallk, x->close, x->nclose * sizeof(int64_t));
				nallk += x->nclose;
			} else {
				all = grow(all, &cap, nall + x->nclose, sizeof(int64_t));
				memcpy(all + nall, x->close, x->nclose * sizeof(int64_t));
				nall += x->nclose;
			}
		}

		printf("\nbridge-helper launch benchmark: %d rounds, interleaved; c=1: "
		       "%zu launches per cell, c=8: %zu batches of %d\n\n",
		       opt.rounds, var[V_BH].nlat, var[V_BH_8].nrate, opt.batch8);
		printf("%-38s %10s %14s %19s %9s %10s\n", "spawn -> fd received",
		       "floor", "bridge-helper", "qemu-bridge-helper", "bh/qemu",
		       "bh/floor");
		row("c=1 median (ms)", f, b, q, 3, "");
		row("c=1 p99 (ms)", p99(&var[V_FLOOR]), p99(&var[V_BH]),
		    q_or(V_Q, p99), 3, "");
		row("c=1 launches/s", mean_rate(&var[V_FLOOR]), mean_rate(&var[V_BH]),
		    q_or(V_Q, mean_rate), 0, "");
		row("c=8 launches/s", r8f, r8b, r8q, 0, "");
		row("c=8 median latency (ms)", med(&var[V_FLOOR_8]), med(&var[V_BH_8]),
		    q_or(V_Q_8, med), 3, "");
		row("100,000-line ACL: median (ms)", NAN, ba, qa, 3, "");
		row("  x the 1-line ACL", NAN, ba / b, q > 0 ? qa / q : NAN, 2, "x");
		char klabel[64];

		snprintf(klabel, sizeof(klabel), "%d TAPs on the bridge: median (ms)",
			 opt.prefill);
		row(klabel, fk, bk, qk, 3, "");
		row("  extra over an empty bridge (ms)", fk - f, bk - b,
		    q > 0 ? qk - q : NAN, 3, "");
		row("4 GiB caller: median (ms)", NAN, bb, qb, 3, "");
		row("  x a small caller", NAN, bb / b, q > 0 ? qb / q : NAN, 2, "x");
		row("peak RSS, 1-line ACL (MiB)", NAN, rss[M_BH][0] / 1024.0,
		    opt.qemu ? rss[M_QEMU][0] / 1024.0 : NAN, 2, "");
		row("peak RSS, 100,000-line ACL (MiB)", NAN, rss[M_BH][1] / 1024.0,
		    opt.qemu ? rss[M_QEMU][1] / 1024.0 : NAN, 2, "");
		if (opt.callgrind) {
			row("instructions, 1-line ACL (k)", NAN, instr[M_BH][0] / 1e3,
			    opt.qemu ? instr[M_QEMU][0] / 1e3 : NAN, 0, "");
			row("instructions, 100,000-line ACL (k)", NAN, instr[M_BH][1] / 1e3,
			    opt.qemu ? instr[M_QEMU][1] / 1e3 : NAN, 0, "");
		}
		if (enabled(&var[V_MIN]))
			printf("\ncalibration: a static helper doing only the kernel "
			       "work (bench/minhelper), c=1 median %.3f ms = %.2fx the "
			       "floor, %.2fx qemu-bridge-helper\n", med(&var[V_MIN]),
			       med(&var[V_MIN]) / f, q > 0 ? med(&var[V_MIN]) / q : NAN);
		if (opt.daemon)
			print_service(f, q, r8q);
		printf("\nteardown, apart (last close of a TAP, median / p99): "
		       "%.1f / %.1f ms; with %d TAPs on the bridge %.1f / %.1f ms\n",
		       pct_ms(all, nall, 50), pct_ms(all, nall, 99), opt.prefill,
		       pct_ms(allk, nallk, 50), pct_ms(allk, nallk, 99));

		printf("\ntargets (issue 6):\n");
		if (q > 0)
			target("c=1 median, x qemu-bridge-helper", b / q, "<=", 0.6, "x");
		target("c=1 median, x the in-process floor", b / f, "<=", 3.0, "x");
		if (r8q > 0)
			target("c=8 launches/s, x qemu-bridge-helper", r8b / r8q, ">=",
			       1.6, "x");
		target("100,000-line ACL, x the 1-line launch", ba / b, "<=", 1.5, "x");
		if (fk - f > 0)
			target("TAPs on the bridge: extra, x the floor's extra",
			       (bk - b) / (fk - f),
			       "<=", 1.1, "x");
		else
			printf("  TAPs on the bridge: the floor's extra is %.3f ms: "
			       "no ratio\n",
			       fk - f);
		target("4 GiB caller, x a small caller", bb / b, "<=", 1.1, "x");
		target("peak RSS, 1-line ACL", rss[M_BH][0] / 1024.0, "<=", 1.75, "MiB");
		target("peak RSS, 100,000-line ACL", rss[M_BH][1] / 1024.0, "<=", 2.0,
		       "MiB");
		if (opt.daemon)
			service_targets(f, q, r8q);
		printf("\n%d met, %d missed; %.0f s\n", nmet, nmissed,
		       (double)(now_ns() - t_start) / 1e9);
		free(all);
		free(allk);
	}
	return 0;
}
