#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
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
	! grep -E '(warning|error|style|portability|performance):' <<<"$output" || false
}

@test "mandoc -Tlint -Wwarning: every man page is clean" {
	local pages=("$ROOT"/man/*.[0-9])
	[ "${#pages[@]}" -ge 4 ]
	run mandoc -Tlint -Wwarning "${pages[@]}"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every tracked source, script, man page and build file has its SPDX line (scripts/spdx-apply --check)" {
	run "$ROOT/scripts/spdx-apply" --check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "scripts/spdx-apply: license by path, comment by kind, idempotent; wrong or unknown refused" {
	local d="$BATS_TEST_TMPDIR/spdx" y
	y="$(date -u +%Y)"
	mkdir -p "$d/man" "$d/examples" "$d/tests/fuzz/corpus"
	printf 'int a;\n' >"$d/client.c"
	printf 'int b;\n' >"$d/helper.c"
	printf 'int c;\n' >"$d/examples/e.c"
	printf '.Dd x\n' >"$d/man/libbridge-helper.3"
	printf '.Dd y\n' >"$d/man/bridge-helper.8"
	printf '#!/bin/sh\necho hi\n' >"$d/run.sh"
	chmod 755 "$d/run.sh"
	printf 'all:\n' >"$d/Makefile"
	printf 'doc\n' >"$d/README.md"
	printf 'seed\n' >"$d/tests/fuzz/corpus/s"
	git -C "$d" init -q && git -C "$d" add -A
	run bash -c "cd '$d/man' && '$ROOT/scripts/spdx-apply'"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	[ "$(head -n 2 "$d/client.c")" = "$(printf '/* SPDX-License-Identifier: LGPL-2.1-or-later */\n/* Copyright (C) %s The bridge-helper authors */' "$y")" ]
	[ "$(sed -n 3p "$d/client.c")" = "int a;" ]
	[ "$(head -n 1 "$d/helper.c")" = "/* SPDX-License-Identifier: GPL-2.0-or-later */" ]
	[ "$(head -n 1 "$d/examples/e.c")" = "/* SPDX-License-Identifier: MIT-0 */" ]
	[ "$(head -n 1 "$d/man/libbridge-helper.3")" = '.\" SPDX-License-Identifier: LGPL-2.1-or-later' ]
	[ "$(sed -n 3p "$d/man/bridge-helper.8")" = ".Dd y" ]
	[ "$(cat "$d/run.sh")" = "$(printf '#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0-or-later\n# Copyright (C) %s The bridge-helper authors\necho hi' "$y")" ]
	[ "$(stat -c %a "$d/run.sh")" = 755 ]
	[ "$(head -n 1 "$d/Makefile")" = "# SPDX-License-Identifier: GPL-2.0-or-later" ]
	[ "$(cat "$d/README.md")" = doc ]
	[ "$(cat "$d/tests/fuzz/corpus/s")" = seed ]
	# again: nothing to do
	git -C "$d" add -A
	run bash -c "cd '$d' && '$ROOT/scripts/spdx-apply' && '$ROOT/scripts/spdx-apply' --check"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	git -C "$d" diff --quiet
	# a file whose license differs from what its path says, a missing
	# header, an unknown kind: reported, nothing changed, exit 1
	printf '/* SPDX-License-Identifier: GPL-2.0-or-later */\n' >"$d/fdpass.c"
	printf 'int d;\n' >"$d/args.c"
	printf 'x\n' >"$d/data.bin"
	git -C "$d" add -A
	run bash -c "cd '$d' && '$ROOT/scripts/spdx-apply' --check"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '%s\n' 'args.c: no SPDX-License-Identifier line (GPL-2.0-or-later)' \
		'data.bin: unknown kind of file: give it a case in scripts/spdx-apply' \
		'fdpass.c: SPDX-License-Identifier GPL-2.0-or-later, but its path says LGPL-2.1-or-later')" ]
	[ "$(cat "$d/args.c")" = "int d;" ]
	run bash -c "cd '$d' && '$ROOT/scripts/spdx-apply'"
	[ "$status" -eq 1 ]
	[ "$(head -n 1 "$d/args.c")" = "/* SPDX-License-Identifier: GPL-2.0-or-later */" ]
	[ "$(cat "$d/fdpass.c")" = "/* SPDX-License-Identifier: GPL-2.0-or-later */" ]
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
