#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Hostile invocations: the unprivileged user bhu1 attacks the setuid-root
# copy and the cap_net_admin+ep copy of the helper with everything a local
# user controls -- environment, dynamic loader variables, fds, signal
# dispositions and mask, argv, --acl/--lint paths, files planted where the
# ACL's includes point, the user's own user namespace. Every attack must be
# refused or harmless; SECURITY.md maps each threat to its test here.

bats_require_minimum_version 1.5.0

load common

COPIES="suid caps"

setup_file() {
	users_setup
	privbin_setup
	export PRIVDIR
	# Launchers the users run: readable by them, writable by root only.
	cat >"$PRIVDIR/stall.py" <<-'EOF'
	# stall.py CTL [--block-all] [--ignore-term] [--env K=V]... -- HELPER ARG...
	# Fill the helper's end of a socketpair so that its sendmsg() blocks,
	# start it (with the given signal mask/dispositions and environment),
	# print pid=N, then wait (30 s at most) for a line on the FIFO CTL:
	# "go" drains the filler and receives the TAP (prints name=), "wait"
	# just waits. Prints helper-status=N (128+SIG when killed) at the end.
	import array, fcntl, os, select, signal, socket, struct, sys
	ctl, args = sys.argv[1], sys.argv[2:]
	block = ignore = False
	env = {}
	while args[0] != "--":
	    opt = args.pop(0)
	    if opt == "--block-all": block = True
	    elif opt == "--ignore-term": ignore = True
	    elif opt == "--env": k, _, v = args.pop(0).partition("="); env[k] = v
	argv = args[1:]
	a, b = socket.socketpair()
	b.setblocking(False)
	filled = 0
	try:
	    while True:
	        filled += b.send(b"\0" * 4096)
	except BlockingIOError:
	    pass
	b.setblocking(True)
	argv = [x.replace("--fd=SOCK", "--fd=%d" % b.fileno()) for x in argv]
	pid = os.fork()
	if pid == 0:
	    if ignore:
	        signal.signal(signal.SIGTERM, signal.SIG_IGN)
	    if block:
	        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
	    os.set_inheritable(b.fileno(), True)
	    os.execve(argv[0], argv, env)
	b.close()
	cfd = os.open(ctl, os.O_RDWR)   # before pid=: the test may write at once
	print("pid=%d" % pid, flush=True)
	cmd = b""
	if select.select([cfd], [], [], 30)[0]:
	    cmd = os.read(cfd, 16).strip()
	if cmd == b"go":
	    while filled > 0:
	        filled -= len(a.recv(min(filled, 65536)))
	    _, fds, _, _ = socket.recv_fds(a, 1, 256)
	    ifr = fcntl.ioctl(fds[0], 0x800454d2, b"\0" * 40)   # TUNGETIFF
	    print("name=%s" % ifr[:16].rstrip(b"\0").decode(), flush=True)
	elif cmd != b"wait":
	    os.kill(pid, signal.SIGKILL)
	_, st = os.waitpid(pid, 0)
	print("helper-status=%d" % (os.WEXITSTATUS(st) if os.WIFEXITED(st)
	                             else 128 + os.WTERMSIG(st)), flush=True)
	EOF
	cat >"$PRIVDIR/attach.py" <<-'EOF'
	# attach.py NAME: try to attach one more queue to the multi-queue TAP NAME.
	import errno, fcntl, os, struct, sys
	fd = os.open("/dev/net/tun", os.O_RDWR)
	IFF_TAP, IFF_NO_PI, IFF_MULTI_QUEUE = 0x0002, 0x1000, 0x0100
	req = struct.pack("16sH22x", sys.argv[1].encode(), IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE)
	try:
	    fcntl.ioctl(fd, 0x400454ca, req)   # TUNSETIFF
	    print("attached")
	except OSError as e:
	    print("refused:", errno.errorcode[e.errno])
	EOF
}

teardown_file() {
	privbin_teardown
	users_teardown
}

setup() {
	ns_setup
	acl_write <<<"allow br0 user=bhu1"
	# A directory the attacker (bhu1) owns.
	W="$(mktemp -d /tmp/bh-hostile.XXXXXX)"
	chmod 755 "$W"
	chown bhu1:bhg1 "$W"
}

