#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# The Debian packages, proven on a fresh machine: built with
# dpkg-buildpackage -us -uc -b from make dist's tarball of a clean snapshot
# of the tree, checked with lintian, installed with dpkg -i into a scratch
# Debian 12 root that this file makes (mmdebstrap, variant essential, plus
# the packages' own Depends, from this machine's Debian mirror), used there
# by an unprivileged user in group bridge-helper (a TAP on a bridge in a
# network namespace), refused to a user outside it, then removed and purged.
#
# The root's tarball is cached in $CACHE (made again when missing, or when
# the Depends or the mirror change); the root itself lives under $T and is
# removed by teardown_file. Commands run in it through chroot in a private
# mount namespace (unshare -m) that mounts /proc and /sys there only; its
# users (alice, bob) exist only in the root's /etc/passwd.

bats_require_minimum_version 1.5.0
load common

CACHE=/var/cache/bridge-helper-tests
SOURCES=/etc/apt/sources.list.d/debian.sources
H=/usr/libexec/bridge-helper

setup_file() {
	T="$(mktemp -d /tmp/bh-pkg.XXXXXX)"
	R="$T/root"
	export T R
	src_snapshot "$T/src" || return
	build_packages || { sed 's/^/# /' "$T/build.log" | tail -n 40 >&3; return 1; }
	make_root || { sed 's/^/# /' "$T/root.log" | tail -n 40 >&3; return 1; }
	# The users, before anything is installed: alice will join the group.
	inroot useradd -M -U -s /bin/sh alice
	inroot useradd -M -U -s /bin/sh bob
	tree_list >"$T/before"
	mkdir "$R/tmp/debs"
	cp "${DEBS[@]}" "$R/tmp/debs/"
	inroot sh -c 'dpkg -i /tmp/debs/*.deb' >"$T/install.log" 2>&1 ||
		{ sed 's/^/# /' "$T/install.log" >&3; return 1; }
	inroot usermod -aG bridge-helper alice
}

teardown_file() {
	# Nothing is mounted on the host (private mount namespaces only), so
	# removing the root removes everything.
	[ -n "${T:-}" ] && rm -rf "$T"
	true
}

setup() { debs; }
teardown() { ns_teardown; }

# dpkg-buildpackage in the unpacked tarball; DEBS: the three packages.
build_packages() {
	VERSION="$(sed -n 's/^VERSION *:= *//p' "$T/src/Makefile")"
	export VERSION
	mkdir "$T/build"
	make -s -C "$T/src" dist >"$T/build.log" 2>&1 &&
		tar -C "$T/build" -xzf "$T/src/bridge-helper-$VERSION.tar.gz" &&
		(cd "$T/build/bridge-helper-$VERSION" && dpkg-buildpackage -us -uc -b) \
			>>"$T/build.log" 2>&1 || return
	debs
}

debs() {   # DEBS: the three packages (not the -dbgsym ones)
	local p
	DEBS=()
	for p in bridge-helper libbridge-helper1 libbridge-helper-dev; do
		DEBS+=("$T/build/${p}_${VERSION}-1_$(dpkg --print-architecture).deb")
	done
}

# The packages' Depends, first alternatives, without versions or our own.
root_packages() {
	local d
	for d in "${DEBS[@]}"; do dpkg-deb -f "$d" Depends; done |
		tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' |
		grep -vE '^$|bridge-helper' | LC_ALL=C sort -u | paste -sd, -
}

