# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# bridge-helperd for tests/service*.bats (load common first).
#
#   svc_setup            $SVCDIR (0755) for the socket $SOCK and the log
#                        $DLOG; copies of the client programs in $PRIVDIR
#   svc_start [ARG...]   bridge-helperd in $NS, in the foreground, as root,
#                        on $SOCK, with $ACLDIR at /etc/bridge-helper in a
#                        private mount namespace (so that its messages name
#                        the same ACL path as the setuid helper's under
#                        as_user); stderr (its log) in $DLOG; sets DPID
#   svc_activate [ARG...]  the same, socket-activated by systemd-socket-activate
#   svc_stop             SIGTERM by pid, and its exit status must be 0
#   svc_fds              the number of fds the daemon holds

svc_setup() {
	SVCDIR="$(mktemp -d /tmp/bh-svc.XXXXXX)"
	chmod 755 "$SVCDIR"
	SOCK="$SVCDIR/socket"
	DLOG="$SVCDIR/log"
	mkdir -p "$SVCDIR/ov/u" "$SVCDIR/ov/w"
	CLIENT="$PRIVDIR/bridge-helper-client"
	PEER="$PRIVDIR/svc-peer.py"
	install -m 0755 "$ROOT/bridge-helper-client" "$CLIENT"
	install -m 0755 "$ROOT/tests/svc-peer.py" "$PEER"
	DPID=
}

svc_teardown() {
	if [ -n "${DPID:-}" ]; then
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[ -n "${SVCDIR:-}" ] && rm -rf "$SVCDIR"
	true
}

# _svc_run PREFIX...: PREFIX... bridge-helperd ARGS, as described above
_svc_run() {
	ip netns exec "$NS" unshare -m --propagation private "$BASH" -c '
		set -e
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/ov/u,workdir=$1/ov/w" /etc
		mkdir -p /etc/bridge-helper
		mount --bind "$2" /etc/bridge-helper
		shift 2
		umask 0
		exec "$@"' bash "$SVCDIR" "$ACLDIR" "$@" 2>"$DLOG" 3>&- 4>&- &
	DPID=$!
}

_svc_wait() {   # until the socket exists (bounded: 10 s)
	local i
	for ((i = 0; i < 500; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.02
	done
	cat "$DLOG" >&3
	return 1
}

svc_start() {
	_svc_run "$ROOT/bridge-helperd" --socket="$SOCK" "$@"
	_svc_wait
	# listening means ready: it logs once it has loaded the ACL
	local i
	for ((i = 0; i < 500; i++)); do
		grep -q 'listening' "$DLOG" && return 0
		sleep 0.02
	done
	return 1
}

# (systemd-socket-activate makes its socket 0644, whatever the umask: as
# bridge-helper.socket's SocketMode=0666 would, let every user connect)
svc_activate() {
	_svc_run systemd-socket-activate --seqpacket -l "$SOCK" "$ROOT/bridge-helperd" "$@"
	_svc_wait && chmod 666 "$SOCK"
}

svc_stop() {
	local st=0
	kill -TERM "$DPID"
	wait "$DPID" || st=$?
	DPID=
	[ "$st" -eq 0 ]
}

svc_fds() { ls "/proc/$DPID/fd" | wc -l; }

# svc_client USER ARGS...: tests/tapinfo -- bridge-helper-client --fd=SOCK
# --socket=$SOCK ARGS..., as USER under no_new_privs
# (tapinfo's own --then=CMD may come first, after USER)
svc_client() {
	local u="$1" then=()
	shift
	[[ "${1:-}" == --then=* ]] && { then=("$1"); shift; }
	as_user --nnp "$u" "$PRIVDIR/tapinfo" "${then[@]}" -- "$CLIENT" --fd=SOCK \
		--socket="$SOCK" "$@"
}

# helper_client USER ARGS...: the same through the setuid helper (no nnp)
helper_client() {
	local u="$1"
	shift
	as_user "$u" "$PRIVDIR/tapinfo" -- "$PRIVDIR/bridge-helper-suid" --fd=SOCK "$@"
}