teardown() {
	# A stalled helper or a holder left by a failed test: end them.
	exec 8>&-
	[ -n "${W:-}" ] && [ -p "$W/ctl" ] && echo kill 1<>"$W/ctl"
	wait
	ns_teardown
	[ -n "${W:-}" ] && rm -rf "$W"
	true
}

bin() { echo "$PRIVDIR/bridge-helper-$1"; }

# as bhu1 against COPY: the caps copy needs a /dev/net/tun it can open.
as1() {
	local copy=$1
	shift
	if [ "$copy" = caps ]; then as_user --tun-0666 bhu1 "$@"; else as_user bhu1 "$@"; fi
}

# tapinfo as bhu1 against COPY with ARGS.
launch() {   # COPY [ENV-ARGS for env(1)...] -- HELPER-ARGS...
	local copy=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	as1 "$copy" "$PRIVDIR/tapinfo" -- /usr/bin/env "${envs[@]}" "$(bin "$copy")" \
		--fd=SOCK "$@"
}

# Every line of $output is tapinfo's KEY=VALUE: the helper said nothing.
quiet_success() {
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ] && [ "$(field tap)" = 1 ]
	[ -z "$(printf '%s\n' "$output" | grep -v '^[a-z_]*=[^ ]*$')" ]
}

# stall.py as bhu1 in the background; sets SPID (the helper) once stalled.
stall_start() {   # COPY STALL-OPTS... -- HELPER-ARGS...
	local copy=$1 opts=() i
	shift
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	mkfifo -m 666 "$W/ctl"
	: >"$W/out"
	as1 "$copy" python3 "$PRIVDIR/stall.py" "$W/ctl" "${opts[@]}" -- "$(bin "$copy")" \
		--fd=SOCK "$@" >"$W/out" 2>&1 3>&- &
	SPID=
	for ((i = 0; i < 500; i++)); do
		SPID=$(sed -n 's/^pid=//p' "$W/out")
		# blocked in sendmsg (46 on x86_64): the TAP exists, the fd is not sent
		[ -n "$SPID" ] && [ "$(cut -d' ' -f1 "/proc/$SPID/syscall" 2>/dev/null)" = 46 ] && return 0
		sleep 0.02
	done
	cat "$W/out" >&3
	return 1
}

stall_end() {   # go|wait: then wait for stall.py; its output in $output
	echo "$1" 1<>"$W/ctl"
	wait
	rm -f "$W/ctl"
	output=$(cat "$W/out")
}

@test "hostile: LD_PRELOAD, LD_LIBRARY_PATH and LD_AUDIT to the user's own libraries are ignored, the helper works" {
	mkdir "$W/lib"
	cat >"$W/evil.c" <<-EOF
	#include <fcntl.h>
	#include <unistd.h>
	__attribute__((constructor)) static void evil(void)
	{
		int fd = open("$W/marker", O_WRONLY | O_CREAT | O_APPEND, 0666);
		if (fd >= 0) { write(fd, "owned\n", 6); close(fd); }
	}
	EOF
	gcc -shared -fPIC -o "$W/evil.so" "$W/evil.c"
	# a libmnl.so.0 of the user's, without libmnl's symbols
	gcc -shared -fPIC -Wl,-soname,libmnl.so.0 -o "$W/lib/libmnl.so.0" "$W/evil.c"
	chown -R bhu1:bhg1 "$W"
	# Sanity: an unprivileged program does load them.
	run as_user bhu1 env LD_PRELOAD="$W/evil.so" "$PRIVDIR/bridge-helper-plain" --version
	[ "$status" -eq 0 ]
	[ -e "$W/marker" ]
	rm "$W/marker"
	run -127 as_user bhu1 env LD_LIBRARY_PATH="$W/lib" "$PRIVDIR/bridge-helper-plain" --version
	[[ "$output" == *"undefined symbol: mnl_"* ]]
	rm -f "$W/marker"

	local copy
	for copy in $COPIES; do
		run launch "$copy" LD_PRELOAD="$W/evil.so" LD_LIBRARY_PATH="$W/lib" \
			LD_AUDIT="$W/evil.so" -- --br=br0
		quiet_success
		[ ! -e "$W/marker" ]
	done
	taps_gone
}

