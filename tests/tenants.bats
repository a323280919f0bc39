#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Tenants on one bridge (GitHub issue 13): the port settings of
# bridge.conf(5) -- vlan, trunk, isolated, lockmac -- proven with real
# frames: TAPs that the test users get from the setuid helper (and the
# service) through bridge-helper-run, frames written and read on their fds
# by tests/ethio.py, and an uplink veth (p0 on br0, its peer p1 read and
# written with AF_PACKET). Two or three users hold TAPs at once.

bats_require_minimum_version 1.5.0
load common
load service

UP=02:00:00:00:00:99         # the uplink's frames
MA=52:54:00:00:00:0a         # the guests' declared addresses
MB=52:54:00:00:00:0b
MC=52:54:00:00:00:0c
SPOOF=52:54:00:00:00:66
BC=ff:ff:ff:ff:ff:ff

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	ns_setup
	privbin_setup
	svc_setup
	nsx ip link set p0 up
	nsx ip link set p1 up
	install -m 0755 "$ROOT/tests/ethio.py" "$PRIVDIR/ethio.py"
	FR="$(mktemp -d /tmp/bh-frames.XXXXXX)"
	chmod 1777 "$FR"
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	svc_teardown
	ns_teardown
	privbin_teardown
	[ -n "${FR:-}" ] && rm -rf "$FR"
	true
}

# run_as USER ARGS...: bridge-helper-run from the setuid helper, as USER
run_as() {
	local u="$1"
	shift
	as_user "$u" "$PRIVDIR/bridge-helper-run" --helper="$PRIVDIR/bridge-helper-suid" "$@"
}

# tap_agent NAME USER [RUN-OPTION...] -- [--send SRC,DST[,VID]]...: in the
# background, USER's TAP on br0 (bridge-helper-run RUN-OPTIONs) with
# ethio.py on it; NAME's output in $FR/NAME.out
tap_agent() {
	local name="$1" user="$2" opts=()
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	# (an overlay of /etc each: two mounts cannot share a work directory)
	mkdir "$FR/$name.ov"
	OVDIR="$FR/$name.ov" run_as "$user" --br=br0 "${opts[@]}" -- python3 \
		"$PRIVDIR/ethio.py" --tap --name "$name" --dir "$FR" --peers "$PEERS" \
		"$@" >"$FR/$name.out" 2>&1 &
	PIDS+=($!)
}

# uplink_agent [--send ...]...: ethio.py on p1, as root
uplink_agent() {
	nsx python3 "$PRIVDIR/ethio.py" --dev p1 --name up --dir "$FR" \
		--peers "$PEERS" "$@" >"$FR/up.out" 2>&1 &
	PIDS+=($!)
}

# until_ready NAME...: each agent holds its TAP and waits for its peers
until_ready() {
	local n i
	for n in "$@"; do
		for ((i = 0; i < 1500; i++)); do
			[ -e "$FR/$n.ready" ] && break
			sleep 0.02
		done
		[ -e "$FR/$n.ready" ] || { cat "$FR/$n.out" >&3; return 1; }
	done
}

