# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# bridge-helper -- GNU make, no generator.
# The version lives here and only here: --version, the .pc, the library's
# file name (libbridge-helper.so.SOVERSION.MINOR.PATCH) and the tarball
# follow it. SOVERSION is the ABI's: bumped only by an incompatible change.
VERSION     := 0.1.0
SOVERSION   := 1

# Paths, given at build or install time (make install compiles again what a
# changed one is embedded in: see build/paths); DESTDIR at install time only.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
LIBEXECDIR  ?= $(PREFIX)/libexec
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
SYSCONFDIR  ?= /etc
MANDIR      ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR     ?=

HELPER_PATH := $(LIBEXECDIR)/bridge-helper
CONFDIR     := $(SYSCONFDIR)/bridge-helper
ACL_PATH    := $(CONFDIR)/bridge.conf
# Every value compiled or substituted into the build output.
PATH_VARS   := VERSION PREFIX BINDIR SBINDIR LIBEXECDIR LIBDIR INCLUDEDIR \
               SYSCONFDIR MANDIR SYSTEMDUNITDIR

CC          ?= cc
PKG_CONFIG  ?= pkg-config

# Warnings are errors in CI (CI=true) or with WERROR=1.
WERROR      ?= $(if $(CI),1,0)
WARN        := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla \
               -Wwrite-strings -Wnull-dereference -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARN        += -Werror
endif
# _FORTIFY_SOURCE=3 unless the caller's CPPFLAGS or CFLAGS set it (as
# dpkg-buildflags does): theirs then wins, with no "redefined" warning. -U
# first, for a compiler that defines a level of its own.
ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
FORTIFY     := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
HARDEN      := $(FORTIFY) -fstack-protector-strong -fstack-clash-protection
HARDEN_LD   := -Wl,-z,relro,-z,now -Wl,-z,noexecstack

# SANITIZE=address,undefined builds everything with those sanitizers.
SANITIZE    ?=
ifneq ($(SANITIZE),)
HARDEN      := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN_LD   := -fsanitize=$(SANITIZE) -Wl,-z,relro,-z,now
endif

OPT         ?= -O2 -g
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) $(HARDEN) -D_GNU_SOURCE \
               -DBH_VERSION='"$(VERSION)"' -DBH_ACL_PATH='"$(ACL_PATH)"' \
               -DBH_HELPER_PATH='"$(HELPER_PATH)"'
