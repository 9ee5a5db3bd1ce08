#!/usr/bin/env bash
# build-deps.sh CC HEADER:PACKAGE...: can CC compile against each HEADER?
# Run by make before it compiles anything, so that a machine without the
# project's packages is told to run `make deps` instead of failing on the
# first missing header.
set -uo pipefail
cc=${1:?usage: build-deps.sh CC HEADER:PACKAGE...}
shift

if ! command -v "${cc%% *}" >/dev/null; then
	echo "build: no compiler '$cc'; run 'make deps' (as root) to install it" >&2
	exit 1
fi
missing=()
for pair in "$@"; do
	header=${pair%%:*}
	printf '#include <%s>\n' "$header" |
		$cc -E -x c - >/dev/null 2>&1 || missing+=("$header (${pair#*:})")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
echo "build: missing headers: ${missing[*]}" >&2
echo "build: run 'make deps' (as root) to install the packages the build needs" >&2
exit 1
