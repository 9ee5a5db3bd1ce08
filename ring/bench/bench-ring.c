/*
 * bench-ring - requests and responses over a real blkif ring between two
 * processes, against the same exchange over pipes measured in the same
 * run.
 *
 *   bench-ring [--raw | --guest] [--order N] [--pin apart|same|none]
 *              [--quick]
 *
 * The front end (this process) shares a blkif ring of 2^order pages
 * (default 2: 128 slots) and an event channel with a back-end process,
 * through hv/hv.h (sim: start xpv-hv first and set XPV_RUNDIR; see
 * bench-ring.sh), or with --raw, or when no hypervisor answers, through a
 * memfd and eventfds (the output says which). With --guest the front end
 * runs in a guest domain and the back end in dom0 (see guest.c). The two
 * processes are pinned to CPUs 0 and 1 when there are two (--pin says
 * otherwise). Each figure is the median of three runs:
 *
 *   batched, asleep   req+rsp pairs per second, batches of 32 pushed as
 *                     the ring has room; an idle end re-arms its event
 *                     (hold-off) and sleeps in poll() on its event fd;
 *   batched, poll     the same, an idle end busy-polling the ring for
 *                     50 µs before it sleeps;
 *   round trip asleep one request, one response, each end asleep until
 *                     notified: µs per round trip;
 *   round trip spin   the same, both ends busy-polling the ring indices.
 *
 * The pipe baseline does the same with the same 112-byte requests and
 * 16-byte responses (asleep: blocking reads; spin: O_NONBLOCK reads
 * retried). The ratio column says how many times better the ring is.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ring/bench/bench.h"
#include "ring/bench/chan.h"
#include "ring/blkif.h"

static void line(const char *what, double ring, double pipe, bool rate)
{
	if (rate)
		printf("%-30s %8.2f M/s %8.2f M/s %8.2fx\n", what, ring / 1e6,
		       pipe / 1e6, ring / pipe);
	else
		printf("%-30s %9.2f us %9.2f us %8.2fx\n", what, ring, pipe,
		       pipe / ring);
}

static void report(const struct figures *r, const struct figures *p)
{
	printf("%-30s %12s %12s %9s\n", "", "ring", "pipe", "ratio");
	line("batched req+rsp, asleep", r->batched_sleep, p->batched_sleep,
	     true);
	line("batched req+rsp, poll 50us", r->batched_poll, p->batched_poll,
	     true);
	line("round trip, asleep", r->rtt_sleep, p->rtt_sleep, false);
	line("round trip, busy-polling", r->rtt_spin, p->rtt_spin, false);
	printf("(ratio > 1: the ring is better: ring/pipe for rates, "
	       "pipe/ring for times)\n");
	printf("targets: batched >= 10 M/s: %s (asleep), %s (poll); "
	       "asleep round trip <= 15 us: %s\n",
	       r->batched_sleep >= 10e6 ? "met" : "MISSED",
	       r->batched_poll >= 10e6 ? "met" : "MISSED",
	       r->rtt_sleep <= 15 ? "met" : "MISSED");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench-ring [--raw | --guest] [--order N] "
		"[--pin apart|same|none] [--quick]\n"
		"  --raw      memfd + eventfds instead of the hypervisor\n"
		"  --guest    front end in a guest domain (sim), back end "
		"in dom0\n"
		"  --order N  ring of 2^N pages, 0..4 (default 2)\n"
		"  --pin      ends on CPUs 0 and 1 (apart, default), both on 0 "
		"(same),\n"
		"             or unpinned (none)\n"
		"  --quick    a tenth of the iterations\n");
}

struct opts {
	bool raw, quick;
	enum pin_mode pin;
	bool guest; /* dom0's side of --guest */
	bool guest_front; /* the guest's side (started by guest.c) */
	unsigned int order;
};

static int parse(int argc, char **argv, struct opts *o, struct counts *n)
{
	static const struct option lo[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "guest", no_argument, NULL, 'g' },
		{ "guest-front", no_argument, NULL, 'f' },
		{ "order", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "pin", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o->raw = true;
			break;
		case 'g':
			o->guest = true;
			break;
		case 'f':
			o->guest_front = true;
			break;
		case 'o':
			if (optarg[0] < '0' || optarg[0] > '4' || optarg[1]) {
				usage(stderr);
				return -1;
			}
			o->order = (unsigned int)(optarg[0] - '0');
			break;
		case 'p':
			if (strcmp(optarg, "apart") == 0)
				o->pin = PIN_APART;
			else if (strcmp(optarg, "same") == 0)
				o->pin = PIN_SAME;
			else if (strcmp(optarg, "none") == 0)
				o->pin = PIN_NONE;
			else {
				usage(stderr);
				return -1;
			}
			break;
		case 'q':
			o->quick = true;
			n->batched /= 10;
			n->rtt_sleep /= 10;
			n->rtt_spin /= 10;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* The guest's side of --guest: stdin is the setup socket, which stays
 * open until we exit (dom0 waits for that); stdout goes to stderr, which
 * dom0 made its own stdout. Returns a copy of the socket for run_ring. */
static int guest_front_fds(void)
{
	int sock = dup(STDIN_FILENO);

	if (sock < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		die("the guest's fds", -errno);
	return sock;
}

int main(int argc, char **argv)
{
	struct counts n = { 3000000, 50000, 500000 };
	struct opts o = { .order = 2 };
	struct figures ring, pipe;
	char why[256] = "";
	int sock = -1;
	bool pinned;

	if (parse(argc, argv, &o, &n) < 0)
		return 2;
	pin_init(o.pin);
	if (o.guest)
		return guest_run(o.order, o.quick, o.pin) < 0 ? 1 : 0;
	if (o.guest_front)
		sock = guest_front_fds();
	else if (!o.raw && !chan_hv_available(why, sizeof(why))) {
		printf("bench-ring: no hypervisor (%s)\n", why);
		printf("bench-ring: FALLING BACK to --raw: memfd + eventfds, "
		       "not hv grants and event channels\n");
		o.raw = true;
	}
	pinned = pin_front();
	printf("bench-ring: blkif ring of %u page%s (%u slots); transport: "
	       "%s; %s\n",
	       1u << o.order, o.order ? "s" : "",
	       xpv_blkif_ring_entries(o.order),
	       o.raw	     ? "raw memfd + eventfd (no hypervisor)" :
	       o.guest_front ? "hv grant map + event channel, front end in "
			       "a guest domain, back end in dom0" :
			       "hv grant map + event channel, both ends "
			       "in dom0",
	       !pinned		 ? "not pinned" :
	       o.pin == PIN_SAME ? "both ends on cpu 0" :
				   "front on cpu 0, back on cpu 1");
	fflush(stdout);
	ring = run_ring(o.raw, o.order, sock, &n);
	pipe = run_pipe(&n, xpv_blkif_ring_entries(o.order));
	report(&ring, &pipe);
	return 0;
}
