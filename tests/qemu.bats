#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# QEMU against the real bridge-helper (GitHub issue 2), the realistic way:
# QEMU runs unprivileged as bhu1 and uses the setuid copy of the helper,
# which reads the system ACL; as_user puts $ACLDIR at /etc/bridge-helper in
# a private mount namespace, since QEMU has no way to pass --acl.
#
# QEMU runs paused with no machine (-machine none -S: a netdev needs no
# guest, and this starts in a few ms) and its QMP monitor on stdio, as a
# coprocess. QMP answers only once QEMU's initialisation, netdevs included,
# is complete, so "the TAP exists" is checked after an answer, not after a
# delay; "the TAP is gone" after QEMU has been reaped.

bats_require_minimum_version 1.5.0
load common
load qmp

QEMU=qemu-system-x86_64
QEMU_ARGS=(-machine none -nodefaults -S -display none)

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	qemu_setup
	acl_write <<-EOF
	allow br0
	allow br1 group=bhg2
	EOF
}

teardown() { qemu_teardown; }

# The single TAP in $NS, for the tests below.
tap_name() { ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }'; }

@test "QEMU as bhu1: -netdev bridge,helper=<setuid helper>: a vnet_hdr TAP on br0 while QEMU runs, gone after" {
	[ "$(tap_count)" -eq 0 ]
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" -qmp stdio \
		-netdev "bridge,id=n0,br=br0,helper=$SUID"
	[ "$(tap_count)" -eq 1 ]
	tap="$(tap_name)"
	run ip -n "$NS" -d link show "$tap"
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr on "* ]]
	[[ "$output" != *multi_queue* ]]
	[[ "$output" == *" user bhu1 "* ]]   # the TAP belongs to QEMU's user
	[[ "$output" == *" mtu 1400 "* ]]    # copied from the bridge
	[[ "$output" == *"link/ether fe:"* ]]
	# QEMU holds it as netdev n0.
	run hmp "info network"
	[[ "$output" == *"n0: index=0,type=tap,helper=$SUID,br=br0"* ]]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
	run ip -n "$NS" link show "$tap"
	[ "$status" -ne 0 ]
}

