#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# libbridge-helper and bridge-helper-run against the real helper (GitHub
# issue 3), in a network namespace: as root with the repo's ./bridge-helper
# and --acl, and as the unprivileged bhu1/bhu2 with the setuid copy and the
# system ACL (as_user puts $ACLDIR at /etc/bridge-helper). QEMU takes the
# fds from bridge-helper-run. QEMU runs paused, its QMP monitor on stdio as a
# coprocess: checks while it runs follow a QMP answer, not a delay.

bats_require_minimum_version 1.5.0
load common
load qmp

RUN="$ROOT/bridge-helper-run"
QEMU=qemu-system-x86_64

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	qemu_setup
	RUNU="$PRIVDIR/bridge-helper-run"
	# test_client --real needs br0 and bhnosuchbr0 allowed, nothing about
	# bhdenied0 (see tests/test_client.c).
	acl_write <<-EOF
	allow br0
	allow bhnosuchbr0
	allow br1 group=bhg2
	allow br9
	queues all 4
	EOF
	# Where COMMAND, run as root or a test user, would leave its mark.
	MARKDIR="$(mktemp -d /tmp/bh-mark.XXXXXX)"
	chmod 1777 "$MARKDIR"
	MARKER="$MARKDIR/command-ran"
}

teardown() {
	qemu_teardown
	[ -n "${MARKDIR:-}" ] && rm -rf "$MARKDIR"
	true
}


# What COMMAND of bridge-helper-run prints about its TAP (run by sh -c).
SHOW='for fd in 3 4 5 6; do echo "fd$fd=$(readlink /proc/self/fd/$fd)"; done
echo "FDS=$BRIDGE_HELPER_FDS"
echo "IFNAME=$BRIDGE_HELPER_IFNAME"
ip -d link show "$BRIDGE_HELPER_IFNAME"'

# --- the library -------------------------------------------------------------

@test "test_client --real as root: single, vnet, 4 queues, sndbuf, 16 threads, refusals" {
	run nsx "$ROOT/tests/test_client" --real br0 "$HELPER" "$ACL"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"ok "*" - real: 16 threads at once: 16 succeeded"* ]]
	[ "${lines[-1]}" = 1..34 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "test_client --real as bhu1 with the setuid helper and the system ACL" {
	install -m 0755 "$ROOT/tests/test_client" "$PRIVDIR/test_client"
	run as_user bhu1 "$PRIVDIR/test_client" --real br0 "$SUID" ""
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"ok "*" - real: 16 threads at once: 16 succeeded"* ]]
	[[ "$output" == *"ok "*" - real: --acl: bh_open2: the helper refused the request's options"* ]]
	[ "${lines[-1]}" = 1..37 ]
	[ "$(tap_count)" -eq 0 ]
}

# --- bridge-helper-run --------------------------------------------------------

