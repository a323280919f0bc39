#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The installed tree: make install / install-setuid / install-caps into a
# DESTDIR, and examples/open-tap.c built against it with pkg-config, run in a
# network namespace against the installed helper at its installed path.
#
# make runs in a copy of the source tree (others build in the real one);
# the copy keeps the timestamps and build/paths, so nothing is rebuilt if
# the tree is built.
# To run the installed tree where it belongs, a private mount namespace puts
# DESTDIR/usr/local at /usr/local and $ACLDIR at /etc/bridge-helper: the
# library's compiled-in helper path and the helper's system ACL are then the
# real ones, with no --helper or --acl anywhere.

bats_require_minimum_version 1.5.0
load common

setup_file() {
	users_setup
	T="$(mktemp -d /tmp/bh-inst.XXXXXX)"
	chmod 755 "$T"
	mkdir "$T/src"
	tar -C "$ROOT" --exclude=./.git --exclude=./build/fuzz --exclude=./build/distcheck \
		--warning=no-file-changed \
		-cf - . | tar -C "$T/src" -xf -
	make -s -C "$T/src" install DESTDIR="$T/root" PREFIX=/usr/local >"$T/make.log" 2>&1 ||
		{ cat "$T/make.log" >&3; return 1; }
	R="$T/root"
	export T R
}

teardown_file() {
	[ -n "${T:-}" ] && rm -rf "$T"
	users_teardown
}

setup() {
	ns_setup
	# No IPv6 on the bridges or on new links (the TAPs): nothing in $NS
	# sends a frame on its own, so the example holds its TAP until the test
	# sends one.
	nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.br0.disable_ipv6=1
	nsx ip link add br1 type bridge
	nsx ip link set br1 up
	nsx ip addr add 192.0.2.1/25 dev br0
	nsx ip addr add 192.0.2.129/25 dev br1
	# A neighbour on each bridge, for which the bridge sends an ARP request.
	declare -gA PEER=([br0]=192.0.2.2 [br1]=192.0.2.130)
	acl_write <<-EOF
	allow br0
	allow br1 group=bhg2
	EOF
	P=/usr/local
	PKG=(env PKG_CONFIG_SYSROOT_DIR="$R" PKG_CONFIG_PATH="$R$P/lib/pkgconfig" pkg-config)
	PID=
}

teardown() {
	[ -n "${PID:-}" ] && { pkill -KILL -P "$PID"; wait "$PID"; } 2>/dev/null
	ns_teardown
}

# mode owner:group of a file in the installed tree
perm() { stat -c '%a %U:%G' "$1"; }

# A copy of the installed tree (for install-setuid / install-caps).
tree_copy() {
	rm -rf "$T/$1"
	cp -a "$R" "$T/$1"
}

# in_tree [--tun-0666] TREE USER CMD...: in $NS and a private mount
# namespace with TREE/usr/local at /usr/local and $ACLDIR at
# /etc/bridge-helper, run CMD as USER through setpriv + sh -c 'exec ...'
# (as common.bash's as_user, whose --tun-0666 this also has: a file-capability
# helper needs the caller to have access to /dev/net/tun, as with udev's 0666).
in_tree() {
	local tun=0 tree user ov
	[ "$1" = --tun-0666 ] && { tun=1; shift; }
	tree="$1" user="$2"
	shift 2
	ov="$(mktemp -d "$OVDIR/t.XXXXXX")"
	ip netns exec "$NS" unshare -m --propagation private "$BASH" -c '
		set -e
		tree=$1 acldir=$2 ov=$3 user=$4 tun=$5; shift 5
		mkdir "$ov/u" "$ov/w" "$ov/dev"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$ov/u,workdir=$ov/w" /etc
		mkdir -p /etc/bridge-helper
		mount --bind "$acldir" /etc/bridge-helper
		mount --bind "$tree/usr/local" /usr/local
		if [ "$tun" = 1 ]; then
			mount -t tmpfs -o mode=755 tmpfs "$ov/dev"
			mknod -m 666 "$ov/dev/tun" c 10 200
			mount --bind "$ov/dev/tun" /dev/net/tun
		fi
		exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
			--inh-caps=-all -- sh -c "exec \"\$@\"" sh "$@"
	' bash "$tree" "$ACLDIR" "$ov" "$user" "$tun" "$@"
}

