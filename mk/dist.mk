# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# make dist: bridge-helper-VERSION.tar.gz (and its .sha256) of the tracked
# files as they are in the work tree (git ls-files), owned by root, dated
# by the last commit. make distcheck: unpack it in a fresh directory, build
# it there with warnings as errors, run the checks that need no root, and
# check that make uninstall takes away all that make install put.

DIST_NAME     := bridge-helper-$(VERSION)
DIST_TAR      := $(DIST_NAME).tar.gz
DISTCHECK_DIR := build/distcheck

.PHONY: dist distcheck
dist:
	@git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
	    { echo "make dist: not a git work tree (it packs the tracked files)" >&2; exit 1; }
	git ls-files -z | tar --null -T - --sort=name --owner=0 --group=0 \
	    --numeric-owner --mtime="@$$(git log -1 --format=%ct)" \
	    --transform='s|^|$(DIST_NAME)/|S' -cf - | gzip -n9 >$(DIST_TAR).tmp
	mv -f $(DIST_TAR).tmp $(DIST_TAR)
	sha256sum $(DIST_TAR) >$(DIST_TAR).sha256

distcheck: dist
	rm -rf $(DISTCHECK_DIR) && mkdir -p $(DISTCHECK_DIR)
	tar -C $(DISTCHECK_DIR) -xzf $(DIST_TAR)
	$(MAKE) -C $(DISTCHECK_DIR)/$(DIST_NAME) WERROR=1 all tests
	$(MAKE) -C $(DISTCHECK_DIR)/$(DIST_NAME) WERROR=1 check-noroot
	$(MAKE) -C $(DISTCHECK_DIR)/$(DIST_NAME) install DESTDIR=$(CURDIR)/$(DISTCHECK_DIR)/inst
	$(MAKE) -C $(DISTCHECK_DIR)/$(DIST_NAME) uninstall DESTDIR=$(CURDIR)/$(DISTCHECK_DIR)/inst
	@left=$$(find $(DISTCHECK_DIR)/inst ! -type d); if [ -n "$$left" ]; then \
	    printf 'distcheck: left after make uninstall:\n%s\n' "$$left" >&2; exit 1; fi
	rm -rf $(DISTCHECK_DIR)
	@echo "$(DIST_TAR) is ready: $$(cat $(DIST_TAR).sha256)"
