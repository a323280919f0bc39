# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Shared set-up for the bats suites. Everything a test creates lives in a
# network namespace (and, for system paths, a private mount namespace) that
# teardown removes; test users and groups are removed by teardown_file.
#
#   ns_setup                 make $NS with bridge br0 (MTU 1400, one veth
#                            port with a low MAC so the bridge's MAC is fixed)
#   nsx CMD...               run CMD in $NS
#   acl_write FILE <<EOF     write an ACL into $ACLDIR (root-owned, 0644)
#   client ARGS...           tests/tapinfo -- bridge-helper --fd=SOCK ARGS...
#                            in $NS, as root, with --acl=$ACLDIR/bridge.conf
#   tap_count                TUN/TAP links in $NS
#   users_setup / users_teardown   test users bhu1, bhu2 (group bhg1) ...
#   privbin_setup            setuid and file-capability copies in $PRIVDIR:
#                            -suid, -caps (make install-caps: cap_net_admin,
#                            cap_dac_read_search), -capsna (cap_net_admin
#                            alone), -plain
#   as_user U CMD...         in $NS, a private mount ns with $ACLDIR at
#                            /etc/bridge-helper, run CMD as user U via
#                            setpriv + sh -c 'exec ...'
#   settled / finished / release NAME, tally RE NAME..., owned USER
#                            launches held in the background (the suites'
#                            own hold(): "held" in $H/NAME.out, pid in
#                            $H/NAME.pid, fifo $H/NAME.fifo), TAPs by owner

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
HELPER="$ROOT/bridge-helper"
TAPINFO="$ROOT/tests/tapinfo"

ns_setup() {
	NS="bht-$$-${BATS_TEST_NUMBER:-0}"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add br0 type bridge
	ip -n "$NS" link add p0 address 02:00:00:00:00:01 type veth peer name p1
	ip -n "$NS" link set p0 master br0
	ip -n "$NS" link set br0 mtu 1400 up
	ACLDIR="$(mktemp -d /tmp/bh-acl.XXXXXX)"
	chmod 755 "$ACLDIR"
	ACL="$ACLDIR/bridge.conf"
	OVDIR="$(mktemp -d /tmp/bh-ov.XXXXXX)"
}

ns_teardown() {
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null
	[ -n "${ACLDIR:-}" ] && rm -rf "$ACLDIR"
	[ -n "${OVDIR:-}" ] && rm -rf "$OVDIR"
	true
}

nsx() { ip netns exec "$NS" "$@"; }

acl_write() {   # acl_write [FILE] < text
	local f="${1:-$ACL}"
	cat >"$f"
	chmod 644 "$f"
}

client() { nsx "$TAPINFO" -- "$HELPER" --fd=SOCK --acl="$ACL" "$@"; }

tap_count() { ip -n "$NS" -o link show type tun | wc -l; }

# until_taps N: wait (bounded: 20 s) until $NS holds N TUN/TAP links. A closed
# TAP is freed by the kernel after an RCU grace period, so poll; on failure
# show what is left.
until_taps() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(tap_count)" -eq "$1" ] && return 0
		sleep 0.05
	done
	echo "# TUN/TAP links in $NS, expected $1:" >&3
	ip -n "$NS" -o link show type tun | sed 's/^/#   /' >&3
	return 1
}

taps_gone() { until_taps 0; }

# Print KEY's value from tapinfo output in $output.
field() { printf '%s\n' "$output" | sed -n "s/^$1=//p" | head -n1; }