# The scratch root, from the cached tarball (made if missing).
make_root() {
	local pkgs mirror=() key tar
	pkgs="$(root_packages)"
	[ -f "$SOURCES" ] && grep -q bookworm "$SOURCES" && mirror=("$SOURCES")
	key="$( { echo "bookworm essential $pkgs"; cat "${mirror[@]}" /dev/null; } |
		sha256sum | cut -c1-16)"
	tar="$CACHE/bookworm-$key.tar"
	if [ ! -f "$tar" ]; then
		mkdir -p "$CACHE"
		rm -f "$CACHE"/bookworm-*.tar
		mmdebstrap --variant=essential --format=tar --include="$pkgs" bookworm "$tar.tmp" \
			"${mirror[@]}" >"$T/root.log" 2>&1 || { rm -f "$tar.tmp"; return 1; }
		mv "$tar.tmp" "$tar"
	fi
	mkdir "$R"
	tar -C "$R" -xf "$tar" || return
	mkdir -p "$R/dev/net"
	mknod -m 666 "$R/dev/net/tun" c 10 200   # as udev makes it
}

# inroot CMD...: CMD in the root (in $NS when ns_setup made one).
inroot() {
	local net=()
	[ -n "${NS:-}" ] && net=(ip netns exec "$NS")
	"${net[@]}" unshare -m --propagation private "$BASH" -c '
		set -e
		r=$1; shift
		mount -t proc proc "$r/proc"
		mount -t sysfs sysfs "$r/sys"
		exec chroot "$r" "$@"' bash "$R" "$@"
}

# as USER CMD...: CMD in the root as USER, through setpriv + sh -c 'exec'.
as() {
	local u="$1"
	shift
	inroot setpriv --reuid="$u" --regid="$u" --init-groups --inh-caps=-all -- \
		sh -c 'exec "$@"' sh "$@"
}

# Every path in the root but dpkg's own state and logs, and caches.
tree_list() {
	(cd "$R" && find . -path ./proc -prune -o -path ./sys -prune -o -path ./tmp -prune \
		-o -path ./var/lib/dpkg -prune -o -path ./var/log -prune \
		-o -path ./var/cache -prune -o -print) | LC_ALL=C sort
}

# What a TAP's owner sees: name, master, owner uid, fds (sysfs of $NS).
TAPINFO='n=$BRIDGE_HELPER_IFNAME; echo "$n $(basename "$(readlink /sys/class/net/$n/master)") $(cat /sys/class/net/$n/owner) $BRIDGE_HELPER_FDS"'

@test "dpkg-buildpackage -us -uc -b: three packages with their files; lintian: no error" {
	[ "${#DEBS[@]}" -eq 3 ]
	local b=bridge-helper_${VERSION}-1 l=libbridge-helper1_${VERSION}-1 \
		d=libbridge-helper-dev_${VERSION}-1 arch
	arch="$(dpkg --print-architecture)"
	run dpkg-deb -c "$T/build/${b}_$arch.deb"
	# no privilege in the package: the helper is 0755 root:root
	[[ "$output" == *"-rwxr-xr-x root/root "*" ./usr/libexec/bridge-helper"* ]]
	[[ "$output" == *" ./usr/bin/bridge-helper-run"* ]]
	[[ "$output" == *" ./etc/bridge-helper/bridge.conf"$'\n'* ]]
	[[ "$output" == *" ./etc/bridge-helper/bridge.d/"* ]]
	[[ "$output" == *" ./usr/share/man/man8/bridge-helper.8.gz"* ]]
	[[ "$output" == *" ./usr/share/man/man5/bridge.conf.5.gz"* ]]
	[[ "$output" == *" ./usr/share/man/man1/bridge-helper-run.1.gz"* ]]
	! grep -E '^[^d].* \./usr/(lib|include)/' <<<"$output" || false
	run dpkg-deb -f "$T/build/${b}_$arch.deb" Depends
	[[ "$output" == *libmnl0* && "$output" == *passwd* ]]
	run bash -c "dpkg-deb -I '$T/build/${b}_$arch.deb' conffiles"
	[ "$output" = "$(printf '%s\n' /etc/bridge-helper/bridge.conf /etc/bridge-helper/bridge.conf.example)" ]
	run dpkg-deb -c "$T/build/${l}_$arch.deb"
	[[ "$output" == *" ./usr/lib/"*"/libbridge-helper.so.1.1.0"* ]]
	[[ "$output" == *" ./usr/lib/"*"/libbridge-helper.so.1 -> libbridge-helper.so.1.1.0"* ]]
	run dpkg-deb -c "$T/build/${d}_$arch.deb"
	for f in usr/include/bridge-helper.h libbridge-helper.a "libbridge-helper.so -> " \
		pkgconfig/bridge-helper.pc usr/share/man/man3/libbridge-helper.3.gz; do
		[[ "$output" == *"$f"* ]] || { echo "# missing: $f" >&3; false; }
	done
	run lintian --fail-on error "$T/build/bridge-helper_${VERSION}-1_$arch.changes"
	printf '# lintian: %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
	! grep -q '^E: ' <<<"$output" || false
}

