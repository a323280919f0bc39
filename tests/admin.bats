#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The administrators' features (issue 4), end to end, as real users through
# the setuid copy: user=/group= subjects, include, deny over allow, limit
# (quotas counted from the kernel, concurrent launches), sndbuf, --check,
# --lint, and the syslog audit trail.
#
# Users (tests/common.bash): bhu1 (group bhg1), bhu2 (primary bhg2,
# supplementary bhg1), bhu3 (bhg2). Through as_user the ACL written to $ACL
# is /etc/bridge-helper/bridge.conf.

bats_require_minimum_version 1.5.0

load common

E=/etc/bridge-helper/bridge.conf

setup_file() { users_privbin_setup; }
teardown_file() { users_privbin_teardown; }

setup() {
	ns_setup
	# Scratch space the test users can reach (fifos, per-launch overlays).
	H="$(mktemp -d /tmp/bh-adm.XXXXXX)"
	chmod 755 "$H"
	HOLDERS=()
	RECV_PID=
}

teardown() {
	local n
	for n in "${HOLDERS[@]}"; do release "$n" 2>/dev/null || true; done
	[ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null
	ns_teardown
	rm -rf "$H"
	true
}

# --- helpers ------------------------------------------------------------------

# launch [--then=SHELL] USER ARGS...: one launch through the setuid copy,
# as USER (SHELL runs with $TAP while the TAP is held)
launch() {
	local then=()
	[[ "$1" == --then=* ]] && { then=("$1"); shift; }
	local u="$1"
	shift
	as_user "$u" "$PRIVDIR/tapinfo" "${then[@]}" \
		-- "$PRIVDIR/bridge-helper-suid" --fd=SOCK "$@"
}

# suid USER ARGS...: the setuid helper itself, as USER (--check, --lint)
suid() {
	local u="$1"
	shift
	as_user "$u" "$PRIVDIR/bridge-helper-suid" "$@"
}

# hold NAME USER ARGS...: a launch in the background that keeps its TAP
# until `release NAME` (it blocks reading its own fifo, no timing involved).
# Its output goes to $H/NAME.out; "held" appears there once it has the TAP.
hold() {
	local n="$1" u="$2"
	shift 2
	mkfifo -m 666 "$H/$n.fifo"
	mkdir "$H/$n.ov"
	OVDIR="$H/$n.ov" as_user "$u" "$PRIVDIR/tapinfo" \
		--then="echo held; read x <> $H/$n.fifo" \
		-- "$PRIVDIR/bridge-helper-suid" --fd=SOCK "$@" \
		>"$H/$n.out" 2>"$H/$n.err" 3>&- &
	echo $! >"$H/$n.pid"
	HOLDERS+=("$n")
}

uid_of() { id -u "$1"; }
gid_of() { getent group "$1" | cut -d: -f3; }

# --- subjects: user=, group=, numeric ids ---------------------------------------

@test "group=bhg1: bhu1 (primary) and bhu2 (supplementary) yes, bhu3 no" {
	acl_write <<-EOF
	allow br0 group=bhg1
	EOF
	for u in bhu1 bhu2; do
		run --separate-stderr launch --then='ip -d -o link show dev "$TAP"' \
			"$u" --br=br0
		[ "$status" -eq 0 ]
		[ "$(field fds)" = 1 ]
		[[ "$output" == *" master br0 "*" user $u "* ]]
		[ -z "$stderr" ]
	done
	until_taps 0
	run --separate-stderr launch bhu3 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "user=NAME: only that user" {
	acl_write <<-EOF
	allow br0 user=bhu3
	EOF
	run --separate-stderr launch --then='ip -d -o link show dev "$TAP"' bhu3 --br=br0
	[ "$status" -eq 0 ]
	[[ "$output" == *" master br0 "*" user bhu3 "* ]]
	until_taps 0
	for u in bhu1 bhu2; do
		run --separate-stderr launch "$u" --br=br0
		[ "$status" -eq 3 ]
		[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	done
	[ "$(tap_count)" -eq 0 ]
}

@test "numeric forms: user=UID and group=GID; user= and group= together must both match" {
	acl_write <<-EOF
	allow br0 user=$(uid_of bhu1)
	allow br0 group=$(gid_of bhg2) user=$(uid_of bhu3)
	EOF
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 0 ]
	run --separate-stderr launch bhu3 --br=br0
	[ "$status" -eq 0 ]
	until_taps 0
	# bhu2 is in bhg2 (primary) but is not uid bhu3
	run --separate-stderr launch bhu2 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	[ "$(tap_count)" -eq 0 ]
	run suid bhu3 --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on br0: allowed by $E:2" ]
}

@test "unknown user or group in the ACL: the rule matches nobody, --lint warns at file:line:col" {
	acl_write <<-'EOF'
	allow br1 user=bhnosuchuser
	deny  br0 group=bhnosuchgroup # typo
	allow br0
	EOF
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	run --separate-stderr launch bhu1 --br=br1
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br1: denied: no rule matches" ]
	until_taps 0
	run --separate-stderr suid bhu1 --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E:1:16: warning: unknown user 'bhnosuchuser': the rule matches nobody
$E:2:17: warning: unknown group 'bhnosuchgroup': the rule matches nobody
$E: 0 errors, 2 warnings" ]
}

# --- deny over allow, across includes ------------------------------------------

@test "deny in an included file wins over an allow in the main file" {
	mkdir -m 755 "$ACLDIR/bridge.d"
	acl_write <<-'EOF'
	allow br0 group=bhg1
	include bridge.d/*.conf
	EOF
	acl_write "$ACLDIR/bridge.d/10-ban.conf" <<-'EOF'
	# banned
	deny br0 user=bhu2
	EOF
	run --separate-stderr launch bhu2 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied by /etc/bridge-helper/bridge.d/10-ban.conf:2" ]
	[ "$(tap_count)" -eq 0 ]
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
}

@test "deny in the main file wins over an allow in an included file, before or after the include" {
	acl_write "$ACLDIR/open.conf" <<-'EOF'
	allow br0
	EOF
	acl_write <<-'EOF'
	deny br0 user=bhu2
	include open.conf
	deny br0 user=bhu3
	EOF
	run --separate-stderr launch bhu2 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied by $E:1" ]
	run --separate-stderr launch bhu3 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied by $E:3" ]
	[ "$(tap_count)" -eq 0 ]
	run suid bhu1 --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu1 (uid $(uid_of bhu1)) on br0: allowed by /etc/bridge-helper/open.conf:1" ]
}

# --- quotas ------------------------------------------------------------------------

@test "limit br0 2: a third TAP is refused until one is released; another user is unaffected" {
	acl_write <<-'EOF'
	allow br0 group=bhg1
	limit br0 2
	EOF
	hold a bhu1 --br=br0
	settled a
	hold b bhu1 --br=br0
	settled b
	[ "$(owned bhu1)" -eq 2 ]
	# --check predicts the launch: quota full is a denial, exit 3
	run suid bhu1 --check --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[1]}" = "quota: 2 of 2 in use (limit at $E:2)" ]

	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: quota reached: 2 of 2 TAPs in use (limit at $E:2)" ]
	[ "$(tap_count)" -eq 2 ]

	# bhu2 has its own quota
	run --separate-stderr launch --then='ip -d -o link show dev "$TAP"' bhu2 --br=br0
	[ "$status" -eq 0 ]
	[[ "$output" == *" user bhu2 "* ]]

	release a
	until_taps 1
	run --separate-stderr launch --then='ip -d -o link show dev "$TAP"' bhu1 --br=br0
	[ "$status" -eq 0 ]
	[[ "$output" == *" master br0 "*" user bhu1 "* ]]
	release b
	until_taps 0
}

@test "limit br0 1: giving the TAP away with TUNSETOWNER neither escapes the quota nor uses another's" {
	acl_write <<-'EOF'
	allow br0
	limit br0 1
	EOF
	mkfifo -m 666 "$H/giver.fifo"
	mkdir "$H/giver.ov"
	# bhu1 holds a TAP and, as any fd holder may, makes bhu3 its owner.
	OVDIR="$H/giver.ov" as_user bhu1 "$PRIVDIR/bridge-helper-run" \
		--helper="$PRIVDIR/bridge-helper-suid" --br=br0 -- python3 -c '
import fcntl, struct, sys
fcntl.ioctl(3, 0x400454cc, int(sys.argv[1]))   # TUNSETOWNER
print("held", flush=True)
open(sys.argv[2]).read()' "$(uid_of bhu3)" "$H/giver.fifo" >"$H/giver.out" 2>&1 3>&- &
	echo $! >"$H/giver.pid"
	HOLDERS+=(giver)
	settled giver
	[ "$(owned bhu3)" -eq 1 ]            # the kernel's owner is now bhu3
	[ "$(owned bhu1)" -eq 0 ]
	ip -n "$NS" -o link show type tun | grep -q "alias bridge-helper uid=$(uid_of bhu1)"

	# still bhu1's TAP for the quota
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: quota reached: 1 of 1 TAPs in use (limit at $E:2)" ]
	# and not bhu3's
	run --separate-stderr launch bhu3 --br=br0
	[ "$status" -eq 0 ]
	[ "$(tap_count)" -eq 1 ]
	release giver
	until_taps 0
}

@test "limit br0 2: 16 launches at once by bhu1 give exactly 2 TAPs, the rest exit 3 (quota)" {
	acl_write <<-'EOF'
	allow br0 group=bhg1
	limit br0 2
	EOF
	local i
	for i in $(seq 1 16); do
		hold "c$i" bhu1 --br=br0
	done
	tally "bridge-helper: br0: quota reached: [0-9]+ of 2 TAPs in use \(limit at $E:2\)" \
		$(printf 'c%d ' $(seq 1 16))
	[ "$held" -eq 2 ]
	[ "$refused" -eq 14 ]
	until_taps 2
	[ "$(owned bhu1)" -eq 2 ]
}

# --- --check ---------------------------------------------------------------------

@test "--check: allowed / denied by FILE:LINE / no rule, quota and sndbuf lines, exit 0 or 3" {
	acl_write <<-'EOF'
	allow  br0 group=bhg1
	deny   br0 user=bhu2
	limit  br0 4 group=bhg1
	sndbuf br0 1048576
	EOF
	run --separate-stderr suid bhu1 --check --br=br0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "user bhu1 (uid $(uid_of bhu1)) on br0: allowed by $E:1" ]
	[ "${lines[1]}" = "quota: 0 of 4 in use (limit at $E:3)" ]
	[ "${lines[2]}" = "sndbuf: 1048576 (set at $E:4)" ]
	[ "${lines[3]}" = "queues: at most 1 (default)" ]
	[ -z "$stderr" ]

	run --separate-stderr suid bhu2 --check --br=br0
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "user bhu2 (uid $(uid_of bhu2)) on br0: denied by $E:2" ]
	[ "${lines[1]}" = "quota: limit 4 (at $E:3)" ]
	[ "${lines[2]}" = "sndbuf: 1048576 (set at $E:4)" ]

	# bhu3 is not in bhg1: no rule matches, and no limit applies
	run --separate-stderr suid bhu3 --check --br=br0
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on br0: denied: no rule matches" ]
	[ "${lines[1]}" = "sndbuf: 1048576 (set at $E:4)" ]

	# a bridge no rule names: denied before any lookup, as the launch is
	run --separate-stderr suid bhu1 --check --br=br9
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "user bhu1 (uid $(uid_of bhu1)) on br9: denied: no rule matches" ]
	[ "${lines[1]}" = "sndbuf: kernel default" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "--check exits with the status the launch gets: 0, 1 no bridge or not a bridge, 3 denied or quota, 4 config" {
	acl_write <<-'EOF'
	allow all group=bhg1
	limit br0 1
	EOF
	nsx ip link add brx type dummy 2>/dev/null || nsx ip link add brx type veth peer name brxp
	local br cs
	for br in br0 br9 brx; do
		run --separate-stderr suid bhu1 --check --br=$br
		cs=$status
		run --separate-stderr launch bhu1 --br=$br
		[ "$status" -eq "$cs" ] || { echo "# $br: check $cs, launch $status"; false; }
	done
	run --separate-stderr suid bhu1 --check --br=br9
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "user bhu1 (uid $(uid_of bhu1)) on br9: allowed by $E:1" ]
	[ "${lines[1]}" = "br9: no such bridge" ]
	run --separate-stderr suid bhu1 --check --br=brx
	[ "$status" -eq 1 ]
	[[ "${lines[1]}" == "brx: is a "*" device, not a bridge" ]]
	# quota full
	hold q bhu1 --br=br0
	settled q
	run --separate-stderr suid bhu1 --check --br=br0
	[ "$status" -eq 3 ]
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 3 ]
	release q
	# bad configuration
	acl_write <<-'EOF'
	alow br0
	EOF
	run --separate-stderr suid bhu1 --check --br=br0
	[ "$status" -eq 4 ]
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 4 ]
	[ "$(tap_count)" -eq 0 ] || until_taps 0
}

@test "--check counts the caller's TAPs and creates nothing" {
	acl_write <<-'EOF'
	allow br0
	limit br0 3
	EOF
	hold h bhu1 --br=br0
	settled h
	[ "$(tap_count)" -eq 1 ]
	run suid bhu1 --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "quota: 1 of 3 in use (limit at $E:2)" ]
	run suid bhu2 --check --br=br0
	[ "${lines[1]}" = "quota: 0 of 3 in use (limit at $E:2)" ]
	[ "$(tap_count)" -eq 1 ]
	release h
	until_taps 0
	run suid bhu1 --check --br=br0
	[ "${lines[1]}" = "quota: 0 of 3 in use (limit at $E:2)" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "--check --user=NAME as root decides for NAME (and its groups); refused to a user" {
	acl_write <<-'EOF'
	allow br0 group=bhg1
	deny  br0 user=bhu3
	EOF
	run --separate-stderr nsx "$HELPER" --check --br=br0 --user=bhu2 --acl="$ACL"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu2 (uid $(uid_of bhu2)) on br0: allowed by $ACL:1" ]
	[ "${lines[1]}" = "sndbuf: kernel default" ]
	run --separate-stderr nsx "$HELPER" --check --br=br0 --user=bhu3 --acl="$ACL"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on br0: denied by $ACL:2" ]
	# the system ACL, as root, through the private mount namespace
	run --separate-stderr as_user root "$HELPER" --check --br=br0 --user=bhu1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu1 (uid $(uid_of bhu1)) on br0: allowed by $E:1" ]

	run --separate-stderr suid bhu1 --check --br=br0 --user=bhu2
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "bridge-helper: --user is for root only" ]
	run --separate-stderr suid bhu1 --check --br=br0 --user=root
	[ "$status" -eq 2 ]
	[ "$stderr" = "bridge-helper: --user is for root only" ]
	# a numeric uid, as user= takes them
	run --separate-stderr nsx "$HELPER" --check --br=br0 --user="$(uid_of bhu3)" --acl="$ACL"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on br0: denied by $ACL:2" ]
	run --separate-stderr nsx "$HELPER" --check --br=br0 --user=4000000000 --acl="$ACL"
	[ "$status" -eq 2 ]
	[ "$stderr" = "bridge-helper: --user=4000000000: no such user" ]
	run --separate-stderr nsx "$HELPER" --check --br=br0 --user=bhnosuch --acl="$ACL"
	[ "$status" -eq 2 ]
	[ "$stderr" = "bridge-helper: --user=bhnosuch: no such user" ]
	[ "$(tap_count)" -eq 0 ]
}

# --- send buffer --------------------------------------------------------------------

@test "sndbuf br0 1048576: the default, lowered by --sndbuf, capped when asked for more" {
	acl_write <<-'EOF'
	allow  br0
	sndbuf br0 1048576
	EOF
	run launch bhu1 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 1048576 ]
	run launch bhu1 --br=br0 --sndbuf=65536
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 65536 ]
	run launch bhu1 --br=br0 --sndbuf=4194304
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 1048576 ]

	run suid bhu1 --check --br=br0
	[ "${lines[1]}" = "sndbuf: 1048576 (set at $E:2)" ]
	run suid bhu1 --check --br=br0 --sndbuf=65536
	[ "${lines[1]}" = "sndbuf: 65536 (asked; at most 1048576, set at $E:2)" ]
	run suid bhu1 --check --br=br0 --sndbuf=4194304
	[ "${lines[1]}" = "sndbuf: 1048576 (asked 4194304, capped at $E:2)" ]
}

@test "no sndbuf rule: the kernel default, or the caller's --sndbuf" {
	acl_write <<-'EOF'
	allow br0
	EOF
	run launch bhu1 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 2147483647 ]
	run launch bhu1 --br=br0 --sndbuf=65536
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 65536 ]
	run suid bhu1 --check --br=br0
	[ "${lines[1]}" = "sndbuf: kernel default" ]
	run suid bhu1 --check --br=br0 --sndbuf=65536
	[ "${lines[1]}" = "sndbuf: 65536 (asked)" ]
}

@test "sndbuf with group=bhg1 applies only to that group's members" {
	acl_write <<-'EOF'
	allow  br0
	sndbuf br0 1048576 group=bhg1
	EOF
	for u in bhu1 bhu2; do
		run launch "$u" --br=br0
		[ "$status" -eq 0 ]
		[ "$(field sndbuf)" = 1048576 ]
	done
	run launch bhu3 --br=br0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 2147483647 ]
	run suid bhu3 --check --br=br0
	[ "${lines[1]}" = "sndbuf: kernel default" ]
	run suid bhu2 --check --br=br0
	[ "${lines[1]}" = "sndbuf: 1048576 (set at $E:2)" ]
}

# --- --lint ------------------------------------------------------------------------

@test "--lint: every error class, all of them reported, file:line:col, summary, exit 4" {
	acl_write "$ACLDIR/loop.conf" <<-'EOF'
	allow br0 group=bhg1
	include loop.conf
	EOF
	printf 'allow br0\n' >"$ACLDIR/unsafe.conf"
	chmod 664 "$ACLDIR/unsafe.conf"
	{
		cat <<-'EOF'
		alow br0
		allow
		allow br0123456789abcdef
		allow a/b
		deny br1 bob
		deny br1 uid=5
		deny br1 user=bhu1 user=bhu2
		deny br1 user=
		allow br0 user=bhnosuch
		allow br0 group=bhnosuch
		allow br0 user=4294967295
		limit br0
		limit br0 x
		limit br0 65536
		sndbuf br0 0
		sndbuf br0 2147483648
		include
		include a b
		include missing.conf
		include loop.conf
		include nodir/*.conf
		include unsafe.conf
		EOF
		printf 'allow br0 %01020d\n' 0
		printf 'allow br0\0\n'
		echo 'allow br0 # fine'
	} | acl_write
	run --separate-stderr suid bhu1 --lint
	[ "$status" -eq 4 ]
	[ -z "$stderr" ]
	local want
	want="$E:1:1: unknown keyword 'alow'
$E:2:6: missing bridge name (or 'all') after 'allow'
$E:3:7: invalid bridge name 'br0123456789abcdef': longer than 15 bytes
$E:4:7: invalid bridge name 'a/b': contains '/'
$E:5:10: unexpected argument 'bob' (expected user= or group=)
$E:6:10: unknown key 'uid=' (expected user= or group=)
$E:7:20: duplicate user=
$E:8:15: missing value after user=
$E:11:16: invalid uid '4294967295' (expected 0..4294967294)
$E:12:10: missing limit (0..65535)
$E:13:11: invalid limit 'x' (expected 0..65535)
$E:14:11: invalid limit '65536' (expected 0..65535)
$E:15:12: invalid sndbuf bytes '0' (expected 1..2147483647)
$E:16:12: invalid sndbuf bytes '2147483648' (expected 1..2147483647)
$E:17:8: missing path after 'include'
$E:18:11: unexpected argument 'b' (include takes one path; paths with spaces are not supported)
$E:19: /etc/bridge-helper/missing.conf: cannot open: No such file or directory
/etc/bridge-helper/loop.conf:2:9: include loop: /etc/bridge-helper/loop.conf includes itself
$E:21:9: /etc/bridge-helper/nodir/*.conf: cannot read directory: No such file or directory
$E:22: /etc/bridge-helper/unsafe.conf: writable by group or others
$E:23:1025: line too long (max 1024 bytes)
$E:24:10: NUL byte not allowed
$E:9:16: warning: unknown user 'bhnosuch': the rule matches nobody
$E:10:17: warning: unknown group 'bhnosuch': the rule matches nobody
$E: 22 errors, 2 warnings"
	diff -u <(echo "$want") <(echo "$output")
	# the same file denies every launch, naming the first error
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 4 ]
	[ "$stderr" = "bridge-helper: bad configuration, everything denied: $E:1:1: unknown keyword 'alow' (and more: see --lint)" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "--lint: warnings (shadowed allow, duplicate, limit 0, glued '#') alone exit 0" {
	mkdir -m 755 "$ACLDIR/bridge.d"
	acl_write <<-'EOF'
	allow br0 group=bhg1
	allow br0 user=bhu2
	limit br1 0
	allow br1
	allow  br1   # the same again
	allow br2#lab
	include bridge.d/*.conf
	EOF
	acl_write "$ACLDIR/bridge.d/ban.conf" <<-'EOF'
	deny br0 group=bhg2
	EOF
	run --separate-stderr suid bhu1 --lint
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	local want
	want="$E:3:11: warning: limit 0 forbids every TAP
$E:6:10: warning: '#' inside a word does not start a comment (put a space before it)
$E:5:1: warning: duplicate of the rule at $E:4"
	# no shadow warning: lint compares subjects, not the user database, so
	# "deny br0 group=bhg2" does not cover "allow br0 user=bhu2"
	diff -u <(echo "$want
$E: 0 errors, 3 warnings") <(echo "$output")

	acl_write "$ACLDIR/bridge.d/ban.conf" <<-'EOF'
	deny br0 user=bhu2
	deny all
	EOF
	run --separate-stderr suid bhu1 --lint
	[ "$status" -eq 0 ]
	want="$E:3:11: warning: limit 0 forbids every TAP
$E:6:10: warning: '#' inside a word does not start a comment (put a space before it)
$E:1:1: warning: allow at line 1 is shadowed by deny at /etc/bridge-helper/bridge.d/ban.conf:2
$E:2:1: warning: allow at line 2 is shadowed by deny at /etc/bridge-helper/bridge.d/ban.conf:1
$E:4:1: warning: allow at line 4 is shadowed by deny at /etc/bridge-helper/bridge.d/ban.conf:2
$E:5:1: warning: allow at line 5 is shadowed by deny at /etc/bridge-helper/bridge.d/ban.conf:2
$E:5:1: warning: duplicate of the rule at $E:4
$E:6:1: warning: allow at line 6 is shadowed by deny at /etc/bridge-helper/bridge.d/ban.conf:2
$E: 0 errors, 8 warnings"
	diff -u <(echo "$want") <(echo "$output")
}

@test "--lint needs no privilege: system file by default, FILE, setuid and plain copies" {
	acl_write <<-'EOF'
	allow br0 group=bhg1
	EOF
	run --separate-stderr suid bhu3 --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E: 0 errors, 0 warnings" ]
	run --separate-stderr as_user bhu3 "$PRIVDIR/bridge-helper-plain" --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E: 0 errors, 0 warnings" ]
	# a FILE argument, read with the caller's rights only
	acl_write "$H/new.conf" <<-'EOF'
	alow br0
	EOF
	run --separate-stderr suid bhu3 --lint "$H/new.conf"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "$H/new.conf:1:1: unknown keyword 'alow'" ]
	[ "${lines[1]}" = "$H/new.conf: 1 error, 0 warnings" ]
	chmod 600 "$H/new.conf"
	run --separate-stderr suid bhu3 --lint "$H/new.conf"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "$H/new.conf: cannot open: Permission denied" ]
	# a file the user owns is unsafe
	install -m 644 -o bhu3 /dev/null "$H/mine.conf"
	run --separate-stderr suid bhu3 --lint "$H/mine.conf"
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "$H/mine.conf: not owned by root" ]
	[ "${lines[1]}" = "$H/mine.conf: 1 error, 0 warnings" ]
	# no system file at all
	rm "$ACL"
	run --separate-stderr suid bhu3 --lint
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "$E: cannot open: No such file or directory" ]
}

# --- syslog ------------------------------------------------------------------------

# A private /dev/log: a datagram socket this test binds itself, reached from
# the helper through a symbolic link in an overlay over /dev, in a private
# mount namespace (the host's /dev is never touched; works whether the host
# has no /dev/log, a socket, or a link to journald's).
LOGRECV='
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a") as f:
    print("ready", file=f, flush=True)
    while True:
        d = s.recv(65536)
        f.write(d.decode("utf-8", "replace").rstrip("\0\n") + "\n")
        f.flush()
'

# log_start: the receiver, listening on $H/log.d/log, writing to $H/log
log_start() {
	local i
	mkdir -m 755 "$H/log.d" "$H/ov-dev" "$H/ov-dev/u" "$H/ov-dev/w"
	python3 -c "$LOGRECV" "$H/log.d/log" "$H/log" 3>&- &
	RECV_PID=$!
	for ((i = 0; i < 500; i++)); do
		grep -qx ready "$H/log" 2>/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# log_sync: send a marker after everything the helpers sent (datagrams on
# one socket keep their order) and wait (bounded) until it was written; then
# $H/log holds every line sent before. Prints the lines, marker excluded.
log_sync() {
	local i
	python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"MARK", sys.argv[1])' "$H/log.d/log"
	for ((i = 0; i < 500; i++)); do
		grep -qx MARK "$H/log" && break
		sleep 0.02
	done
	grep -qx MARK "$H/log"
	grep -vx -e ready -e MARK "$H/log"
	: >"$H/log"
}

# devlog CMD...: run CMD (as_user ... or a program) with /dev/log pointing
# at $H/log.d/log
devlog() {
	NS="$NS" ACLDIR="$ACLDIR" OVDIR="$OVDIR" \
		unshare -m --propagation private "$BASH" -c '
		set -e
		mount -t overlay overlay \
			-o "lowerdir=/dev,upperdir=$1/u,workdir=$1/w" /dev
		rm -f /dev/log
		ln -s "$2" /dev/log
		shift 2
		set +e
		'"$(declare -f as_user)"'
		"$@"' bash "$H/ov-dev" "$H/log.d/log" "$@"
}

# The syslog line without the timestamp: "<PRI>bridge-helper[PID]: REST"
# becomes "PRI REST"; fails on a malformed line.
log_shape() {
	local re='^<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} bridge-helper\[([0-9]+)\]: (.*)$'
	[[ "$1" =~ $re ]] || { echo "malformed: $1" >&2; return 1; }
	[ "${BASH_REMATCH[2]}" -gt 1 ]
	echo "${BASH_REMATCH[1]} ${BASH_REMATCH[3]}"
}

@test "syslog: one well-formed LOG_AUTHPRIV line per decision, allowed <86>, denied <85>" {
	ip -n "$NS" link add br1 type bridge
	acl_write <<-'EOF'
	allow br0 group=bhg1
	deny  br0 user=bhu2
	allow br1
	limit br1 0
	allow nosuch0
	queues br0 2
	EOF
	log_start
	local u1 u2 u3 tap
	u1=$(uid_of bhu1) u2=$(uid_of bhu2) u3=$(uid_of bhu3)

	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0 --queues=2
	[ "$status" -eq 0 ]
	tap=$(field name)
	[ -n "$tap" ]
	run log_sync
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(log_shape "${lines[0]}")" = "86 uid=$u1 user=\"bhu1\" allowed: bridge=\"br0\" tap=$tap queues=2 sndbuf=0 rule=\"$E:1\"" ]

	run --separate-stderr devlog as_user bhu2 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied by $E:2" ]
	run --separate-stderr devlog as_user bhu3 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br1
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br1: quota reached: 0 of 0 TAPs in use (limit at $E:4)" ]
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=nosuch0
	[ "$status" -eq 1 ]
	run log_sync
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(log_shape "${lines[0]}")" = "85 uid=$u2 user=\"bhu2\" denied: bridge=\"br0\" queues=1 reason=\"denied by $E:2\"" ]
	[ "$(log_shape "${lines[1]}")" = "85 uid=$u3 user=\"bhu3\" denied: bridge=\"br0\" queues=1 reason=\"denied: no rule matches\"" ]
	[ "$(log_shape "${lines[2]}")" = "85 uid=$u1 user=\"bhu1\" denied: bridge=\"br1\" queues=1 reason=\"quota: 0 of 0 in use (limit at $E:4)\"" ]
	[ "$(log_shape "${lines[3]}")" = "85 uid=$u1 user=\"bhu1\" denied: bridge=\"nosuch0\" queues=1 reason=\"no such device\"" ]

	# a bad configuration is a decision too
	acl_write <<-'EOF'
	allow br0 user=4294967295
	EOF
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 4 ]
	run log_sync
	[ "${#lines[@]}" -eq 1 ]
	[ "$(log_shape "${lines[0]}")" = "85 uid=$u1 user=\"bhu1\" denied: bridge=\"br0\" queues=1 reason=\"bad configuration, everything denied: $E:1:16: invalid uid '4294967295' (expected 0..4294967294)\"" ]
	# --check decides nothing and logs nothing: not the user's own, and not
	# root's on the user's behalf (which would read as that user's request)
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 4 ]
	run --separate-stderr devlog as_user root "$HELPER" --check --br=br0 --user=bhu1
	[ "$status" -eq 4 ]
	run log_sync
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 0 ]
	# root, through the file it names
	acl_write <<-'EOF'
	allow br0
	EOF
	run --separate-stderr devlog ip netns exec "$NS" "$TAPINFO" -- \
		"$HELPER" --fd=SOCK --acl="$ACL" --br=br0
	[ "$status" -eq 0 ]
	tap=$(field name)
	run log_sync
	[ "${#lines[@]}" -eq 1 ]
	[ "$(log_shape "${lines[0]}")" = "86 uid=0 user=\"root\" allowed: bridge=\"br0\" tap=$tap queues=1 sndbuf=0 rule=\"$ACL:1\"" ]
}

@test "syslog: what the caller controls is quoted and escaped: a bridge named q\"x=1\\, a user name with quotes, = and ESC" {
	# The bridge name holds '"', '=' and '\' (the kernel and the helper
	# allow them); bhu1's name, as NSS reports it in the helper's mount
	# namespace (a passwd line before the real one, same uid), holds '"',
	# a space, '=' and an ESC byte.
	local br='q"x=1\' u1 tap evil
	u1=$(uid_of bhu1)
	ip -n "$NS" link add "$br" type bridge
	acl_write <<-'EOF'
	deny  br0 user=bhu1
	allow all
	EOF
	evil=$(printf 'e"v il=0\033')
	mkdir -p "$OVDIR/u"
	{ echo "$evil:x:$u1:$(id -g bhu1)::/:/bin/sh"; cat /etc/passwd; } >"$OVDIR/u/passwd"
	log_start
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br="$br"
	[ "$status" -eq 0 ]
	tap=$(field name)
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 3 ]
	run log_sync
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(log_shape "${lines[0]}")" = "86 uid=$u1 user=\"e\\\"v il=0\\x1b\" allowed: bridge=\"q\\\"x=1\\\\\" tap=$tap queues=1 sndbuf=0 rule=\"$E:2\"" ]
	[ "$(log_shape "${lines[1]}")" = "85 uid=$u1 user=\"e\\\"v il=0\\x1b\" denied: bridge=\"br0\" queues=1 reason=\"denied by $E:1\"" ]
	# what a key=value parser makes of it: exactly these fields, nothing
	# the caller slipped in (no second user=, no uid=0)
	local fields
	fields=$(log_shape "${lines[0]}" | python3 -c '
import shlex, sys
line = sys.stdin.read().split(" ", 1)[1]
print(" ".join(k.split("=", 1)[0] for k in shlex.split(line.replace("allowed: ", ""), posix=True)))')
	[ "$fields" = "uid user bridge tap queues sndbuf rule" ]
	until_taps 0
}

@test "syslog: no listener on /dev/log never changes the decision" {
	acl_write <<-'EOF'
	allow br0 user=bhu1
	EOF
	# a socket nobody listens on any more (connect: refused)
	log_start
	kill "$RECV_PID"
	wait "$RECV_PID" || true
	RECV_PID=
	[ -S "$H/log.d/log" ]
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ -z "$stderr" ]
	run --separate-stderr devlog as_user bhu2 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	# no /dev/log at all
	rm "$H/log.d/log"
	run --separate-stderr devlog as_user bhu1 "$PRIVDIR/tapinfo" -- \
		"$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 0 ]
	[ "$(field fds)" = 1 ]
	[ -z "$stderr" ]
}

# --- the worked example of bridge.conf(5) -------------------------------------------

# Group kvm is bhg1 (bhu1: primary, bhu2: supplementary); alice is bhu2 (in
# kvm, banned); bhu3 is not in kvm.
@test "bridge.conf(5) EXAMPLES: kvm on br0, 4 TAPs each of 4 queues, alice denied, virbr0 for everyone" {
	ip -n "$NS" link add virbr0 type bridge
	mkdir -m 755 "$ACLDIR/bridge.d"
	acl_write <<-'EOF'
	# /etc/bridge-helper/bridge.conf
	allow  br0 group=bhg1     # the lab
	deny   br0 user=bhu2      # banned, even though in kvm
	limit  br0 4 group=bhg1   # at most 4 TAPs each at once
	queues br0 4 group=bhg1   # multi-queue virtio-net, up to 4 queues
	sndbuf br0 1048576        # for the 10G NIC behind br0

	allow  virbr0             # QEMU's default, for everyone

	include bridge.d/*.conf   # i.e. /etc/bridge-helper/bridge.d/
	EOF
	run suid bhu1 --lint
	[ "$status" -eq 0 ]
	[ "$output" = "$E: 0 errors, 0 warnings" ]

	# a kvm member: 4 TAPs on br0 with the NIC's send buffer, not a 5th
	local i
	for i in 1 2 3 4; do
		hold "k$i" bhu1 --br=br0
		settled "k$i"
	done
	[ "$(owned bhu1)" -eq 4 ]
	grep -qx sndbuf=1048576 "$H/k1.out"
	run --separate-stderr launch bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: quota reached: 4 of 4 TAPs in use (limit at $E:4)" ]
	# virbr0 has no limit
	run launch bhu1 --br=virbr0
	[ "$status" -eq 0 ]
	[ "$(field sndbuf)" = 2147483647 ]
	release k1
	until_taps 3
	run launch bhu1 --br=br0
	[ "$status" -eq 0 ]

	# alice: denied on br0 although in kvm, welcome on virbr0
	run --separate-stderr launch bhu2 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied by $E:3" ]
	run launch bhu2 --br=virbr0
	[ "$status" -eq 0 ]
	# not in kvm
	run --separate-stderr launch bhu3 --br=br0
	[ "$status" -eq 3 ]
	[ "$stderr" = "bridge-helper: br0: denied: no rule matches" ]
	run suid bhu3 --check --br=virbr0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on virbr0: allowed by $E:8" ]
	[ "${lines[1]}" = "sndbuf: kernel default" ]
	[ "${lines[2]}" = "queues: at most 1 (default)" ]

	# a package drops a rule into bridge.d
	acl_write "$ACLDIR/bridge.d/50-lab.conf" <<-'EOF'
	allow br0 user=bhu3
	EOF
	run suid bhu3 --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu3 (uid $(uid_of bhu3)) on br0: allowed by /etc/bridge-helper/bridge.d/50-lab.conf:1" ]
	# bridge.d must exist
	rm -r "$ACLDIR/bridge.d"
	run --separate-stderr launch bhu1 --br=virbr0
	[ "$status" -eq 4 ]
	[ "$stderr" = "bridge-helper: bad configuration, everything denied: $E:10:9: /etc/bridge-helper/bridge.d/*.conf: cannot read directory: No such file or directory" ]
	for i in 2 3 4; do release "k$i"; done
	until_taps 0
}
