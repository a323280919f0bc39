#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The demo: in a scratch network namespace, an unprivileged user (nobody)
# gets a vnet_hdr TAP attached to a bridge from a setuid-root copy of
# bridge-helper, through bridge-helper-run; then a refused request; then the
# same from the service, bridge-helperd, under no_new_privs (where setuid
# cannot work); then everything is removed. Run as root after `make`
# (./run-demo does both).
set -euo pipefail
cd "$(dirname "$0")"
NS="bh-demo-$$"
WORK="$(mktemp -d /tmp/bh-demo.XXXXXX)"
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "scratch namespace $NS with bridge br0 (MTU 1400, 192.0.2.1/24) and br1"
ip netns add "$NS"
ip -n "$NS" link add br0 type bridge
ip -n "$NS" link set br0 mtu 1400 up
ip -n "$NS" addr add 192.0.2.1/24 dev br0
ip -n "$NS" link add br1 type bridge
ip -n "$NS" -br link show type bridge

say "a setuid-root copy of the helper, and an ACL that allows br0 only"
chmod 755 "$WORK"
mkdir -m 755 "$WORK/bin" "$WORK/etc" "$WORK/ov" "$WORK/ov/u" "$WORK/ov/w"
install -m 4755 -o root -g root bridge-helper "$WORK/bin/bridge-helper"
install -m 0755 bridge-helper-run "$WORK/bin/bridge-helper-run"
printf '# demo ACL\nallow br0\nsndbuf br0 1048576\n' >"$WORK/etc/bridge.conf"
chmod 644 "$WORK/etc/bridge.conf"
ls -l "$WORK/bin/bridge-helper"
cat "$WORK/etc/bridge.conf"

# As nobody, inside the namespace and a private mount namespace in which the
# demo ACL sits at /etc/bridge-helper/bridge.conf (the host's /etc is not
# touched: an overlay gives the mount point).
as_nobody() {
	ip netns exec "$NS" unshare -m --propagation private bash -c '
		set -e
		w=$1; shift
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$w/ov/u,workdir=$w/ov/w" /etc
		mkdir -p /etc/bridge-helper
		mount --bind "$w/etc" /etc/bridge-helper
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
			sh -c "exec \"\$@\"" sh "$@"' bash "$WORK" "$@"
}

say "as user nobody: bridge-helper-run --br=br0 --use-vnet -- <show the TAP>"
as_nobody "$WORK/bin/bridge-helper-run" --helper="$WORK/bin/bridge-helper" \
	--br=br0 --use-vnet -- sh -c '
	echo "running as $(id -un), TAP fds at $BRIDGE_HELPER_FDS, name $BRIDGE_HELPER_IFNAME:"
	ls -l /proc/self/fd/3
	ip -d link show dev "$BRIDGE_HELPER_IFNAME" | sed -n "1,3p"
	echo "ports of br0:"
	ip -br link show master br0'

say "as user nobody: --br=br1 is not in the ACL"
if as_nobody "$WORK/bin/bridge-helper-run" --helper="$WORK/bin/bridge-helper" \
	--br=br1 -- echo "never printed"; then
	echo "unexpected success" >&2
	exit 1
else
	echo "(exit status $?)"
fi

say "service mode: bridge-helperd in $NS (root, CAP_NET_ADMIN only), its own socket"
install -m 0755 bridge-helperd "$WORK/bin/bridge-helperd"
ip netns exec "$NS" "$WORK/bin/bridge-helperd" --socket="$WORK/socket" \
	--acl="$WORK/etc/bridge.conf" 2>"$WORK/daemon.log" &
DPID=$!
for _ in $(seq 250); do [ -S "$WORK/socket" ] && break; sleep 0.02; done
grep CapEff "/proc/$DPID/status"

say "as user nobody under setpriv --no-new-privs: the setuid helper cannot work..."
if ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--no-new-privs "$WORK/bin/bridge-helper-run" --socket="$WORK/none" \
	--helper="$WORK/bin/bridge-helper" --br=br0 -- true; then
	echo "unexpected success" >&2
	exit 1
fi
say "... the service can (bridge-helper-run --socket=..., no helper executed)"
ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--no-new-privs "$WORK/bin/bridge-helper-run" --socket="$WORK/socket" \
	--helper=/nonexistent --br=br0 --use-vnet -- sh -c '
	echo "running as $(id -un), no_new_privs=$(grep NoNewPrivs /proc/self/status | cut -f2), TAP $BRIDGE_HELPER_IFNAME at fd $BRIDGE_HELPER_FDS:"
	ip -d link show dev "$BRIDGE_HELPER_IFNAME" | sed -n "1,3p"'
say "the service refuses br1 the same way"
ip netns exec "$NS" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--no-new-privs "$WORK/bin/bridge-helper-run" --socket="$WORK/socket" \
	--br=br1 -- true || echo "(exit status $?)"
say "the service's log; stopping it (pid $DPID)"
kill "$DPID"
wait "$DPID" && echo "bridge-helperd exited 0"
DPID=
sed 's/^/  /' "$WORK/daemon.log"

say "the TAP vanished with its last fd"
left=$(ip -n "$NS" -o link show type tun | wc -l)
echo "TAPs left in $NS: $left"
[ "$left" -eq 0 ]
say "done; removing $NS"
