# shellcheck shell=bash
# xpv-hotplug-common.sh - sourced by the hotplug scripts (vif-bridge,
# block): Xen's script conventions, written once.
#
# A script is run as Xen's toolstack (libxl) runs it:
#   SCRIPT COMMAND [key=value ...]
# with XENBUS_PATH (the device's backend directory, e.g. backend/vif/3/0,
# relative to dom0's home or absolute) and, for a vif, `vif` (its name) in
# the environment; key=value arguments become shell variables (type_if=vif).
# Parameters are read from the backend directory; the result is written
# back there: hotplug-status=connected (success), or hotplug-error=<why>
# and hotplug-status=error (fatal), which the toolstack shows.
#
#   hp_init ALLOWED "$@"   set $command (checked against the
#                          space-separated ALLOWED) and the key=value
#                          variables; exit 1 on a bad command
#   log LEVEL MESSAGE...   one line on stderr, prefixed with the script
#                          name; level debug only with XPV_HOTPLUG_DEBUG=1
#   fatal MESSAGE...       write hotplug-error and hotplug-status=error,
#                          print MESSAGE, exit 1
#   success                write hotplug-status=connected
#   xenstore_read PATH     the value, or fatal when it cannot be read
#   xenstore_read_default PATH DEFAULT
#   xenstore_write PATH VALUE [PATH VALUE ...]   or fatal
#   do_or_die CMD...       run CMD; fatal with its own message if it fails
#   do_without_error CMD...  run CMD; a failure is only logged
#   xpv_helper NAME        the path of one of our programs (xpv-netif):
#                          $XPV_BIN/NAME, then beside this file, then the
#                          build tree this file sits in, then $PATH
#
# Inside $(...) fatal ends only the subshell: write v=$(xenstore_read P) ||
# exit 1, or the script goes on with an empty value, and may write
# hotplug-status=connected over the error.
#
# xenstore-read / -write find the store as libxenstore does
# (XENSTORED_PATH, else the default socket).

hp_name=$(basename "$0")
hp_dir=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
export LANG=C LC_ALL=C

log()
{
	local level=$1
	shift
	[[ $level == debug && ${XPV_HOTPLUG_DEBUG:-0} != 1 ]] && return 0
	echo "$hp_name: $level: $*" >&2
}

fatal()
{
	if [[ -n ${XENBUS_PATH:-} ]]; then
		xenstore-write "$XENBUS_PATH/hotplug-error" "$*" \
			"$XENBUS_PATH/hotplug-status" error ||
			echo "$hp_name: cannot write hotplug-status to $XENBUS_PATH" >&2
	fi
	echo "$hp_name: $*" >&2
	exit 1
}

success()
{
	xenstore_write "$XENBUS_PATH/hotplug-status" connected
}

xenstore_read()
{
	local v
	v=$(xenstore-read "$1" 2>/dev/null) || fatal "cannot read $1 from xenstore"
	echo "$v"
}

xenstore_read_default()
{
	xenstore-read "$1" 2>/dev/null || echo "$2"
}

xenstore_write()
{
	xenstore-write "$@" || fatal "cannot write $* to xenstore"
}

do_or_die()
{
	local out
	out=$("$@" 2>&1) || fatal "${out:-$* failed}"
}

do_without_error()
{
	local out
	out=$("$@" 2>&1) || log debug "${out:-$* failed} (ignored)"
}

xpv_helper()
{
	local name=$1 p
	for p in ${XPV_BIN:+"$XPV_BIN/$name"} "$hp_dir/$name" \
		"$hp_dir/../build/bin/$name"; do
		[[ -x $p ]] && { echo "$p"; return 0; }
	done
	p=$(command -v "$name") && { echo "$p"; return 0; }
	fatal "$name not found (build it with make, or set XPV_BIN to its directory)"
}

hp_init()
{
	local allowed=" $1 " arg
	shift
	command=${1:-}
	if [[ -z $command || $allowed != *" $command "* ]]; then
		echo "$hp_name: invalid command '${command}' (expected one of:$allowed)" >&2
		exit 1
	fi
	shift
	for arg in "$@"; do
		# key=value arguments, as Xen's evalVariables takes them; only
		# plain names, so that nothing can be evaluated.
		if [[ $arg =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
			printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
		else
			log warning "ignoring argument '$arg' (not key=value)"
		fi
	done
}
