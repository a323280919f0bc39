#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# valgrind memcheck over bridge-helper (as root, in a network namespace,
# valgrind being the HELPER command that tests/tapinfo runs) and over
# tests/test_client (libbridge-helper against the fake helpers).
# Zero memcheck errors and zero definite/indirect leaks: valgrind exits 99
# otherwise. "Still reachable" is fine: the helper exits through exit().
# Each case also checks the helper's own result, so that a run that did not
# reach the path under test cannot pass.

bats_require_minimum_version 1.5.0

load common

setup() {
	VALGRIND="$(command -v valgrind)" || false
	VG=("$VALGRIND" --tool=memcheck --leak-check=full
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99
	    --trace-children=no --track-fds=no -q)
	ns_setup
	acl_write <<-EOF
	allow br0
	allow p0
	deny br1
	queues br0 4
	EOF
	acl_write "$ACLDIR/bad.conf" <<-EOF
	allow br0 user=4294967295
	EOF
	ip -n "$NS" link add br1 type bridge
}

teardown() { ns_teardown; }

# vg_helper ARG...: tapinfo -- valgrind bridge-helper --fd=SOCK ARG...
vg_helper() { nsx "$TAPINFO" -- "${VG[@]}" "$HELPER" --fd=SOCK "$@"; }

# No valgrind report in $output (with -q it prints only errors and leaks).
no_report() {
	if grep -E '^==[0-9]+==' <<<"$output"; then
		echo "# valgrind reported the above" >&3
		return 1
	fi
}

@test "valgrind: success, one queue: a TAP on br0, no error, no leak" {
	run vg_helper --acl="$ACL" --br=br0
	[ "$status" -eq 0 ]
	no_report
	[ "$(field fds)" = 1 ]
	[ "$(field tap)" = 1 ]
	[ "$(tap_count)" -eq 0 ]   # not persistent: gone with tapinfo
}

@test "valgrind: success, 4 queues, vnet_hdr, sndbuf" {
	run vg_helper --acl="$ACL" --br=br0 --queues=4 --use-vnet --sndbuf=65536
	[ "$status" -eq 0 ]
	no_report
	[ "$(field fds)" = 4 ]
	[ "$(field multi_queue)" = 1 ]
	[ "$(field vnet_hdr)" = 1 ]
	[ "$(field sndbuf)" = 65536 ]
}

@test "valgrind: denied by a deny rule: exit 3, nothing created" {
	run vg_helper --acl="$ACL" --br=br1
	[ "$status" -eq 3 ]
	no_report
	[[ "$output" == *"bridge-helper: br1: denied by $ACL:3"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "valgrind: no rule matches: exit 3" {
	ip -n "$NS" link add br2 type bridge
	run vg_helper --acl="$ACL" --br=br2
	[ "$status" -eq 3 ]
	no_report
	[[ "$output" == *"bridge-helper: br2: denied"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "valgrind: bad ACL: exit 4, nothing created" {
	run vg_helper --acl="$ACLDIR/bad.conf" --br=br0
	[ "$status" -eq 4 ]
	no_report
	[[ "$output" == *"bridge-helper: bad configuration, everything denied: $ACLDIR/bad.conf:1:"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "valgrind: missing bridge and non-bridge port: exit 1, nothing created" {
	acl_write <<-EOF
	allow all
	EOF
	run vg_helper --acl="$ACL" --br=br9
	[ "$status" -eq 1 ]
	no_report
	[[ "$output" == *"bridge-helper: br9: no such bridge"* ]]
	run vg_helper --acl="$ACL" --br=p0
	[ "$status" -eq 1 ]
	no_report
	[[ "$output" == *"bridge-helper: p0: "*"not a bridge"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "valgrind: usage errors: exit 2" {
	run "${VG[@]}" "$HELPER" --fd=3x --br=br0
	[ "$status" -eq 2 ]
	no_report
	[[ "$output" == "bridge-helper: invalid --fd '3x'"* ]]
	run vg_helper --acl="$ACL" --br=br0 --queues=0
	[ "$status" -eq 2 ]
	no_report
	[[ "$output" == *"bridge-helper: invalid --queues '0'"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "valgrind: --check allowed (0) and denied (3)" {
	run nsx "${VG[@]}" "$HELPER" --check --acl="$ACL" --br=br0
	[ "$status" -eq 0 ]
	no_report
	[[ "$output" == *"on br0: allowed by $ACL:1"* ]]
	run nsx "${VG[@]}" "$HELPER" --check --acl="$ACL" --br=br1
	[ "$status" -eq 3 ]
	no_report
	[[ "$output" == *"on br1: denied by $ACL:3"* ]]
}

@test "valgrind: --lint of a good and a bad file" {
	run "${VG[@]}" "$HELPER" --lint "$ACL"
	[ "$status" -eq 0 ]
	no_report
	[ "$output" = "$ACL: 0 errors, 0 warnings" ]
	run "${VG[@]}" "$HELPER" --lint "$ACLDIR/bad.conf"
	[ "$status" -eq 4 ]
	no_report
	[[ "$output" == *"$ACLDIR/bad.conf:1:"*"1 error, 0 warnings" ]]
}

@test "valgrind: tests/test_client (the library against every fake helper)" {
	run "${VG[@]}" "$ROOT/tests/test_client"
	[ "$status" -eq 0 ]
	no_report
	[[ "$output" == *"1.."* ]]
	[[ "$output" != *"not ok"* ]]
}
