#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The core helper as root, in a network namespace with bridge br0 (MTU 1400),
# through tests/tapinfo (a QEMU-like client) with --acl. Successes check what
# the kernel says about the TAP; refusals check the exit status, the one-line
# message, and that nothing was created: the TAP count before and after, and
# an `ip monitor link` running across the call that must see no new link.

bats_require_minimum_version 1.5.0

load common

setup() {
	ns_setup
	MONPID=
	MARK_MTU=1300
}

teardown() {
	if [ -n "${MONPID:-}" ]; then
		kill "$MONPID" 2>/dev/null || true
		wait "$MONPID" 2>/dev/null || true
	fi
	ns_teardown
}

# ---- helpers ---------------------------------------------------------------

# tapinfo with its own options: tinfo [TAPINFO-OPTION...] -- HELPER-ARG...
tinfo() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	nsx "$TAPINFO" "${opts[@]}" -- "$HELPER" --fd=SOCK --acl="$ACL" "$@"
}

# Change p1's MTU to a fresh value until the monitor has printed that change:
# then every event before it is in $MON too (ordered delivery, ip flushes
# each event). A bounded poll: correctness does not depend on its speed.
mon_mark() {
	local i
	for ((i = 0; i < 500; i++)); do
		MARK_MTU=$((MARK_MTU + 1))
		ip -n "$NS" link set dev p1 mtu "$MARK_MTU"
		sleep 0.02
		grep -q " p1@.* mtu $MARK_MTU " "$MON" && return 0
	done
	echo "ip monitor never showed the marker" >&2
	return 1
}

mon_start() {
	MON="$BATS_TEST_TMPDIR/monitor"
	ip -n "$NS" monitor link >"$MON" 2>&1 3>&- &
	MONPID=$!
	mon_mark
}

# Stop the monitor; fail if it saw any link but the marker's (p1).
mon_stop_none_created() {
	mon_mark
	kill "$MONPID"
	wait "$MONPID" || true
	MONPID=
	local others
	others="$(awk '/^[^ \t]/ && !/ p1@/' "$MON")"
	if [ -n "$others" ]; then
		echo "ip monitor saw other links: $others" >&2
		return 1
	fi
}

# refused_cmd STATUS MESSAGE CMD...: CMD (in $NS) exits STATUS, its stderr is
# the one line "bridge-helper: MESSAGE" (MESSAGE is a glob pattern), no TAP
# was created, the monitor saw no new link.
refused_cmd() {
	local want="$1" msg="$2" before
	shift 2
	before="$(tap_count)"
	mon_start
	run --separate-stderr nsx "$@"
	mon_stop_none_created
	echo "status=$status stdout=$output stderr=$stderr"
	[ "$status" -eq "$want" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "bridge-helper: "$msg ]]
	[ "$(tap_count)" -eq "$before" ]
}

# refused STATUS MESSAGE HELPER-ARG...: the same through tapinfo (with --acl),
# which must also report the helper's status and have received nothing.
refused() {
	local want="$1" msg="$2"
	shift 2
	refused_cmd "$want" "$msg" "$TAPINFO" -- "$HELPER" --fd=SOCK --acl="$ACL" "$@"
	[ "$output" = "helper-status=$want" ]
}

# The helper run directly (no socket from tapinfo).
refused_direct() {
	local want="$1" msg="$2"
	shift 2
	refused_cmd "$want" "$msg" "$HELPER" "$@"
	[ -z "$output" ]
}

br0_mac() { ip -n "$NS" -o link show br0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

usage_msg() { printf '%s (see --help)' "$1"; }

# ---- success ---------------------------------------------------------------

@test "success: a TAP (no_pi, no vnet_hdr), enslaved to br0, up, MTU 1400, MAC fe:, owner root" {
	acl_write <<<"allow br0"
	[ "$(br0_mac)" = 02:00:00:00:00:01 ]
	run tinfo --then='ip -d link show $TAP; ip -o link show br0' -- --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ "$(field tap)" = 1 ]
	[ "$(field no_pi)" = 1 ]
	[ "$(field vnet_hdr)" = 0 ]
	[ "$(field multi_queue)" = 0 ]
	[ "$(field cloexec)" = 1 ]
	tap="$(field name)"
	[[ "$tap" == tap* ]]
	# ip -d link show $TAP, while tapinfo still holds the fd
	[[ "$output" == *"$tap: <"*",UP,"*"> mtu 1400 "*" master br0 "* ]]
	[[ "$output" == *"link/ether fe:"* ]]
	[[ "$output" == *"tun type tap pi off vnet_hdr off persist off user root"* ]]
	[[ "$output" == *"bridge_slave"* ]]
	# br0's own MAC did not change while the TAP was attached, nor after
	[[ "$output" == *"br0: "*"link/ether 02:00:00:00:00:01 "* ]]
	[ "$(br0_mac)" = 02:00:00:00:00:01 ]
	# not persistent: gone with tapinfo's fds
	[ "$(tap_count)" -eq 0 ]
}