@test "installed: the group, the helper setuid root:bridge-helper 4754, the conffiles, an ACL allowing nothing" {
	grep -q "Setting up bridge-helper (${VERSION}-1)" "$T/install.log"
	run inroot getent group bridge-helper
	[[ "$output" =~ ^bridge-helper:x:([0-9]+):alice$ ]]
	[ "${BASH_REMATCH[1]}" -lt 1000 ]   # a system group
	[ "$(inroot stat -c '%a %U:%G' $H)" = "4754 root:bridge-helper" ]
	[ "$(stat -c '%a %U:%G' "$R/usr/bin/bridge-helper-run")" = "755 root:root" ]
	[ "$(inroot $H --version)" = "bridge-helper $VERSION" ]
	run inroot $H --lint
	[ "$status" -eq 0 ]
	[ "$output" = "/etc/bridge-helper/bridge.conf: 0 errors, 0 warnings" ]
	run inroot $H --check --br=br0 --user=alice
	[ "$status" -eq 3 ]
	[[ "$output" == *"user alice (uid "*") on br0: denied: no rule matches"* ]]
	# the paths are Debian's, in the binaries and the man pages
	run inroot bridge-helper-run --help
	[[ "$output" == *"Default helper: /usr/libexec/bridge-helper"* ]]
	zcat "$R/usr/share/man/man8/bridge-helper.8.gz" | grep -qx '\.It Pa /usr/libexec/bridge-helper'
	! zcat "$R"/usr/share/man/man*/*bridge*.gz | grep -F /usr/local || false
	run inroot dpkg-query -W -f='${Conffiles}\n' bridge-helper
	[[ "$output" == *" /etc/bridge-helper/bridge.conf "* ]]
}

@test "alice (group bridge-helper) gets a TAP on br0 through the installed helper; bob is refused at exec" {
	ns_setup
	echo 'allow br0' >"$R/etc/bridge-helper/bridge.d/lab.conf"   # anyone
	chmod 644 "$R/etc/bridge-helper/bridge.d/lab.conf"
	run as alice "${CLEAN[@]}" bridge-helper-run --br=br0 -- sh -c "$TAPINFO"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^tap[0-9a-f]+\ br0\ $(inroot id -u alice)\ 3$ ]]
	taps_gone
	# bob may not even run it: the ACL is never read.
	run as bob bridge-helper-run --br=br0 -- true
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: cannot run helper $H: Permission denied" ]
	run as bob $H --br=br0 --fd=3
	[ "$status" -eq 126 ]
	[[ "$output" == *"$H: Permission denied" ]]
	[ "$(tap_count)" -eq 0 ]
	# alice, on a bridge the ACL does not name: the helper's own refusal
	nsx ip link add br9 type bridge
	run as alice bridge-helper-run --br=br9 -- true
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 3: bridge-helper: br9: denied: no rule matches" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU's helper path diverted to bridge-helper (README): the default helper gives alice a TAP" {
	ns_setup
	local q=/usr/lib/qemu/qemu-bridge-helper
	# QEMU's own helper, as qemu-system-common installs it (a stand-in).
	mkdir -p "$R/usr/lib/qemu"
	printf '#!/bin/sh\nexit 1\n' >"$R$q" && chmod 755 "$R$q"
	inroot dpkg-divert --local --rename --divert $q.qemu --add $q
	inroot ln -s $H $q
	run as alice bridge-helper-run --helper=$q --br=br0 -- sh -c "$TAPINFO"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^tap[0-9a-f]+\ br0\  ]]
	taps_gone
	# and back
	inroot rm $q
	inroot dpkg-divert --local --rename --remove $q
	[ "$(cat "$R$q")" = "$(printf '#!/bin/sh\nexit 1')" ]
	rm -rf "$R/usr/lib/qemu"
}

@test "an administrator's dpkg-statoverride wins over the package's 4754, at reinstall too" {
	inroot dpkg-statoverride --update --add root root 0755 $H
	[ "$(inroot stat -c '%a %U:%G' $H)" = "755 root:root" ]
	run inroot sh -c 'dpkg -i /tmp/debs/bridge-helper_*.deb'
	[ "$status" -eq 0 ]
	[ "$(inroot stat -c '%a %U:%G' $H)" = "755 root:root" ]
	inroot dpkg-statoverride --remove $H
	run inroot sh -c 'dpkg -i /tmp/debs/bridge-helper_*.deb'
	[ "$status" -eq 0 ]
	[ "$(inroot stat -c '%a %U:%G' $H)" = "4754 root:bridge-helper" ]
}

@test "remove keeps the configuration and the group; purge takes them; only the administrator's file stays" {
	echo 'allow br0' >"$R/etc/bridge-helper/bridge.d/lab.conf"
	run inroot dpkg -r libbridge-helper-dev libbridge-helper1 bridge-helper
	[ "$status" -eq 0 ]
	[ ! -e "$R$H" ]
	[ ! -e "$R/usr/bin/bridge-helper-run" ]
	[ -f "$R/etc/bridge-helper/bridge.conf" ]
	inroot getent group bridge-helper
	run inroot dpkg-query -W -f='${db:Status-Abbrev}\n' bridge-helper
	[ "$output" = "rc " ]
	run inroot dpkg -P libbridge-helper-dev libbridge-helper1 bridge-helper
	[ "$status" -eq 0 ]
	[[ "$output" == *"directory '/etc/bridge-helper/bridge.d' not empty so not removed"* ]]
	run inroot getent group bridge-helper
	[ "$status" -eq 2 ]
	! grep -q bridge-helper "$R/etc/group" "$R/etc/gshadow" || false
	run inroot dpkg-query -W bridge-helper
	[ "$status" -ne 0 ]
	# Compared with the root before the install: only the file that the
	# administrator added, and its directories, are left.
	tree_list >"$T/after"
	run comm -3 "$T/before" "$T/after"
	[ "$output" = "$(printf '\t%s\n' ./etc/bridge-helper ./etc/bridge-helper/bridge.d \
		./etc/bridge-helper/bridge.d/lab.conf)" ] || { printf '# %s\n' "${lines[@]}" >&3; false; }
}

@test "purge keeps the group while a dpkg-statoverride names it (dpkg would fail on an unknown group)" {
	inroot sh -c 'dpkg -i /tmp/debs/bridge-helper_*.deb' >/dev/null
	inroot dpkg-statoverride --update --add root bridge-helper 4750 $H
	run inroot dpkg -P bridge-helper
	[ "$status" -eq 0 ]
	[[ "$output" == *"bridge-helper: group bridge-helper kept: a dpkg-statoverride names it"* ]]
	inroot getent group bridge-helper
	# dpkg still works, and the administrator can finish the job.
	inroot dpkg-statoverride --remove $H
	inroot groupdel bridge-helper
	run inroot dpkg-query -W bridge-helper
	[ "$status" -ne 0 ]
	run comm -3 "$T/before" <(tree_list)
	[ "$output" = "$(printf '\t%s\n' ./etc/bridge-helper ./etc/bridge-helper/bridge.d \
		./etc/bridge-helper/bridge.d/lab.conf)" ]
}
