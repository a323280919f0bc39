#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The built artifacts carry the hardening the Makefile asks for, read back
# from the ELF files with readelf (binutils): PIE, full RELRO, stack
# protector, _FORTIFY_SOURCE, non-executable stack; the helper's run-time
# dependencies; the library's exported symbols. Each test fails if the
# corresponding flag is dropped from (or negated in) the Makefile.
# Not run in the sanitized pass (see tests/run-all): a sanitizer build
# trades these flags for its instrumentation.

bats_require_minimum_version 1.5.0

setup() {
	ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	HELPER="$ROOT/bridge-helper"
	RUN="$ROOT/bridge-helper-run"
	LIB="$ROOT/libbridge-helper.so.1"
	DAEMON="$ROOT/bridge-helperd"
	CLIENT="$ROOT/bridge-helper-client"
	EXES=("$HELPER" "$RUN" "$DAEMON")
	ALL=("$HELPER" "$RUN" "$DAEMON" "$LIB")
	for f in "${ALL[@]}" "$CLIENT"; do [ -f "$f" ]; done
}

# Print what failed and fail.
bad() { echo "# $*" >&3; return 1; }

@test "PIE: the executables are ELF type DYN with DF_1_PIE" {
	for f in "${EXES[@]}"; do
		readelf -hW "$f" | grep -Eq '^ *Type: +DYN ' || bad "$f: not ET_DYN"
		readelf -dW "$f" | grep -Eq '\(FLAGS_1\) +Flags:.* PIE( |$)' ||
			bad "$f: no DF_1_PIE"
	done
	# the library is a shared object, not an executable
	readelf -hW "$LIB" | grep -Eq '^ *Type: +DYN '
	! readelf -dW "$LIB" | grep -Eq '\(FLAGS_1\) +Flags:.* PIE( |$)' || false
}

@test "full RELRO: a GNU_RELRO segment and BIND_NOW" {
	for f in "${ALL[@]}"; do
		readelf -lW "$f" | grep -Eq '^ *GNU_RELRO ' || bad "$f: no GNU_RELRO"
		readelf -dW "$f" | grep -Eq '\(FLAGS\) +.*BIND_NOW|\(FLAGS_1\) +Flags:.* NOW( |$)' ||
			bad "$f: no BIND_NOW (lazy binding: partial RELRO only)"
	done
}

@test "stack protector: __stack_chk_fail is referenced" {
	for f in "${ALL[@]}"; do
		readelf --dyn-syms -W "$f" | grep -Eq ' UND __stack_chk_fail(@|$)' ||
			bad "$f: no __stack_chk_fail"
	done
}

@test "_FORTIFY_SOURCE: checked libc functions (__*_chk) are used" {
	for f in "${ALL[@]}"; do
		readelf --dyn-syms -W "$f" |
			grep -Eq ' UND __[a-z0-9_]+_chk(@|$)' || bad "$f: no __*_chk"
	done
}

@test "non-executable stack: GNU_STACK is RW, not RWE" {
	local flags
	for f in "${ALL[@]}"; do
		flags=$(readelf -lW "$f" | awk '$1 == "GNU_STACK" { print $(NF - 1) }')
		[ "$flags" = RW ] || bad "$f: GNU_STACK flags '$flags'"
	done
}

@test "the helper needs only libc, libmnl and libcap-ng" {
	local needed lib
	needed=$(readelf -dW "$HELPER" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
	[ -n "$needed" ]
	for lib in $needed; do
		case "$lib" in
		libc.so.6 | ld-linux-*.so.* | libmnl.so.0 | libcap-ng.so.0) ;;
		*) bad "unexpected dependency $lib" ;;
		esac
	done
	grep -qx libc.so.6 <<<"$needed"
	grep -qx libmnl.so.0 <<<"$needed"
	# libcap-ng: a run-time dependency, or linked in statically
	grep -qx libcap-ng.so.0 <<<"$needed" ||
		readelf -sW "$HELPER" | grep -Eq ' FUNC +[A-Z]+ +[A-Z]+ +[0-9]+ capng_apply$' ||
		bad "libcap-ng is neither needed nor linked in"
}

