#!/usr/bin/env bats
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
	ns_setup
	privbin_setup
	SUID="$PRIVDIR/bridge-helper-suid"
	nsx ip link add br1 type bridge
	nsx ip link set br1 up
	acl_write <<-EOF
	allow br0
	allow br1 group=bhg2
	EOF
	QERR="$BATS_TEST_TMPDIR/qemu.err"
	QPID=
}

teardown() {
	# If a test failed half-way, end QEMU: the only child of our coprocess
	# (as_user's chain execs into it).
	if [ -n "${QPID:-}" ]; then
		pkill -KILL -P "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	ns_teardown
	privbin_teardown
}

# qemu_start CMD...: run CMD (a QEMU command line) with "-qmp stdio" as a
# coprocess, negotiate QMP, return once QEMU answers.
qemu_start() {
	local line
	coproc QEMUP { "$@" -qmp stdio 2>"$QERR" 3>&-; }
	QPID=$QEMUP_PID
	# bash closes a coprocess's fds when it exits: keep our own copies.
	exec {QIN}>&"${QEMUP[1]}" {QOUT}<&"${QEMUP[0]}"
	IFS= read -r line <&"$QOUT" || { cat "$QERR" >&2; return 1; }
	line=${line%$'\r'}
	[[ "$line" == '{"QMP":'* ]]
	[[ "$(qmp '{"execute":"qmp_capabilities"}')" == '{"return": {}}' ]]
}


# The single TAP in $NS, for the tests below.
tap_name() { ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }'; }

@test "QEMU as bhu1: -netdev bridge,helper=<setuid helper>: a vnet_hdr TAP on br0 while QEMU runs, gone after" {
	[ "$(tap_count)" -eq 0 ]
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
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
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
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
	qemu_start as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
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
	qemu_start as_user bhu2 "$QEMU" "${QEMU_ARGS[@]}" \
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

@test "QEMU as bhu1: helper=\"... --use-vnet --br=br0\" repeats --use-vnet: a usage error, no TAP" {
	# QEMU always appends --use-vnet, and the helper refuses repeated options
	# (DESIGN.md); so the string must not contain it.
	run as_user bhu1 "$QEMU" "${QEMU_ARGS[@]}" \
		-netdev "tap,id=n0,helper=$SUID --use-vnet --br=br0"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper: option --use-vnet given twice (see --help)"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
}
