#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright (C) 2026 The bridge-helper authors
# Install what building, the demo and the tests need on Debian 12 (as root).
# Usage: scripts/deps.sh [build|test]
set -euo pipefail
want=(make gcc libc6-dev pkg-config libmnl-dev libcap-ng-dev iproute2 util-linux
      libcap2-bin)
if [ "${1:-build}" = test ]; then
	want+=(bats mandoc passwd procps kmod busybox-static xz-utils qemu-system-x86 qemu-system-common
	       clang valgrind cppcheck clang-tidy libclang-rt-14-dev binutils
	       python3 strace
	       systemd                                        # systemd-socket-activate, -analyze
	       git debhelper dpkg-dev lintian mmdebstrap)   # build.bats, package.bats
fi
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
