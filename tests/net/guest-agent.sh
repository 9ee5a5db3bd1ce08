#!/bin/bash
# guest-agent.sh BIN IP4/LEN IP6/LEN [XPV-NETFRONT OPTION...]
#
# The init of the network tests' guests (tests/net/lib.sh): it starts
# xpv-netfront (the guest's network driver), waits for eth0, gives it the
# addresses, says "AGENT READY", then runs the commands the test writes on
# its stdin, one a line, "ID COMMAND...", in bash, printing each output
# line as "OUT ID: ..." and then "DONE ID RC". A command ending in & runs
# in the background. Everything goes to the domain's console.
# Commands may call listening PORT: wait (30 s at most) until a TCP socket
# listens on PORT, so that a server started in the background is there
# before a client in another guest connects to it.
bin=$1 ip4=$2 ip6=$3
shift 3
export PATH=$bin:$PATH
xpv-netfront "$@" &
for _ in $(seq 100); do
	ip link show eth0 >/dev/null 2>&1 && break
	sleep 0.1
done
ip link set lo up
ip link set eth0 up
# Carrier once xpv-netfront has connected it to its backend.
for _ in $(seq 100); do
	ip link show eth0 | grep -q LOWER_UP && break
	sleep 0.1
done
ip addr add "$ip4" dev eth0
ip -6 addr add "$ip6" dev eth0 nodad
listening()
{
	local i
	for ((i = 0; i < 300; i++)); do
		[[ -n $(ss -Hltn "sport = :$1") ]] && return 0
		sleep 0.1
	done
	return 1
}
echo "AGENT READY"
# Each command runs in a subshell (an exit ends only it), its output
# through a file, not a pipe: a command left running in the background
# must not hold the agent up.
while read -r id cmd; do
	[[ -n $id ]] || continue
	(eval "$cmd") >/tmp/agent.out 2>&1 </dev/null
	rc=$?
	sed "s/^/OUT $id: /" /tmp/agent.out
	echo "DONE $id $rc"
done