POISON=()
poison_setup() {
	mkdir -p "$W/gconv" "$W/locale/xx_XX.UTF-8" "$W/nls"
	echo 'module INTERNAL EVIL// evil 1' >"$W/gconv/gconv-modules"
	printf 'TZif2 not a zone file\n' >"$W/tz"
	echo 'br0 evil.example' >"$W/hosts"
	chown -R bhu1:bhg1 "$W"
	POISON=(PATH=/evil IFS=$'/ \t\n' MALLOC_CHECK_=3 MALLOC_PERTURB_=165
		GLIBC_TUNABLES=glibc.malloc.check=3:glibc.malloc.mmap_threshold=1
		GCONV_PATH="$W/gconv" LOCPATH="$W/locale" TZ="$W/tz" TZDIR="$W"
		NLSPATH="$W/nls/%N" HOSTALIASES="$W/hosts" LANG=xx_XX.UTF-8
		LC_ALL=xx_XX.UTF-8 LANGUAGE=xx TMPDIR="$W" HOME="$W" SHELL="$W/sh"
		LD_DEBUG=all LD_DEBUG_OUTPUT="$W/ld-debug" LD_SHOW_AUXV=1
		RES_OPTIONS=debug LOCALDOMAIN=evil.example POSIXLY_CORRECT=1)
}

@test "hostile: a poisoned environment (PATH, IFS, MALLOC_*, GLIBC_TUNABLES, GCONV_PATH, LOCPATH, TZ, NLSPATH, locales, LD_DEBUG ...): works normally, says nothing, writes nothing" {
	poison_setup
	local copy
	for copy in $COPIES; do
		run launch "$copy" "${POISON[@]}" -- --br=br0
		quiet_success
	done
	# nothing written on the user's behalf (LD_DEBUG_OUTPUT, TMPDIR ...)
	[ -z "$(find "$W" -newer "$W/hosts" -type f)" ]
	taps_gone
}

@test "hostile: the poisoned environment is wiped while the helper runs (/proc/PID/environ all NUL), and it still works" {
	poison_setup
	local copy e
	for copy in $COPIES; do
		local envs=()
		for e in "${POISON[@]}" SECRET=hunter2; do envs+=(--env "$e"); done
		stall_start "$copy" "${envs[@]}" -- --br=br0
		[ "$(tr -d '\0' <"/proc/$SPID/environ" | wc -c)" -eq 0 ]
		stall_end go
		[[ "$output" == *$'\nname='* ]]
		[ "$(field helper-status)" = 0 ]
	done
	taps_gone
}

@test "hostile: stdio closed (0<&- 1>&- 2>&-): the TAP is handed over; a refusal fails cleanly" {
	local copy
	for copy in $COPIES; do
		run as1 "$copy" "$PRIVDIR/tapinfo" -- /bin/sh -c 'exec "$@" 0<&- 1>&- 2>&-' sh \
			"$(bin "$copy")" --fd=SOCK --br=br0
		quiet_success
		# denied: exit 3, and nothing (no message) went into the socket
		run as1 "$copy" "$PRIVDIR/tapinfo" -- /bin/sh -c 'exec "$@" 0<&- 1>&- 2>&-' sh \
			"$(bin "$copy")" --fd=SOCK --br=br1
		[ "$status" -eq 3 ]
		[ "$output" = helper-status=3 ]
	done
	taps_gone
}

@test "hostile: all signals blocked and SIGTERM ignored by the parent: the helper still works, the mask and dispositions are reset" {
	local copy
	for copy in $COPIES; do
		stall_start "$copy" --block-all --ignore-term -- --br=br0
		grep -qx 'SigBlk:	0000000000000000' "/proc/$SPID/status"
		# only SIGPIPE (13) and SIGXFSZ (25) ignored, by the helper itself
		grep -qx 'SigIgn:	0000000001001000' "/proc/$SPID/status"
		stall_end go
		[[ "$output" == *$'\nname='* ]]
		[ "$(field helper-status)" = 0 ]
	done
	taps_gone
}

@test "hostile: with SIGTERM ignored and blocked by the parent, kill -TERM still ends a stalled helper and its TAP" {
	local copy
	for copy in $COPIES; do
		stall_start "$copy" --block-all --ignore-term -- --br=br0
		[ "$(tap_count)" -eq 1 ]    # it exists, held by the stalled helper
		kill -TERM "$SPID"
		stall_end wait
		[ "$(field helper-status)" = 143 ]
		taps_gone
	done
}

