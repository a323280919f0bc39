# bridge-helper -- GNU make, no generator.
VERSION     := 0.1.0
SOVERSION   := 1

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/libexec
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
SYSCONFDIR  ?= /etc
MANDIR      ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR     ?=

HELPER_PATH := $(LIBEXECDIR)/bridge-helper
ACL_PATH    := $(SYSCONFDIR)/bridge-helper/bridge.conf

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
HARDEN      := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection
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
# User CFLAGS/LDFLAGS come after ours.
ALL_CFLAGS  = $(BASE_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(LDFLAGS)

LIBMNL      := $(shell $(PKG_CONFIG) --libs libmnl 2>/dev/null || echo -lmnl)
LIBCAPNG    := $(shell $(PKG_CONFIG) --libs libcap-ng 2>/dev/null || echo -lcap-ng)
# The helper links libcap-ng statically when its archive is installed: one
# shared object fewer to map and relocate at every launch (bench/README.md).
LIBCAPNG_HELPER := $(LIBCAPNG)
ifneq ($(wildcard $(shell $(CC) -print-file-name=libcap-ng.a)),)
LIBCAPNG_HELPER := -Wl,-Bstatic $(LIBCAPNG) -Wl,-Bdynamic
endif

ACL_SRCS    := acl.c acl_parse.c acl_scan.c acl_file.c
HELPER_OBJS := helper.o args.o priv.o core.o $(ACL_SRCS:.c=.o) netlink.o tap.o fdpass.o
LIB_OBJS    := client.lo client_spawn.lo client_recv.lo fdpass.lo
SONAME      := libbridge-helper.so.$(SOVERSION)
LIBS_OUT    := libbridge-helper.a $(SONAME) libbridge-helper.so
PROGS       := bridge-helper bridge-helper-run
TEST_PROGS  := tests/unit_acl tests/test_client tests/fake-helper tests/tapinfo \
               tests/qhijack tests/stopat

.PHONY: all tests check demo install install-setuid install-caps uninstall clean \
        asan man-lint
all: $(PROGS) $(LIBS_OUT) bridge-helper.pc

%.o: %.c
	$(CC) $(ALL_CFLAGS) -fPIE -c -o $@ $<
%.lo: %.c
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

bridge-helper: $(HELPER_OBJS)
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $^ $(LIBMNL) $(LIBCAPNG_HELPER)

libbridge-helper.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
$(SONAME): $(LIB_OBJS) libbridge-helper.map
	$(CC) $(ALL_CFLAGS) -shared $(ALL_LDFLAGS) -Wl,-soname,$(SONAME) \
	    -Wl,--version-script=libbridge-helper.map -o $@ $(LIB_OBJS)
libbridge-helper.so: $(SONAME)
	ln -sf $(SONAME) $@

# bridge-helper-run links the library statically: nothing to find at run time.
bridge-helper-run: run.o libbridge-helper.a
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ run.o libbridge-helper.a

bridge-helper.pc: bridge-helper.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    $< > $@

helper.o: acl.h args.h core.h priv.h tap.h fdpass.h
core.o: core.h acl.h netlink.h tap.h
args.o: args.h tap.h
priv.o: priv.h
$(ACL_SRCS:.c=.o): acl.h acl_int.h
netlink.o: netlink.h
tap.o: tap.h
fdpass.o fdpass.lo: fdpass.h
client.lo client_spawn.lo client_recv.lo: bridge-helper.h client_int.h
client_recv.lo: fdpass.h
run.o: bridge-helper.h

# --- tests -----------------------------------------------------------------
tests/unit_acl: tests/unit_acl.c $(ACL_SRCS) acl.h acl_int.h tests/tap.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/unit_acl.c $(ACL_SRCS) $(ALL_LDFLAGS)
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

# --- install -----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)/bridge-helper
	install -m 0755 bridge-helper $(DESTDIR)$(LIBEXECDIR)/bridge-helper
	install -m 0755 bridge-helper-run $(DESTDIR)$(BINDIR)/bridge-helper-run
	install -m 0644 libbridge-helper.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(SONAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libbridge-helper.so
	install -m 0644 bridge-helper.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 bridge-helper.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for m in man/*.[1358]; do \
	    install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	install -m 0644 bridge.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/bridge-helper/bridge.conf.example

# Privilege is granted only by these explicit targets (run as root).
install-setuid:
	chown root:root $(DESTDIR)$(LIBEXECDIR)/bridge-helper
	chmod 4755 $(DESTDIR)$(LIBEXECDIR)/bridge-helper
install-caps:
	chown root:root $(DESTDIR)$(LIBEXECDIR)/bridge-helper
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/bridge-helper
	setcap cap_net_admin+ep $(DESTDIR)$(LIBEXECDIR)/bridge-helper

uninstall:
	rm -f $(DESTDIR)$(LIBEXECDIR)/bridge-helper $(DESTDIR)$(BINDIR)/bridge-helper-run \
	    $(DESTDIR)$(LIBDIR)/libbridge-helper.a $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libbridge-helper.so $(DESTDIR)$(INCLUDEDIR)/bridge-helper.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/bridge-helper.pc

clean:
	rm -f *.o *.lo $(PROGS) $(LIBS_OUT) bridge-helper.pc $(TEST_PROGS)

# --- fuzzing (clang + libFuzzer) ---------------------------------------------
# make fuzz [FUZZ_SECONDS=60]: build tests/fuzz/fuzz_*.c with ASan+UBSan into
# build/fuzz/ and run each target that long; any crash, leak, sanitizer
# report or hang (-timeout) fails. New corpus entries go to build/fuzz/corpus/,
# reproducers to build/fuzz/artifacts/. `make -j3 fuzz` runs them at once.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := fuzz_acl fuzz_args fuzz_recv
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Werror \
                -D_GNU_SOURCE -I. $(FUZZ_SAN)
FUZZ_MAXLEN_fuzz_acl  := 4096
FUZZ_MAXLEN_fuzz_args := 1024
FUZZ_MAXLEN_fuzz_recv := 4096
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
$(FUZZ_DIR)/fuzz_args: tests/fuzz/fuzz_args.c $(FUZZ_DIR)/args.o args.h tap.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_args.c $(FUZZ_DIR)/args.o
$(FUZZ_DIR)/fuzz_recv: tests/fuzz/fuzz_recv.c $(FUZZ_DIR)/fdpass.o fdpass.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_recv.c $(FUZZ_DIR)/fdpass.o

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
bench/bhbench: bench/bhbench.c libbridge-helper.a bridge-helper.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ bench/bhbench.c libbridge-helper.a \
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
