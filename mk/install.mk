# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# make install / uninstall, and the build output that carries the paths.
#
# The sources say the default paths (/usr/local/libexec/bridge-helper,
# /etc/bridge-helper ...); $(SUBST) writes them out in build/ with the
# configured ones: the man pages, the default bridge.conf, the example and,
# in service mode, the systemd units. Defaults become @TOKENS@ first, then
# tokens become values, so that no value is rewritten twice.

MANS        := $(wildcard man/*.[1-8])
UNITS       := $(wildcard systemd/*.socket systemd/*.service)
GEN_MANS    := $(addprefix build/,$(MANS))
GEN_UNITS   := $(addprefix build/,$(UNITS))
GEN_CONF    := build/bridge.conf build/bridge.conf.example
GENERATED   := bridge-helper.pc $(GEN_MANS) $(GEN_UNITS) $(GEN_CONF)

SUBST = sed -e 's|/usr/local/libexec|@LIBEXECDIR@|g' \
	    -e 's|/usr/local/sbin|@SBINDIR@|g' -e 's|/usr/local/bin|@BINDIR@|g' \
	    -e 's|/usr/local/include|@INCLUDEDIR@|g' \
	    -e 's|/usr/local/lib/systemd/system|@SYSTEMDUNITDIR@|g' \
	    -e 's|/usr/local/lib|@LIBDIR@|g' -e 's|/usr/local/share/man|@MANDIR@|g' \
	    -e 's|/etc/bridge-helper|@SYSCONFDIR@/bridge-helper|g' \
	    $(foreach v,$(PATH_VARS),-e 's|@$(v)@|$($(v))|g')

all: $(GENERATED)

bridge-helper.pc: bridge-helper.pc.in build/paths
	$(SUBST) $< >$@
build/man/%: man/% build/paths
	@mkdir -p $(@D)
	$(SUBST) $< >$@
build/systemd/%: systemd/% build/paths
	@mkdir -p $(@D)
	$(SUBST) $< >$@
build/bridge.conf: bridge.conf.default build/paths
	$(SUBST) $< >$@
build/bridge.conf.example: bridge.conf.example build/paths
	$(SUBST) $< >$@

# Where each file goes: install and uninstall walk the same lists. Man
# pages go to man<section>/ by their suffix; the shared directories
# (bin, lib, man1 ...) are made but never removed.
section      = $(patsubst .%,%,$(suffix $(1)))
INST_PROGS  := $(addprefix $(LIBEXECDIR)/,$(LIBEXEC_PROGS)) \
               $(addprefix $(BINDIR)/,$(BIN_PROGS)) \
               $(addprefix $(SBINDIR)/,$(SBIN_PROGS))
INST_LIB    := $(addprefix $(LIBDIR)/,libbridge-helper.a $(LIBFILE) $(SONAME) \
               libbridge-helper.so)
INST_MANS   := $(foreach m,$(MANS),$(MANDIR)/man$(call section,$(m))/$(notdir $(m)))
INST_UNITS  := $(addprefix $(SYSTEMDUNITDIR)/,$(notdir $(UNITS)))
INST_FILES  := $(INST_PROGS) $(INST_LIB) $(INCLUDEDIR)/bridge-helper.h \
               $(PKGCONFIGDIR)/bridge-helper.pc $(INST_MANS) $(INST_UNITS) \
               $(CONFDIR)/bridge.conf.example
INST_DIRS   := $(sort $(dir $(INST_FILES)) $(CONFDIR)/bridge.d/)

.PHONY: install install-setuid install-caps uninstall
# make install grants no privilege (install-setuid / install-caps do), and
# never replaces an ACL: bridge.conf is installed (allowing nothing) only
# where there is none.
install: all
	install -d $(addprefix $(DESTDIR),$(INST_DIRS))
	install -m 0755 $(LIBEXEC_PROGS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BIN_PROGS) $(DESTDIR)$(BINDIR)/
	$(if $(SBIN_PROGS),install -m 0755 $(SBIN_PROGS) $(DESTDIR)$(SBINDIR)/)
	install -m 0644 libbridge-helper.a $(DESTDIR)$(LIBDIR)/
	install -m 0755 $(LIBFILE) $(DESTDIR)$(LIBDIR)/
	ln -sfn $(LIBFILE) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libbridge-helper.so
	install -m 0644 bridge-helper.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 bridge-helper.pc $(DESTDIR)$(PKGCONFIGDIR)/
	for m in $(notdir $(MANS)); do \
	    install -m 0644 build/man/$$m $(DESTDIR)$(MANDIR)/man$${m##*.}/ || exit; done
	$(if $(UNITS),install -m 0644 $(GEN_UNITS) $(DESTDIR)$(SYSTEMDUNITDIR)/)
	install -m 0644 build/bridge.conf.example $(DESTDIR)$(CONFDIR)/
	@if [ -e $(DESTDIR)$(ACL_PATH) ]; then \
	    echo "install: $(DESTDIR)$(ACL_PATH) exists: kept"; \
	else echo "install -m 0644 build/bridge.conf $(DESTDIR)$(ACL_PATH)"; \
	    install -m 0644 build/bridge.conf $(DESTDIR)$(ACL_PATH); fi

# Privilege is granted only by these explicit targets (run as root).
install-setuid:
	chown root:root $(DESTDIR)$(HELPER_PATH)
	chmod 4755 $(DESTDIR)$(HELPER_PATH)
# cap_dac_read_search: to read ACL files the caller may not (bridge.conf(5));
# the helper holds it only while it reads them (SECURITY.md).
install-caps:
	chown root:root $(DESTDIR)$(HELPER_PATH)
	chmod 0755 $(DESTDIR)$(HELPER_PATH)
	setcap cap_net_admin,cap_dac_read_search+ep $(DESTDIR)$(HELPER_PATH)

# Everything install put there: bridge.conf only if it is still the
# default, bridge.d/ and the configuration directory only if empty.
uninstall: build/bridge.conf
	rm -f $(addprefix $(DESTDIR),$(INST_FILES))
	@f=$(DESTDIR)$(ACL_PATH); if cmp -s build/bridge.conf $$f; then \
	    echo "rm -f $$f"; rm -f $$f; \
	elif [ -e $$f ]; then echo "uninstall: $$f was changed: kept"; fi
	rmdir $(DESTDIR)$(CONFDIR)/bridge.d $(DESTDIR)$(CONFDIR) 2>/dev/null || true
