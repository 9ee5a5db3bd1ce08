#!/usr/bin/env bash
# test-build-deps.sh: what `make` says on a machine without the packages.
# tests/build-deps.sh (run before anything is compiled) must pass with the
# headers the build needs, and refuse a missing header or compiler with
# an error that names it, its package, and `make deps`.
set -uo pipefail
cd "$(dirname "$0")/.."
fail() { echo "FAIL: $*"; exit 1; }
cc=${CC:-gcc}

tests/build-deps.sh "$cc" xenstore.h:libxen-dev ||
	fail "a header that is there was refused"
out=$(tests/build-deps.sh "$cc" xenstore.h:libxen-dev \
	xpv-no-such-header.h:libxpv-nothing-dev 2>&1) &&
	fail "a missing header was accepted"
[[ $out == *"xpv-no-such-header.h (libxpv-nothing-dev)"* ]] ||
	fail "the message does not name the header and its package: $out"
[[ $out == *"run 'make deps'"* ]] || fail "the message does not say: make deps"
out=$(tests/build-deps.sh xpv-no-such-cc xenstore.h:libxen-dev 2>&1) &&
	fail "a missing compiler was accepted"
[[ $out == *"xpv-no-such-cc"*"make deps"* ]] ||
	fail "the message does not name the compiler and make deps: $out"
echo "ok: missing headers and compilers are named, with make deps"