# open_tap [--tun-0666] TREE USER PROG BRIDGE: run the example (PROG) in
# the tree as a coprocess; once it has printed its TAP, check the TAP (owner
# USER), make the bridge send a frame (an ARP request for 192.0.2.2) and
# expect the example to read it, exit 0, and the TAP to be gone.
open_tap() {
	local tun=() line tap out
	[ "$1" = --tun-0666 ] && { tun=(--tun-0666); shift; }
	local tree="$1" user="$2" prog="$3" br="$4"
	coproc EX { in_tree "${tun[@]}" "$tree" "$user" "$prog" "$br" 2>&1 3>&-; }
	PID=$EX_PID
	exec {out}<&"${EX[0]}"
	IFS= read -r line <&"$out"
	echo "# $line"
	[[ "$line" =~ ^(tap[0-9a-f]{12}):\ 1\ queue\(s\),\ first\ fd\ [0-9]+,\ vnet_hdr\ off$ ]]
	tap="${BASH_REMATCH[1]}"
	run ip -n "$NS" -d link show "$tap"
	[[ "$output" == *" master $br "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr off persist off user $user "* ]]
	nsx bash -c "echo x >/dev/udp/${PEER[$br]}/9"
	IFS= read -r line <&"$out"
	echo "# $line"
	[[ "$line" =~ ^received\ a\ [0-9]+-byte\ frame$ ]]
	exec {out}<&-
	wait "$PID"
	PID=
	[ "$(tap_count)" -eq 0 ]
}

build_example() {   # build_example OUT [dynamic|static]
	local flags
	flags="$("${PKG[@]}" --cflags bridge-helper)"
	if [ "$2" = static ]; then
		# The archive, found through the .pc's -L; libc stays shared.
		cc -Wall -Wextra -Werror -o "$1" "$T/src/examples/open-tap.c" $flags \
			$("${PKG[@]}" --libs-only-L bridge-helper) \
			-Wl,-Bstatic -lbridge-helper -Wl,-Bdynamic
	else
		cc -Wall -Wextra -Werror -o "$1" "$T/src/examples/open-tap.c" $flags \
			$("${PKG[@]}" --libs bridge-helper) -Wl,-rpath,"$R$P/lib"
	fi
}

@test "make install: files, modes, owners; the helper is neither setuid nor capable" {
	[ "$(perm "$R$P/libexec/bridge-helper")" = "755 root:root" ]
	[ "$(perm "$R$P/bin/bridge-helper-run")" = "755 root:root" ]
	[ "$(perm "$R$P/lib/libbridge-helper.so.1.1.0")" = "755 root:root" ]
	[ "$(readlink "$R$P/lib/libbridge-helper.so.1")" = libbridge-helper.so.1.1.0 ]
	[ "$(readlink "$R$P/lib/libbridge-helper.so")" = libbridge-helper.so.1 ]
	[ "$(perm "$R$P/lib/libbridge-helper.a")" = "644 root:root" ]
	[ "$(perm "$R$P/include/bridge-helper.h")" = "644 root:root" ]
	[ "$(perm "$R$P/lib/pkgconfig/bridge-helper.pc")" = "644 root:root" ]
	for m in man1/bridge-helper-run.1 man3/libbridge-helper.3 man5/bridge.conf.5 \
		man8/bridge-helper.8; do
		[ "$(perm "$R$P/share/man/$m")" = "644 root:root" ]
	done
	[ "$(perm "$R/etc/bridge-helper/bridge.conf.example")" = "644 root:root" ]
	[ "$(perm "$R/etc/bridge-helper/bridge.conf")" = "644 root:root" ]
	[ "$(perm "$R/etc/bridge-helper/bridge.d")" = "755 root:root" ]
	# Nothing else: every file and link, listed.
	run bash -c "cd '$R' && find . ! -type d | sort"
	[ "$output" = "$(printf '%s\n' ./etc/bridge-helper/bridge.conf \
		./etc/bridge-helper/bridge.conf.example ./usr/local/bin/bridge-helper-run \
		./usr/local/include/bridge-helper.h ./usr/local/lib/libbridge-helper.a \
		./usr/local/lib/libbridge-helper.so ./usr/local/lib/libbridge-helper.so.1 \
		./usr/local/lib/libbridge-helper.so.1.1.0 \
		./usr/local/lib/pkgconfig/bridge-helper.pc ./usr/local/libexec/bridge-helper \
		./usr/local/share/man/man1/bridge-helper-run.1 \
		./usr/local/share/man/man3/libbridge-helper.3 \
		./usr/local/share/man/man5/bridge.conf.5 \
		./usr/local/share/man/man8/bridge-helper.8)" ]
	# No privilege anywhere: no setuid/setgid file, no file capability.
	run find "$R" -perm /6000
	[ "$output" = "" ]
	run getcap -r "$R"
	[ "$output" = "" ]
	# The installed programs are the ones just built.
	run "$R$P/libexec/bridge-helper" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "bridge-helper 0.1.0"* ]]
	run "$R$P/bin/bridge-helper-run" --help
	[[ "$output" == *"Default helper: /usr/local/libexec/bridge-helper"* ]]
}

