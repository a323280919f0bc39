#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# libbridge-helper and bridge-helper-run against tests/fake-helper.
# No privilege and no network namespace needed: the fake sends /dev/null fds.
# Tests against the real helper in a namespace live elsewhere.

bats_require_minimum_version 1.5.0
load common   # CLEAN

setup() {
	ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	RUN="$ROOT/bridge-helper-run"
	FAKE="$ROOT/tests/fake-helper"
	D="$BATS_TEST_TMPDIR"
	for m in good deny hang fd-check; do
		ln -sf "$FAKE" "$D/$m"
	done
	MARKER="$D/command-ran"
}

# Usage errors: exit 2, one line naming the program, COMMAND not run.
usage_error() {
	run "$RUN" --helper="$D/good" "$@" touch "$MARKER"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "bridge-helper-run: "* ]]
	[ ! -e "$MARKER" ]
}

@test "test_client: the library against every fake helper" {
	run "$ROOT/tests/test_client"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"1.."* ]]
}

@test "one queue: fd 3 is the TAP, BRIDGE_HELPER_FDS=3" {
	run "${CLEAN[@]}" "$RUN" --helper="$D/good" --br=br0 -- \
		sh -c 'ls -l /proc/self/fd/3; echo "FDS=$BRIDGE_HELPER_FDS"'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"/proc/self/fd/3 -> /dev/null" ]]
	[ "${lines[1]}" = "FDS=3" ]
}

@test "--queues=4: fds 3 to 6, BRIDGE_HELPER_FDS=3:4:5:6" {
	run "${CLEAN[@]}" "$RUN" --helper="$D/good" --br=br0 --queues=4 -- \
		sh -c 'for fd in 3 4 5 6; do readlink /proc/$$/fd/$fd; done; echo "FDS=$BRIDGE_HELPER_FDS"'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/dev/null\n%.0s' 1 2 3 4)
FDS=3:4:5:6" ]
}

@test "the TAP fds are not close-on-exec, and nothing else of ours leaks" {
	# Start from a process with only 0-2 open, so any extra fd is ours.
	run "${CLEAN[@]}" "$RUN" --helper="$D/good" --br=br0 --queues=2 -- \
		ls -l /proc/self/fd
	[ "$status" -eq 0 ]
	# COMMAND is ls itself (a shell would add fds of its own); drop the
	# directory ls is reading.
	fds="$(awk '$(NF-1) == "->" && $NF !~ "^/proc/" { print $(NF-2) }' <<<"$output" |
		sort -n | tr '\n' ' ')"
	[ "$fds" = "0 1 2 3 4 " ]
}

