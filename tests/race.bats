#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Races between users (issue 9), always two real users at once, through the
# setuid and the file-capability copies, with /dev/net/tun at mode 0666 (as
# Debian's udev makes it: the attacks need it):
#  - queue hijack: bhu3 tries to attach a queue to bhu1's multi-queue TAPs,
#    racing (tests/qhijack: watching rtnetlink and spinning on predicted
#    names) and deterministically (bhu1's helper stopped in the window);
#  - quota denial of service: a helper stopped (SIGSTOP) right after the
#    TUNSETIFF that made its TAP (tests/stopat, no ptrace) counts against its
#    own user only, even when another user forges the TAP's owner.
# SECURITY.md maps each finding to its test here.
#
# Users (tests/common.bash): bhu1 (the victim), bhu2 (another user under the
# same limit), bhu3 (the attacker).

bats_require_minimum_version 1.5.0

load common

E=/etc/bridge-helper/bridge.conf
TUNSETIFF=0x400454ca
TUNSETOWNER=0x400454cc
COPIES="suid caps"

setup_file() {
	users_privbin_setup
	install -m 0755 "$ROOT/tests/qhijack" "$PRIVDIR/qhijack"
}
teardown_file() { users_privbin_teardown; }

setup() {
	ns_setup
	# Scratch space the test users can reach (fifos, overlays, outputs).
	H="$(mktemp -d /tmp/bh-race.XXXXXX)"
	chmod 755 "$H"
	ATTACKER= ATTACKER_JOB=
	HOLDERS=()
}

