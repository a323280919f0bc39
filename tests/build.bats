#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# Built as a packager builds it: make dist and distcheck, one version
# everywhere, PREFIX=/usr (and other paths) giving the same paths in the
# programs, the library, the .pc and the man pages, a changed path
# rebuilding what embeds it, and a dpkg-buildflags build clean with
# WERROR=1. Everything runs in a snapshot of the tracked files (common.bash
# src_snapshot) under $T; nothing needs root but what common.bash needs.

bats_require_minimum_version 1.5.0
load common

setup_file() {
	T="$(mktemp -d /tmp/bh-build.XXXXXX)"
	src_snapshot "$T/src"
	VERSION="$(sed -n 's/^VERSION *:= *//p' "$T/src/Makefile")"
	export T VERSION
}

teardown_file() { [ -n "${T:-}" ] && rm -rf "$T"; true; }

# tree NAME: a fresh copy of the snapshot at $T/NAME, printed.
tree() { rm -rf "${T:?}/$1" && cp -a "$T/src" "$T/$1" && echo "$T/$1"; }

# The compiler command lines in $output that compile a .c file.
cc_lines() { grep -E '^cc .* -c .*\.c$' <<<"$output"; }

@test "make dist: the tracked files in bridge-helper-VERSION/, root-owned, with a sha256 that checks" {
	local d
	d="$(tree dist)"
	run make -s -C "$d" dist
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cd "$d"
	run sha256sum -c "bridge-helper-$VERSION.tar.gz.sha256"
	[ "$status" -eq 0 ]
	[ "$output" = "bridge-helper-$VERSION.tar.gz: OK" ]
	diff <(tar -tzf "bridge-helper-$VERSION.tar.gz") \
		<(git ls-files | sed "s|^|bridge-helper-$VERSION/|" | LC_ALL=C sort)
	run bash -c "tar -tvzf 'bridge-helper-$VERSION.tar.gz' | awk '{ print \$2 }' | sort -u"
	[ "$output" = "0/0" ]
	# An uncommitted change to a tracked file is packed as it is.
	echo '# local' >>README.md
	make -s dist
	tar -xzOf "bridge-helper-$VERSION.tar.gz" "bridge-helper-$VERSION/README.md" |
		tail -n1 | grep -qx '# local'
}

@test "make dist refuses a tree that is not a git work tree" {
	local d
	d="$(tree nogit)"
	rm -rf "$d/.git"
	run make -s -C "$d" dist
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = "make dist: not a git work tree (it packs the tracked files)" ]
	[ ! -e "$d/bridge-helper-$VERSION.tar.gz" ]
}

@test "make distcheck: the tarball builds alone with WERROR=1, its checks pass, uninstall leaves nothing" {
	local d
	d="$(tree distcheck)"
	run make --no-print-directory -C "$d" distcheck
	[ "$status" -eq 0 ] || { printf '# %s\n' "${lines[@]: -20}" >&3; false; }
	[ "${lines[-1]}" = "bridge-helper-$VERSION.tar.gz is ready: $(cat "$d/bridge-helper-$VERSION.tar.gz.sha256")" ]
	# it ran the unprivileged checks, from the unpacked tree
	[[ "$output" == *"make -C build/distcheck/bridge-helper-$VERSION WERROR=1 check-noroot"* ]]
	! grep -E '^not ok' <<<"$output" || false
	grep -qE '^ok [0-9]+ ' <<<"$output"
	[ ! -e "$d/build/distcheck" ]
}

@test "one version: --version, the .pc, the library's file name, the tarball, NEWS and debian/changelog agree" {
	local d minor patch
	d="$(tree version)"
	make -s -C "$d" all
	[ "$("$d/bridge-helper" --version)" = "bridge-helper $VERSION" ]
	[ "$("$d/bridge-helper-run" --version)" = "bridge-helper-run $VERSION" ]
	[ "$(PKG_CONFIG_PATH="$d" pkg-config --modversion bridge-helper)" = "$VERSION" ]
	IFS=. read -r _ minor patch <<<"$VERSION"
	[ -f "$d/libbridge-helper.so.1.$minor.$patch" ]
	[ ! -L "$d/libbridge-helper.so.1.$minor.$patch" ]
	[ "$(readlink "$d/libbridge-helper.so.1")" = "libbridge-helper.so.1.$minor.$patch" ]
	make -s -C "$d" dist
	[ -f "$d/bridge-helper-$VERSION.tar.gz" ]
	grep -qE "^bridge-helper $VERSION \((unreleased|[0-9]{4}-[0-9]{2}-[0-9]{2})\)$" "$d/NEWS"
	# the Debian package's upstream version, too
	[ "$(sed -n '1s/^bridge-helper (\(.*\)-[^-]*).*/\1/p' "$d/debian/changelog")" = "$VERSION" ]
}

