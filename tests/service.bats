#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Service mode (GitHub issue 12): the real bridge-helperd, started in the
# foreground and socket-activated (systemd-socket-activate), in the test's
# network namespace, asked by unprivileged test users under no_new_privs
# through bridge-helper-client, bridge-helper-run / libbridge-helper and
# QEMU; the same refusals through both doors; the ACL edited while it runs.

bats_require_minimum_version 1.5.0
load common
load service
load qmp

QEMU=qemu-system-x86_64

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	ns_setup
	privbin_setup
	svc_setup
	nsx ip link add br1 type bridge
	nsx ip link set br1 up
	acl_write <<-EOF
	allow br0
	allow br1 group=bhg2
	queues br0 4
	EOF
	QPID=
	QERR="$BATS_TEST_TMPDIR/qemu.err"
}

teardown() {
	if [ -n "${QPID:-}" ]; then
		pkill -KILL -P "$QPID" 2>/dev/null
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	svc_teardown
	ns_teardown
	privbin_teardown
}

tap_name() { ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }' | head -n1; }

# --- both ways of starting it ------------------------------------------------

@test "foreground: bhu1 under no_new_privs gets a vnet_hdr TAP on br0 through bridge-helper-client; gone after" {
	svc_start
	run svc_client bhu1 --then='ip -d link show "$TAP"' --use-vnet --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ "$(field vnet_hdr)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *" mtu 1400 "* ]]
	[[ "$output" == *" user bhu1 "* ]]     # TUNSETOWNER: the caller's uid
	[[ "$output" == *"link/ether fe:"* ]]
	taps_gone
	# the log line: the core's, plus via=service and the peer's pid
	grep -Eq "uid=$(id -u bhu1) user=\"bhu1\" via=service pid=[0-9]+ allowed: bridge=\"br0\" tap=tap[0-9a-f]+ queues=1 sndbuf=0 rule=\"/etc/bridge-helper/bridge.conf:1\"" "$DLOG"
	svc_stop
}

@test "foreground: 4 queues and a capped sndbuf, as the setuid helper gives them" {
	acl_write <<-EOF
	allow br0
	sndbuf br0 65536
	queues br0 4
	EOF
	svc_start
	run svc_client bhu1 --br=br0 --queues=4 --sndbuf=1000000
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 4 ]
	[ "$(field multi_queue)" = 1 ]
	[ "$(field sndbuf)" = 65536 ]
	taps_gone
	svc_stop
}

@test "socket-activated (systemd-socket-activate --seqpacket): bhu2 gets a TAP on br1 by group" {
	svc_activate
	run svc_client bhu2 --br=br1
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	taps_gone
	run svc_client bhu1 --br=br1
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper-client: br1: denied: no rule matches" ]
	[ "$(tap_count)" -eq 0 ]
	svc_stop
}

@test "socket-activated with --idle-exit: exits when idle, starts again at the next connection" {
	ip netns exec "$NS" unshare -m --propagation private "$BASH" -c '
		set -e
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/ov/u,workdir=$1/ov/w" /etc
		mkdir -p /etc/bridge-helper; mount --bind "$2" /etc/bridge-helper
		umask 0
		for round in 1 2; do
			systemd-socket-activate --seqpacket -l "$3" "$4" --idle-exit=1 || exit 9
		done' bash "$SVCDIR" "$ACLDIR" "$SOCK" "$ROOT/bridge-helperd" 2>"$DLOG" 3>&- &
	DPID=$!
	_svc_wait && chmod 666 "$SOCK"
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	# the first one exits after a second idle (the loop then listens
	# again); the next client starts another, which answers it
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c '^Listening on' "$DLOG")" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(grep -c '^Listening on' "$DLOG")" -eq 2 ]
	chmod 666 "$SOCK"
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	[ "$(grep -c '^Execing ' "$DLOG")" -eq 2 ]
	wait "$DPID"       # the second one exits idle too; the loop ends
	DPID=
	taps_gone
}

# --- the library, no exec ------------------------------------------------------