@test "hostile: ulimit -f 0 with stderr or stdout on a file: a clean exit status, never death by SIGXFSZ" {
	# RLIMIT_FSIZE 0: every write to a regular file fails (EFBIG) and,
	# unless SIGXFSZ is ignored, kills the writer.
	local copy
	for copy in $COPIES; do
		: >"$W/err" && chown bhu1 "$W/err"
		# a refusal: its one line cannot be written; the status tells
		run as1 "$copy" /bin/sh -c 'ulimit -f 0; exec "$@" 2>"$0"' "$W/err" \
			"$PRIVDIR/tapinfo" -- "$(bin "$copy")" --fd=SOCK --br=br9
		[ "$status" -eq 3 ]
		[ "$output" = "helper-status=3" ]
		[ ! -s "$W/err" ]
		# --check: its report cannot be written: system error
		: >"$W/out" && chown bhu1 "$W/out"
		run as1 "$copy" /bin/sh -c 'ulimit -f 0; exec "$@" >"$0"' "$W/out" \
			"$(bin "$copy")" --check --br=br0
		[ "$status" -eq 1 ]
		[ ! -s "$W/out" ]
		# a launch writes no file: it just works
		run as1 "$copy" /bin/sh -c 'ulimit -f 0; exec "$@" 2>"$0"' "$W/err" \
			"$PRIVDIR/tapinfo" -- "$(bin "$copy")" --fd=SOCK --br=br0
		[ "$status" -eq 0 ]
		[ "$(field fds)" = 1 ]
		[ ! -s "$W/err" ]
	done
	taps_gone
}

@test "hostile: huge argv (100,000 arguments; one 128 KiB argument): usage error, one short line, nothing created" {
	local copy
	# argv is built by python3 as bhu1, right before exec: bash is slow at it
	local execv='import os, sys; b = sys.argv[1]; n = int(sys.argv[2]); a = sys.argv[3]
os.execv(b, [b, "--fd=3"] + [a] * n)'
	for copy in $COPIES; do
		run as1 "$copy" python3 -c "$execv" "$(bin "$copy")" 100000 x
		[ "$status" -eq 2 ]
		[ "$output" = "bridge-helper: unknown or malformed option 'x' (see --help)" ]
		# QEMU repeats --use-vnet, so it may be repeated: all parsed
		run as1 "$copy" python3 -c "$execv" "$(bin "$copy")" 100000 --use-vnet
		[ "$status" -eq 2 ]
		[ "$output" = "bridge-helper: missing --br=BRIDGE (see --help)" ]
		# one argument of 131,000 bytes (the kernel's limit is 128 KiB)
		run as1 "$copy" python3 -c "$execv" "$(bin "$copy")" 1 "--br=$(head -c 131000 /dev/zero | tr '\0' a)"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "${#output}" -lt 200 ]
		[[ "$output" == "bridge-helper: invalid bridge name 'aaaa"* ]]
		run as1 "$copy" python3 -c "$execv" "$(bin "$copy")" 1 "$(head -c 131000 /dev/zero | tr '\0' a)"
		[ "$status" -eq 2 ]
		[ "${#output}" -lt 200 ]
		[ "$(tap_count)" -eq 0 ]
	done
}

@test "hostile: --acl pointing at the user's own file is refused (exit 2), nothing created" {
	printf 'allow all\n' >"$W/my.conf"
	chown bhu1:bhg1 "$W/my.conf"
	acl_write <<<"deny br0"
	local copy
	for copy in $COPIES; do
		run launch "$copy" -- --br=br0 --acl="$W/my.conf"
		[ "$status" -eq 2 ]
		[[ "${lines[0]}" == "bridge-helper: --acl is refused: running privileged"* ]]
		[ "${#lines[@]}" -eq 2 ]    # and tapinfo's helper-status=2
		run as1 "$copy" "$(bin "$copy")" --check --br=br0 --acl="$W/my.conf"
		[ "$status" -eq 2 ]
		[[ "$output" == "bridge-helper: --acl is refused"* ]]
		[ "$(tap_count)" -eq 0 ]
	done
}

@test "hostile: --lint on a file the user cannot read (/etc/shadow): permission denied, nothing of it printed" {
	local copy
	for copy in $COPIES; do
		run as1 "$copy" "$(bin "$copy")" --lint /etc/shadow
		[ "$status" -eq 4 ]
		[ "${lines[0]}" = "/etc/shadow: cannot open: Permission denied" ]
		[ "${lines[1]}" = "/etc/shadow: 1 error, 0 warnings" ]
		[ "${#lines[@]}" -eq 2 ]
		run as1 "$copy" "$(bin "$copy")" --lint --acl=/etc/shadow
		[ "$status" -eq 2 ]
		[[ "$output" != *root:* ]]
	done
}