@test "libbridge-helper.so.1 exports only bh_* symbols" {
	local syms
	# defined dynamic symbols, less the version node BRIDGE_HELPER_1
	syms=$(readelf --dyn-syms -W "$LIB" |
		awk 'NR > 3 && $7 != "UND" && $4 != "SECTION" && $4 != "FILE" &&
		     !($4 == "OBJECT" && $7 == "ABS") { sub(/@.*/, "", $8); print $8 }')
	[ -n "$syms" ]
	grep -qx bh_open <<<"$syms"
	if grep -v '^bh_' <<<"$syms"; then
		bad "exported symbols outside the bh_ API (above)"
	fi
}

@test "libbridge-helper.so.1: API 1 stays at version BRIDGE_HELPER_1, exactly; every later bh_ function is BRIDGE_HELPER_1.1 (bh_open2 ...) or 1.2 (bh_request_set_mac)" {
	local v1 want others
	# programs linked against the first release find every function they
	# bind, at the version they recorded
	v1=$(readelf --dyn-syms -W "$LIB" | awk '$8 ~ /@@BRIDGE_HELPER_1$/ && $4 == "FUNC" {
		sub(/@.*/, "", $8); print $8 }' | sort | tr '\n' ' ')
	want="bh_open bh_request_free bh_request_new bh_request_set_acl bh_request_set_helper "
	want+="bh_request_set_queues bh_request_set_sndbuf bh_request_set_timeout "
	want+="bh_request_set_vnet_hdr bh_strerror bh_tap_fd bh_tap_free bh_tap_name "
	want+="bh_tap_queues bh_tap_take_fd bh_tap_vnet_hdr "
	[ "$v1" = "$want" ] || bad "BRIDGE_HELPER_1 is: $v1"
	# and what came after it (libbridge-helper.map), at one later version
	readelf --dyn-syms -W "$LIB" | grep -Eq ' FUNC +GLOBAL +DEFAULT +[0-9]+ bh_open2@@BRIDGE_HELPER_1\.1$'
	readelf --dyn-syms -W "$LIB" | grep -Eq ' FUNC +GLOBAL +DEFAULT +[0-9]+ bh_request_set_mac@@BRIDGE_HELPER_1\.2$'
	others=$(readelf --dyn-syms -W "$LIB" | awk '$4 == "FUNC" && $7 != "UND" &&
		$8 ~ /^bh_/ && $8 !~ /@@BRIDGE_HELPER_1(\.1)?$/ &&
		$8 != "bh_request_set_mac@@BRIDGE_HELPER_1.2" { print $8 }')
	[ -z "$others" ] || bad "bh_ functions at another version: $others"
}

@test "the library's soname is libbridge-helper.so.1" {
	readelf -dW "$LIB" | grep -q '(SONAME) *Library soname: \[libbridge-helper.so.1\]'
}

@test "bridge-helper-client: static PIE, full RELRO, stack protector, _FORTIFY_SOURCE, no library needed" {
	readelf -hW "$CLIENT" | grep -Eq '^ *Type: +DYN '
	readelf -dW "$CLIENT" | grep -Eq '\(FLAGS_1\) +Flags:.* PIE( |$)'
	readelf -lW "$CLIENT" | grep -Eq '^ *GNU_RELRO '
	readelf -dW "$CLIENT" | grep -Eq '\(FLAGS\) +.*BIND_NOW|\(FLAGS_1\) +Flags:.* NOW( |$)'
	! readelf -lW "$CLIENT" | grep -q 'INTERP' || false
	! readelf -dW "$CLIENT" | grep -q '(NEEDED)' || false
	[ "$(readelf -lW "$CLIENT" | awk '$1 == "GNU_STACK" { print $(NF - 1) }')" = RW ]
	# static: the checked functions are in its own symbol table
	readelf -sW "$CLIENT" | grep -Eq ' __stack_chk_fail$'
	readelf -sW "$CLIENT" | grep -Eq ' __[a-z0-9_]+_chk$'
}
