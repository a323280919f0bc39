#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# What bridge.conf(5) decides, end to end, as real unprivileged users through
# the setuid copy and the file-capability copy: rules naming users and
# groups that do not exist; the bound on queues; who a file's rules reach,
# by the file's mode (QEMU's "include /etc/qemu/kvm.conf", 0640 root:kvm).
#
# Users (tests/common.bash): bhu1 (group bhg1), bhu2 (primary bhg2,
# supplementary bhg1), bhu3 (bhg2). Through as_user the ACL written to $ACL
# is /etc/bridge-helper/bridge.conf.

bats_require_minimum_version 1.5.0

load common

E=/etc/bridge-helper/bridge.conf

setup_file() { users_privbin_setup; }
teardown_file() {
	userdel bhudel 2>/dev/null || true
	users_privbin_teardown
}

setup() { ns_setup; }
teardown() { ns_teardown; }

# launch USER COPY ARGS...: tapinfo as USER against $PRIVDIR/bridge-helper-COPY,
# with a 0666 /dev/net/tun (in the private mount namespace) as Debian has it,
# which the file-capability copies need
launch() {
	local u="$1" bin="$PRIVDIR/bridge-helper-$2"
	shift 2
	as_user --tun-0666 "$u" "$PRIVDIR/tapinfo" -- "$bin" --fd=SOCK "$@"
}

# helper USER COPY ARGS...: the helper itself (--check, --lint) as USER
helper() {
	local u="$1" bin="$PRIVDIR/bridge-helper-$2"
	shift 2
	as_user "$u" "$bin" "$@"
}

# got_tap: the last `run launch` got one TAP on br0, and nothing is left.
got_tap() {
	echo "status=$status output=$output stderr=${stderr:-}"
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	until_taps 0
}

# refused STATUS MESSAGE: the last `run --separate-stderr launch` exited
# STATUS with the one line "bridge-helper: MESSAGE", and created nothing.
refused() {
	echo "status=$status output=$output stderr=$stderr"
	[ "$status" -eq "$1" ]
	[ "$output" = "helper-status=$1" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "bridge-helper: $2" ]
	[ "$(tap_count)" -eq 0 ]
}

# ---- users and groups that do not exist --------------------------------------

@test "names: a rule naming a deleted user leaves the other users allowed" {
	useradd -M -N -g bhg2 -s /bin/sh bhudel
	acl_write <<-'EOF'
	allow br0 group=bhg1
	allow br0 user=bhudel
	limit br0 1 user=bhudel
	EOF
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
	userdel bhudel
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
	run --separate-stderr launch bhu2 suid --br=br0
	got_tap
	run --separate-stderr launch bhu3 suid --br=br0
	refused 3 "br0: denied: no rule matches"
	run --separate-stderr helper root suid --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E:2:16: warning: unknown user 'bhudel': the rule matches nobody
$E:3:18: warning: unknown user 'bhudel': the rule matches nobody
$E: 0 errors, 2 warnings" ]
}

@test "names: a deny naming an unknown user or group denies nobody, and the file stands" {
	acl_write <<-'EOF'
	allow br0
	deny br0 user=bhnosuchuser
	deny all group=bhnosuchgroup
	allow br1 user=bhnosuchuser
	EOF
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
	run --separate-stderr launch bhu3 caps --br=br0
	got_tap
	run --separate-stderr launch bhu1 suid --br=br1
	refused 3 "br1: denied: no rule matches"
	run --separate-stderr helper bhu2 suid --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu2 (uid $(id -u bhu2)) on br0: allowed by $E:1" ]
}

# ---- the administrator's bound on queues -------------------------------------

