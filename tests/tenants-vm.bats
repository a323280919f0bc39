#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Tenants on one bridge (GitHub issue 13), the VLAN half: the tests of
# tests/tenants.bats named "vlans:" need a bridge that filters VLANs, which
# the kernel running the suite may lack (then they skip there). Here they
# run in a virtual machine booted from Debian 12's own kernel
# (CONFIG_BRIDGE_VLAN_FILTERING=y), with this machine's programs and this
# checkout (tests/vmrun), and must pass there, none skipped.

bats_require_minimum_version 1.5.0
ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"

@test "in a VM with Debian 12's kernel: every \"vlans:\" test of tenants.bats passes, none skipped (frames, bridge vlan show, the order)" {
	run "$ROOT/tests/vmrun" "$ROOT" bats --tap -f '^vlans: ' tests/tenants.bats
	printf '# vm: %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1..2" ]
	[ "$(grep -c '^ok [0-9]* vlans: ' <<<"$output")" -eq 2 ]
	[[ "$output" != *"# skip"* ]]
}