@test "libbridge-helper (bridge-helper-run): the service path spawns no process (no helper, strace: no clone/fork)" {
	svc_start
	# auto mode with a helper path that does not exist: only the service can answer
	run as_user --nnp bhu1 strace -f -qq -e trace=clone,clone3,fork,vfork,execve \
		"$PRIVDIR/bridge-helper-run" --socket="$SOCK" --helper=/nonexistent \
		--br=br0 --queues=2 -- /bin/sh -c 'echo "FDS=$BRIDGE_HELPER_FDS IF=$BRIDGE_HELPER_IFNAME"'
	[ "$status" -eq 0 ]
	# two queue fds, at the lowest fds the caller left free (bats holds some)
	[[ "$output" =~ FDS=[0-9]+:[0-9]+\ IF=tap ]]
	# exactly two execve (bridge-helper-run itself, then COMMAND), no process made
	[ "$(grep -c 'execve(' <<<"$output")" -eq 2 ]
	grep -q 'execve("/bin/sh", \["/bin/sh", "-c"' <<<"$output"
	! grep -Eq '(clone|clone3|fork|vfork)\(' <<<"$output" || false
	taps_gone
	svc_stop
}

@test "libbridge-helper: tests/test_svc: blocking and non-blocking (bh_open_start/bh_op_step) forms, modes" {
	svc_start
	install -m 0755 "$ROOT/tests/test_svc" "$PRIVDIR/test_svc"
	run as_user bhu1 "$PRIVDIR/test_svc" "$SOCK" br0 "$PRIVDIR/bridge-helper-suid"
	sed 's/^/# /' <<<"$output" >&3
	[ "$status" -eq 0 ]
	taps_gone
	svc_stop
}

@test "bridge-helper-run: no service at --socket, auto mode: the setuid helper is spawned instead" {
	run as_user bhu1 "$PRIVDIR/bridge-helper-run" --socket="$SVCDIR/none" \
		--helper="$PRIVDIR/bridge-helper-suid" --br=br0 -- sh -c 'echo "IF=$BRIDGE_HELPER_IFNAME"'
	[ "$status" -eq 0 ]
	[[ "$output" == "IF=tap"* ]]
	taps_gone
}

# --- the same refusals through both doors --------------------------------------