@test "queues: above the bound refused naming the rule, nothing created; at the bound a TAP" {
	acl_write <<-'EOF'
	allow br0
	queues br0 4 group=bhg1
	queues all 8
	EOF
	local copy
	for copy in suid caps; do
		run --separate-stderr launch bhu1 $copy --br=br0 --queues=5
		refused 3 "br0: 5 queues asked, at most 4 (queues at $E:2)"
		run --separate-stderr launch bhu1 $copy --br=br0 --queues=4
		got_tap
		[ "$(field fds)" = 4 ]
	done
	# bhu3 is not in bhg1: the larger bound for all
	run --separate-stderr launch bhu3 suid --br=br0 --queues=8
	got_tap
	run --separate-stderr launch bhu3 suid --br=br0 --queues=9
	refused 3 "br0: 9 queues asked, at most 8 (queues at $E:3)"
}

@test "queues: no rule, the default bound: one queue, as qemu-bridge-helper hands out" {
	acl_write <<<"allow br0"
	run --separate-stderr launch bhu1 suid --br=br0 --queues=2
	refused 3 "br0: 2 queues asked, at most 1 (the default: no queues rule matches)"
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
	[ "$(field fds)" = 1 ]
}

@test "queues: --check shows the bound and predicts the refusal; --lint checks the rule" {
	acl_write <<-'EOF'
	allow br0
	queues br0 4 user=bhu1
	EOF
	run --separate-stderr helper bhu1 suid --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "queues: at most 4 (set at $E:2)" ]
	run --separate-stderr helper bhu1 suid --check --br=br0 --queues=5
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "queues: 5 asked, at most 4 (set at $E:2)" ]
	run --separate-stderr helper root suid --check --br=br0 --user=bhu2 --queues=2
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "queues: 2 asked, at most 1 (default)" ]
	printf 'allow br0\nqueues br0 257\nqueues br0 0 user=bhu1\nqueues br0\n' | acl_write
	run --separate-stderr helper bhu1 suid --lint
	[ "$status" -eq 4 ]
	[ "$output" = "$E:2:12: invalid queues '257' (expected 1..256)
$E:3:12: invalid queues '0' (expected 1..256)
$E:4:11: missing queues (1..256)
$E: 3 errors, 0 warnings" ]
	run --separate-stderr launch bhu1 suid --br=br0
	refused 4 "bad configuration, everything denied: $E:2:12: invalid queues '257' (expected 1..256) (and more: see --lint)"
}

# ---- who a file's rules reach: its mode --------------------------------------

# br1_up: a second bridge.
br1_up() {
	ip -n "$NS" link add br1 type bridge
	ip -n "$NS" link set br1 up
}

# kvm_conf < TEXT: $ACLDIR/kvm.conf, 0640 root:bhg1.
kvm_conf() {
	acl_write "$ACLDIR/kvm.conf"
	chgrp bhg1 "$ACLDIR/kvm.conf"
	chmod 0640 "$ACLDIR/kvm.conf"
}

# kvm_setup: QEMU's idiom. bridge.conf (0644) includes kvm.conf, 0640
# root:bhg1: its allows reach bhu1 (bhg1) and bhu2 (bhg1 supplementary),
# not bhu3; its denies reach everyone. A second bridge br1.
kvm_setup() {
	br1_up
	printf 'allow br0\ninclude kvm.conf\n' | acl_write
	printf 'allow br1\ndeny br0 user=bhu2\n' | kvm_conf
}

@test "reach: a 0640 root:bhg1 include: members get its bridge, a non-member is denied it by policy and keeps the others" {
	kvm_setup
	local copy
	for copy in suid caps; do
		run --separate-stderr launch bhu1 $copy --br=br1
		got_tap
		run --separate-stderr launch bhu2 $copy --br=br1
		got_tap
		run --separate-stderr launch bhu3 $copy --br=br1
		refused 3 "br1: denied: allow at /etc/bridge-helper/kvm.conf:1 reaches only group bhg1 (file mode 0640)"
		run --separate-stderr launch bhu3 $copy --br=br0
		got_tap
		# its deny reaches everyone (qemu-bridge-helper would drop it
		# for a caller that cannot read the file; bhu2 can, here)
		run --separate-stderr launch bhu2 $copy --br=br0
		refused 3 "br0: denied by /etc/bridge-helper/kvm.conf:2"
	done
}