teardown() {
	local p n
	# Stopped helpers first (by pid, as stopat reported them): killed, their
	# TAPs go with them.
	for p in $(cat "$H"/*.out 2>/dev/null | sed -n 's/^stopped pid=//p'); do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$ATTACKER" ] && kill -TERM "$ATTACKER" 2>/dev/null
	for n in "${HOLDERS[@]}"; do release "$n" 2>/dev/null || true; done
	wait
	ns_teardown
	rm -rf "$H"
	true
}

# --- helpers ------------------------------------------------------------------

bin() { echo "$PRIVDIR/bridge-helper-$1"; }
uid_of() { id -u "$1"; }

# launch [--then=SHELL] COPY USER ARGS...: one launch as USER through COPY
launch() {
	local then=()
	[[ "$1" == --then=* ]] && { then=("$1"); shift; }
	local copy=$1 u=$2
	shift 2
	as_user --tun-0666 "$u" "$PRIVDIR/tapinfo" "${then[@]}" \
		-- "$(bin "$copy")" --fd=SOCK "$@"
}

# prompt COPY USER ARGS...: launch, in $output/$status, and fail if it took
# 10 s or more: a launch must never wait for another user's helper (the
# bound is generous; a launch takes milliseconds).
prompt() {
	local t0=${EPOCHREALTIME/./}
	run --separate-stderr launch "$@"
	[ $((${EPOCHREALTIME/./} - t0)) -lt 10000000 ]
}

# hold NAME [--stopped[=REQUEST]] COPY USER ARGS...: a launch in the
# background that keeps its TAP until `release NAME` (blocked reading its
# own fifo); "held" in $H/NAME.out once it has it (settled, finished and
# release are in tests/common.bash). With --stopped it runs
# under tests/stopat: its helper gets SIGSTOP at its first ioctl REQUEST
# (default TUNSETOWNER: right after the TUNSETIFF that made its TAP), which
# thus has not run yet; waits for that, sets $SPID.
hold() {
	local n=$1 stop=()
	shift
	case $1 in
	--stopped) stop=("$ROOT/tests/stopat" "--ioctl=$TUNSETOWNER" --); shift ;;
	--stopped=*) stop=("$ROOT/tests/stopat" "--ioctl=${1#--stopped=}" --); shift ;;
	esac
	local copy=$1 u=$2 i
	shift 2
	mkfifo -m 666 "$H/$n.fifo"
	mkdir "$H/$n.ov"
	NS="$NS" ACLDIR="$ACLDIR" OVDIR="$H/$n.ov" "${stop[@]}" \
		"$BASH" -c "$(declare -f as_user)"'; as_user --tun-0666 "$@"' \
		bash "$u" "$PRIVDIR/tapinfo" --then="echo held; read x <> $H/$n.fifo" \
		-- "$(bin "$copy")" --fd=SOCK "$@" >"$H/$n.out" 2>"$H/$n.err" 3>&- &
	echo $! >"$H/$n.pid"
	HOLDERS+=("$n")
	[ ${#stop[@]} -eq 0 ] && return 0
	SPID=
	for ((i = 0; i < 400; i++)); do
		SPID=$(sed -n 's/^stopped pid=//p' "$H/$n.out" 2>/dev/null || true)
		[ -n "$SPID" ] && break
		sleep 0.05
	done
	[ -n "$SPID" ] && [ "$(state "$SPID")" = T ]
}

state() { sed -n 's/^State:\t\(.\).*/\1/p' "/proc/$1/status"; }

# attacker_start USER ARGS...: tests/qhijack as USER, in the background,
# until attacker_stop (which puts its summary line in $summary).
attacker_start() {
	local u=$1 i
	shift
	mkdir "$H/att.ov"
	OVDIR="$H/att.ov" as_user --tun-0666 "$u" "$PRIVDIR/qhijack" --seconds=600 "$@" \
		>"$H/att.log" 2>&1 3>&- &
	ATTACKER_JOB=$!
	for ((i = 0; i < 400; i++)); do
		ATTACKER=$(sed -n 's/^ready pid=//p' "$H/att.log" 2>/dev/null || true)
		[ -n "$ATTACKER" ] && return 0
		sleep 0.05
	done
	return 1
}
attacker_stop() {
	kill -TERM "$ATTACKER"
	wait "$ATTACKER_JOB" || true
	ATTACKER=
	summary=$(grep '^attached=' "$H/att.log")
	echo "# attacker: $summary" >&3
}

# lines_of FILE PATTERN: how many lines of FILE match PATTERN.
lines_of() { grep -c -- "$2" "$1" || true; }

# The TUN/TAP links of $NS, one line each, with their tun details.
taps() { ip -n "$NS" -d -o link show type tun; }


# --- queue hijack -------------------------------------------------------------

# hijack_race COPY N: bhu3 races for queues of bhu1's N 4-queue launches.
hijack_race() {
	local copy=$1 n=$2 k tap got=()
	printf 'allow br0 user=bhu1\nqueues br0 4\n' | acl_write
	attacker_start bhu3 --spin=16
	# (word lists, not C-style loops, where `run` is called: bats' run
	# uses the global i)
	for k in $(seq "$n"); do
		run --separate-stderr launch --then='ip -d -o link show dev "$TAP"' \
			"$copy" bhu1 --br=br0 --queues=4
		[ "$status" -eq 0 ]
		[ -z "$stderr" ]
		[ "$(field fds)" = 4 ]
		tap=$(field name)
		# while bhu1 holds it: its 4 queues and no other, owned by bhu1,
		# on br0
		[[ "$output" == *" master br0 "* ]]
		[[ "$output" == *" multi_queue numqueues 4 numdisabled 0 "* ]]
		[[ "$output" == *" user bhu1 "* ]]
		got+=("$tap")
	done
	attacker_stop
	# whatever queues the attacker got in the window, none is alive, and
	# none was on a TAP bhu1 received
	[[ "$summary" == "attached="*" alive=0 "* ]]
	for tap in "${got[@]}"; do
		run ! grep -qx "attached $tap" "$H/att.log"
	done
	echo "# bhu1's launches: $n, all succeeded; attacker's queues destroyed with" \
		"their TAP: $(lines_of "$H/att.log" '^attached ')" >&3
	until_taps 0
}

@test "queue hijack: bhu3 racing (watching and spinning) gets no queue of bhu1's 50 --queues=4 TAPs; all 50 launches succeed (setuid)" {
	hijack_race suid 50
}

@test "queue hijack: bhu3 racing (watching and spinning) gets no queue of bhu1's 50 --queues=4 TAPs; all 50 launches succeed (file capability)" {
	hijack_race caps 50
}

@test "queue hijack: bhu3 attaching while bhu1's helper is stopped in the window: that TAP is destroyed (bhu3's queue dies), bhu1 gets a new one, all its own" {
	printf 'allow br0 user=bhu1\nqueues br0 4\n' | acl_write
	local copy first
	for copy in $COPIES; do
		attacker_start bhu3 --once
		hold "v$copy" --stopped "$copy" bhu1 --br=br0 --queues=4
		# the TAP, made, with no owner yet; bhu3 gets a queue of it
		first=$(taps | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p')
		[ -n "$first" ]
		for ((i = 0; i < 400; i++)); do
			grep -qx "attached $first" "$H/att.log" && break
			sleep 0.05
		done
		grep -qx "attached $first" "$H/att.log"
		kill -CONT "$SPID"
		settled "v$copy"
		# bhu1's TAP: another one, with bhu1's 4 queues only
		local tap
		tap=$(sed -n 's/^name=//p' "$H/v$copy.out")
		[ -n "$tap" ] && [ "$tap" != "$first" ]
		[ "$(taps | grep -c .)" -eq 1 ]
		taps | grep " $tap: " | grep -q " master br0 "
		taps | grep -q " numqueues 4 numdisabled 0 .* user bhu1 "
		attacker_stop
		[[ "$summary" == "attached=1 alive=0 "* ]]
		release "v$copy"
		until_taps 0
		rm -rf "$H/att.ov"
	done
}

@test "queue hijack: a stranger in every one of 8 tries: refused (exit 1, one line), nothing enslaved, nothing left" {
	printf 'allow br0 user=bhu1\nqueues br0 4\n' | acl_write
	local k pid
	attacker_start bhu3
	mkfifo -m 666 "$H/v.fifo"
	mkdir "$H/v.ov"
	NS="$NS" ACLDIR="$ACLDIR" OVDIR="$H/v.ov" \
		"$ROOT/tests/stopat" "--ioctl=$TUNSETOWNER" --stops=8 -- \
		"$BASH" -c "$(declare -f as_user)"'; as_user --tun-0666 "$@"' \
		bash bhu1 "$PRIVDIR/tapinfo" -- "$(bin suid)" --fd=SOCK --br=br0 --queues=2 \
		>"$H/v.out" 2>"$H/v.err" 3>&- &
	pid=$!
	for ((k = 1; k <= 8; k++)); do
		for ((i = 0; i < 400; i++)); do
			[ "$(lines_of "$H/v.out" '^stopped pid=')" -ge "$k" ] &&
				[ "$(lines_of "$H/att.log" '^attached ')" -ge "$k" ] && break
			sleep 0.05
		done
		[ "$(lines_of "$H/att.log" '^attached ')" -eq "$k" ]
		# never on the bridge
		[ "$(taps | grep -c " master br0 ")" -eq 0 ]
		kill -CONT "$(sed -n 's/^stopped pid=//p' "$H/v.out" | tail -n1)"
	done
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 1 ]
	[ "$(cat "$H/v.err")" = "bridge-helper: br0: another process attached a queue to each of the 8 TAPs made (last: 3 queues attached and 0 detached, 2 made)" ]
	attacker_stop
	[[ "$summary" == "attached=8 alive=0 "* ]]
	until_taps 0
}

@test "single-queue TAPs: bhu3 racing gets nothing, the kernel refuses every try (EBUSY/EINVAL/EPERM)" {
	acl_write <<<"allow br0 user=bhu1"
	local copy k
	attacker_start bhu3
	for copy in $COPIES; do
		for k in $(seq 10); do
			run --separate-stderr launch "$copy" bhu1 --br=br0
			[ "$status" -eq 0 ]
			[ "$(field fds)" = 1 ]
		done
	done
	attacker_stop
	[[ "$summary" == "attached=0 alive=0 tries="* ]]
	[[ "$summary" != *" tries=0 "* ]]
	until_taps 0
}

# --- quota: a stopped launch hurts only its own user ------------------------------

@test "quota: bhu1's helper stopped (SIGSTOP) right after TUNSETIFF makes no launch of bhu2 fail or wait; it counts against bhu1 alone" {
	acl_write <<-'EOF'
	allow br0
	limit br0 1
	EOF
	local copy i
	for copy in $COPIES; do
		hold "a$copy" --stopped "$copy" bhu1 --br=br0
		# its TAP exists, with no owner yet, on no bridge
		[ "$(tap_count)" -eq 1 ]
		[ "$(taps | grep -c " user ")" -eq 0 ]
		for i in 1 2 3; do
			prompt "$copy" bhu2 --br=br0
			[ "$status" -eq 0 ]
			[ "$(field fds)" = 1 ]
			[ -z "$stderr" ]
		done
		run as_user --tun-0666 bhu2 "$(bin "$copy")" --check --br=br0
		[ "${lines[1]}" = "quota: 0 of 1 in use (limit at $E:2)" ]
		# bhu1's own launch is charged with it
		prompt "$copy" bhu1 --br=br0
		[ "$status" -eq 3 ]
		[ "$stderr" = "bridge-helper: br0: quota reached: 1 of 1 TAPs in use (limit at $E:2)" ]
		run as_user --tun-0666 bhu1 "$(bin "$copy")" --check --br=br0
		[ "${lines[1]}" = "quota: 1 of 1 in use (limit at $E:2)" ]
		kill -KILL "$SPID"
		finished "a$copy"
		until_taps 0
		prompt "$copy" bhu1 --br=br0
		[ "$status" -eq 0 ]
	done
}

@test "quota: bhu3 takes a queue of its own stopped launch's TAP and makes bhu2 its owner (TUNSETOWNER): bhu2's quota is untouched" {
	acl_write <<-'EOF'
	allow br0
	limit br0 1
	queues br0 2
	EOF
	local i
	attacker_start bhu3 --once "--give=$(uid_of bhu2)"
	hold m --stopped suid bhu3 --br=br0 --queues=2
	for ((i = 0; i < 400; i++)); do
		grep -q '^gave ' "$H/att.log" && break
		sleep 0.05
	done
	grep -q '^gave ' "$H/att.log"
	# the kernel now says bhu2 owns it
	taps | grep -q " user bhu2 "
	prompt suid bhu2 --br=br0
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run as_user bhu2 "$(bin suid)" --check --br=br0
	[ "${lines[1]}" = "quota: 0 of 1 in use (limit at $E:2)" ]
	# continued, bhu3's helper finds the stranger's queue: made again
	kill -CONT "$SPID"
	settled m
	taps | grep -q " numqueues 2 numdisabled 0 .* user bhu3 "
	attacker_stop
	[[ "$summary" == "attached=1 alive=0 "* ]]
	release m
	until_taps 0
}

@test "quota stays exact around stopped launches: limit 1, bhu1's A stopped before its TUNSETIFF, B stopped after its own; continued: exactly 1 TAP" {
	acl_write <<-'EOF'
	allow br0
	limit br0 1
	EOF
	local a b
	# A is past the quota's first count and has no TAP yet; B, started
	# after, is past it too, and has made its TAP (no owner yet)
	hold a --stopped=$TUNSETIFF suid bhu1 --br=br0
	a=$SPID
	[ "$(tap_count)" -eq 0 ]
	hold b --stopped suid bhu1 --br=br0
	b=$SPID
	[ "$(tap_count)" -eq 1 ]
	# stopped, B's TAP counts against bhu1, and nobody else
	prompt suid bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: quota reached: 1 of 1 TAPs in use (limit at $E:2)" ]
	prompt suid bhu2 --br=br0
	[ "$status" -eq 0 ]
	# A goes on first: its TAP comes after B's, which counts against it
	kill -CONT "$a"
	finished a
	[ "$status" -eq 3 ]
	[ "$(cat "$H/a.err")" = "bridge-helper: br0: quota reached: 1 of 1 TAPs in use (limit at $E:2)" ]
	kill -CONT "$b"
	settled b
	until_taps 1
	[ "$(owned bhu1)" -eq 1 ]
	release b
	until_taps 0
}

@test "limit br0 2: 16 launches at once by bhu1 (--queues=2) while bhu2's helper is stopped after TUNSETIFF and bhu3 races for queues: exactly 2 TAPs, only bhu1's queues" {
	acl_write <<-'EOF'
	allow br0
	limit br0 2
	queues br0 2
	EOF
	local i
	hold x --stopped suid bhu2 --br=br0
	attacker_start bhu3 --spin=16
	for i in $(seq 1 16); do
		hold "c$i" suid bhu1 --br=br0 --queues=2
	done
	tally "bridge-helper: br0: quota reached: [0-9]+ of 2 TAPs in use \(limit at $E:2\)" \
		$(printf 'c%d ' $(seq 1 16))
	[ "$held" -eq 2 ]
	[ "$refused" -eq 14 ]
	until_taps 3           # bhu1's two, and bhu2's stopped one
	[ "$(owned bhu1)" -eq 2 ]
	[ "$(taps | grep " master br0 " | grep -c " numqueues 2 numdisabled 0 ")" -eq 2 ]
	attacker_stop
	[[ "$summary" == "attached="*" alive=0 "* ]]
}
