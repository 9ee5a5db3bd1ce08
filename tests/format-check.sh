#!/usr/bin/env bash
# format-check.sh: every tracked C file is as clang-format (.clang-format,
# Linux kernel style) would write it. Prints the files that are not, and how
# to fix them.
set -uo pipefail
cd "$(dirname "$0")/.."
# The list comes from git (tracked and new files, not ignored ones): when
# git cannot give it, say so rather than pass on no files at all (a fresh
# machine without git did, "all C files formatted").
files=$(git ls-files '*.c' '*.h' &&
	git ls-files --others --exclude-standard '*.c' '*.h') || {
	echo "format-check: git cannot list the C files (is git installed? 'make deps')"
	exit 1
}
bad=()
while IFS= read -r f; do
	[[ -f $f ]] || continue
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done <<<"$files"
if [[ ${#bad[@]} -gt 0 ]]; then
	echo "format-check: ${#bad[@]} file(s) differ from .clang-format:"
	printf '  %s\n' "${bad[@]}"
	echo "format-check: run 'make format' to fix them"
	exit 1
fi
echo "format-check: all C files formatted"
