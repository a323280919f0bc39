#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
#
# What README.md and the man pages promise, checked on the machine (GitHub
# issue 10): every QEMU command line they print runs in real QEMU, as
# printed, as the unprivileged bhu1 against the setuid and the
# file-capability helper installed where the docs say
# (/usr/local/libexec/bridge-helper, /usr/local/bin/bridge-helper-run: an
# overlay on /usr/local in as_user's private mount namespace). The commands
# are read from the docs by the test, so doc and test cannot drift apart;
# the one substitution is the docs' "..." (the rest of the VM's options),
# which becomes the test's paused, monitor-on-stdio machine. A line that
# names bridge-helper-client runs under no_new_privs against a bridge-helperd
# this test starts, its socket at the default /run/bridge-helper/socket.

bats_require_minimum_version 1.5.0
load common
load qmp
load service

# "..." in a documented QEMU command line becomes this.
QEMU_REST="-S -nodefaults -display none -qmp stdio"
DOCS=(README.md man/bridge-helper.8 man/bridge-helper-run.1 man/libbridge-helper.3
      man/bridge.conf.5 man/bridge-helperd.8)

setup_file() { users_setup; }
teardown_file() { users_teardown; }

setup() {
	qemu_setup
	svc_setup
	# the README's multi-queue line needs its queues rule, as the README says
	acl_write <<-EOF
	allow br0
	allow br1
	queues br0 4
	EOF
}

teardown() { svc_teardown; qemu_teardown; }

# doc_commands FILE: each QEMU command line in FILE as its reader sees it
# (a man page as mandoc renders it), NUL-terminated: a line that starts,
# after indentation and a "$ " prompt, with qemu-system- or
# bridge-helper-run, joined with the lines it continues (trailing "\"),
# kept if it runs qemu-system-.
doc_commands() {
	case "$1" in
	*.[0-9]) mandoc -Tascii -O width=250 "$ROOT/$1" | col -b ;;
	*) cat "$ROOT/$1" ;;
	esac | awk '
		function emit() { if (cmd ~ /qemu-system-/) printf "%s%c", cmd, 0; cmd = "" }
		cont { cmd = cmd "\n" $0; cont = /\\$/; if (!cont) emit(); next }
		{ line = $0; sub(/^[ \t]*(\$ )?/, "", line) }
		line ~ /^(qemu-system-|bridge-helper-run )/ { cmd = line; cont = /\\$/; if (!cont) emit() }
	'
}

# install_docs_layout COPY: the helper COPY (suid or caps) and the built
# bridge-helper-run where `make install` puts them, for as_user --usr-local.
install_docs_layout() {
	rm -rf "$OVDIR/lu" "$OVDIR/lw"
	mkdir -p "$OVDIR/lu/libexec" "$OVDIR/lu/bin"
	cp -a "$PRIVDIR/bridge-helper-$1" "$OVDIR/lu/libexec/bridge-helper"
	[ "$1" = caps ] && setcap cap_net_admin+ep "$OVDIR/lu/libexec/bridge-helper"
	install -m 0755 "$ROOT/bridge-helper-run" "$OVDIR/lu/bin/bridge-helper-run"
	install -m 0755 "$ROOT/bridge-helper-client" "$OVDIR/lu/libexec/bridge-helper-client"
}

# QEMU's pid in $NS (as_user's chain execs into it).
qemu_pid() {
	local p
	for p in $(ip netns pids "$NS"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = qemu-system-x86 ] && { echo "$p"; return; }
	done
	return 1
}