# A launch as bhu1 that a bad ACL must refuse: exit 4, MESSAGE, no TAP.
refused_config() {   # COPY MESSAGE-GLOB
	run launch "$1" -- --br=br0
	[ "$status" -eq 4 ]
	[[ "${lines[0]}" == "bridge-helper: bad configuration, everything denied: "$2 ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "hostile: an include of a directory the user owns: refused (exit 4), whatever the user plants there" {
	mkdir "$W/inc"
	echo "allow br0 user=bhu1" >"$W/inc/a.conf"
	chown -R bhu1:bhg1 "$W/inc"
	acl_write <<<"include $W/inc/*.conf"
	local copy
	for copy in $COPIES; do
		refused_config "$copy" "*$W/inc/a.conf: not owned by root"
	done
	# a root-owned file in the user's directory: the user could swap it
	chown root:root "$W/inc/a.conf"
	for copy in $COPIES; do
		refused_config "$copy" "*directory $W/inc is not owned by root"
	done
}

@test "hostile: a symlink in a root-owned include directory to a user-owned file: refused as not root-owned" {
	echo "allow br0 user=bhu1" >"$W/evil.conf"
	chown bhu1:bhg1 "$W/evil.conf"
	mkdir -m 755 "$ACLDIR/bridge.d"
	ln -s "$W/evil.conf" "$ACLDIR/bridge.d/evil.conf"
	acl_write <<<"include bridge.d/*.conf"
	local copy
	for copy in $COPIES; do
		refused_config "$copy" "*/bridge.d/evil.conf: not owned by root"
	done
}

@test "hostile: world-writable ACL directory, world-writable include directory, user-owned ACL: refused (exit 4)" {
	local copy
	chmod 1777 "$ACLDIR"
	for copy in $COPIES; do
		refused_config "$copy" "/etc/bridge-helper/bridge.conf: directory /etc/bridge-helper is writable by group or others"
	done
	chmod 755 "$ACLDIR"
	mkdir -m 777 "$ACLDIR/bridge.d"
	acl_write "$ACLDIR/bridge.d/ok.conf" <<<"allow br0 user=bhu1"
	acl_write <<<"include bridge.d/*.conf"
	for copy in $COPIES; do
		refused_config "$copy" "*directory /etc/bridge-helper/bridge.d is writable by group or others"
	done
	rm -r "$ACLDIR/bridge.d"
	acl_write <<<"allow br0 user=bhu1"
	chown bhu1 "$ACL"
	for copy in $COPIES; do
		refused_config "$copy" "/etc/bridge-helper/bridge.conf: not owned by root"
	done
}

@test "hostile: the TAP belongs to its caller: another user cannot attach a queue to it, the owner can" {
	printf 'allow br0 user=bhu1\nqueues br0 2\n' | acl_write
	# bhu1 holds a 2-queue TAP until fd 9 (a pipe the test writes) ends.
	mkfifo "$W/hold"
	exec 8<>"$W/hold" 9<"$W/hold"
	: >"$W/out"
	as1 suid "$PRIVDIR/tapinfo" --then='echo "held=$TAP"; read x <&9 || true' \
		-- "$(bin suid)" --fd=SOCK --br=br0 --queues=2 >"$W/out" 2>&1 3>&- 8>&- &
	exec 9<&-
	local i tap
	for ((i = 0; i < 400; i++)); do
		tap=$(sed -n 's/^held=//p' "$W/out")
		[ -n "$tap" ] && break
		sleep 0.05
	done
	[ -n "$tap" ]
	ip -n "$NS" -d link show "$tap" | grep -q 'user bhu1'
	run as_user --tun-0666 bhu3 python3 "$PRIVDIR/attach.py" "$tap"
	[ "$output" = "refused: EPERM" ]
	run as_user --tun-0666 bhu1 python3 "$PRIVDIR/attach.py" "$tap"
	[ "$output" = attached ]
	exec 8>&-
	wait
	taps_gone
}

@test "hostile: --user= as a non-root caller is refused (exit 2)" {
	local copy
	for copy in $COPIES; do
		run as1 "$copy" "$(bin "$copy")" --check --br=br0 --user=bhu2
		[ "$status" -eq 2 ]
		[ "$output" = "bridge-helper: --user is for root only" ]
		run as1 "$copy" "$(bin "$copy")" --check --br=br0 --user=root
		[ "$status" -eq 2 ]
		[ "$output" = "bridge-helper: --user is for root only" ]
		run launch "$copy" -- --br=br0 --user=root
		[ "$status" -eq 2 ]
		[[ "${lines[0]}" == "bridge-helper: --user is only valid with --check"* ]]
		[ "$(tap_count)" -eq 0 ]
	done
}

@test "hostile: bridge names with escape/control bytes or 1000 bytes: usage error, one printable line, nothing created" {
	local copy name long
	long=$(head -c 1000 /dev/zero | tr '\0' b)
	for copy in $COPIES; do
		for name in $'br\e[31m0' $'br0\n' $'br\n0' $'b\r0' $'br\t0' $'br\x7f' $'br\xff0' "$long" \
			"br0 " "br0/x" "br:0" ".." ""; do
			run --separate-stderr launch "$copy" -- --br="$name"
			[ "$status" -eq 2 ]
			[ "$(grep -c . <<<"$stderr")" -eq 1 ]
			[[ "$stderr" == "bridge-helper: invalid bridge name '"* ]]
			# printable: no escape, CR, tab or DEL reaches the terminal
			[ -z "$(LC_ALL=C tr -d '[:print:]' <<<"$stderr")" ]
			[ "${#stderr}" -lt 200 ]
		done
		[ "$(tap_count)" -eq 0 ]
	done
}

@test "hostile: in the user's own user namespace the helper has no privilege: even with an ACL the user wrote, no TAP" {
	# bhu1 maps itself to root in a new user and mount namespace, mounts
	# its own "root-owned" ACL over /etc/bridge-helper and runs the setuid
	# and the caps copy; or just maps itself (not root). The kernel ignores
	# the setuid bit there (root is not mapped), file capabilities give at
	# most power over what that namespace owns: never over the test's netns.
	as_user bhu1 unshare --user true ||
		skip "kernel: no unprivileged user namespaces"
	mkdir "$W/etc"
	echo "allow all" >"$W/etc/bridge.conf"
	chown -R bhu1:bhg1 "$W/etc"
	local copy
	for copy in $COPIES; do
		run as_user --tun-0666 bhu1 unshare --user --map-root-user --mount sh -c '
			mount --bind "$1" /etc/bridge-helper || exit 99
			exec "$2" -- "$3" --fd=SOCK --br=br0' sh "$W/etc" "$PRIVDIR/tapinfo" "$(bin "$copy")"
		# setgroups() is denied in such a namespace: the drop fails
		[ "$status" -eq 1 ]
		[ "${lines[0]}" = "bridge-helper: cannot drop privileges (libcap-ng error -5)" ]
		[ "${#lines[@]}" -eq 2 ]
		[ "$(tap_count)" -eq 0 ]
		run as_user --tun-0666 bhu1 unshare --user --map-current-user \
			"$PRIVDIR/tapinfo" -- "$(bin "$copy")" --fd=SOCK --br=br0
		if [ "$copy" = suid ]; then
			[ "$status" -eq 1 ]
			[[ "${lines[0]}" == "bridge-helper: no CAP_NET_ADMIN: "* ]]
		else
			# the file capability holds, but only in the new namespace,
			# where root's files belong to nobody: the ACL is unsafe
			[ "$status" -eq 4 ]
			[ "${lines[0]}" = "bridge-helper: bad configuration, everything denied: /etc/bridge-helper/bridge.conf: not owned by root" ]
		fi
		[ "${#lines[@]}" -eq 2 ]
		[ "$(tap_count)" -eq 0 ]
	done
}

@test "hostile: no existence oracle: a denied name gets the same answer whether the device exists or not" {
	local copy
	for copy in $COPIES; do
		run launch "$copy" -- --br=p0      # exists (a veth)
		[ "$status" -eq 3 ]
		[ "${lines[0]}" = "bridge-helper: p0: denied: no rule matches" ]
		run launch "$copy" -- --br=nosuch0  # does not exist
		[ "$status" -eq 3 ]
		[ "${lines[0]}" = "bridge-helper: nosuch0: denied: no rule matches" ]
		[ "$(tap_count)" -eq 0 ]
	done
}