# User CPPFLAGS/CFLAGS/LDFLAGS come after ours.
ALL_CFLAGS  = $(BASE_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(LDFLAGS)

LIBMNL      := $(shell $(PKG_CONFIG) --libs libmnl 2>/dev/null || echo -lmnl)
LIBCAPNG    := $(shell $(PKG_CONFIG) --libs libcap-ng 2>/dev/null || echo -lcap-ng)
# The helper links libcap-ng statically when its archive is installed: one
# shared object fewer to map and relocate at every launch (bench/README.md).
LIBCAPNG_HELPER := $(LIBCAPNG)
ifneq ($(wildcard $(shell $(CC) -print-file-name=libcap-ng.a)),)
LIBCAPNG_HELPER := -Wl,-Bstatic $(LIBCAPNG) -Wl,-Bdynamic
endif

ACL_SRCS    := acl.c acl_file.c acl_scan.c acl_parse.c acl_names.c acl_rules.c \
               acl_lint.c acl_lint_port.c acl_decide.c acl_diag.c
HELPER_OBJS := helper.o args.o priv.o core.o core_port.o mac.o $(ACL_SRCS:.c=.o) netlink.o netlink_port.o tap.o fdpass.o
LIB_OBJS    := client.lo client_spawn.lo client_recv.lo fdpass.lo \
               client_service.lo client_op.lo client_svc.lo svcmsg.lo mac.lo
SONAME      := libbridge-helper.so.$(SOVERSION)
LIBFILE     := $(SONAME).$(word 2,$(subst ., ,$(VERSION))).$(word 3,$(subst ., ,$(VERSION)))
LIBS_OUT    := libbridge-helper.a $(LIBFILE) $(SONAME) libbridge-helper.so
# The programs, by where make install puts them.
LIBEXEC_PROGS := bridge-helper bridge-helper-client
BIN_PROGS   := bridge-helper-run
SBIN_PROGS  := bridge-helperd
PROGS       := $(LIBEXEC_PROGS) $(BIN_PROGS) $(SBIN_PROGS)
TEST_PROGS  := tests/unit_acl tests/test_client tests/fake-helper tests/tapinfo \
               tests/qhijack tests/stopat

.PHONY: all tests check check-noroot demo clean asan man-lint FORCE
all: $(PROGS) $(LIBS_OUT)
include mk/install.mk mk/dist.mk

# build/paths: the PATH_VARS' values, rewritten only when one changes; what
# embeds a path or the version depends on it (the objects here, the .pc, man
# pages, bridge.conf and units in mk/install.mk).
build/paths: FORCE
	@mkdir -p build
	@printf '%s\n' $(foreach v,$(PATH_VARS),'$(v)=$($(v))') >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

%.o: %.c build/paths
	$(CC) $(ALL_CFLAGS) -fPIE -c -o $@ $<
%.lo: %.c build/paths
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

bridge-helper: $(HELPER_OBJS)
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $^ $(LIBMNL) $(LIBCAPNG_HELPER)

libbridge-helper.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(LIBFILE): $(LIB_OBJS) libbridge-helper.map
	$(CC) $(ALL_CFLAGS) -shared $(ALL_LDFLAGS) -Wl,-soname,$(SONAME) \
	    -Wl,--version-script=libbridge-helper.map -o $@ $(LIB_OBJS)
$(SONAME): $(LIBFILE)
	ln -sf $(LIBFILE) $@
libbridge-helper.so: $(SONAME)
	ln -sf $(SONAME) $@

# bridge-helper-run links the library statically: nothing to find at run time.
bridge-helper-run: run.o libbridge-helper.a
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ run.o libbridge-helper.a

helper.o: acl.h args.h core.h priv.h tap.h fdpass.h
core.o core_port.o: core.h core_port.h acl.h netlink.h tap.h mac.h
args.o: args.h tap.h
priv.o: priv.h
$(ACL_SRCS:.c=.o): acl.h acl_int.h
netlink.o netlink_port.o: netlink.h netlink_int.h
tap.o: tap.h
fdpass.o fdpass.lo: fdpass.h
client.lo client_spawn.lo client_recv.lo: bridge-helper.h client_int.h
client_recv.lo: fdpass.h
run.o: bridge-helper.h

# --- service mode: bridge-helperd, bridge-helper-client, systemd units --------
# The daemon is the service door (core, policy, mechanism); the client side
# (bridge-helper-client, the library's service path) uses only svcmsg.c
# (the pure protocol), fdpass.c and client_svc.c -- and, in
# bridge-helper-client, the pure args.c. See bridge-helperd(8).
# (installed by mk/install.mk: LIBEXEC_PROGS, SBIN_PROGS, systemd/*)
SOCKET_PATH    := /run/bridge-helper/socket
BASE_CFLAGS    += -DBH_SOCKET_PATH='"$(SOCKET_PATH)"'
SVC_OBJS       := service.o svc_listen.o svc_loop.o svc_serve.o svc_policy.o \
                  svcmsg.o core.o core_port.o mac.o priv.o $(ACL_SRCS:.c=.o) netlink.o netlink_port.o tap.o fdpass.o
SVC_CLIENT_OBJS := bhclient.o client_svc.o svcmsg.o fdpass.o args.o mac.o

bridge-helperd: $(SVC_OBJS)
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $^ $(LIBMNL) $(LIBCAPNG_HELPER)
# bridge-helper-client is exec'd per launch (QEMU's helper=) and needs only
# libc: linked statically (-static-pie keeps PIE, RELRO, BIND_NOW) it starts
# in 1.1 ms instead of 1.6 ms (best of 300 execs; means 1.5-1.7 against
# 2.4-4.3 on the loaded 2-core machine). Sanitizer runtimes need the
# dynamic loader: then -pie.
SVC_CLIENT_LINK := $(if $(SANITIZE),-pie,-static-pie)
bridge-helper-client: $(SVC_CLIENT_OBJS)
	$(CC) $(ALL_CFLAGS) $(SVC_CLIENT_LINK) $(ALL_LDFLAGS) -o $@ $^
service.o svc_listen.o svc_loop.o svc_serve.o svc_policy.o: svc.h core.h acl.h
service.o: priv.h tap.h
svc_serve.o: svcmsg.h fdpass.h tap.h
svcmsg.o svcmsg.lo: svcmsg.h
client_svc.o client_svc.lo: client_svc.h svcmsg.h fdpass.h
client_service.lo client_op.lo: client_service.h client_svc.h client_int.h bridge-helper.h
bhclient.o: args.h client_svc.h svcmsg.h fdpass.h

tests: tests/test_svc
tests/test_svc: tests/test_svc.c libbridge-helper.a bridge-helper.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/test_svc.c libbridge-helper.a $(ALL_LDFLAGS)

.PHONY: clean-service
clean: clean-service
clean-service:
	rm -f tests/test_svc

# --- tests -----------------------------------------------------------------
# --wrap: NSS failures on demand (tests/unit_acl.c).
tests/unit_acl: tests/unit_acl.c $(ACL_SRCS) acl.h acl_int.h tests/tap.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/unit_acl.c $(ACL_SRCS) $(ALL_LDFLAGS) \
	    -Wl,--wrap=getpwnam_r -Wl,--wrap=getgrnam_r
tests/test_client: tests/test_client.c libbridge-helper.a bridge-helper.h tests/tap.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/test_client.c libbridge-helper.a \
	    $(ALL_LDFLAGS) -lpthread
tests/fake-helper: tests/fake-helper.c fdpass.c fdpass.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/fake-helper.c fdpass.c $(ALL_LDFLAGS)
tests/tapinfo: tests/tapinfo.c fdpass.c fdpass.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/tapinfo.c fdpass.c $(ALL_LDFLAGS)
tests/qhijack: tests/qhijack.c
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)
tests/stopat: tests/stopat.c fdpass.c fdpass.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/stopat.c fdpass.c $(ALL_LDFLAGS)