@test "QEMU as bhu1: -netdev tap,helper=\"<setuid helper> --br=br0\" (run through sh -c)" {
	# QEMU appends " --use-vnet --fd=N" to a helper string with a space and
	# runs it with sh -c; --br= is given in the string.
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" -qmp stdio \
		-netdev "tap,id=n0,helper=$SUID --br=br0"
	[ "$(tap_count)" -eq 1 ]
	run ip -n "$NS" -d link show "$(tap_name)"
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr on "* ]]
	[[ "$output" == *" user bhu1 "* ]]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: -netdev tap,helper=<setuid helper>: QEMU's default bridge br0" {
	# Without a space QEMU execs the helper directly, with --br=br0.
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" -qmp stdio \
		-netdev "tap,id=n0,helper=$SUID"
	[ "$(tap_count)" -eq 1 ]
	run ip -n "$NS" -d link show "$(tap_name)"
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *" user bhu1 "* ]]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu2 (group bhg2): br1 allowed by group; two netdevs, two TAPs" {
	qemu_start as_user bhu2 "$QEMU" "${QEMU_ARGS[@]}" -qmp stdio \
		-netdev "bridge,id=n0,br=br0,helper=$SUID" \
		-netdev "bridge,id=n1,br=br1,helper=$SUID"
	[ "$(tap_count)" -eq 2 ]
	run ip -n "$NS" -o link show type tun master br0
	[ "${#lines[@]}" -eq 1 ]
	run ip -n "$NS" -o link show type tun master br1
	[ "${#lines[@]}" -eq 1 ]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: a denied bridge: QEMU fails with the helper's reason, no TAP" {
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "bridge,id=n0,br=br1,helper=$SUID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: br1: denied: no rule matches"* ]]
	[[ "$output" == *"$QEMU: -netdev bridge,id=n0,br=br1,helper=$SUID: bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: a missing bridge: QEMU fails with the helper's reason, no TAP" {
	acl_write <<-EOF
	allow all
	EOF
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "bridge,id=n0,br=br9,helper=$SUID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: br9: no such bridge"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: a broken ACL denies: QEMU fails with the file and line, no TAP" {
	acl_write <<-EOF
	allow br0
	allow br0 bogus=1
	EOF
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "bridge,id=n0,br=br0,helper=$SUID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: bad configuration, everything denied: /etc/bridge-helper/bridge.conf:2:11: unknown key 'bogus='"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: a non-existent helper path fails cleanly, no TAP" {
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "bridge,id=n0,br=br0,helper=$PRIVDIR/no-such-helper"
	[ "$status" -ne 0 ]
	[ "$output" = "$QEMU: -netdev bridge,id=n0,br=br0,helper=$PRIVDIR/no-such-helper: bridge helper failed" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu1: the unprivileged helper copy says why it cannot work, no TAP" {
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "bridge,id=n0,br=br0,helper=$PRIVDIR/bridge-helper-plain"
	[ "$status" -ne 0 ]
	[[ "$output" == "bridge-helper: no CAP_NET_ADMIN: bridge-helper must be installed setuid root"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}

# --- QEMU's helper strings, as with qemu-bridge-helper -------------------------

# Every helper= form that works with qemu-bridge-helper: "NETDEV|BRIDGE",
# where H in NETDEV stands for the helper and BRIDGE is where the TAP must
# land. QEMU 7.2 execs a string without a space as H --use-vnet --fd=N
# --br=<br=, default br0>, and runs one with a space as sh -c "STRING
# --use-vnet --fd=N", adding --br=<br=> only if STRING has no "--br=".
HELPER_FORMS=(
	"bridge,id=n0,br=br1,helper=H|br1"
	"bridge,id=n0,br=br1,helper=H --use-vnet|br1"
	"bridge,id=n0,helper=H --br=br1|br1"
	"bridge,id=n0,br=br0,helper=H --use-vnet --br=br1|br1"
	"tap,id=n0,helper=H|br0"
	"tap,id=n0,br=br1,helper=H|br1"
	"tap,id=n0,helper=H --br=br1|br1"
	"tap,id=n0,helper=H --use-vnet --br=br1|br1"
	"tap,id=n0,helper=H --br=br1 --use-vnet|br1"
	"tap,id=n0,br=br1,helper=H --use-vnet --use-vnet|br1"
	"tap,id=n0,helper=H --use-vnet --br=br1 --br=br1|br1"
)

# helper_form_runs AS_USER_OPTS... -- HELPER FORM BRIDGE: QEMU as bhu2 with
# -netdev FORM (H replaced by HELPER) holds one vnet_hdr TAP on BRIDGE, as
# netdev n0; gone when QEMU quits.
helper_form_runs() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	local helper=$2 form=${3//H/$2} br=$4
	echo "# $form"   # shown if the test fails
	qemu_start as_user "${opts[@]}" bhu2 "$QEMU" "${QEMU_ARGS[@]}" -qmp stdio \
		-netdev "$form"
	[ "$(tap_count)" -eq 1 ]
	run ip -n "$NS" -d link show "$(tap_name)"
	[[ "$output" == *" master $br "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr on "* ]]
	run hmp "info network"
	[[ "$output" == *"n0: index=0,type=tap,helper=$helper"* ]]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU's helper= forms: each works with qemu-bridge-helper (the reference) and lands on its bridge" {
	# qemu-bridge-helper reads /etc/qemu/bridge.conf: as_user's /etc is an
	# overlay whose upper layer is $OVDIR/u
	mkdir -p "$OVDIR/u/qemu"
	printf 'allow br0\nallow br1\n' >"$OVDIR/u/qemu/bridge.conf"
	install -m 4755 -o root -g root /usr/lib/qemu/qemu-bridge-helper "$PRIVDIR/qemu-bridge-helper"
	local f
	for f in "${HELPER_FORMS[@]}"; do
		# it opens /dev/net/tun after its privilege drop, as the caller
		helper_form_runs --tun-0666 -- "$PRIVDIR/qemu-bridge-helper" "${f%|*}" "${f#*|}"
	done
}

@test "QEMU's helper= forms: each works the same with the setuid and the file-capability helper (--use-vnet repeated)" {
	local f
	for f in "${HELPER_FORMS[@]}"; do
		helper_form_runs -- "$SUID" "${f%|*}" "${f#*|}"
		helper_form_runs --tun-0666 -- "$PRIVDIR/bridge-helper-caps" "${f%|*}" "${f#*|}"
	done
}

@test "QEMU as bhu2: helper=\"... --br=br0 --br=br1\" names two bridges: refused, no TAP" {
	# qemu-bridge-helper takes the last; bridge-helper refuses the conflict.
	run as_user bhu2 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "tap,id=n0,helper=$SUID --br=br0 --br=br1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: conflicting --br=br0 and --br=br1: give one bridge (see --help)"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU as bhu2: helper=\"... --br br1\" (no '='): refused with how to write it, no TAP" {
	run as_user bhu2 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "tap,id=n0,helper=$SUID --br br1"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: option --br needs its value after '=': --br=... (see --help)"* ]]
	[ "$(tap_count)" -eq 0 ]
}
