# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# QEMU driven over QMP on a coprocess's stdio, for qemu.bats, client-real.bats
# and docs.bats. qemu_start sets QPID, QIN, QOUT; qemu_setup/qemu_teardown
# are those suites' common setup and teardown.

# qemu_setup: $NS with br0 and br1 (up), the privileged copies ($SUID is the
# setuid one), QERR for QEMU's stderr, no QEMU yet. The suite writes the ACL.
qemu_setup() {
	ns_setup
	privbin_setup
	SUID="$PRIVDIR/bridge-helper-suid"
	nsx ip link add br1 type bridge
	nsx ip link set br1 up
	QERR="$BATS_TEST_TMPDIR/qemu.err"
	QPID=
}

qemu_teardown() {
	qemu_kill
	ns_teardown
	privbin_teardown
}

# qemu_start CMD...: run CMD (a QEMU command line with "-qmp stdio", or a
# command that ends up exec'ing one) as a coprocess, negotiate QMP, return
# once QEMU answers: its netdevs are then all set up.
qemu_start() {
	local line
	coproc QEMUP { "$@" 2>"$QERR" 3>&-; }
	QPID=$QEMUP_PID
	# bash closes a coprocess's fds when it exits: keep our own copies.
	exec {QIN}>&"${QEMUP[1]}" {QOUT}<&"${QEMUP[0]}"
	IFS= read -r line <&"$QOUT" || { cat "$QERR" >&2; return 1; }
	line=${line%$'\r'}
	[[ "$line" == '{"QMP":'* ]]
	[[ "$(qmp '{"execute":"qmp_capabilities"}')" == '{"return": {}}' ]]
}

# qemu_kill: end a QEMU that a failed test left running: the coprocess or
# its only child (as_user's chain execs into QEMU).
qemu_kill() {
	if [ -n "${QPID:-}" ]; then
		pkill -KILL -P "$QPID" 2>/dev/null
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	QPID=
	true
}

# qmp JSON: send one command, print its answer (skipping events).
qmp() {
	local line
	printf '%s\n' "$1" >&"$QIN"
	while IFS= read -r line <&"$QOUT"; do
		line=${line%$'\r'}   # QMP on stdio ends lines with CRLF
		case "$line" in
		'{"return"'* | '{"error"'*) printf '%s\n' "$line"; return 0 ;;
		esac
	done
	return 1
}

hmp() { qmp "{\"execute\":\"human-monitor-command\",\"arguments\":{\"command-line\":\"$1\"}}"; }

# qemu_quit: QMP quit, then reap QEMU; sets QSTATUS.
qemu_quit() {
	[[ "$(qmp '{"execute":"quit"}')" == '{"return": {}}' ]]
	exec {QIN}>&- {QOUT}<&-
	QSTATUS=0
	wait "$QPID" || QSTATUS=$?
	QPID=
}

# qmp_start CMD...: run CMD (a QEMU command line, "-qmp stdio" appended) as
# a coprocess, negotiate QMP, return once QEMU answers; sets QPID, QIN,
# QOUT (QERR: where its stderr goes).
qmp_start() {
	local line
	coproc QEMUP { "$@" -qmp stdio 2>"$QERR" 3>&-; }
	QPID=$QEMUP_PID
	exec {QIN}>&"${QEMUP[1]}" {QOUT}<&"${QEMUP[0]}"
	IFS= read -r line <&"$QOUT" || { cat "$QERR" >&2; return 1; }
	[[ "${line%$'\r'}" == '{"QMP":'* ]]
	[[ "$(qmp '{"execute":"qmp_capabilities"}')" == '{"return": {}}' ]]
}