@test "the installed bridge.conf allows nothing, lints clean and reads bridge.d/*.conf" {
	local conf="$R/etc/bridge-helper/bridge.conf" helper="$R$P/libexec/bridge-helper"
	run "$helper" --lint "$conf"
	[ "$status" -eq 0 ]
	[ "$output" = "$conf: 0 errors, 0 warnings" ]
	run nsx "$helper" --check --acl="$conf" --br=br0 --user=bhu1
	[ "$status" -eq 3 ]
	[[ "$output" == *"user bhu1 (uid $(id -u bhu1)) on br0: denied: no rule matches"* ]]
	# It points at the example and the man page, and says where it is.
	grep -qx '# /etc/bridge-helper/bridge.conf -- .*' "$conf"
	grep -q '/etc/bridge-helper/bridge.conf.example' "$conf"
	grep -q 'bridge.conf(5)' "$conf"
	tree_copy conf
	echo 'allow br0 user=bhu1' >"$T/conf/etc/bridge-helper/bridge.d/lab.conf"
	run nsx "$helper" --check --acl="$T/conf/etc/bridge-helper/bridge.conf" --br=br0 --user=bhu1
	[ "$status" -eq 0 ]
	[[ "$output" == *"on br0: allowed by $T/conf/etc/bridge-helper/bridge.d/lab.conf:1"* ]]
}

@test "make install keeps an existing bridge.conf; make uninstall removes what it installed" {
	tree_copy un
	local conf="$T/un/etc/bridge-helper/bridge.conf"
	echo 'allow br0' >"$conf"
	run make -s -C "$T/src" install DESTDIR="$T/un" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	[[ "$output" == *"install: $conf exists: kept"* ]]
	[ "$(cat "$conf")" = "allow br0" ]
	# A changed bridge.conf stays, and so does the directory holding it.
	run make -s -C "$T/src" uninstall DESTDIR="$T/un" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	[ "$output" = "uninstall: $conf was changed: kept" ]
	run find "$T/un" ! -type d
	[ "$output" = "$conf" ]
	# The default one goes, and with it bridge.d/ and the directory; only
	# the shared directories (bin, lib, share/man/man1 ...) stay, empty.
	rm -rf "$T/un" && tree_copy un
	run make -s -C "$T/src" uninstall DESTDIR="$T/un" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	run find "$T/un" ! -type d
	[ "$output" = "" ]
	[ ! -e "$T/un/etc/bridge-helper" ]
}