# agents_done: every agent exited 0
agents_done() {
	local p st=0
	for p in "${PIDS[@]}"; do
		wait "$p" || st=1
	done
	PIDS=()
	[ "$st" -eq 0 ] || { tail -n 5 "$FR"/*.out >&3; return 1; }
}

ifname() { cat "$FR/$1.ifname"; }

# for the sanitized pass: LeakSanitizer cannot run under ptrace (strace)
NOLSAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# not CMD...: fails when CMD succeeds (a plain `! CMD` never fails a bats
# test: set -e ignores a negated command)
not() { if "$@"; then return 1; fi; }

# heard NAME FROM INDEX: NAME received frame INDEX of FROM
heard() { grep -Eq " $2 $3\$" "$FR/$1.rx"; }
# heard_any NAME FROM: NAME received any frame of FROM
heard_any() { grep -q " $2 [0-9]*\$" "$FR/$1.rx"; }

link_d() { ip -n "$NS" -d link show "$1"; }

# the links of $NS, and the bridge's ports with their state and flags
links() { ip -n "$NS" -o link show | cut -d' ' -f2; bridge -n "$NS" -d link show; }

# --- isolation ---------------------------------------------------------------

@test "isolated: two isolated tenants (bhu1, bhu2) cannot reach each other, both reach the uplink and a port that is not isolated (bhu3)" {
	acl_write <<-EOF
	allow br0
	isolated br0 group=bhg1
	EOF
	PEERS=4
	tap_agent a bhu1 --mac=$MA -- --send $MA,$BC --send $MA,$MB
	tap_agent b bhu2 --mac=$MB -- --send $MB,$BC --send $MB,$MA
	tap_agent c bhu3 -- --send $MC,$BC
	until_ready a b c
	# read back before a frame flows: exactly what was granted
	link_d "$(ifname a)" | grep -q " isolated on "
	link_d "$(ifname b)" | grep -q " isolated on "
	link_d "$(ifname c)" | grep -q " isolated off "
	uplink_agent --send $UP,$BC
	agents_done
	heard up a 0
	heard up b 0
	heard up c 0
	heard a up 0
	heard b up 0
	heard c up 0
	heard a c 0
	heard b c 0  # a port that is not isolated
	heard c a 0
	heard c b 0
	not heard_any a b                       # neither broadcast nor unicast
	not heard_any b a
	taps_gone
}

# --- anti-spoofing -----------------------------------------------------------

@test "lockmac: bhu1's frames from its declared MAC pass, from any other are dropped; bhu2 (no lockmac) is not filtered, and cannot take bhu1's MAC by sending from it" {
	acl_write <<-EOF
	allow br0
	lockmac br0 user=bhu1
	EOF
	PEERS=3
	tap_agent a bhu1 --mac=$MA -- --send $MA,$BC --send $SPOOF,$BC --send $SPOOF,$UP
	# the attacker: frames from bhu1's address, that a learning port would
	# move bhu1's FDB entry with (and so get bhu1's traffic)
	tap_agent b bhu2 -- --send $MB,$BC --send $MA,$BC
	until_ready a b
	local ta; ta=$(ifname a)
	run link_d "$ta"
	[[ "$output" == *" learning off "* ]]
	[[ "$output" == *" flood off "* ]]
	[[ "$output" == *" locked on "* ]]
	run ip -n "$NS" -d link show "$(ifname b)"
	[[ "$output" == *" locked off "* ]]
	run bridge -n "$NS" fdb show br br0
	[ "$(grep -c "$MA" <<<"$output")" -eq 1 ]   # the static entry alone
	run bridge -n "$NS" fdb show dev "$ta"
	[[ "$output" == *"$MA sticky master br0 static"* ]]
	uplink_agent --send $UP,$BC --send $UP,$MA
	agents_done
	heard up a 0                          # the declared address
	not heard up a 1                        # spoofed, broadcast
	not heard up a 2                        # spoofed, unicast
	heard up b 0
	heard a up 0                          # it still receives,
	heard a up 1                          # also what is sent to its address,
	not heard b up 1                        # which never goes to the attacker
	# and the bridge never learned the spoofed address
	run bridge -n "$NS" fdb show br br0
	[[ "$output" != *"$SPOOF"* ]]
	taps_gone
	run bridge -n "$NS" fdb show br br0
	[[ "$output" != *"$MA"* ]]            # gone with the port
}

@test "lockmac: no --mac is denied, saying so; a MAC another port has is denied; a bad --mac is a usage error; nothing is left" {
	acl_write <<-EOF
	allow br0
	lockmac br0
	EOF
	local msg="br0: lockmac at /etc/bridge-helper/bridge.conf:2: the launch must declare the guest's MAC address (--mac=)"
	run as_user bhu1 "$PRIVDIR/tapinfo" -- "$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper: $msg" ]
	run run_as bhu1 --br=br0 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"status 3: bridge-helper: $msg" ]]
	[ "$(tap_count)" -eq 0 ]
	run as_user bhu1 "$PRIVDIR/bridge-helper-suid" --fd=3 --br=br0 --mac=01:00:5e:00:00:01
	[ "$status" -eq 2 ]
	[[ "$output" == *"invalid --mac '01:00:5e:00:00:01': a unicast address such as 52:54:00:12:34:56"* ]]
	run run_as bhu1 --br=br0 --mac=52:54:00:12:34 -- true
	[ "$status" -eq 2 ]
	[ "$output" = "bridge-helper-run: --mac: invalid address '52:54:00:12:34': a unicast address such as 52:54:00:12:34:56" ]
	run as_user bhu1 "$PRIVDIR/tapinfo" -- "$CLIENT" --fd=SOCK --br=br0 --mac=00:00:00:00:00:00
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "bridge-helper-client: invalid --mac '00:00:00:00:00:00': a unicast address such as 52:54:00:12:34:56 (see --help)" ]
	[ "$(tap_count)" -eq 0 ]
	# bhu1 holds MA; bhu2 declares the same address
	mkfifo -m 666 "$FR/hold"
	mkdir "$FR/hold.ov"
	OVDIR="$FR/hold.ov" run_as bhu1 --br=br0 --mac=$MA -- \
		sh -c 'touch "$1"; read x <"$2"' _ "$FR/held" "$FR/hold" &
	PIDS+=($!)
	local i
	for ((i = 0; i < 1500; i++)); do [ -e "$FR/held" ] && break; sleep 0.02; done
	[ -e "$FR/held" ]
	local ports; ports=$(bridge -n "$NS" link show | wc -l)
	run as_user bhu2 "$PRIVDIR/tapinfo" -- "$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0 --mac=$MA
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper: br0: the MAC address $MA is already on the bridge (another port has it)" ]
	until_taps 1                          # the TAP it had made is gone
	[ "$(bridge -n "$NS" link show | wc -l)" -eq "$ports" ]
	run bridge -n "$NS" fdb show br br0
	[ "$(grep -c "$MA" <<<"$output")" -eq 1 ]    # bhu1's, untouched
	echo go >"$FR/hold"
	wait "${PIDS[@]}"
	PIDS=()
	taps_gone
}

# --- VLANs ---------------------------------------------------------------------

@test "vlan on a bridge without vlan_filtering: refused with one line, exit 1, nothing created; a caller it does not name is served" {
	acl_write <<-EOF
	allow br0
	vlan br0 10 group=bhg1
	EOF
	local before; before=$(links)
	local msg="br0: vlan at /etc/bridge-helper/bridge.conf:2 needs VLAN filtering, which is off on this bridge (ip link set br0 type bridge vlan_filtering 1)"
	run as_user bhu1 "$PRIVDIR/tapinfo" -- "$PRIVDIR/bridge-helper-suid" --fd=SOCK --br=br0
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "bridge-helper: $msg" ]
	run as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "$msg" ]
	[ "$(links)" = "$before" ]
	# the same through the service: one core
	svc_start
	run svc_client bhu1 --br=br0
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "bridge-helper-client: $msg" ]
	[ "$(links)" = "$before" ]
	run svc_client bhu3 --br=br0          # not in bhg1: no vlan rule
	[ "$status" -eq 0 ]
	svc_stop
	taps_gone
}

# bridge -j vlan show dev DEV as "VID[u][p] ..." (u untagged, p PVID), sorted
vlans_of() {
	bridge -n "$NS" -j vlan show dev "$1" | python3 -c '
import json, sys
out = []
for port in json.load(sys.stdin):
    for v in port.get("vlans", []):
        last = v.get("vlanEnd", v["vlan"])
        for vid in range(v["vlan"], last + 1):
            flags = v.get("flags", [])
            out.append("%d%s%s" % (vid, "u" if "Egress Untagged" in flags else "",
                                   "p" if "PVID" in flags else ""))
print(" ".join(sorted(out, key=lambda s: int(s.rstrip("up")))))'
}

@test "vlans: two users on their own VLANs cannot reach each other and each reaches its VLAN on the uplink; a trunk carries exactly its tags" {
	nsx ip link set br0 type bridge vlan_filtering 1 2>/dev/null ||
		skip "kernel: the bridge cannot filter VLANs here (no CONFIG_BRIDGE_VLAN_FILTERING)"
	local v
	for v in 10 20 30 31 40; do nsx bridge vlan add dev p0 vid "$v"; done
	acl_write <<-EOF
	allow br0
	vlan br0 10 user=bhu1
	vlan br0 20 user=bhu3
	trunk br0 10 user=bhu2
	trunk br0 30-31 user=bhu2
	lockmac br0 user=bhu1
	EOF
	PEERS=4
	tap_agent a bhu1 --mac=$MA -- --send $MA,$BC --send $SPOOF,$BC
	tap_agent c bhu3 -- --send $MC,$BC
	tap_agent b bhu2 -- --send $MB,$BC,31 --send $MB,$BC,20 --send $MB,$BC
	until_ready a b c
	[ "$(vlans_of "$(ifname a)")" = "10up" ]
	[ "$(vlans_of "$(ifname c)")" = "20up" ]
	[ "$(vlans_of "$(ifname b)")" = "10 30 31" ]
	# locked to its MAC on its VLAN: the FDB entry is per VLAN
	run bridge -n "$NS" fdb show dev "$(ifname a)"
	[[ "$output" == *"$MA vlan 10 sticky master br0 static"* ]]
	uplink_agent --send $UP,$BC,10 --send $UP,$BC,20 --send $UP,$BC,30 --send $UP,$BC,40
	agents_done
	heard up a 0
	grep -q "^$MA $BC 10 a 0\$" "$FR/up.rx"
	not heard up a 1                        # spoofed, on its VLAN too
	heard up c 0
	grep -q "^$MC $BC 20 c 0\$" "$FR/up.rx"
	not heard_any a c
	not heard_any c a  # two tenants, two VLANs
	grep -q "^$UP $BC 0 up 0\$" "$FR/a.rx"     # its VLAN, untagged
	not heard a up 1
	not heard a up 2
	not heard a up 3
	grep -q "^$UP $BC 0 up 1\$" "$FR/c.rx"
	not heard c up 0
	not heard c up 3
	# the trunk: tags 10 and 30 in, 31 out; not 20, not untagged, not 40
	grep -q "^$UP $BC 10 up 0\$" "$FR/b.rx"
	grep -q "^$UP $BC 30 up 2\$" "$FR/b.rx"
	not heard b up 1
	not heard b up 3
	grep -q "^$MB $BC 31 b 0\$" "$FR/up.rx"
	not heard up b 1
	not heard up b 2
	grep -q "^$MA $BC 10 a 0\$" "$FR/b.rx"     # VLAN 10, tagged on the trunk
	not heard_any b c
	taps_gone
}

# --- never a moment of too much access: the order the kernel is asked in ----

# nl_requests FILE: the netlink requests that change something in an
# `strace -e trace=sendto` log, one a line, in order: type, family,
# "up"/"down" when IFF_UP changes, the attributes that matter, the VLAN
nl_requests() {
	python3 -c '
import re, sys
for line in open(sys.argv[1]):
    m = re.search(r"nlmsg_type=(RTM_[A-Z]+)", line)
    if not m or m.group(1) == "RTM_GETLINK":
        continue
    f = re.search(r"ifi_family=(AF_[A-Z]+).*ifi_flags=([A-Z_|0-9x]+), ifi_change=([0-9x]+)", line)
    what = [m.group(1)]
    if f:
        what.append(f.group(1))
        what.append("up" if "IFF_UP" in f.group(2) else "down" if f.group(3) != "0" else "")
    for a in ("IFLA_MASTER", "IFLA_INFO_SLAVE_DATA", "IFLA_AF_SPEC", "NDA_LLADDR"):
        if a in line:
            what.append(a)
    v = re.search(r"NDA_VLAN\}, (\d+)", line)
    if v:
        what.append("vlan " + v.group(1))
    print(" ".join(w for w in what if w))' "$1"
}

@test "order: the TAP joins the bridge down, gets its flags and its MAC, and only then comes up (strace of the netlink requests)" {
	acl_write <<-EOF
	allow br0
	isolated br0
	lockmac br0
	EOF
	run nsx env ASAN_OPTIONS="$NOLSAN" strace -f -e trace=sendto -s 4096 -o "$FR/strace" \
		"$TAPINFO" -- "$HELPER" --fd=SOCK --acl="$ACL" --br=br0 --mac=$MA
	[ "$status" -eq 0 ]
	run nl_requests "$FR/strace"
	[ "${lines[0]}" = "RTM_NEWLINK AF_UNSPEC down IFLA_MASTER" ]
	[ "${lines[1]}" = "RTM_NEWLINK AF_UNSPEC IFLA_INFO_SLAVE_DATA" ]
	[ "${lines[2]}" = "RTM_NEWNEIGH NDA_LLADDR" ]
	[ "${lines[3]}" = "RTM_NEWLINK AF_UNSPEC up" ]
	[ "${#lines[@]}" -eq 4 ]
	# without port settings, one request as before: enslaved and up at once
	acl_write <<-EOF
	allow br0
	EOF
	run nsx env ASAN_OPTIONS="$NOLSAN" strace -f -e trace=sendto -s 4096 -o "$FR/strace2" \
		"$TAPINFO" -- "$HELPER" --fd=SOCK --acl="$ACL" --br=br0
	[ "$status" -eq 0 ]
	[ "$(grep -c 'RTM_NEWLINK.*ifi_flags=IFF_UP.*IFLA_MASTER' "$FR/strace2")" -eq 1 ]
	taps_gone
}

@test "vlans: the order with VLANs: joined down, the bridge's VLANs taken off, the granted ones put on, then flags, MAC per VLAN, up; bridge vlan show reads back exactly the grant" {
	nsx ip link set br0 type bridge vlan_filtering 1 2>/dev/null ||
		skip "kernel: the bridge cannot filter VLANs here (no CONFIG_BRIDGE_VLAN_FILTERING)"
	acl_write <<-EOF
	allow br0
	vlan br0 7
	trunk br0 100-102
	trunk br0 200
	isolated br0
	lockmac br0
	EOF
	run nsx env ASAN_OPTIONS="$NOLSAN" strace -f -e trace=sendto -s 65536 -o "$FR/strace" "$TAPINFO" \
		--then="bridge -j vlan show dev \"\$TAP\" >$FR/vlans" -- \
		"$HELPER" --fd=SOCK --acl="$ACL" --br=br0 --mac=$MA
	[ "$status" -eq 0 ]
	run nl_requests "$FR/strace"
	[ "${lines[0]}" = "RTM_NEWLINK AF_UNSPEC down IFLA_MASTER" ]
	[ "${lines[1]}" = "RTM_DELLINK AF_BRIDGE IFLA_AF_SPEC" ]
	[ "${lines[2]}" = "RTM_SETLINK AF_BRIDGE IFLA_AF_SPEC" ]
	[ "${lines[3]}" = "RTM_NEWLINK AF_UNSPEC IFLA_INFO_SLAVE_DATA" ]
	[ "${lines[4]}" = "RTM_NEWNEIGH NDA_LLADDR vlan 7" ]
	[ "${lines[5]}" = "RTM_NEWNEIGH NDA_LLADDR vlan 100" ]
	[ "${lines[6]}" = "RTM_NEWNEIGH NDA_LLADDR vlan 101" ]
	[ "${lines[7]}" = "RTM_NEWNEIGH NDA_LLADDR vlan 102" ]
	[ "${lines[8]}" = "RTM_NEWNEIGH NDA_LLADDR vlan 200" ]
	[ "${lines[9]}" = "RTM_NEWLINK AF_UNSPEC up" ]
	[ "${#lines[@]}" -eq 10 ]
	run python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))[0]["vlans"])' "$FR/vlans"
	[ "$output" = "[{'vlan': 7, 'flags': ['PVID', 'Egress Untagged']}, {'vlan': 100}, {'vlan': 101}, {'vlan': 102}, {'vlan': 200}]" ]
	taps_gone
}

# --- what the administrator sees ---------------------------------------------

@test "--check prints each port setting and the rule it comes from; --lint reports conflicts" {
	acl_write <<-EOF
	allow br0
	vlan br0 10 group=bhg1
	vlan br0 20
	trunk br0 100-110 group=bhg1
	trunk br0 10
	isolated br0 user=bhu1
	lockmac br0 user=bhu1
	EOF
	local f=/etc/bridge-helper/bridge.conf
	run as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0 --mac=$MA
	[ "$status" -eq 1 ]                   # br0 filters no VLANs
	[[ "$output" == *"port: vlan 10 untagged, the port's PVID (vlan at $f:2)
port: tagged 100-110 (trunk at $f:4)
port: isolated (isolated at $f:6)
port: locked to $MA (lockmac at $f:7)"* ]]
	run as_user bhu3 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 1 ]                   # vlan 20; br0 filters no VLANs
	[[ "$output" == *"port: vlan 20 untagged, the port's PVID (vlan at $f:3)
port: tagged 10 (trunk at $f:5)"* ]]
	[[ "$output" != *"isolated"* ]]
	run as_user bhu1 "$PRIVDIR/bridge-helper-suid" --check --br=br0
	[ "$status" -eq 3 ]
	[[ "$output" == *"port: locked, and no --mac= declared (lockmac at $f:7)"* ]]
	run "$HELPER" --lint "$ACL"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$ACL:3:1: warning: vlan 20 conflicts with vlan 10 at $ACL:2: a caller matching both gets 10 (the first)"* ]]
	[[ "$output" == *"$ACL:5:1: warning: trunk at $ACL:5 carries VLAN 10, the untagged VLAN of the vlan rule at $ACL:2: a caller matching both gets it untagged only"* ]]
	# a rule for other users conflicts with nothing
	acl_write <<-EOF
	allow br0
	vlan br0 10 user=bhu1
	vlan br0 20 user=bhu2
	EOF
	run "$HELPER" --lint "$ACL"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 errors, 0 warnings"* ]]
	# errors deny everything, with file:line:col
	acl_write <<-EOF
	allow br0
	vlan br0 4095
	trunk br0 20-10
	lockmac
	EOF
	run "$HELPER" --lint "$ACL"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$ACL:2:10: invalid VLAN id '4095' (expected 1..4094)"* ]]
	[[ "$output" == *"$ACL:3:11: invalid VLAN range '20-10' (expected 1..4094, or FIRST-LAST with FIRST <= LAST)"* ]]
	[[ "$output" == *"$ACL:4:8: missing bridge name (or 'all') after 'lockmac'"* ]]
}

# --- the service: one core ------------------------------------------------------

@test "service: bhu1 under no_new_privs gets the same port (isolated, locked to its --mac) from bridge-helperd; the log line names the settings" {
	acl_write <<-EOF
	allow br0
	isolated br0
	lockmac br0 user=bhu1
	EOF
	svc_start
	run as_user --nnp bhu1 "$PRIVDIR/bridge-helper-run" --socket="$SOCK" --br=br0 \
		--mac=$MA -- sh -c 'ip -d link show "$BRIDGE_HELPER_IFNAME"; bridge fdb show dev "$BRIDGE_HELPER_IFNAME"'
	[ "$status" -eq 0 ]
	[[ "$output" == *" isolated on "* ]]
	[[ "$output" == *" locked on "* ]]
	[[ "$output" == *"$MA sticky master br0 static"* ]]
	grep -Eq "user=\"bhu1\" via=service pid=[0-9]+ allowed: bridge=\"br0\" tap=tap[0-9a-f]+ .* port=\"isolated lockmac=$MA\"\$" "$DLOG"
	# bridge-helper-client (QEMU's helper=) with --mac, and without
	run svc_client bhu1 --then='bridge fdb show dev "$TAP"' --br=br0 --mac=$MB
	[ "$status" -eq 0 ]
	[[ "$output" == *"$MB sticky master br0 static"* ]]
	run svc_client bhu1 --br=br0
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = "bridge-helper-client: br0: lockmac at /etc/bridge-helper/bridge.conf:3: the launch must declare the guest's MAC address (--mac=)" ]
	run svc_client bhu2 --then='ip -d link show "$TAP"' --br=br0   # not locked
	[ "$status" -eq 0 ]
	[[ "$output" == *" isolated on "* ]]
	[[ "$output" == *" locked off "* ]]
	svc_stop
	taps_gone
}