@test "bridge-helper-run --queues=4 --use-vnet: fds 3-6 are one multi-queue TAP on br0" {
	run nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=br0 --use-vnet --queues=4 \
		-- sh -c "$SHOW"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = fd3=/dev/net/tun ]
	[ "${lines[1]}" = fd4=/dev/net/tun ]
	[ "${lines[2]}" = fd5=/dev/net/tun ]
	[ "${lines[3]}" = fd6=/dev/net/tun ]
	[ "${lines[4]}" = FDS=3:4:5:6 ]
	[[ "${lines[5]}" =~ ^IFNAME=tap[0-9a-f]{12}$ ]]
	tap="${lines[5]#IFNAME=}"
	[[ "$output" == *"$tap: <"*" mtu 1400 "*" master br0 "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr on multi_queue numqueues 4 numdisabled 0 "* ]]
	# The TAP died with COMMAND.
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run: one queue, no vnet_hdr, --sndbuf: fd 3 only" {
	run nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=br0 --sndbuf=65536 \
		-- sh -c "$SHOW"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = fd3=/dev/net/tun ]
	[ "${lines[1]}" = fd4= ]
	[ "${lines[4]}" = FDS=3 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr off persist off "* ]]
	[[ "$output" != *multi_queue* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run: a denied bridge: the helper's reason, exit 125, COMMAND never runs" {
	run nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=br1 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 3: bridge-helper: br1: denied: no rule matches" ]
	[ ! -e "$MARKER" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run: a missing bridge: exit 125, COMMAND never runs" {
	run nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=br9 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 1: bridge-helper: br9: no such bridge" ]
	[ ! -e "$MARKER" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run: a veth, not a bridge: exit 125, COMMAND never runs" {
	acl_write <<-EOF
	allow p1
	EOF
	run nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=p1 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 1: bridge-helper: p1: is a veth device, not a bridge" ]
	[ ! -e "$MARKER" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run as bhu1 with the setuid helper: a 2-queue TAP owned by bhu1" {
	run as_user bhu1 "${CLEAN[@]}" "$RUNU" --helper="$SUID" --br=br0 --use-vnet --queues=2 \
		-- sh -c "$SHOW"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = fd3=/dev/net/tun ]
	[ "${lines[1]}" = fd4=/dev/net/tun ]
	[ "${lines[2]}" = fd5= ]
	[ "${lines[4]}" = FDS=3:4 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *"vnet_hdr on multi_queue numqueues 2 numdisabled 0 persist off user bhu1 "* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run as bhu1: br1 is for group bhg2: denied, exit 125, COMMAND never runs" {
	run as_user bhu1 "$RUNU" --helper="$SUID" --br=br1 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 3: bridge-helper: br1: denied: no rule matches" ]
	[ ! -e "$MARKER" ]
	[ "$(tap_count)" -eq 0 ]
	# ... and allowed for bhu2 (primary group bhg2): the same COMMAND runs.
	run as_user bhu2 "$RUNU" --helper="$SUID" --br=br1 -- \
		sh -c "touch $MARKER && $SHOW"
	[ "$status" -eq 0 ]
	[ -e "$MARKER" ]
	[[ "$output" == *" master br1 "*" user bhu2 "* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "bridge-helper-run as bhu1: --acl is refused by the setuid helper, exit 125, COMMAND never runs" {
	acl_write "$ACLDIR/open.conf" <<-EOF
	allow all
	EOF
	run as_user bhu1 "$RUNU" --helper="$SUID" --acl="$ACLDIR/open.conf" --br=br1 \
		-- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 2: bridge-helper: --acl is refused: running privileged (setuid or file capability); the ACL is /etc/bridge-helper/bridge.conf" ]
	[ ! -e "$MARKER" ]
	[ "$(tap_count)" -eq 0 ]
}

# --- failure classes, as bhu1 with the setuid and the file-capability copy ---

# "ACL|BRIDGE|helper status|helper's line|bh_open2's class" for each class.
CLASSES=(
	"allow br0|br1|3|bridge-helper: br1: denied: no rule matches|denied by the helper's policy"
	"allow br1\nlimit br1 0|br1|3|bridge-helper: br1: quota reached: 0 of 0 TAPs in use (limit at /etc/bridge-helper/bridge.conf:2)|denied by the helper's policy"
	"allow br1 bogus=1|br1|4|bridge-helper: bad configuration, everything denied: /etc/bridge-helper/bridge.conf:1:11: unknown key 'bogus=' (expected user= or group=)|the helper's configuration is bad"
	"allow all|br9|1|bridge-helper: br9: no such bridge|helper failed"
	"allow all|p1|1|bridge-helper: p1: is a veth device, not a bridge|helper failed"
)

@test "failure classes as bhu1 (setuid, file capability): bridge-helper-run exits 125 naming the class; bh_open2 returns it; no TAP" {
	local c copy acl br st line class tun
	install -m 0755 "$ROOT/tests/test_client" "$PRIVDIR/test_client"
	for c in "${CLASSES[@]}"; do
		IFS='|' read -r acl br st line class <<<"$c"
		printf "$acl\n" | acl_write
		for copy in suid caps; do
			tun=()
			[ "$copy" = caps ] && tun=(--tun-0666)
			echo "# $copy: $acl: $br"   # shown if the test fails
			run as_user "${tun[@]}" bhu1 "$RUNU" --helper="$PRIVDIR/bridge-helper-$copy" \
				--br="$br" -- touch "$MARKER"
			[ "$status" -eq 125 ]
			[ "$output" = "bridge-helper-run: helper exited with status $st: $line" ]
			[ ! -e "$MARKER" ]
			run as_user "${tun[@]}" bhu1 "$PRIVDIR/test_client" --open2 "$br" \
				"$PRIVDIR/bridge-helper-$copy"
			[ "$status" -eq 0 ]
			[ "$output" = "status=$class
helper exited with status $st: $line" ]
			[ "$(tap_count)" -eq 0 ]
		done
	done
}

# --- nested runs ---------------------------------------------------------------

# COMMAND of two nested runs: each TAP fd's device, master and owner.
NESTED='for fd in 3 4; do
	tap=$(sed -n "s/^iff:\t//p" /proc/$$/fdinfo/$fd)
	echo "fd$fd=$tap $(ip -o link show dev "$tap" | grep -o "master br[0-9]")"
done
[ -e /proc/$$/fd/5 ] || echo "fd5 not open"
echo "FDS=$BRIDGE_HELPER_FDS IFNAME=$BRIDGE_HELPER_IFNAME"
ip -d -o link show type tun | grep -c " user $(id -un) "'

@test "two nested bridge-helper-run as bhu2 (setuid, file capability): one command holds two live TAPs, br0 at fd 3, br1 at fd 4" {
	local copy tun
	for copy in suid caps; do
		tun=()
		[ "$copy" = caps ] && tun=(--tun-0666)
		run as_user "${tun[@]}" bhu2 "${CLEAN[@]}" \
			"$RUNU" --helper="$PRIVDIR/bridge-helper-$copy" --br=br0 -- \
			"$RUNU" --helper="$PRIVDIR/bridge-helper-$copy" --br=br1 -- sh -c "$NESTED"
		printf '%s\n' "$output"
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" =~ ^fd3=tap[0-9a-f]+\ master\ br0$ ]]
		[[ "${lines[1]}" =~ ^fd4=(tap[0-9a-f]+)\ master\ br1$ ]]
		[ "${lines[2]}" = "fd5 not open" ]
		[ "${lines[3]}" = "FDS=4 IFNAME=${BASH_REMATCH[1]}" ]
		[ "${lines[4]}" = 2 ]
		[ "$(tap_count)" -eq 0 ]
	done
}

# --- QEMU through bridge-helper-run -------------------------------------------

# QEMU (pc machine, paused) with a 2-queue virtio-net on fds 3:4; the number
# of queues follows from fds= (QEMU refuses queues= with fds=).
QEMU_MQ='exec '"$QEMU"' -S -nodefaults -display none -netdev tap,id=n0,fds=$BRIDGE_HELPER_FDS,vhost=off -device virtio-net-pci,mq=on,netdev=n0 -qmp stdio'

qemu_mq_checks() {   # $1: the TAP's expected owner
	[ "$(tap_count)" -eq 1 ]
	run ip -n "$NS" -d link show type tun
	[[ "$output" == *" master br0 "* ]]
	# Two queues, and QEMU drives them: until the (paused) guest turns
	# multiqueue on, virtio-net keeps queue 2 detached (TUNSETQUEUE).
	[[ "$output" == *"vnet_hdr on multi_queue numqueues 1 numdisabled 1 "*" user $1 "* ]]
	# QEMU holds both queues, on fds 3 and 4.
	run hmp "info network"
	[[ "$output" == *'n0: index=0,type=tap,fd=3'* ]]
	[[ "$output" == *'n0: index=1,type=tap,fd=4'* ]]
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "QEMU through bridge-helper-run (root): -netdev tap,fds=3:4 + virtio-net mq: a 2-queue TAP on br0" {
	qemu_start nsx "${CLEAN[@]}" "$RUN" --helper="$HELPER" --acl="$ACL" --br=br0 --use-vnet \
		--queues=2 -- sh -c "$QEMU_MQ"
	qemu_mq_checks root
}

@test "QEMU through bridge-helper-run as bhu1 with the setuid helper" {
	qemu_start as_user bhu1 "${CLEAN[@]}" "$RUNU" --helper="$SUID" --br=br0 --use-vnet \
		--queues=2 -- sh -c "$QEMU_MQ"
	qemu_mq_checks bhu1
}
