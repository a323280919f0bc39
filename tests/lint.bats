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

@test "man pages: every .Dd is a real date, none before the first page (November 22, 2026) nor in the future" {
	local page d t first today
	first=$(date -u -d 'November 22, 2026' +%s)
	today=$(date -u +%s)
	for page in "$ROOT"/man/*.[0-9]; do
		d=$(sed -n 's/^\.Dd //p' "$page")
		echo "# ${page##*/}: $d"   # shown if the test fails
		[[ "$d" =~ ^(January|February|March|April|May|June|July|August|September|October|November|December)\ [1-9][0-9]?,\ 20[0-9][0-9]$ ]]
		t=$(date -u -d "$d" +%s)
		[ "$t" -ge "$first" ] && [ "$t" -le "$today" ]
	done
}
