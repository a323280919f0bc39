#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The helper's privilege handling, as a real unprivileged user against the
# setuid-root copy, the cap_net_admin+ep copy and a plain copy (common.bash's
# privbin_setup), and as root. as_user runs the caller through setpriv and
# sh -c 'exec ...' with the test ACL at /etc/bridge-helper/bridge.conf.
#
# What the helper holds while it works is read from /proc while it is blocked
# in sendmsg: tapinfo --stall fills its socket first (see tests/tapinfo.c).

bats_require_minimum_version 1.5.0

load common

setup_file() { users_privbin_setup; }
teardown_file() { users_privbin_teardown; }

setup() {
	ns_setup
	SYSACL=/etc/bridge-helper/bridge.conf     # as the helper sees it under as_user
	U1="$(id -u bhu1)"
	G1="$(getent group bhg1 | cut -d: -f3)"
}

teardown() { ns_teardown; }

# utap [--tun-0666] USER COPY [TAPINFO-OPTION...] -- HELPER-ARG...:
# tapinfo as USER against $PRIVDIR/bridge-helper-COPY (or a path).
utap() {
	local tun=()
	[ "$1" = --tun-0666 ] && { tun=(--tun-0666); shift; }
	local user="$1" bin="$2" opts=()
	shift 2
	[[ "$bin" == /* ]] || bin="$PRIVDIR/bridge-helper-$bin"
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	as_user "${tun[@]}" "$user" "$PRIVDIR/tapinfo" "${opts[@]}" -- "$bin" --fd=SOCK "$@"
}

# The value of a "helper-KEY: v1 v2" line tapinfo --stall printed.
hfield() { printf '%s\n' "$output" | sed -n "s/^helper-$1:[ ]*//p" | head -n1; }

# STATUS and the one-line MESSAGE on stderr, nothing received, nothing left.
refused_as() {
	local want="$1" msg="$2"
	echo "status=$status output=$output stderr=$stderr"
	[ "$status" -eq "$want" ]
	[ "$output" = "helper-status=$want" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "bridge-helper: $msg" ]
	[ "$(tap_count)" -eq 0 ]
}

# ---- who may create --------------------------------------------------------

@test "setuid: bhu1 gets a TAP on an allowed bridge, owned by bhu1" {
	acl_write <<<"allow br0 user=bhu1"
	run --separate-stderr utap bhu1 suid --then='ip -d link show $TAP' -- --br=br0
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *" persist off user bhu1 "* ]]
	[ -z "$stderr" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "setuid: bhu2 allowed through its supplementary group bhg1" {
	acl_write <<<"allow br0 group=bhg1"
	run --separate-stderr utap bhu2 suid --then='ip -d link show $TAP' -- --br=br0
	[ "$status" -eq 0 ]
	[[ "$output" == *" user bhu2 "* ]]
}

@test "setuid: bhu1 refused when the ACL does not allow it (exit 3, nothing created)" {
	printf 'allow br0 user=bhu2\nallow br0 group=bhg2\n' | acl_write
	run --separate-stderr utap bhu1 suid -- --br=br0
	refused_as 3 "br0: denied: no rule matches"
}

@test "setuid: bhu1 refused by a deny rule naming the user" {
	printf 'allow br0\ndeny br0 user=bhu1\n' | acl_write
	run --separate-stderr utap bhu1 suid -- --br=br0
	refused_as 3 "br0: denied by $SYSACL:2"
}

@test "setuid: --acl is refused (exit 2) even when that file would allow" {
	acl_write </dev/null
	acl_write "$ACLDIR/mine.conf" <<<"allow all"
	run --separate-stderr utap bhu1 suid -- --acl=/etc/bridge-helper/mine.conf --br=br0
	refused_as 2 "--acl is refused: running privileged (setuid or file capability); the ACL is $SYSACL"
}

@test "caps: with the real 0600 /dev/net/tun: exit 1, says the caller needs access to it" {
	acl_write <<<"allow br0"
	[ "$(stat -c %a /dev/net/tun)" = 600 ]
	run --separate-stderr utap bhu1 caps -- --br=br0
	refused_as 1 "cannot open /dev/net/tun (with file capabilities the caller needs read-write access to it): Permission denied"
}

@test "caps: with a 0666 /dev/net/tun: works, TAP owned by bhu1" {
	acl_write <<<"allow br0"
	run --separate-stderr utap --tun-0666 bhu1 caps --then='ip -d link show $TAP' -- --use-vnet --br=br0
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	[ "$(field vnet_hdr)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *" user bhu1 "* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "caps: --acl is refused (exit 2)" {
	acl_write </dev/null
	acl_write "$ACLDIR/mine.conf" <<<"allow all"
	run --separate-stderr utap --tun-0666 bhu1 caps -- --acl=/etc/bridge-helper/mine.conf --br=br0
	refused_as 2 "--acl is refused: running privileged (setuid or file capability); the ACL is $SYSACL"
}

@test "caps: refused by the ACL (exit 3)" {
	acl_write <<<"allow br0 user=bhu2"
	run --separate-stderr utap --tun-0666 bhu1 caps -- --br=br0
	refused_as 3 "br0: denied: no rule matches"
}

@test "plain: no privilege: exit 1, no CAP_NET_ADMIN" {
	acl_write <<<"allow br0"
	run --separate-stderr utap --tun-0666 bhu1 plain -- --br=br0
	refused_as 1 "no CAP_NET_ADMIN: bridge-helper must be installed setuid root (make install-setuid) or with the file capability cap_net_admin+ep (make install-caps)"
}

@test "root: the repo binary started by root works with the system ACL" {
	acl_write <<<"allow br0"
	run --separate-stderr utap root "$HELPER" --then='ip -d link show $TAP' -- --br=br0
	[ "$status" -eq 0 ]
	[ "$(field tap)" = 1 ]
	[[ "$output" == *" master br0 "* ]]
	[[ "$output" == *" user root "* ]]
	[ "$(tap_count)" -eq 0 ]
}

@test "setuid: --check as bhu1 answers from the system ACL and creates nothing" {
	printf 'allow br0 user=bhu1\n' | acl_write
	run --separate-stderr as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user bhu1 (uid $U1) on br0: allowed by $SYSACL:1" ]
	run --separate-stderr as_user bhu2 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "user bhu2 (uid $(id -u bhu2)) on br0: denied: no rule matches" ]
	[ "$(tap_count)" -eq 0 ]
}

# ---- what the helper holds while it sends the fd --------------------------

@test "setuid: blocked in sendmsg: only CAP_NET_ADMIN, bhu1's ids everywhere, no groups, no bounding set" {
	acl_write <<<"allow br0"
	# the caller does have a supplementary group to lose
	run as_user bhu1 id -G
	[ "$output" = "$G1" ]
	run --separate-stderr utap bhu1 suid --stall -- --br=br0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	[ "$(hfield CapEff)" = 0000000000001000 ]
	[ "$(hfield CapPrm)" = 0000000000001000 ]
	[ "$(hfield CapInh)" = 0000000000000000 ]
	[ "$(hfield CapAmb)" = 0000000000000000 ]
	[ "$(hfield CapBnd)" = 0000000000000000 ]
	[ "$(hfield Uid)" = "$U1 $U1 $U1 $U1" ]
	[ "$(hfield Gid)" = "$G1 $G1 $G1 $G1" ]
	[[ "$output" == *$'\nhelper-Groups:\n'* ]]
	[ "$(hfield NoNewPrivs)" = 1 ]
	# and the fd still arrives after the stall
	[ "$(field tap)" = 1 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "setuid: blocked in sendmsg: bhu2's two groups are dropped, gid is its primary bhg2" {
	acl_write <<<"allow br0"
	local u2 g2
	u2="$(id -u bhu2)"
	g2="$(getent group bhg2 | cut -d: -f3)"
	run as_user bhu2 id -G
	[ "$(wc -w <<<"$output")" -eq 2 ]
	run --separate-stderr utap bhu2 suid --stall -- --br=br0
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	[ "$(hfield Uid)" = "$u2 $u2 $u2 $u2" ]
	[ "$(hfield Gid)" = "$g2 $g2 $g2 $g2" ]
	[[ "$output" == *$'\nhelper-Groups:\n'* ]]
	[ "$(hfield CapEff)" = 0000000000001000 ]
}

@test "caps: blocked in sendmsg: CapEff = CapPrm = CAP_NET_ADMIN only, ids unchanged" {
	acl_write <<<"allow br0"
	run --separate-stderr utap --tun-0666 bhu1 caps --stall -- --br=br0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	[ "$(hfield CapEff)" = 0000000000001000 ]
	[ "$(hfield CapPrm)" = 0000000000001000 ]
	[ "$(hfield CapInh)" = 0000000000000000 ]
	[ "$(hfield CapAmb)" = 0000000000000000 ]
	[ "$(hfield Uid)" = "$U1 $U1 $U1 $U1" ]
	[ "$(hfield Gid)" = "$G1 $G1 $G1 $G1" ]
	[ "$(hfield NoNewPrivs)" = 1 ]
	[ "$(field tap)" = 1 ]
}

@test "root: blocked in sendmsg: uid 0 but CapEff = CapPrm = CAP_NET_ADMIN, empty bounding set" {
	acl_write <<<"allow br0"
	run --separate-stderr utap root "$HELPER" --stall -- --br=br0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	[ "$(hfield Uid)" = "0 0 0 0" ]
	[ "$(hfield Gid)" = "0 0 0 0" ]
	[ "$(hfield CapEff)" = 0000000000001000 ]
	[ "$(hfield CapPrm)" = 0000000000001000 ]
	[ "$(hfield CapInh)" = 0000000000000000 ]
	[ "$(hfield CapAmb)" = 0000000000000000 ]
	[ "$(hfield CapBnd)" = 0000000000000000 ]
	[ "$(hfield NoNewPrivs)" = 1 ]
	[ "$(field tap)" = 1 ]
}

# ---- a sanitised process ---------------------------------------------------

@test "sanitised: an inherited fd 7, blocked SIGTERM and ignored SIGUSR1 do not reach the helper" {
	acl_write <<<"allow br0"
	echo secret >"$BATS_TEST_TMPDIR/fd7"
	# python3 blocks SIGTERM, ignores SIGUSR1, opens fd 7, sets FOO=bar and
	# execs tapinfo, which forks and execs the helper with all of that.
	run --separate-stderr nsx /usr/bin/python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
os.dup2(os.open(sys.argv[1], os.O_RDONLY), 7)
os.environ["FOO"] = "bar"
os.execv(sys.argv[2], sys.argv[2:])' "$BATS_TEST_TMPDIR/fd7" \
		"$TAPINFO" --stall -- "$HELPER" --fd=SOCK --acl="$ACL" --br=br0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	[ "$(hfield SigBlk)" = 0000000000000000 ]
	[ "$(hfield SigIgn)" = 0000000001001000 ]      # SIGPIPE and SIGXFSZ only
	fds="$(hfield fds)"
	[[ "$fds" != *fd7* ]]
	[[ " $fds" != *" 7="* ]]
	# 0-2, the socket, /dev/net/tun: nothing else (rtnetlink is closed
	# before the hand-over)
	[ "$(wc -w <<<"$fds")" -eq 5 ]
	[[ "$fds" == "0="*" 1="*" 2="* ]]
	[ "$(grep -o '=/dev/net/tun' <<<"$fds" | wc -l)" -eq 1 ]
	[ "$(grep -o '=socket:' <<<"$fds" | wc -l)" -eq 1 ]
	[ "$(field tap)" = 1 ]
	# the environment is gone, strings included: only NULs (shown as
	# spaces) remain of the inherited block, so no FOO=bar, no PATH=
	[ "$(field helper-environ-bytes)" -gt 0 ]
	env_line="$(sed -n 's/^helper-environ://p' <<<"$output")"
	[[ "$env_line" != *FOO* ]]
	[ -z "$(tr -d ' ' <<<"$env_line")" ]
}

@test "sanitised: started with fds 0-2 closed, they are /dev/null and the TAP still arrives" {
	acl_write <<<"allow br0"
	run --separate-stderr nsx "$TAPINFO" --stall -- /bin/sh -c 'exec "$0" "$@" 0<&- 1>&- 2>&-' \
		"$HELPER" --fd=SOCK --acl="$ACL" --br=br0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(field stall)" = ok ]
	fds="$(hfield fds)"
	[[ "$fds" == "0=/dev/null 1=/dev/null 2=/dev/null "* ]]
	[ "$(wc -w <<<"$fds")" -eq 5 ]
	[ "$(field fds)" = 1 ]
	[ "$(field tap)" = 1 ]
	[ -z "$stderr" ]
	[ "$(tap_count)" -eq 0 ]
}

@test "sanitised: fds 0-2 closed and refused: exit 3, no TAP, no stray writes" {
	acl_write <<<"allow br1"
	run --separate-stderr nsx "$TAPINFO" -- /bin/sh -c 'exec "$0" "$@" 0<&- 1>&- 2>&-' \
		"$HELPER" --fd=SOCK --acl="$ACL" --br=br0
	[ "$status" -eq 3 ]
	[ "$output" = "helper-status=3" ]
	[ -z "$stderr" ]
	[ "$(tap_count)" -eq 0 ]
}
