#!/usr/bin/env bash
# test-check.sh: `xpv check` finds what is wrong in a live tree: a value
# of the wrong type, a key no schema has, a required key missing, a
# device state out of range, a frontend pointing at a wrong backend, a
# backend whose frontend is gone; one line each, exit 1. A tree the
# toolstack wrote passes.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=toolstack/tests/xpv-lib.sh
. "$top/toolstack/tests/xpv-lib.sh"
xpv_need xpv xpv-hv xpv-xenstored xpv-guest
xpv_instance xpv-check
cfg=$XPV_RUN/guest.cfg
printf 'name = "victim"\nmemory = 32\ninit = [ "/bin/sleep", "1000" ]\n' >"$cfg"

"$BIN/xpv" create -q "$cfg"
id=$(domid_of victim)
wait_for 30 xs_has "/local/domain/$id/control/feature-poweroff"
out=$("$BIN/xpv" check victim)
[[ $? -eq 0 && $out == "domain $id (victim): ok" ]]
check "a tree the toolstack wrote passes" $? "$out"

h=/local/domain/$id
xenstore-write "$h/memory/target" abc "$h/bogus" 1 "$h/data/anything" ok \
	"$h/device/vif/0/backend" /nowhere "$h/device/vif/0/state" 9 \
	/local/domain/0/backend/vbd/$id/51712/frontend "$h/device/vbd/51712"
xenstore-rm "$h/memory/static-max"
out=$("$BIN/xpv" check victim)
rc=$?
expect="domain $id (victim): $h/memory/target: \`abc' is not uint (domain.schema:17)
domain $id (victim): $h/bogus: not a key of domain's home (domain.schema)
domain $id (victim): $h: memory/static-max is missing (required; domain.schema:16)
domain $id (victim): $h/device/vif/0/state: \`9' is not state (vif.schema:11)
domain $id (victim): $h/device/vif/0: backend-id is missing (required; vif.schema:10)
domain $id (victim): $h/device/vif/0: handle is missing (required; vif.schema:12)
domain $id (victim): $h/device/vif/0: mac is missing (required; vif.schema:13)
domain $id (victim): $h/device/vif/0: backend \`/nowhere' is not a backend directory of this device (vif.schema)
domain $id (victim): /local/domain/0/backend/vbd/$id/51712: its frontend $h/device/vbd/51712 is gone
xpv check: 9 violations"
[[ $rc -eq 1 && $out == "$expect" ]]
check "each violation is named, exit 1" $? "$(diff <(echo "$out") <(echo "$expect"))"

# The guest names its device directories: one that is not a device number
# is reported as such, not checked as device 0.
xenstore-write "$h/device/vbd/foo/state" 4
out=$("$BIN/xpv" check victim)
[[ $out == *"$h/device/vbd/foo: device id is not a number"* ]]
check "a device id that is not a number is a violation" $? "$out"
xenstore-rm "$h/device/vbd/foo"

# The guest writes its own keys (control/, its frontends): what xpv check
# prints of them reaches the admin's terminal with no escape sequence
# (title, screen clear) and no CR/LF to forge a line of its own.
evil=$(printf '\e]0;TITLE\a\e[2J\e[31m\r\nforged: ok\e[0m\x7f')
xenstore-write "$h/control/feature-reboot" "$evil" "$h/device/vif/0/backend" "$evil"
out=$("$BIN/xpv" check victim)
[[ $out != *[$'\x01'-$'\x09'$'\x0b'-$'\x1f'$'\x7f']* ]]
check "no control character of the guest's reaches the terminal" $? \
	"$(cat -v <<<"$out")"
[[ $out != *$'\n'forged* &&
	$out == *"/control/feature-reboot: \`?]0;TITLE??[2J?[31m??forged: ok?[0m?' is not enum"* &&
	$out == *"backend \`?]0;TITLE??[2J?[31m??forged: ok?[0m?' is not a backend"* ]]
check "the guest's values are printed, defused, on our lines" $? \
	"$(cat -v <<<"$out")"
"$BIN/xpv" destroy victim
out=$("$BIN/xpv" check)
[[ $? -eq 0 && -z $out ]]
check "with no domain, nothing to say" $? "$out"
finish