# run_doc_command COPY CMD: CMD, with "..." replaced, runs as bhu1 from a
# shell with fds 0-2 only; while QEMU runs: each -netdev id is a tap in
# `info network`, with each fd= / fds= the line names; there is one TAP per
# netdev, each owned by bhu1, one on each bridge the line names, each held
# by QEMU (an fd whose fdinfo names it); all gone after QEMU quits.
run_doc_command() {
	local copy=$1 cmd=$2 tun=() id fd br tap pid ids brs fds
	[ "$copy" = caps ] && tun=(--tun-0666)
	if [[ "$cmd" == *bridge-helper-client* ]]; then
		[ -n "$DPID" ] || svc_start
		tun=(--nnp --run-bh="$SVCDIR")
	fi
	echo "# $cmd"   # shown if the test fails
	[ "$(grep -o -F ... <<<"$cmd" | wc -l)" -eq 1 ]
	ids=$(grep -o -E -- '-netdev [a-z]+,id=[a-z0-9]+' <<<"$cmd" | sed 's/.*id=//')
	brs=$(grep -o -E -- '(-br|,br)=[a-z0-9]+' <<<"$cmd" | sed 's/.*=//' | sort -u)
	fds=$(grep -o -E -- ',fds?=[0-9:]+' <<<"$cmd" | sed 's/.*=//' | tr : '\n')
	[ -n "$ids" ] && [ -n "$brs" ]
	qemu_start as_user "${tun[@]}" --usr-local bhu1 "${CLEAN[@]}" \
		sh -c "exec ${cmd/.../$QEMU_REST}"
	run hmp "info network"
	for id in $ids; do
		[[ "$output" == *"$id: index=0,type=tap,"* ]]
	done
	for fd in $fds; do
		[[ "$output" == *"type=tap,fd=$fd"* ]]
	done
	[ "$(tap_count)" -eq "$(wc -w <<<"$ids")" ]
	run ip -n "$NS" -d -o link show type tun
	[ "$(grep -c ' user bhu1 ' <<<"$output")" -eq "$(tap_count)" ]
	for br in $brs; do
		[ -n "$(ip -n "$NS" -o link show type tun master "$br")" ]
	done
	pid=$(qemu_pid)
	for tap in $(ip -n "$NS" -o link show type tun | awk -F': ' '{ print $2 }'); do
		grep -qx "iff:	$tap" "/proc/$pid"/fdinfo/*
	done
	qemu_quit
	[ "$QSTATUS" -eq 0 ]
	[ "$(tap_count)" -eq 0 ]
}

@test "docs: the QEMU command lines are found: 6 in README.md, 2 in bridge-helper(8), 2 in bridge-helper-run(1), 1 in bridge-helperd(8)" {
	local f n
	for f in "${DOCS[@]}"; do
		n=$(doc_commands "$f" | tr -cd '\0' | wc -c)
		echo "$f: $n"
		case "$f" in
		README.md) [ "$n" -eq 6 ] ;;
		man/bridge-helper.8 | man/bridge-helper-run.1) [ "$n" -eq 2 ] ;;
		man/bridge-helperd.8) [ "$n" -eq 1 ] ;;
		*) [ "$n" -eq 0 ] ;;
		esac
	done
}

# run_doc_commands COPY: run_doc_command for every command of every doc.
run_doc_commands() {
	local f cmd
	install_docs_layout "$1"
	for f in "${DOCS[@]}"; do
		while IFS= read -r -d '' cmd; do
			run_doc_command "$1" "$cmd"
		done < <(doc_commands "$f")
	done
}

@test "docs: every QEMU command line runs in real QEMU as printed, as bhu1, with the setuid helper" {
	run_doc_commands suid
}

@test "docs: every QEMU command line runs in real QEMU as printed, as bhu1, with the file-capability helper" {
	run_doc_commands caps
}

# mac_in OUTPUT DEV: DEV's MAC address in `ip -o link show` OUTPUT.
mac_in() { grep -o "$2: .*link/ether [0-9a-f:]*" <<<"$1" | awk '{ print $NF }'; }

@test "README: the bridge's MAC: kept with an ordinary port or a pinned address; a TAP-only bridge takes the TAP's" {
	local copy br tap tun
	nsx ip link add br2 type bridge
	nsx ip link add br3 type bridge
	nsx ip link set br3 address 02:00:00:00:00:03   # as the README says
	for br in br2 br3; do nsx ip link set "$br" up; done
	acl_write <<-EOF
	allow all
	EOF
	for copy in suid caps; do
		tun=()
		[ "$copy" = caps ] && tun=(--tun-0666)
		for br in br0 br2 br3; do
			run as_user "${tun[@]}" bhu1 "$PRIVDIR/bridge-helper-run" \
				--helper="$PRIVDIR/bridge-helper-$copy" --br="$br" -- \
				sh -c 'echo "$BRIDGE_HELPER_IFNAME"; ip -o link show'
			[ "$status" -eq 0 ]
			tap=${lines[0]}
			[[ "$(mac_in "$output" "$tap")" == fe:* ]]
			echo "# $copy $br: $(mac_in "$output" "$br") with $tap $(mac_in "$output" "$tap")"
			case $br in
			br0) [ "$(mac_in "$output" br0)" = 02:00:00:00:00:01 ] ;;  # p0's
			br2) [ "$(mac_in "$output" br2)" = "$(mac_in "$output" "$tap")" ] ;;
			br3) [ "$(mac_in "$output" br3)" = 02:00:00:00:00:03 ] ;;
			esac
			taps_gone
		done
	done
	[ "$(nsx cat /sys/class/net/br0/address)" = 02:00:00:00:00:01 ]
	[ "$(nsx cat /sys/class/net/br3/address)" = 02:00:00:00:00:03 ]
}