@test "the shared library exports only the bh_ API, with its soname" {
	run readelf -d "$R$P/lib/libbridge-helper.so.1"
	[[ "$output" == *"(SONAME)"*"[libbridge-helper.so.1]"* ]]
	run bash -c "nm -D --defined-only '$R$P/lib/libbridge-helper.so.1' | awk '\$2 == \"T\" { print \$3 }' | sed 's/@.*//' | sort"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 10 ]
	for s in "${lines[@]}"; do [[ "$s" == bh_* ]]; done
	[[ "$output" == *bh_open* ]]
}

@test "pkg-config with a sysroot gives the installed tree's flags" {
	run "${PKG[@]}" --cflags --libs bridge-helper
	[ "$status" -eq 0 ]
	[ "${output% }" = "-I$R$P/include -L$R$P/lib -lbridge-helper" ]
	run "${PKG[@]}" --modversion bridge-helper
	[ "$output" = 0.1.0 ]
}

@test "examples/open-tap.c built against the installed tree (shared, rpath): a TAP on br0 as root" {
	build_example "$T/open-tap" dynamic
	run readelf -d "$T/open-tap"
	[[ "$output" == *"(NEEDED)"*"[libbridge-helper.so.1]"* ]]
	run ldd "$T/open-tap"
	[[ "$output" == *"libbridge-helper.so.1 => $R$P/lib/libbridge-helper.so.1 "* ]]
	# The installed helper, 0755, run by root: found at its compiled-in path.
	open_tap "$R" root "$T/open-tap" br0
}

@test "make install-setuid: 4755 root:root; open-tap (static) as bhu1 gets a TAP it owns" {
	tree_copy suid
	run make -s -C "$T/src" install-setuid DESTDIR="$T/suid" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	[ "$(perm "$T/suid$P/libexec/bridge-helper")" = "4755 root:root" ]
	[ "$(getcap "$T/suid$P/libexec/bridge-helper")" = "" ]
	build_example "$T/open-tap-static" static
	run readelf -d "$T/open-tap-static"
	[[ "$output" != *libbridge-helper* ]]
	open_tap "$T/suid" bhu1 "$T/open-tap-static" br0
}

@test "make install-caps: cap_net_admin,cap_dac_read_search=ep, not setuid; open-tap as bhu2 on br1 (group)" {
	tree_copy caps
	chmod 4755 "$T/caps$P/libexec/bridge-helper"   # install-caps must clear it
	run make -s -C "$T/src" install-caps DESTDIR="$T/caps" PREFIX=/usr/local
	[ "$status" -eq 0 ]
	[ "$(perm "$T/caps$P/libexec/bridge-helper")" = "755 root:root" ]
	run getcap "$T/caps$P/libexec/bridge-helper"
	[ "$output" = "$T/caps$P/libexec/bridge-helper cap_dac_read_search,cap_net_admin=ep" ]
	build_example "$T/open-tap" dynamic
	open_tap --tun-0666 "$T/caps" bhu2 "$T/open-tap" br1
}

@test "open-tap as bhu1 on a bridge the ACL denies: the helper's reason, exit 1, no TAP" {
	tree_copy suid
	make -s -C "$T/src" install-setuid DESTDIR="$T/suid" PREFIX=/usr/local
	build_example "$T/open-tap" dynamic
	run in_tree "$T/suid" bhu1 "$T/open-tap" br1
	[ "$status" -eq 1 ]
	[ "$output" = "$T/open-tap: helper exited with status 3: bridge-helper: br1: denied: no rule matches (helper failed)" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "open-tap with the unprivileged installed helper (make install alone) as bhu1: refused, no TAP" {
	build_example "$T/open-tap" dynamic
	run in_tree "$R" bhu1 "$T/open-tap" br0
	[ "$status" -eq 1 ]
	[[ "$output" == "$T/open-tap: helper exited with status 1: bridge-helper: no CAP_NET_ADMIN: "*"(helper failed)" ]]
	[ "$(tap_count)" -eq 0 ]
}
