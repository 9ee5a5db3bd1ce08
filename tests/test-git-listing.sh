#!/usr/bin/env bash
# test-git-listing.sh: the checks that take their file list from git fail
# when git cannot give it. On a fresh machine without git, format-check
# said "all C files formatted" and test-layers "0 includes across parts,
# none upward": both passed on no files at all. Here a git that fails as
# a missing one does (exit 127) comes first in PATH.
set -uo pipefail
cd "$(dirname "$0")/.."
fail() { echo "FAIL: $*"; exit 1; }

nogit=$(mktemp -d /tmp/xpv-nogit.XXXXXX) || exit 1
trap 'rm -rf "$nogit"' EXIT
printf '#!/bin/sh\necho "git: command not found" >&2\nexit 127\n' >"$nogit/git"
chmod +x "$nogit/git"

for check in tests/format-check.sh tests/test-layers.sh; do
	out=$(PATH=$nogit:$PATH "$check" 2>&1) &&
		fail "$check passed without git: $out"
	[[ $out == *"git"*"make deps"* ]] ||
		fail "$check does not say that git is missing: $out"
done
echo "ok: format-check and test-layers fail without git, naming it"