# both_doors NAME ARGS...: the same request as bhu1 through the setuid
# helper and through the service; the same status, and the same message
# after the program's prefix; nothing created.
both_doors() {
	local hs ss
	run helper_client bhu1 "$@"
	hs=$status h=${lines[0]:-}
	run svc_client bhu1 "$@"
	ss=$status s=${lines[0]:-}
	echo "# helper: $hs $h" >&3
	echo "# service: $ss $s" >&3
	[ "$hs" -ne 0 ]
	[ "$hs" -eq "$ss" ]
	[[ "$h" == "bridge-helper: "* ]]
	[[ "$s" == "bridge-helper-client: "* ]]
	[ "${h#bridge-helper: }" = "${s#bridge-helper-client: }" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "every refusal: the same status and message through the setuid helper and the service" {
	nsx ip link add br3 type bridge
	acl_write <<-EOF
	allow br0
	allow br1 group=bhg2
	allow br3
	deny br3 user=bhu1
	allow br9
	allow p0
	limit br0 1 user=bhu1
	EOF
	svc_start
	both_doors --br=br1                         # no rule matches
	both_doors --br=br3                         # a deny rule
	both_doors --br=br9                         # allowed, no such bridge
	both_doors --br=p0                          # a veth, not a bridge
	both_doors --br=br0 --queues=0              # usage (args.c, both)
	both_doors --br=br0 --queues=300
	both_doors --br=bad/name
	both_doors --br=br0 --sndbuf=-1
	both_doors --br=br0 --use-vnet --fd=3       # --fd given twice
	# quota: one TAP held, the second refused the same way
	nsx ip tuntap add mode tap user bhu1 name held0
	nsx ip link set held0 master br0
	nsx ip link set held0 alias "bridge-helper uid=$(id -u bhu1)"
	run helper_client bhu1 --br=br0
	h=$status; hl=${lines[0]}
	run svc_client bhu1 --br=br0
	[ "$h" -eq 3 ] && [ "$status" -eq 3 ]
	[ "${hl#bridge-helper: }" = "${lines[0]#bridge-helper-client: }" ]
	[[ "${lines[0]}" == *"quota reached: 1 of 1 TAPs in use"* ]]
	nsx ip link del held0
	# a broken ACL: everything denied, with file and line, through both
	acl_write <<-EOF
	allow br0
	allow br0 bogus=1
	EOF
	both_doors --br=br0
	[[ "$s" == "bridge-helper-client: bad configuration, everything denied: /etc/bridge-helper/bridge.conf:2:11: unknown key 'bogus=' (expected user= or group=)" ]]
	# an unsafe ACL file (group-writable): the same check, the same message
	acl_write <<-EOF
	allow br0
	EOF
	chmod 664 "$ACL"
	both_doors --br=br0
	[[ "$s" == *"writable by group or others"* ]]
	svc_stop
}

@test "--check through the service: the same report as bridge-helper --check" {
	acl_write <<-EOF
	allow br0
	limit br0 4 group=bhg1
	sndbuf br0 1048576
	EOF
	svc_start
	run as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 0 ]
	want="$output"
	run as_user --nnp bhu1 "$CLIENT" --socket="$SOCK" --check --br=br0
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	run as_user --nnp bhu1 "$CLIENT" --socket="$SOCK" --check --br=br1
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu1 (uid $(id -u bhu1)) on br1: denied: no rule matches" ]
	svc_stop
}

# --- policy in memory, always current ------------------------------------------

@test "ACL edited while the service runs: allow -> deny, broken (logged once) -> fixed, no restart" {
	svc_start
	local pid=$DPID
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	acl_write <<-EOF
	deny br0 user=bhu1
	allow br0
	EOF
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper-client: br0: denied by /etc/bridge-helper/bridge.conf:1" ]
	acl_write <<-EOF
	allow br0
	alow br0
	EOF
	for i in 1 2 3; do
		run svc_client bhu1 --br=br0
		[ "$status" -eq 4 ]
		[ "${lines[0]}" = "bridge-helper-client: bad configuration, everything denied: /etc/bridge-helper/bridge.conf:2:1: unknown keyword 'alow'" ]
		run svc_client bhu2 --br=br1
		[ "$status" -eq 4 ]
	done
	# logged once, however many requests it denied
	[ "$(grep -c '^bridge-helperd\[[0-9]*\]: bad configuration, everything denied' "$DLOG")" -eq 1 ]
	acl_write <<-EOF
	allow br0
	EOF
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	grep -q 'the ACL is usable again' "$DLOG"
	[ "$DPID" = "$pid" ] && kill -0 "$pid"
	[ "$(tap_count)" -eq 0 ] || taps_gone
	svc_stop
}

@test "ACL: an included file edited, replaced by rename, removed: each seen at the next request" {
	mkdir -m 755 "$ACLDIR/bridge.d"
	acl_write <<-EOF
	include bridge.d/*.conf
	EOF
	acl_write "$ACLDIR/bridge.d/a.conf" <<-EOF
	allow br0
	EOF
	svc_start
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	acl_write "$ACLDIR/bridge.d/a.conf" <<-EOF
	deny br0
	EOF
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	printf 'allow br0\n' >"$ACLDIR/bridge.d/.new"
	chmod 644 "$ACLDIR/bridge.d/.new"
	mv "$ACLDIR/bridge.d/.new" "$ACLDIR/bridge.d/a.conf"
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	rm "$ACLDIR/bridge.d/a.conf"
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper-client: br0: denied: no rule matches" ]
	taps_gone
	svc_stop
}

@test "SIGHUP: a file new in an include directory that held none is read after SIGHUP" {
	mkdir -m 755 "$ACLDIR/bridge.d"
	acl_write <<-EOF
	include bridge.d/*.conf
	EOF
	svc_start
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	# sure to be outside the racy window: make the stamps old
	touch -d '-1 hour' "$ACL" "$ACLDIR" "$ACLDIR/bridge.d"
	kill -HUP "$DPID"
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	acl_write "$ACLDIR/bridge.d/a.conf" <<-EOF
	allow br0
	EOF
	touch -d '-1 hour' "$ACLDIR/bridge.d/a.conf" "$ACLDIR/bridge.d"
	kill -HUP "$DPID"
	for ((i = 0; i < 100; i++)); do
		grep -q 'SIGHUP' "$DLOG" && break
		sleep 0.02
	done
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	taps_gone
	svc_stop
}

# --- namespaces ------------------------------------------------------------------

@test "namespaces: a caller in another network namespace gets a TAP in the service's, on its bridge" {
	svc_start
	local other="$NS-x"
	ip netns add "$other"
	run ip netns exec "$other" setpriv --reuid=bhu1 --regid=bhg1 --init-groups \
		--no-new-privs -- "$PRIVDIR/tapinfo" \
		--then='echo "here=$(ip -o link show type tun | wc -l)"' -- \
		"$CLIENT" --fd=SOCK --socket="$SOCK" --br=br0
	ip netns del "$other"
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ "$(field here)" = 0 ]      # not in the caller's namespace
	[ "$(field name)" != "" ]
	taps_gone
	svc_stop
}

# --- QEMU ----------------------------------------------------------------------------

@test "QEMU under no_new_privs, -netdev bridge,helper=bridge-helper-client: a TAP on br0 carrying QEMU's frames" {
	svc_start
	nsx ip link set p1 up
	nsx ip link set p0 up
	qmp_start as_user --nnp --run-bh="$SVCDIR" bhu1 "$QEMU" -machine pc -S -nodefaults \
		-display none -netdev "bridge,id=n0,br=br0,helper=$CLIENT" \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile= \
		-boot strict=on
	[ "$(tap_count)" -eq 1 ]
	tap="$(tap_name)"
	run ip -n "$NS" -d link show "$tap"
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *"vnet_hdr on "* ]]
	[[ "$output" == *" user bhu1 "* ]]
	run hmp "info network"
	[[ "$output" == *"helper=$CLIENT,br=br0"* ]]
	# QEMU sends frames (self-announcements: RARP from the NIC's MAC)
	# into the TAP once the machine runs (no disk: only the firmware runs);
	# the bridge learns the MAC on the TAP's port.
	before=$(nsx cat "/sys/class/net/$tap/statistics/rx_packets")
	[[ "$(qmp '{"execute":"cont"}')" == '{"return": {}}' ]]
	[[ "$(qmp '{"execute":"announce-self","arguments":{"initial":20,"max":40,"rounds":5,"step":10}}')" == '{"return": {}}' ]]
	for ((i = 0; i < 200; i++)); do
		[ "$(nsx cat "/sys/class/net/$tap/statistics/rx_packets")" -ge $((before + 5)) ] && break
		sleep 0.02
	done
	[ "$(nsx cat "/sys/class/net/$tap/statistics/rx_packets")" -ge $((before + 5)) ]
	run nsx bridge fdb show br br0
	[[ "$output" == *"52:54:00:12:34:56 dev $tap"* ]]   # learnt from QEMU's frames
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	taps_gone
	svc_stop
}

@test "QEMU under no_new_privs, a denied bridge: QEMU fails with the service's reason, no TAP" {
	svc_start
	run as_user --nnp --run-bh="$SVCDIR" bhu1 "$QEMU" -machine none -nodefaults -S \
		-display none -netdev "bridge,id=n0,br=br1,helper=$CLIENT"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bridge-helper-client: br1: denied: no rule matches"* ]]
	[[ "$output" == *"bridge helper failed"* ]]
	[ "$(tap_count)" -eq 0 ]
	svc_stop
}

@test "the setuid helper under no_new_privs cannot work; the service can (why service mode exists)" {
	svc_start
	run as_user --nnp bhu1 "$PRIVDIR/tapinfo" -- "$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 1 ]
	[[ "$output" == "bridge-helper: no CAP_NET_ADMIN"* ]]
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	taps_gone
	svc_stop
}

@test "bridge-helperd: --acl refused unless started by root; usage errors; no CAP_NET_ADMIN" {
	run nsx setpriv --reuid=bhu1 --regid=bhg1 --clear-groups "$ROOT/bridge-helperd" \
		--socket="$SVCDIR/x" --acl="$ACL"
	[ "$status" -eq 2 ]
	[[ "$output" == "bridge-helperd: --acl is only for a service started by root"* ]]
	run nsx setpriv --reuid=bhu1 --regid=bhg1 --clear-groups "$ROOT/bridge-helperd" \
		--socket="$SVCDIR/x"
	[ "$status" -eq 1 ]
	[[ "$output" == "bridge-helperd: no CAP_NET_ADMIN"* ]]
	[ ! -e "$SVCDIR/x" ]
	run "$ROOT/bridge-helperd" --bogus
	[ "$status" -eq 2 ]
	[ "$output" = "bridge-helperd: unknown or malformed option '--bogus' (see --help)" ]
	run "$ROOT/bridge-helperd" --idle-exit=0
	[ "$status" -eq 2 ]
	svc_start
	# a second one on the same socket is refused; the first goes on
	run nsx "$ROOT/bridge-helperd" --socket="$SOCK"
	[ "$status" -eq 1 ]
	[ "$output" = "bridge-helperd: $SOCK: another service answers there" ]
	run svc_client bhu1 --br=br0
	[ "$status" -eq 0 ]
	taps_gone
	# its privilege: root, CAP_NET_ADMIN only, no groups, no_new_privs
	run grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' "/proc/$DPID/status"
	[[ "$output" == *"CapPrm:	0000000000001000"* ]]
	[[ "$output" == *"CapEff:	0000000000001000"* ]]
	[[ "$output" == *"CapBnd:	0000000000001000"* ]]
	[[ "$output" == *"CapInh:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$(grep '^Groups:' "/proc/$DPID/status")" =~ ^Groups:[[:space:]]*$ ]]
	svc_stop
	[ ! -e "$SOCK" ]           # its own socket, removed on exit
}
