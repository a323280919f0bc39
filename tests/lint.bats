#!/usr/bin/env bats
# Static checks, so that CI runs them: `make lint` (cppcheck, clang-tidy with
# the check set documented in the Makefile) and mandoc -Tlint over the man
# pages. Both must be clean: exit 0 and no diagnostic at all.

bats_require_minimum_version 1.5.0

setup() { ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"; }

@test "make lint: cppcheck and clang-tidy find nothing" {
	run make -s -C "$ROOT" lint
	[ "$status" -eq 0 ]
	# clang-tidy's "N warnings generated." counts what its check set or
	# an inline NOLINT suppressed; any reported finding fails.
	! grep -E '(warning|error|style|portability|performance):' <<<"$output"
}

@test "mandoc -Tlint -Wwarning: every man page is clean" {
	local pages=("$ROOT"/man/*.[0-9])
	[ "${#pages[@]}" -ge 4 ]
	run mandoc -Tlint -Wwarning "${pages[@]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
