#!/usr/bin/env bash
# test-schemas.sh: every schema reads; docs/xenstore-layout.md is what
# the schemas say (regenerate it with `make xenstore-layout`); a schema
# with a mistake is refused with its file and line.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
xpv_need xpv-schema-doc
xpv_rundir xpv-schemas
fails=0

out=$("$BIN/xpv-schema-doc" "$top/xenstore-schemas" 2>&1)
if [[ $? -ne 0 ]]; then
	echo "FAIL the schemas read: $out"
	fails=$((fails + 1))
else
	echo "ok   the schemas read"
fi
if diff -u "$top/docs/xenstore-layout.md" <(echo "$out") >"$XPV_RUN/diff"; then
	echo "ok   docs/xenstore-layout.md is generated from them"
else
	echo "FAIL docs/xenstore-layout.md differs from the schemas (make xenstore-layout):"
	head -20 "$XPV_RUN/diff"
	fails=$((fails + 1))
fi
for s in domain console vbd vif; do
	if grep -q "^## $s\$" <<<"$out"; then
		echo "ok   schema $s is there"
	else
		echo "FAIL schema $s is missing"
		fails=$((fails + 1))
	fi
done

mkdir "$XPV_RUN/bad"
printf 'schema x X\nroot home /x\nkey home a toolstack nosuchtype required any\n' \
	>"$XPV_RUN/bad/x.schema"
out=$("$BIN/xpv-schema-doc" "$XPV_RUN/bad" 2>&1)
if [[ $? -eq 1 && $out == "xpv-schema-doc: $XPV_RUN/bad/x.schema:3: unknown type \`nosuchtype'" ]]; then
	echo "ok   a bad schema is refused with its file and line"
else
	echo "FAIL a bad schema: $out"
	fails=$((fails + 1))
fi
exit $((fails > 0))
