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

HELPER_OBJS := helper.o args.o acl.o netlink.o tap.o fdpass.o
LIB_OBJS    := client.lo fdpass.lo
SONAME      := libbridge-helper.so.$(SOVERSION)
LIBS_OUT    := libbridge-helper.a $(SONAME) libbridge-helper.so
PROGS       := bridge-helper bridge-helper-run
TEST_PROGS  := tests/unit_acl tests/test_client tests/fake-helper tests/tapinfo

.PHONY: all tests check demo install install-setuid install-caps uninstall clean \
        asan man-lint
all: $(PROGS) $(LIBS_OUT) bridge-helper.pc

%.o: %.c
	$(CC) $(ALL_CFLAGS) -fPIE -c -o $@ $<
%.lo: %.c
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c -o $@ $<

bridge-helper: $(HELPER_OBJS)
	$(CC) $(ALL_CFLAGS) -pie $(ALL_LDFLAGS) -o $@ $^ $(LIBMNL) $(LIBCAPNG)

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

helper.o: acl.h args.h netlink.h tap.h fdpass.h
args.o: args.h tap.h
acl.o: acl.h
netlink.o: netlink.h
tap.o: tap.h
fdpass.o fdpass.lo: fdpass.h
client.lo: bridge-helper.h fdpass.h
run.o: bridge-helper.h

# --- tests -----------------------------------------------------------------
tests/unit_acl: tests/unit_acl.c acl.c acl.h tests/tap.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/unit_acl.c acl.c $(ALL_LDFLAGS)
tests/test_client: tests/test_client.c libbridge-helper.a bridge-helper.h tests/tap.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/test_client.c libbridge-helper.a \
	    $(ALL_LDFLAGS) -lpthread
tests/fake-helper: tests/fake-helper.c fdpass.c fdpass.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/fake-helper.c fdpass.c $(ALL_LDFLAGS)
tests/tapinfo: tests/tapinfo.c fdpass.c fdpass.h
	$(CC) $(ALL_CFLAGS) -I. -o $@ tests/tapinfo.c fdpass.c $(ALL_LDFLAGS)

tests: $(TEST_PROGS)

check: all $(TEST_PROGS)
	tests/run-all

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