@test "make PREFIX=/usr: /usr paths in the programs, the library, the .pc, the man pages and bridge.conf" {
	local d
	d="$(tree usr)"
	run make -s -C "$d" WERROR=1 PREFIX=/usr all
	[ "$status" -eq 0 ]
	cd "$d"
	for f in bridge-helper bridge-helper-run libbridge-helper.so.1 bridge-helper.pc \
		build/man/* build/bridge.conf build/bridge.conf.example; do
		! strings -a "$f" | grep -F /usr/local || { echo "# $f" >&3; false; }
	done
	strings -a bridge-helper | grep -qxF /etc/bridge-helper/bridge.conf
	strings -a bridge-helper-run | grep -qF 'Default helper: /usr/libexec/bridge-helper'
	strings -a libbridge-helper.so.1 | grep -qxF /usr/libexec/bridge-helper
	[ "$(./bridge-helper-run --help | grep -o 'Default helper: .*')" = "Default helper: /usr/libexec/bridge-helper" ]
	grep -qx 'prefix=/usr' bridge-helper.pc
	grep -qx 'libdir=/usr/lib' bridge-helper.pc
	grep -qx 'includedir=/usr/include' bridge-helper.pc
	grep -qx '\.It Pa /usr/libexec/bridge-helper' build/man/bridge-helper.8
	grep -qx '\.Pa /usr/libexec/bridge-helper \.' build/man/bridge-helper-run.1
	grep -qx '\.It Pa /usr/libexec/bridge-helper' build/man/libbridge-helper.3
	grep -qF '/usr/libexec/bridge-helper --lint' build/bridge.conf
	# the sources keep the defaults; the generated pages lint clean
	grep -qF /usr/local/libexec/bridge-helper man/bridge-helper.8
	run mandoc -Tlint -Wwarning build/man/*
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# make install with the same paths compiles nothing again
	run make -C "$d" PREFIX=/usr DESTDIR="$T/usr-root" install
	[ "$status" -eq 0 ]
	[ -z "$(cc_lines)" ]
	grep -qx 'libdir=/usr/lib' "$T/usr-root/usr/lib/pkgconfig/bridge-helper.pc"
	strings -a "$T/usr-root/usr/bin/bridge-helper-run" | grep -qF /usr/libexec/bridge-helper
}

@test "a changed path rebuilds what embeds it; an unchanged one rebuilds nothing" {
	local d
	d="$(tree paths)"
	make -s -C "$d" all
	run make -C "$d" all
	[ "$status" -eq 0 ]
	[ -z "$(cc_lines)" ]
	# Other paths at install time: compiled again before installing.
	run make -C "$d" LIBEXECDIR=/opt/bh/libexec SYSCONFDIR=/opt/bh/etc \
		MANDIR=/opt/bh/man DESTDIR="$T/paths-root" install
	[ "$status" -eq 0 ]
	[[ "$(cc_lines)" == *" -o helper.o helper.c"* ]]
	[[ "$(cc_lines)" == *" -o run.o run.c"* ]]
	[[ "$(cc_lines)" == *" -o client.lo client.c"* ]]
	local r="$T/paths-root"
	strings -a "$r/opt/bh/libexec/bridge-helper" | grep -qxF /opt/bh/etc/bridge-helper/bridge.conf
	strings -a "$r/usr/local/bin/bridge-helper-run" | grep -qF 'Default helper: /opt/bh/libexec/bridge-helper'
	strings -a "$r/usr/local/lib/libbridge-helper.so.1" | grep -qxF /opt/bh/libexec/bridge-helper
	grep -qx '\.It Pa /opt/bh/etc/bridge-helper/bridge.conf' "$r/opt/bh/man/man5/bridge.conf.5"
	grep -qx '\.Pa /opt/bh/libexec/bridge-helper \.' "$r/opt/bh/man/man1/bridge-helper-run.1"
	grep -qx '# /opt/bh/etc/bridge-helper/bridge.conf -- .*' "$r/opt/bh/etc/bridge-helper/bridge.conf"
	[ -d "$r/opt/bh/etc/bridge-helper/bridge.d" ]
	# Back to the defaults: compiled again, and the defaults are back.
	run make -C "$d" all
	[[ "$(cc_lines)" == *" -o helper.o helper.c"* ]]
	strings -a "$d/bridge-helper" | grep -qxF /etc/bridge-helper/bridge.conf
	grep -qx '\.Pa /usr/local/libexec/bridge-helper \.' "$d/build/man/bridge-helper-run.1"
}

@test "dpkg-buildflags' CPPFLAGS/CFLAGS/LDFLAGS with WERROR=1: no warning, their _FORTIFY_SOURCE=2 replaces ours" {
	local d
	d="$(tree flags)"
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	run make -C "$d" WERROR=1 CPPFLAGS="$(dpkg-buildflags --get CPPFLAGS)" \
		CFLAGS="$(dpkg-buildflags --get CFLAGS)" LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
		all tests
	[ "$status" -eq 0 ]
	! grep -iE 'warning|redefined' <<<"$output" || false
	local n
	n="$(cc_lines | wc -l)"
	[ "$n" -ge 15 ]
	[ "$(cc_lines | grep -c -- ' -D_FORTIFY_SOURCE=2 ')" -eq "$n" ]
	! cc_lines | grep -- '_FORTIFY_SOURCE=3' || false
	cc_lines | grep -q -- ' -Werror '
	cc_lines | grep -q -- ' -Werror=format-security '
	readelf --dyn-syms -W "$d/bridge-helper" | grep -Eq ' UND __[a-z0-9_]+_chk(@|$)'
	readelf -dW "$d/bridge-helper" | grep -Eq '\(FLAGS\) +.*BIND_NOW'
}

@test "without a caller's _FORTIFY_SOURCE: ours, level 3, after -U (a compiler default cannot clash)" {
	local d
	d="$(tree fortify)"
	run make -C "$d" -n -B helper.o
	[ "$status" -eq 0 ]
	[[ "$output" == *" -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 "* ]]
	# a caller's -U alone (no fortification wanted) is respected too
	run make -C "$d" -n -B CPPFLAGS=-U_FORTIFY_SOURCE helper.o
	[[ "$output" != *"-D_FORTIFY_SOURCE"* ]]
}