# "${CLEAN[@]}" CMD...: run CMD with only fds 0-2 open (bats keeps some of
# its own open), as from a login shell: any fd from 3 up that CMD sees came
# from what it ran (bridge-helper-run).
CLEAN=(bash -c 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@"' _)

# --- users ------------------------------------------------------------------
TEST_USERS="bhu1 bhu2 bhu3"
TEST_GROUPS="bhg1 bhg2"

# Suites that use the test users hold a lock from setup_file to
# teardown_file, so that two suites run at once never delete each other's.
users_setup() {
	exec {BH_USERS_LOCK}>/tmp/bh-test-users.lock
	flock -w 900 "$BH_USERS_LOCK"
	users_delete
	local g u
	for g in $TEST_GROUPS; do groupadd "$g"; done
	useradd -M -N -g bhg1 -s /bin/sh bhu1
	useradd -M -N -g bhg2 -G bhg1 -s /bin/sh bhu2
	useradd -M -N -g bhg2 -s /bin/sh bhu3
}

users_teardown() {
	users_delete
	if [ -n "${BH_USERS_LOCK:-}" ]; then
		exec {BH_USERS_LOCK}>&-
	fi
	true
}

users_delete() {
	local g u
	for u in $TEST_USERS; do userdel "$u" 2>/dev/null || true; done
	for g in $TEST_GROUPS; do groupdel "$g" 2>/dev/null || true; done
	true
}

# --- privileged copies ------------------------------------------------------
privbin_setup() {
	PRIVDIR="$(mktemp -d /tmp/bh-bin.XXXXXX)"
	chmod 755 "$PRIVDIR"
	install -m 4755 -o root -g root "$HELPER" "$PRIVDIR/bridge-helper-suid"
	install -m 0755 -o root -g root "$HELPER" "$PRIVDIR/bridge-helper-caps"
	setcap cap_net_admin,cap_dac_read_search+ep "$PRIVDIR/bridge-helper-caps"
	# as make install-caps did before it granted cap_dac_read_search
	install -m 0755 -o root -g root "$HELPER" "$PRIVDIR/bridge-helper-capsna"
	setcap cap_net_admin+ep "$PRIVDIR/bridge-helper-capsna"
	install -m 0755 "$HELPER" "$PRIVDIR/bridge-helper-plain"
	install -m 0755 "$TAPINFO" "$PRIVDIR/tapinfo"
	[ -x "$ROOT/bridge-helper-run" ] &&
		install -m 0755 "$ROOT/bridge-helper-run" "$PRIVDIR/bridge-helper-run"
	true
}

# For suites whose tests all run as the test users against privileged copies.
users_privbin_setup() { users_setup; privbin_setup; export PRIVDIR; }
users_privbin_teardown() { privbin_teardown; users_teardown; }

privbin_teardown() { [ -n "${PRIVDIR:-}" ] && rm -rf "$PRIVDIR"; true; }

# as_user [--tun-0666] [--usr-local] [--nnp] [--run-bh=DIR] USER CMD...: see
# the top of this file. With --tun-0666, /dev/net/tun is replaced (in the
# private mount namespace only) by a node of the same device with mode 0666,
# as Debian's udev makes it. With --usr-local, /usr/local is an overlay whose
# upper layer is $OVDIR/lu: files put there (e.g. lu/libexec/bridge-helper)
# appear as installed by `make install`. --nnp: setpriv --no-new-privs
# (setuid and file capabilities then grant nothing, as under
# NoNewPrivileges=yes). With --run-bh=DIR, DIR appears at /run/bridge-helper
# (an overlay over /run): the default socket of bridge-helperd(8).
as_user() {
	local tun=0 usrlocal=0 nnp="" runbh=""
	while :; do
		case "$1" in
		--tun-0666) tun=1; shift ;;
		--usr-local) usrlocal=1; shift ;;
		--nnp) nnp=--no-new-privs; shift ;;
		--run-bh=*) runbh=${1#--run-bh=}; shift ;;
		*) break ;;
		esac
	done
	local user="$1"
	shift
	ip netns exec "$NS" unshare -m --propagation private \
		"$BASH" -c '
		set -e
		acldir=$1 up=$2 tun=$3 usrlocal=$4 user=$5 nnp=$6 runbh=$7; shift 7
		mkdir -p "$up/u" "$up/w" "$up/dev" "$up/ru" "$up/rw"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$up/u,workdir=$up/w" /etc
		if [ "$usrlocal" = 1 ]; then
			mkdir -p "$up/lu" "$up/lw"
			mount -t overlay overlay \
				-o "lowerdir=/usr/local,upperdir=$up/lu,workdir=$up/lw" /usr/local
		fi
		mkdir -p /etc/bridge-helper
		mount --bind "$acldir" /etc/bridge-helper
		if [ "$tun" = 1 ]; then
			mount -t tmpfs -o mode=755 tmpfs "$up/dev"
			mknod -m 666 "$up/dev/tun" c 10 200
			mount --bind "$up/dev/tun" /dev/net/tun
		fi
		if [ -n "$runbh" ]; then
			mount -t overlay overlay -o "lowerdir=/run,upperdir=$up/ru,workdir=$up/rw" /run
			mkdir -p /run/bridge-helper
			mount --bind "$runbh" /run/bridge-helper
		fi
		exec setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
			--inh-caps=-all $nnp -- sh -c "exec \"\$@\"" sh "$@"
	' bash "$ACLDIR" "$OVDIR" "$tun" "$usrlocal" "$user" "$nnp" "$runbh" "$@"
}

# --- a clean tree -------------------------------------------------------------
# src_snapshot DIR: the tracked files of $ROOT as they are in the work tree
# (what make dist packs), committed into a new git repository at DIR: a clean
# tree for make dist and dpkg-buildpackage, whatever state $ROOT is in.
src_snapshot() {
	mkdir -p "$1"
	git -C "$ROOT" ls-files -z | tar -C "$ROOT" --null -T - -cf - | tar -C "$1" -xf -
	git -C "$1" -c init.defaultBranch=main init -q
	git -C "$1" add -A
	git -C "$1" -c user.name=test -c user.email=test@invalid commit -qm snapshot
}

# --- launches held in the background ------------------------------------------
# A suite's hold() runs a launch in the background whose tapinfo --then
# prints "held" to $H/NAME.out and blocks reading the fifo $H/NAME.fifo; its
# pid is in $H/NAME.pid.

# settled NAME: wait (bounded) until NAME holds its TAP or has exited;
# succeeds if it holds it.
settled() {
	local n="$1" pid i
	pid=$(cat "$H/$n.pid")
	for ((i = 0; i < 1500; i++)); do
		grep -qx held "$H/$n.out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	grep -qx held "$H/$n.out"
}

# finished NAME: wait for NAME to exit; its exit status in $status.
finished() {
	status=0
	wait "$(cat "$H/$1.pid")" || status=$?
}

# release NAME: let NAME close its TAP and exit (never blocks: the fifo is
# opened read-write); waits for it.
release() {
	local n="$1" pid
	pid=$(cat "$H/$n.pid")
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	exec 8<>"$H/$n.fifo"
	echo go >&8
	exec 8>&-
	wait "$pid" || true
}

# tally RE NAME...: wait for each held launch NAME; count in $held those
# that hold their TAP and in $refused those refused with exit 3 and a
# message (in $H/NAME.err) matching the extended regexp RE; fails on
# anything else.
tally() {
	local re="$1" n
	shift
	held=0 refused=0
	for n in "$@"; do
		if settled "$n"; then
			held=$((held + 1))
			continue
		fi
		finished "$n"
		[ "$status" -eq 3 ] || return 1
		grep -Eqx "$re" "$H/$n.err" || return 1
		refused=$((refused + 1))
	done
}

# TAPs owned by USER on br0, as the kernel reports them.
owned() {
	ip -n "$NS" -d -o link show type tun | grep " master br0 " |
		grep -c " user $1 " || true
}
