#!/usr/bin/env bash
# test-ring-headers.sh - every ring/ header compiles on its own (includes
# what it uses) and twice in a row (include guard), with the project's
# warnings. Exit 0 pass, 1 fail.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
CC=${CC:-gcc}
fail=0
for h in ring/*.h; do
	if ! printf '#include "%s"\n#include "%s"\n' "$h" "$h" |
		"$CC" -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -I. \
			-x c -fsyntax-only -; then
		echo "FAIL $h does not compile on its own (or twice)"
		fail=1
	else
		echo "ok   $h"
	fi
done
exit $fail