@test "caller's fds: never replaced, kept for COMMAND, none reach the helper; the TAP takes the lowest free ones" {
	# fd-check exits 9 if it sees any fd but 0-3.
	run bash -c 'exec 3</etc/passwd 4</etc/passwd 6</etc/passwd; exec "$@"' _ \
		"$RUN" --helper="$D/fd-check" --br=br0 --queues=3 -- \
		sh -c 'for fd in 3 4 5 6 7 8; do readlink /proc/$$/fd/$fd; done; echo "FDS=$BRIDGE_HELPER_FDS"'
	[ "$status" -eq 0 ]
	[ "$output" = "/etc/passwd
/etc/passwd
/dev/null
/etc/passwd
/dev/null
/dev/null
FDS=5:7:8" ]
}

@test "nested runs: the inner one keeps the outer's fds and takes the next free ones; the variables are the inner's" {
	run "${CLEAN[@]}" "$RUN" --helper="$D/good" --br=br0 --queues=2 -- \
		"$RUN" --helper="$D/good" --br=br1 -- \
		sh -c 'readlink /proc/$$/fd/3 /proc/$$/fd/4 /proc/$$/fd/5
			[ -e /proc/$$/fd/6 ] || echo "6 not open"
			echo "FDS=$BRIDGE_HELPER_FDS"'
	[ "$status" -eq 0 ]
	[ "$output" = "/dev/null
/dev/null
/dev/null
6 not open
FDS=5" ]
	# the documented way to keep the outer values
	run "${CLEAN[@]}" "$RUN" --helper="$D/good" --br=br0 --queues=2 -- \
		sh -c 'BR0_FDS=$BRIDGE_HELPER_FDS exec "$0" --helper="$1" --br=br1 -- \
			sh -c "echo \$BR0_FDS \$BRIDGE_HELPER_FDS"' "$RUN" "$D/good"
	[ "$status" -eq 0 ]
	[ "$output" = "3:4 5" ]
}

@test "BRIDGE_HELPER_IFNAME: a stale value is not passed on when the name is unknown" {
	BRIDGE_HELPER_IFNAME=stale run "$RUN" --helper="$D/good" --br=br0 -- \
		sh -c 'echo "${BRIDGE_HELPER_IFNAME-unset}"'
	[ "$status" -eq 0 ]
	[ "$output" = unset ]
}

@test "denied: the helper's reason, exit 125, COMMAND never runs" {
	run "$RUN" --helper="$D/deny" --br=br0 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper exited with status 3: bridge-helper: br0: denied by test" ]
	[ ! -e "$MARKER" ]
}

@test "missing helper: exit 125, COMMAND never runs" {
	run "$RUN" --helper="$D/nonexistent" --br=br0 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: cannot run helper $D/nonexistent: No such file or directory" ]
	[ ! -e "$MARKER" ]
}

@test "--timeout: a hanging helper is killed, exit 125, COMMAND never runs" {
	run "$RUN" --helper="$D/hang" --br=br0 --timeout=1 -- touch "$MARKER"
	[ "$status" -eq 125 ]
	[ "$output" = "bridge-helper-run: helper did not answer within 1000 ms: killed" ]
	[ ! -e "$MARKER" ]
}

@test "usage: --queues=0" { usage_error --br=br0 --queues=0 --; }
@test "usage: --queues=257" { usage_error --br=br0 --queues=257 --; }
@test "usage: --queues=3x" { usage_error --br=br0 --queues=3x --; }
@test "usage: --queues= and --queues" {
	usage_error --br=br0 --queues= --
	usage_error --br=br0 --queues --
}
@test "usage: --sndbuf=0, --sndbuf=+5, --timeout=-1" {
	usage_error --br=br0 --sndbuf=0 --
	usage_error --br=br0 --sndbuf=+5 --
	usage_error --br=br0 --timeout=-1 --
}
@test "usage: repeated option" { usage_error --br=br0 --br=br1 --; }
@test "usage: --use-vnet=1" { usage_error --br=br0 --use-vnet=1 --; }
@test "usage: unknown option and abbreviation" {
	usage_error --br=br0 --bogus --
	usage_error --br=br0 --queue=2 --
}
@test "usage: invalid bridge names" {
	usage_error --br=a/b --
	usage_error --br=0123456789abcdef --
	usage_error --br=.. --
}
@test "usage: missing --br" { usage_error --; }
@test "usage: missing --" {
	run "$RUN" --helper="$D/good" --br=br0 touch "$MARKER"
	[ "$status" -eq 2 ]
	[ ! -e "$MARKER" ]
	run "$RUN" --helper="$D/good" --br=br0
	[ "$status" -eq 2 ]
	[ "$output" = "bridge-helper-run: missing -- before COMMAND" ]
}
@test "usage: missing COMMAND" {
	run "$RUN" --helper="$D/good" --br=br0 --
	[ "$status" -eq 2 ]
	[ "$output" = "bridge-helper-run: missing COMMAND after --" ]
}

@test "COMMAND not found: 127; not executable: 126" {
	run -127 "$RUN" --helper="$D/good" --br=br0 -- "$D/no-such-command"
	[ "$output" = "bridge-helper-run: cannot run $D/no-such-command: No such file or directory" ]
	touch "$D/plain"
	run -126 "$RUN" --helper="$D/good" --br=br0 -- "$D/plain"
}

@test "--help and --version" {
	run "$RUN" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: bridge-helper-run "* ]]
	run "$RUN" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "bridge-helper-run "[0-9]* ]]
}