tests: $(TEST_PROGS)

# The checks that need no root and no network namespace: make distcheck and
# the Debian build run them.
check-noroot: all $(TEST_PROGS) $(GEN_MANS)
	tests/unit_acl
	tests/test_client
	mandoc -Tlint -Wwarning $(MANS) $(GEN_MANS)

# make check SANITIZE=address,undefined: the normal build and suites, then the
# same suites against a sanitized build made in a copy (tests/run-all
# --sanitize); nothing here is built with the sanitizers.
ifeq ($(SANITIZE),)
check: all $(TEST_PROGS)
	tests/run-all
else
check:
	$(MAKE) SANITIZE= all tests
	tests/run-all --sanitize=$(SANITIZE)
endif

demo: all
	./demo.sh

asan:
	$(MAKE) clean
	$(MAKE) SANITIZE=address,undefined all $(TEST_PROGS)

man-lint:
	mandoc -Tlint -Wwarning man/*.[0-9]

clean:
	rm -f *.o *.lo $(PROGS) libbridge-helper.a libbridge-helper.so* $(TEST_PROGS)
	rm -rf build/paths $(GENERATED) build/man build/systemd $(DISTCHECK_DIR)

# --- fuzzing (clang + libFuzzer) ---------------------------------------------
# make fuzz [FUZZ_SECONDS=60]: build tests/fuzz/fuzz_*.c with ASan+UBSan into
# build/fuzz/ and run each target that long; any crash, leak, sanitizer
# report or hang (-timeout) fails. New corpus entries go to build/fuzz/corpus/,
# reproducers to build/fuzz/artifacts/. `make -j3 fuzz` runs them at once.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := fuzz_acl fuzz_args fuzz_recv fuzz_svcmsg
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror \
                -D_GNU_SOURCE -I. $(FUZZ_SAN)
FUZZ_MAXLEN_fuzz_acl  := 4096
FUZZ_MAXLEN_fuzz_args := 1024
FUZZ_MAXLEN_fuzz_recv := 4096
FUZZ_MAXLEN_fuzz_svcmsg := 9000
FUZZ_OPTS_fuzz_acl    := -dict=tests/fuzz/acl.dict
# Ways of reaching a path that fuzz_acl's sandbox (open and glob wrappers)
# does not cover: acl*.o must call none of them.
FUZZ_ACL_UNSANDBOXED := open|open64|openat|openat64|__open_2|__open64_2|__openat_2|fopen|fopen64|opendir|glob|glob64|stat|lstat|stat64|lstat64|fstatat|fstatat64|access|faccessat|realpath|readlink|statx

.PHONY: fuzz fuzz-build $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))
fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

FUZZ_ACL_OBJS := $(addprefix $(FUZZ_DIR)/,$(ACL_SRCS:.c=.o))
$(FUZZ_ACL_OBJS): $(FUZZ_DIR)/%.o: %.c acl.h acl_int.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	    -Dopen=fuzz_open -Dglob=fuzz_glob -c -o $@ $<
	@if nm -u $@ | awk '{ print $$NF }' | grep -xE '$(FUZZ_ACL_UNSANDBOXED)'; then \
	    echo "fuzz: $< reaches paths outside fuzz_acl's sandbox (above)" >&2; \
	    rm -f $@; exit 1; fi
$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ_DIR)/fuzz_acl: tests/fuzz/fuzz_acl.c $(FUZZ_ACL_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^
$(FUZZ_DIR)/fuzz_args: tests/fuzz/fuzz_args.c $(FUZZ_DIR)/args.o $(FUZZ_DIR)/mac.o args.h tap.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_args.c $(FUZZ_DIR)/args.o $(FUZZ_DIR)/mac.o
$(FUZZ_DIR)/fuzz_recv: tests/fuzz/fuzz_recv.c $(FUZZ_DIR)/fdpass.o fdpass.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_recv.c $(FUZZ_DIR)/fdpass.o

$(FUZZ_DIR)/fuzz_svcmsg: tests/fuzz/fuzz_svcmsg.c $(FUZZ_DIR)/svcmsg.o $(FUZZ_DIR)/mac.o svcmsg.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_svcmsg.c $(FUZZ_DIR)/svcmsg.o $(FUZZ_DIR)/mac.o

$(addprefix fuzz-run-,$(FUZZ_TARGETS)): fuzz-run-%: $(FUZZ_DIR)/%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/$* -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAXLEN_$*) \
	    -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 $(FUZZ_OPTS_$*) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$*- \
	    $(FUZZ_DIR)/corpus/$* tests/fuzz/corpus/$*

# --- bench (a benchmark, never a test: see bench/README.md) ------------------
BENCH_PROGS := bench/bhbench bench/rsswrap bench/minhelper
.PHONY: bench bench-build
bench:
	bench/run
bench-build: all $(BENCH_PROGS)
bench/bhbench: bench/bhbench.c bench/svcbench.c bench/svcbench.h libbridge-helper.a bridge-helper.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ bench/bhbench.c bench/svcbench.c libbridge-helper.a \
	    $(ALL_LDFLAGS) $(LIBMNL) -lpthread -lm
# Static and tiny: its own RSS must stay below the helper's (see rsswrap.c).
bench/rsswrap: bench/rsswrap.c
	$(CC) $(ALL_CFLAGS) -static -o $@ $<
bench/minhelper: bench/minhelper.c
	$(CC) $(ALL_CFLAGS) -static -o $@ $<

# --- static checks -------------------------------------------------------------
# make lint: cppcheck over every C file of ours, clang-tidy over the shipped
# sources and the fuzz targets, mandoc -Tlint over the man pages; any finding
# fails. False positives are suppressed inline, with the reason, where they are.
# clang-tidy: bugprone-*, cert-*, clang-analyzer-*, misc-* (bug finders, the
# CERT C rules for security-critical code, the path-sensitive analyzer), less
# these, each for a reason:
#   bugprone-easily-swappable-parameters  style: (int sock, int fd) is fine
#   cert-err33-c          every unchecked printf/fputs/snprintf: messages go
#                         to stderr with nowhere better to report a failure,
#                         and snprintf truncation of a message is intended
#   misc-no-recursion     include nesting recurses on purpose, bounded by
#                         ACL_MAX_DEPTH
#   clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
#                         wants C11 Annex K (memcpy_s ...), which glibc lacks
#   clang-analyzer-valist.Uninitialized  a clang 14 false positive on every
#                         va_start + v*printf pair
# Test programs (tests/*.c) get cppcheck only: they use system(), exit codes
# as data and fake helpers on purpose.
CPPCHECK    ?= cppcheck
CLANG_TIDY  ?= clang-tidy
LINT_DEFS   := -D_GNU_SOURCE -DBH_VERSION='"$(VERSION)"' \
               -DBH_ACL_PATH='"$(ACL_PATH)"' -DBH_HELPER_PATH='"$(HELPER_PATH)"'
TIDY_CHECKS := -*,bugprone-*,cert-*,clang-analyzer-*,misc-*,$\
               -bugprone-easily-swappable-parameters,-cert-err33-c,$\
               -misc-no-recursion,$\
               -clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,$\
               -clang-analyzer-valist.Uninitialized
TIDY_SRCS   := $(wildcard *.c tests/fuzz/*.c)
LINT_SRCS   := $(wildcard *.c tests/*.c tests/fuzz/*.c)
.PHONY: lint
lint:
	$(CPPCHECK) -q --std=c11 --enable=warning,portability,performance \
	    --error-exitcode=1 --inline-suppr -D__linux__ -D__x86_64__ \
	    $(LINT_DEFS) -I. $(LINT_SRCS)
	printf '%s\n' $(TIDY_SRCS) | xargs -P "$$(nproc)" -I{} \
	    $(CLANG_TIDY) --quiet --checks='$(TIDY_CHECKS)' --warnings-as-errors='*' \
	    {} -- -std=gnu11 $(LINT_DEFS) -I.
	mandoc -Tlint -Wwarning man/*.[0-9]
