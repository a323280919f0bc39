#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# bridge-helperd against hostile clients (GitHub issue 12, "no client can
# hurt another"): the attacker bhu2 sends nothing, garbage, huge, truncated
# or fd-carrying messages, dies halfway, never reads its replies, opens a
# thousand connections; the victim bhu1 must still be served (success
# asserted; generous bounds, no timing assertions), and the service must
# leak no fd and no TAP and stay up. Load is bounded in count and time.

bats_require_minimum_version 1.5.0
load common
load service

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	ns_setup
	privbin_setup
	svc_setup
	acl_write <<-EOF
	allow br0
	queues br0 2
	EOF
	APID=
	AIN="$BATS_TEST_TMPDIR/attacker.in"
	AOUT="$BATS_TEST_TMPDIR/attacker.out"
}

teardown() {
	[ -n "${APID:-}" ] && { kill -KILL "$APID" 2>/dev/null; wait "$APID" 2>/dev/null; }
	svc_teardown
	ns_teardown
	privbin_teardown
}

# attacker MODE N: svc-peer.py as bhu2 in the background, holding what it
# opened until attacker_end; waits (bounded) for its first line.
attacker() {
	rm -f "$AIN"
	mkfifo "$AIN"
	(ulimit -n 4096; as_user bhu2 python3 "$PEER" "$SOCK" "$@" <"$AIN" >"$AOUT" 2>&1 3>&-) &
	APID=$!
	exec {AFD}>"$AIN"
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -s "$AOUT" ] && return 0
		sleep 0.02
	done
	cat "$AOUT" >&3
	return 1
}

attacker_end() {
	exec {AFD}>&-
	wait "$APID"
	APID=
}

# until_fds N: the daemon's fd count back to N (bounded: 20 s)
until_fds() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(svc_fds)" -le "$1" ] && return 0
		sleep 0.05
	done
	echo "# daemon fds: $(svc_fds), expected $1" >&3
	return 1
}

victim() {   # bhu1 gets a TAP, within a generous bound
	run timeout 20 "$BASH" -c "$(declare -f as_user svc_client); $(printf 'NS=%q ACLDIR=%q OVDIR=%q PRIVDIR=%q CLIENT=%q SOCK=%q' "$NS" "$ACLDIR" "$OVDIR" "$PRIVDIR" "$CLIENT" "$SOCK"); svc_client bhu1 --br=br0"
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
}

peer() { as_user bhu2 python3 "$PEER" "$SOCK" "$@"; }

@test "connect and send nothing: the victim is served meanwhile; the idle ones are closed at the deadline" {
	svc_start
	local base; base=$(svc_fds)
	attacker idle 20
	[ "$(cat "$AOUT")" = "open 20" ]
	[ "$(svc_fds)" -ge $((base + 20)) ]
	victim
	until_fds "$base"                   # the 5 s deadline closed them
	attacker_end
	[ "$(tail -n1 "$AOUT")" = "closed-by-service 20" ]
	svc_stop
}

@test "garbage, other versions, unknown keys, bad values, truncated: usage status and a precise message, nothing created" {
	svc_start
	local base; base=$(svc_fds)
	check() {   # TEXT EXPECTED-MSG
		run peer send "$1"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "reply: bridge-helper/1|status=2|msg=bad request: $2" ]
		[ "${lines[1]}" = "fds=0" ]
	}
	check 'hello' 'not a bridge-helper/1 message'
	check 'bridge-helper/3\nbr=br0\n' 'protocol version 3 is not spoken here (this side speaks 1 to 2)'
	check 'bridge-helper/0\nbr=br0\n' 'protocol version 0 is not spoken here (this side speaks 1 to 2)'
	check 'bridge-helper/02\nbr=br0\n' 'not a bridge-helper/1 message'
	check 'bridge-helper/1\n' 'no br= in the request'
	check 'bridge-helper/1\nbr=br0' 'line 2: no newline at the end'
	check 'bridge-helper/1\nbr=br0\nfoo=1\n' "line 3: unknown key 'foo'"
	check 'bridge-helper/1\nbr=br0\nmac=fe:00:00:00:00:01\n' 'line 3: mac= is not in protocol version 1 (it needs bridge-helper/2)'
	check 'bridge-helper/2\nbr=br0\nmac=01:00:00:00:00:01\n' 'line 3: invalid mac: a unicast address xx:xx:xx:xx:xx:xx'
	check 'bridge-helper/2\nbr=br0\nmac=fe:00:00:00:00:1\n' 'line 3: invalid mac: xx:xx:xx:xx:xx:xx'
	check 'bridge-helper/2\nbr=br0\nmac=fe:00:00:00:00:01\nmac=fe:00:00:00:00:01\n' 'line 4: mac given twice'
	check 'bridge-helper/1\nbr=br0\nbr=br0\n' 'line 3: br given twice'
	check 'bridge-helper/1\nbr=br0\nqueues=0\n' 'line 3: invalid queues: 1 to 256'
	check 'bridge-helper/1\nbr=br0\nqueues=257\n' 'line 3: invalid queues: 1 to 256'
	check 'bridge-helper/1\nbr=br0\nqueues=01\n' 'line 3: invalid queues: 1 to 256'
	check 'bridge-helper/1\nbr=br0\nsndbuf=2147483648\n' 'line 3: invalid sndbuf: 1 to 2147483647'
	check 'bridge-helper/1\nbr=abcdefghijklmnop\n' 'line 2: invalid br: 1 to 15 bytes'
	check 'bridge-helper/1\nbr=a/b\n' "line 2: invalid br 'a/b'"
	check 'bridge-helper/1\nbr=br0 \n' "line 2: byte 0x20 in 'br'"
	check 'bridge-helper/1\nbr=br0\x00\n' "line 2: byte 0x00 in 'br'"
	check 'bridge-helper/1\n\nbr=br0\n' 'line 2: not KEY=VALUE'
	check 'bridge-helper/1\nBR=br0\n' 'line 2: a key is lowercase letters'
	check 'bridge-helper/1\nop=destroy\nbr=br0\n' 'line 2: op is create or check'
	run peer huge 100000
	[ "${lines[0]}" = "reply: bridge-helper/1|status=2|msg=bad request: larger than 512 bytes" ]
	run peer sendfd 'bridge-helper/1\nbr=br0\n'
	[ "${lines[0]}" = "reply: bridge-helper/1|status=2|msg=bad request: it carries ancillary data (fds?)" ]
	run peer send ''
	[ "${lines[0]}" = "no reply" ]
	[ "$(tap_count)" -eq 0 ]
	until_fds "$base"                   # the fd sent to it is not kept either
	# and a well-formed one from the same user works
	run peer send 'bridge-helper/1\nbr=br0\nvnet=1\nqueues=2\n'
	[[ "${lines[0]}" == "reply: bridge-helper/1|status=0|tap=tap"*"|vnet=1|queues=2|sndbuf=0" ]]
	[ "${lines[1]}" = "fds=2" ]
	taps_gone
	svc_stop
}