@test "success: --use-vnet gives vnet_hdr=1" {
	acl_write <<<"allow br0"
	run tinfo --then='ip -d link show $TAP' -- --use-vnet --br=br0
	[ "$status" -eq 0 ]
	[ "$(field vnet_hdr)" = 1 ]
	[[ "$output" == *"tun type tap pi off vnet_hdr on "* ]]
}

@test "success: --sndbuf=65536 sets the send buffer; without it the kernel's default stays" {
	acl_write <<<"allow br0"
	run client --sndbuf=65536 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 65536 ]
	run client --br=br0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 2147483647 ]
}

@test "success: --queues=4 gives 4 close-on-exec fds of one multi-queue TAP" {
	printf 'allow br0\nqueues br0 4\n' | acl_write
	run tinfo --then='ip -d link show $TAP; ip -o link show type tun | wc -l' -- --queues=4 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 4 ]
	[ "$(field multi_queue)" = 1 ]
	[ "$(field cloexec)" = 4 ]
	[[ "$output" == *" multi_queue numqueues 4 "* ]]
	[ "${lines[-1]}" = 1 ]          # one device, four queues
	[ "$(tap_count)" -eq 0 ]
}

@test "success: --queues=256 (more than the 253 fds one SCM_RIGHTS message carries)" {
	printf 'allow br0\nqueues br0 256\n' | acl_write
	run tinfo --then='ip -d link show $TAP' -- --queues=256 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 256 ]
	[ "$(field cloexec)" = 256 ]
	[[ "$output" != *"not-a-tap"* ]]
	[[ "$output" == *" multi_queue numqueues 256 "* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "success: the TAP lives while the client holds the fd and vanishes when it exits" {
	acl_write <<<"allow br0"
	[ "$(tap_count)" -eq 0 ]
	run tinfo --then='ip -o link show type tun | wc -l' -- --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 1 ]
	[ "$(tap_count)" -eq 0 ]
}

# ---- policy ----------------------------------------------------------------

@test "denied: no rule for the bridge (exit 3)" {
	acl_write <<<"allow br1"
	refused 3 "br0: denied: no rule matches" --br=br0
}

@test "denied: an empty ACL allows nothing" {
	acl_write </dev/null
	refused 3 "br0: denied: no rule matches" --br=br0
}

@test "denied: deny wins over allow, after it" {
	printf 'allow br0\ndeny br0\n' | acl_write
	refused 3 "br0: denied by $ACL:2" --br=br0
}

@test "denied: deny wins over allow, before it" {
	printf 'deny br0\nallow br0\n' | acl_write
	refused 3 "br0: denied by $ACL:1" --br=br0
}

@test "denied: deny in an included file wins over allow in the main file" {
	printf '# policy\ndeny br0\n' | acl_write "$ACLDIR/deny.conf"
	printf 'allow br0\ninclude deny.conf\n' | acl_write
	refused 3 "br0: denied by $ACLDIR/deny.conf:2" --br=br0
}

@test "denied: deny all in the main file wins over allow in an included file" {
	printf 'allow br0\n' | acl_write "$ACLDIR/allow.conf"
	printf 'include allow.conf\ndeny all\n' | acl_write
	refused 3 "br0: denied by $ACL:2" --br=br0
}

# ---- the device ------------------------------------------------------------

@test "device: missing bridge (exit 1)" {
	acl_write <<<"allow all"
	refused 1 "br1: no such bridge" --br=br1
}

@test "device: a veth is not a bridge, the message names its kind" {
	acl_write <<<"allow all"
	[ "$(ip -n "$NS" -o link show p1 master br0 | wc -l)" -eq 0 ]
	refused 1 "p1: is a veth device, not a bridge" --br=p1
	[ -z "$(ip -n "$NS" -o link show master p1 2>/dev/null)" ]
}

@test "device: a TAP is not a bridge" {
	acl_write <<<"allow all"
	ip -n "$NS" tuntap add mode tap name tapx
	refused 1 "tapx: is a tun device, not a bridge" --br=tapx
	[ "$(tap_count)" -eq 1 ]
}

@test "device: a 16-byte name is refused (exit 2), not truncated to the allowed 15-byte bridge" {
	ip -n "$NS" link add 0123456789abcde type bridge
	ip -n "$NS" link set 0123456789abcde up
	acl_write <<<"allow 0123456789abcde"
	refused 2 "$(usage_msg "invalid bridge name '0123456789abcdef': 1 to 15 printable bytes, no '/', ':' or space")" \
		--br=0123456789abcdef
	[ -z "$(ip -n "$NS" -o link show master 0123456789abcde)" ]
	# ... while the 15-byte name itself works
	run client --br=0123456789abcde
	[ "$status" -eq 0 ]
}

@test "device: names with '/', ':', '..', '.', a space, a tab, or empty are usage errors" {
	acl_write <<<"allow all"
	local n
	for n in a/b br0:1 .. . "br 0" $'br\t0' ""; do
		# a control byte may be shown as '?': match it with the glob '?'
		refused 2 "$(usage_msg "invalid bridge name '${n//[[:cntrl:]]/?}': 1 to 15 printable bytes, no '/', ':' or space")" \
			"--br=$n"
	done
}

@test "altname: the device's own name decides: allowing only the altname is refused" {
	ip -n "$NS" link property add dev br0 altname labbr ||
		skip "kernel: no altname support"
	acl_write <<<"allow labbr"
	refused 3 "br0: denied: no rule matches" --br=labbr
	refused 3 "br0: denied: no rule matches" --br=br0
}

@test "altname: both names allowed: asking for the altname works and attaches to br0" {
	ip -n "$NS" link property add dev br0 altname labbr ||
		skip "kernel: no altname support"
	printf 'allow br0\nallow labbr\n' | acl_write
	run tinfo --then='ip -o link show $TAP' -- --br=labbr
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
}

@test "altname: allowing only br0, asking for labbr is refused (the name asked for is checked first)" {
	# bridge-helper(8): the name asked for is decided on before any lookup
	# (no existence oracle), and again on the device's own name.
	ip -n "$NS" link property add dev br0 altname labbr ||
		skip "kernel: no altname support"
	acl_write <<<"allow br0"
	refused 3 "labbr: denied: no rule matches" --br=labbr
}

@test "altname: deny on the device's own name wins over allow on the altname" {
	ip -n "$NS" link property add dev br0 altname labbr ||
		skip "kernel: no altname support"
	printf 'allow labbr\nallow br0\ndeny br0\n' | acl_write
	refused 3 "br0: denied by $ACL:3" --br=labbr
}

# ---- the socket ------------------------------------------------------------

@test "--fd: garbage numbers are usage errors" {
	acl_write <<<"allow br0"
	local v
	for v in 3x -1 "" 99999999999 " 3" +3 0x3 1; do
		refused_direct 2 "$(usage_msg "invalid --fd '$v': a number from 3 up")" \
			"--fd=$v" --acl="$ACL" --br=br0
	done
}

@test "--fd: a closed fd number" {
	acl_write <<<"allow br0"
	refused_direct 2 "--fd=9: Bad file descriptor" --fd=9 --acl="$ACL" --br=br0
}

@test "--fd: a regular file is not a socket" {
	acl_write <<<"allow br0"
	refused_cmd 2 "--fd=9: not a socket" bash -c 'exec 9<"$1"; shift; exec "$@"' _ "$ACL" \
		"$HELPER" --fd=9 --acl="$ACL" --br=br0
	[ -z "$output" ]
}

@test "--fd: a UDP socket is not an AF_UNIX stream socket" {
	acl_write <<<"allow br0"
	refused_cmd 2 "--fd=9: not an AF_UNIX stream socket" \
		bash -c 'exec 9<>/dev/udp/127.0.0.1/9; exec "$@"' _ \
		"$HELPER" --fd=9 --acl="$ACL" --br=br0
	[ -z "$output" ]
}

@test "--fd: an AF_UNIX datagram socket is not a stream socket" {
	acl_write <<<"allow br0"
	refused_cmd 2 "--fd=9: not an AF_UNIX stream socket" \
		/usr/bin/python3 -c 'import os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
os.dup2(b.fileno(), 9)
os.execv(sys.argv[1], sys.argv[1:])' "$HELPER" --fd=9 --acl="$ACL" --br=br0
	[ -z "$output" ]
}

@test "--fd: missing" {
	acl_write <<<"allow br0"
	refused_direct 2 "$(usage_msg "missing --fd=N")" --acl="$ACL" --br=br0
}

# ---- other options ---------------------------------------------------------

@test "--sndbuf: 0, -1, 1x, 2147483648, empty are usage errors" {
	acl_write <<<"allow br0"
	local v
	for v in 0 -1 1x 2147483648 ""; do
		refused 2 "$(usage_msg "invalid --sndbuf '$v': 1 to 2147483647 bytes")" \
			"--sndbuf=$v" --br=br0
	done
}

@test "--queues: 0, 257, x, empty are usage errors" {
	acl_write <<<"allow br0"
	local v
	for v in 0 257 x ""; do
		refused 2 "$(usage_msg "invalid --queues '$v': 1 to 256")" "--queues=$v" --br=br0
	done
}

@test "usage: unknown option, option with a value it does not take" {
	acl_write <<<"allow br0"
	refused 2 "$(usage_msg "unknown or malformed option '--bogus'")" --bogus --br=br0
	refused 2 "$(usage_msg "unknown or malformed option '--use-vnet=1'")" --use-vnet=1 --br=br0
	refused 2 "$(usage_msg "unknown or malformed option '--queue=2'")" --queue=2 --br=br0
	refused 2 "$(usage_msg "unknown or malformed option 'br0'")" br0
}

@test "usage: repeated options that conflict, or that QEMU never repeats" {
	acl_write <<<"allow br0"
	refused 2 "$(usage_msg "conflicting --br=br0 and --br=br1: give one bridge")" \
		--br=br0 --br=br1
	refused 2 "$(usage_msg "conflicting --br=br0 and --br=br1: give one bridge")" \
		--br=br0 --use-vnet --br=br0 --br=br1
	refused 2 "$(usage_msg "option --queues given twice")" --queues=2 --queues=2 --br=br0
	refused 2 "$(usage_msg "option --queues given twice")" --queues=2 --queues=3 --br=br0
	refused 2 "$(usage_msg "option --sndbuf given twice")" --sndbuf=9000 --sndbuf=9000 --br=br0
	refused 2 "$(usage_msg "option --fd given twice")" --fd=5 --br=br0
	refused_direct 2 "$(usage_msg "option --check given twice")" --check --check --br=br0
}

@test "usage: an option without its '=' says how to write it (QEMU's helper=\"... --br br0\")" {
	acl_write <<<"allow br0"
	# QEMU adds --br=br0 when its helper string has no "--br=": the helper
	# sees "--br" "br1" ... "--br=br0"
	refused 2 "$(usage_msg "option --br needs its value after '=': --br=...")" \
		--br br1 --use-vnet --br=br0
	refused 2 "$(usage_msg "option --queues needs its value after '=': --queues=...")" \
		--queues 2 --br=br0
	refused_direct 2 "$(usage_msg "option --user needs its value after '=': --user=...")" \
		--check --br=br0 --user root
}

@test "QEMU's argv repeats --use-vnet (and a string's --br=): accepted, same meaning" {
	acl_write <<<"allow br0"
	# helper="bridge-helper --use-vnet --br=br0": QEMU runs
	# sh -c 'bridge-helper --use-vnet --br=br0 --use-vnet --fd=N'
	run tinfo -- --use-vnet --br=br0 --use-vnet
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ "$(field vnet_hdr)" = 1 ]
	# five times, and --br= twice with the same bridge
	run tinfo --then='ip -d link show $TAP' -- --use-vnet --br=br0 --use-vnet \
		--use-vnet --br=br0 --use-vnet --use-vnet
	[ "$status" -eq 0 ]
	[ "$(field vnet_hdr)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
	# --check takes --br= twice with one name too
	run nsx "$HELPER" --check --acl="$ACL" --br=br0 --br=br0
	[ "$status" -eq 0 ]
	[[ "$output" == *"br0: allowed by $ACL:1"* ]]
	# --use-vnet is still not for --check and --lint
	refused_direct 2 "$(usage_msg "--check takes only --br, --acl, --user, --sndbuf, --queues, --mac")" \
		--check --use-vnet --use-vnet --br=br0
	refused_direct 2 "$(usage_msg "--lint takes no other option but --acl")" \
		--lint --use-vnet --use-vnet
	[ "$(tap_count)" -eq 0 ]
}

@test "usage: --acl given twice" {
	acl_write <<<"allow br0"
	refused 2 "$(usage_msg "option --acl given twice")" --acl="$ACL" --br=br0
}

@test "usage: missing --br" {
	acl_write <<<"allow br0"
	refused 2 "$(usage_msg "missing --br=BRIDGE")"
	refused 2 "$(usage_msg "missing --br=BRIDGE")" --use-vnet
}

@test "--help and --version print to stdout and exit 0" {
	run --separate-stderr "$HELPER" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: bridge-helper "* ]]
	[[ "$output" == *"--br=BRIDGE"* ]]
	[ -z "$stderr" ]
	run --separate-stderr "$HELPER" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "bridge-helper "[0-9]* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$stderr" ]
	# answered first: even with an otherwise bad command line
	run --separate-stderr "$HELPER" --fd=x --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: bridge-helper "* ]]
}

# ---- broken or unsafe ACL files: exit 4, file (and line) named --------------

bad_acl() { refused 4 "bad configuration, everything denied: $1" --br=br0; }

@test "acl: syntax error (missing value) names file:line:col" {
	printf 'allow br0\nallow br0 user=\n' | acl_write
	bad_acl "$ACL:2:16: missing value after user="
}

@test "acl: unknown keyword" {
	printf 'allow br0\n# ok\npermit br0\n' | acl_write
	bad_acl "$ACL:3:1: unknown keyword 'permit'"
}

@test "acl: an error after a matching allow still denies everything" {
	printf 'allow br0\nallow br0 group=99999999999\n' | acl_write
	bad_acl "$ACL:2:17: invalid gid '99999999999' (expected 0..4294967294)"
}

@test "acl: over-long line" {
	{ echo 'allow br0'; printf 'allow br0 #%2000s\n' x; } | acl_write
	bad_acl "$ACL:2:1025: line too long (max 1024 bytes)"
}

@test "acl: NUL byte" {
	printf 'allow br0\nallow b\0r0\n' | acl_write
	bad_acl "$ACL:2:8: NUL byte not allowed"
}

@test "acl: group-writable file" {
	acl_write <<<"allow br0"
	chmod 664 "$ACL"
	bad_acl "$ACL: writable by group or others"
}

@test "acl: world-writable file" {
	acl_write <<<"allow br0"
	chmod 646 "$ACL"
	bad_acl "$ACL: writable by group or others"
}

@test "acl: file owned by nobody" {
	acl_write <<<"allow br0"
	chown nobody "$ACL"
	bad_acl "$ACL: not owned by root"
}

@test "acl: a directory" {
	mkdir "$ACL"
	bad_acl "$ACL: not a regular file"
}

@test "acl: missing file" {
	bad_acl "$ACL: cannot open: No such file or directory"
}

@test "acl: missing include names the including file and line" {
	printf 'allow br0\ninclude missing.conf\n' | acl_write
	bad_acl "$ACL:2: $ACLDIR/missing.conf: cannot open: No such file or directory"
}

@test "acl: unsafe included file names the including file and line" {
	acl_write "$ACLDIR/inc.conf" <<<"allow br0"
	chmod 664 "$ACLDIR/inc.conf"
	printf '# header\ninclude inc.conf\n' | acl_write
	bad_acl "$ACL:2: $ACLDIR/inc.conf: writable by group or others"
}

@test "acl: syntax error in an included file names that file and line" {
	printf 'allow br0\nallow\n' | acl_write "$ACLDIR/inc.conf"
	printf 'include inc.conf\n' | acl_write
	bad_acl "$ACLDIR/inc.conf:2:*missing bridge name*"
}

@test "acl: include loop" {
	printf 'allow br0\ninclude b.conf\n' | acl_write "$ACLDIR/a.conf"
	printf 'include a.conf\n' | acl_write "$ACLDIR/b.conf"
	printf 'include a.conf\n' | acl_write
	bad_acl "$ACLDIR/b.conf:1:9: include loop: $ACLDIR/a.conf includes itself via $ACLDIR/b.conf"
}

@test "acl: a file including itself" {
	printf 'allow br0\ninclude bridge.conf\n' | acl_write
	bad_acl "$ACL:2:9: include loop: $ACL includes itself"
}

# ---- the caller goes away --------------------------------------------------

@test "peer gone: socket closed before the helper runs: exit 1 with a message, not SIGPIPE, no TAP" {
	acl_write <<<"allow br0"
	run --separate-stderr tinfo --close-early -- --br=br0
	[ "$(field helper-status)" = 1 ]
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^bridge-helper:\ cannot\ pass\ tap[0-9a-f]{12}\ to\ the\ caller:\ (Broken\ pipe|Connection\ reset\ by\ peer)$ ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "peer gone: socket closed while the helper is blocked in sendmsg: exit 1, no TAP" {
	acl_write <<<"allow br0"
	run --separate-stderr tinfo --stall --close-early -- --br=br0
	[[ "$output" == *"stall=ok"* ]]
	[ "$(field helper-status)" = 1 ]
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ ^bridge-helper:\ cannot\ pass\ tap[0-9a-f]{12}\ to\ the\ caller:\ (Broken\ pipe|Connection\ reset\ by\ peer)$ ]]
	[ "$(tap_count)" -eq 0 ]
}
