#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# The libFuzzer targets (tests/fuzz/), run for FUZZ_SECONDS each (60 in CI):
# the ACL parser + decision, the helper's argv parser, the client's receive
# path, the service's protocol messages (svcmsg.c). Any crash, leak, hang or sanitizer report makes `make fuzz` fail.

bats_require_minimum_version 1.5.0

load common

@test "fuzz: every target runs FUZZ_SECONDS without a finding" {
	local secs="${FUZZ_SECONDS:-60}" t
	# -O: each target's output in one piece (with -j3, two fuzzers writing at
	# once could splice one's "Done" line into another's)
	run make -C "$ROOT" -s -j3 -O fuzz FUZZ_SECONDS="$secs"
	echo "$output" | grep -E '^(Done|==[0-9]+==|SUMMARY|ERROR)' >&3 || true
	[ "$status" -eq 0 ]
	# each of the four targets ran and finished its time
	[ "$(grep -o 'Done [0-9]* runs in ' <<<"$output" | wc -l)" -eq 4 ]
	for t in fuzz_acl fuzz_args fuzz_recv fuzz_svcmsg; do
		[ -x "$ROOT/build/fuzz/$t" ]
	done
	! grep -q -e 'ERROR: AddressSanitizer' -e 'ERROR: libFuzzer' \
		-e 'runtime error:' <<<"$output" || false
}