@test "random bytes: 300 messages, then the victim is served and the service is up" {
	svc_start
	local base; base=$(svc_fds)
	run as_user bhu2 python3 -c '
import os, socket, sys
answered = 0
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(20)
    s.connect(sys.argv[1])
    n = int.from_bytes(os.urandom(2), "little") % 700
    # one at a time: read the answer before the next, so that the per-uid
    # cap (connections until the service sees them closed) never refuses one
    s.send(b"bridge-helper/1\n" + os.urandom(n) if i % 2 else os.urandom(n + 1))
    if s.recv(4096).startswith(b"bridge-helper/1\nstatus=2\n"):
        answered += 1
    s.close()
print("answered", answered)' "$SOCK"
	[ "$output" = "answered 300" ]
	victim
	until_fds "$base"
	taps_gone
	svc_stop
}

@test "dying halfway (request sent, connection closed at once), 100 times: no TAP and no fd left" {
	svc_start
	local base; base=$(svc_fds)
	run peer halfway 100
	[ "$output" = "done 100" ]
	victim
	taps_gone
	until_fds "$base"
	svc_stop
}

@test "never reading the replies: the TAPs wait in the attacker's socket, count against its cap, die with it" {
	svc_start
	local base; base=$(svc_fds)
	attacker unread 32
	[ "$(cat "$AOUT")" = "sent 32" ]
	until_taps 32                        # created and handed over (in flight)
	victim                               # another uid: not capped
	# the attacker's own 33rd is refused while its 32 are open
	run peer send 'bridge-helper/1\nbr=br0\n'
	[ "${lines[0]}" = "reply: bridge-helper/1|status=1|msg=too many connections from uid $(id -u bhu2) (at most 32 at once)" ]
	# the same through bridge-helper-client: its message, system error
	run as_user bhu2 "$PRIVDIR/tapinfo" -- "$CLIENT" --fd=SOCK --socket="$SOCK" --br=br0
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "bridge-helper-client: too many connections from uid $(id -u bhu2) (at most 32 at once)" ]
	attacker_end
	taps_gone                            # its socket closed: the fds with it
	until_fds "$base"
	svc_stop
}

@test "1000 connections from one uid: 32 held, the rest refused; another uid is served meanwhile" {
	svc_start
	local base; base=$(svc_fds)
	attacker flood 1000
	[ "$(cat "$AOUT")" = "held 32 refused 968" ]
	[ "$(svc_fds)" -le $((base + 32 + 2)) ]
	victim
	victim
	attacker_end
	until_fds "$base"
	taps_gone
	svc_stop
}

@test "two users at once: the attacker floods (idle, garbage, halfway) while the victim asks 20 times: all succeed" {
	svc_start
	local base; base=$(svc_fds)
	attacker idle 32
	as_user bhu2 python3 -c '
import socket, sys
for i in range(2000):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sys.argv[1])
        s.send(b"garbage" if i % 2 else b"bridge-helper/1\nbr=br0\n")
        s.close()
    except OSError:
        pass' "$SOCK" 3>&- &
	local spam=$!
	for i in $(seq 20); do
		victim
	done
	wait "$spam"
	attacker_end
	until_fds "$base"
	taps_gone
	svc_stop
}

@test "the service killed (SIGKILL) while a client holds its TAP: the TAP lives on with the client's fd" {
	svc_start
	run nsx "$PRIVDIR/tapinfo" --then="kill -KILL $DPID; while kill -0 $DPID 2>/dev/null; do sleep 0.02; done; ip link show \"\$TAP\" >/dev/null && echo still=yes" \
		-- "$CLIENT" --fd=SOCK --socket="$SOCK" --br=br0
	[ "$status" -eq 0 ]
	[ "$(field still)" = yes ]
	wait "$DPID" 2>/dev/null || true
	DPID=
	taps_gone
}