@test "reach: a deny in a file the caller cannot read still denies it" {
	kvm_setup
	printf 'allow br1\ndeny br0 user=bhu3\n' | kvm_conf
	run --separate-stderr launch bhu3 suid --br=br0
	refused 3 "br0: denied by /etc/bridge-helper/kvm.conf:2"
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
}

@test "reach: --check, the caller's own and root's --user=, predicts each launch" {
	kvm_setup
	run --separate-stderr helper bhu3 suid --check --br=br1
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu3 (uid $(id -u bhu3)) on br1: denied: allow at /etc/bridge-helper/kvm.conf:1 reaches only group bhg1 (file mode 0640)" ]
	local u
	for u in bhu1 bhu2 bhu3; do
		run --separate-stderr helper root suid --check --br=br1 --user=$u
		local want=0
		[ $u = bhu3 ] && want=3
		[ "$status" -eq $want ]
		run --separate-stderr helper $u caps --check --br=br1
		[ "$status" -eq $want ]
		run --separate-stderr launch $u suid --br=br1
		[ "$status" -eq $want ]
		until_taps 0
	done
	run --separate-stderr helper root suid --check --br=br1 --user=bhu2
	[ "${lines[0]}" = "user bhu2 (uid $(id -u bhu2)) on br1: allowed by /etc/bridge-helper/kvm.conf:1" ]
	run --separate-stderr helper root suid --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E: 0 errors, 0 warnings" ]
}

@test "reach: a 0600 bridge.conf grants nobody but root, as --lint predicted" {
	acl_write <<<"allow br0"
	chmod 0600 "$ACL"
	run --separate-stderr helper root suid --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E:1:1: warning: allow reaches only root: $E has mode 0600 (for every user: chmod 0644 $E; for one group: chgrp GROUP $E and chmod 0640)
$E: 0 errors, 1 warning" ]
	local copy
	for copy in suid caps; do
		run --separate-stderr launch bhu1 $copy --br=br0
		refused 3 "br0: denied: allow at $E:1 reaches only root (file mode 0600)"
	done
	run --separate-stderr helper root suid --check --br=br0 --user=bhu1
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu1 (uid $(id -u bhu1)) on br0: denied: allow at $E:1 reaches only root (file mode 0600)" ]
	# the fix --lint gave
	chmod 0644 "$ACL"
	run --separate-stderr launch bhu1 suid --br=br0
	got_tap
}

@test "reach: a directory's search permission counts: an include behind a 0750 root:bhg1 directory" {
	br1_up
	mkdir -m 0750 "$ACLDIR/kvm.d"
	chgrp bhg1 "$ACLDIR/kvm.d"
	acl_write "$ACLDIR/kvm.d/a.conf" <<<"allow br1"
	printf 'allow br0\ninclude kvm.d/*.conf\n' | acl_write
	run --separate-stderr launch bhu2 suid --br=br1
	got_tap
	run --separate-stderr launch bhu3 suid --br=br1
	refused 3 "br1: denied: allow at /etc/bridge-helper/kvm.d/a.conf:1 reaches only group bhg1 (directory /etc/bridge-helper/kvm.d mode 0750)"
	run --separate-stderr launch bhu3 suid --br=br0
	got_tap
}

@test "reach: with cap_net_admin alone, a file the caller cannot read is refused, naming the file and the fix" {
	kvm_setup
	run --separate-stderr launch bhu3 capsna --br=br0
	refused 4 "bad configuration, everything denied: $E:2: /etc/bridge-helper/kvm.conf: cannot open: Permission denied (the helper reads the ACL as the caller: give it cap_dac_read_search too, as make install-caps does, or install it setuid root)"
	# a member can read it: the same answer as the other copies
	run --separate-stderr launch bhu1 capsna --br=br1
	got_tap
}
