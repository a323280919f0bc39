# QEMU driven over QMP on a coprocess's stdio, for qemu.bats and
# client-real.bats. qemu_start (in each suite) sets QPID, QIN, QOUT, QERR.

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
