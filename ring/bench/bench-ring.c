/*
 * bench-ring - requests and responses over a real blkif ring between two
 * processes, against a pipe ping-pong measured in the same run.
 *
 *   bench-ring [--raw] [--order N] [--quick]
 *
 * The front end (this process) shares a blkif ring of 2^order pages
 * (default 2: 128 slots) and an event channel with a back-end process,
 * through hv/hv.h (sim: start xpv-hv first and set XPV_RUNDIR), or with
 * --raw, or when no hypervisor answers, through a memfd and eventfds
 * (labelled so in the output). The two processes are pinned to different
 * CPUs when there are two. Figures, each the median of three runs:
 *
 *   batched   req+rsp pairs per second, batches of 32, both ends
 *             sleeping on the event channel when idle, notifications held
 *             off as ring.h's req_event/rsp_event allow;
 *   rtt-event one request, one response, each side asleep in poll() on
 *             its event channel fd until notified: µs per round trip;
 *   rtt-spin  the same with both ends busy-polling the ring indices.
 *
 * The pipe baseline does the same with the same 112-byte requests and
 * 16-byte responses written to and read from two pipes (spin: O_NONBLOCK
 * reads retried). Ratios say how the ring compares.
 *
 * Control requests use operation values blkif leaves unused (0xf0..0xf2)
 * to switch the back end between sleeping and spinning and to stop it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring/bench/chan.h"
#include "ring/blkif.h"
#include "ring/ring.h"

#define OP_SPIN 0xf0 /* back end: busy-poll from now on */
#define OP_SLEEP 0xf1 /* back end: sleep on the channel when idle */
#define OP_QUIT 0xf2 /* back end: answer and exit */

#define BATCH 32
#define WAIT_MS 10000 /* a peer silent this long is dead or broken */
#define RUNS 3
/* A run stops after this long even if short of its count, so that a
 * loaded machine gives fewer samples rather than a stalled benchmark. */
#define RUN_SECONDS 1.0

typedef struct xpv_blkif_request req_t;
typedef struct xpv_blkif_response rsp_t;

struct counts {
	uint64_t batched; /* requests in the batched run */
	uint64_t rtt_event, rtt_spin; /* round trips */
};

/* One turn of a busy-poll loop. Every few thousand turns it yields, so
 * that on a loaded machine a spinner whose peer was preempted gives the
 * CPU back instead of burning its whole time slice; unloaded, the peer
 * answers long before that. */
static void cpu_relax(void)
{
	static unsigned int turns;

	if ((++turns & 4095) == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-ring: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* The CPUs we may run on, before pin() narrows them: a forked child
 * inherits the narrowed mask, so it pins against this one. */
static cpu_set_t allowed;

/* Pin to cpu when allowed and there are two CPUs; returns whether it did. */
static bool pin(int cpu)
{
	cpu_set_t set;

	if (!CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2)
		return false;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

static void fill_request(req_t *req, uint64_t id, uint8_t op)
{
	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = 1;
	req->id = id;
	req->sector_number = id * 8;
	req->seg[0].last_sect = 7;
}

/* What the back ends answer: OKAY for a well-formed request. */
static void answer(const req_t *req, rsp_t *rsp)
{
	rsp->id = req->id;
	rsp->operation = req->operation;
	rsp->status = req->sector_number == req->id * 8 ? XPV_BLKIF_RSP_OKAY :
							  XPV_BLKIF_RSP_ERROR;
}

/* --- the ring back end (child process) --------------------------------- */

/* Take every published request and answer it; returns the count or
 * -errno. *mode follows the control requests. */
static int back_serve(struct xpv_back_ring *r, int *mode)
{
	int n = xpv_back_peek_requests(r, NULL);
	int i;

	for (i = 0; i < n; i++) {
		req_t req;
		rsp_t *rsp;

		xpv_back_take_request(r, &req);
		rsp = xpv_back_next_response(r);
		if (!rsp)
			return -EPROTO;
		answer(&req, rsp);
		if (req.operation >= OP_SPIN && req.operation <= OP_QUIT)
			*mode = req.operation;
	}
	return n;
}

static int back_run(struct chan *c, unsigned int order)
{
	struct xpv_back_ring r;
	int mode = OP_SLEEP, n, err;

	err = xpv_blkif_back_attach(&r, c->ring, order);
	if (err)
		return err;
	for (;;) {
		n = back_serve(&r, &mode);
		if (n < 0)
			return n;
		if (n > 0) {
			if (xpv_back_push_responses_and_check_notify(&r) &&
			    (err = chan_notify(c)) < 0)
				return err;
			if (mode == OP_QUIT)
				return 0;
			continue;
		}
		if (mode == OP_SPIN) {
			cpu_relax();
			continue;
		}
		n = xpv_back_final_check_for_requests(&r);
		if (n < 0)
			return n;
		if (n == 0 && (err = chan_wait(c, WAIT_MS)) < 0)
			return err;
	}
}

/* --- the ring front end -------------------------------------------------- */

struct front {
	struct chan *c;
	struct xpv_front_ring r;
	uint64_t sent, got; /* request ids */
};

static int front_send(struct front *f, unsigned int k, uint8_t op)
{
	while (k--) {
		req_t *req = xpv_front_next_request(&f->r);

		if (!req)
			return -ENOSPC;
		fill_request(req, f->sent++, op);
	}
	if (xpv_front_push_requests_and_check_notify(&f->r))
		return chan_notify(f->c);
	return 0;
}

/* Take every published response, checking each; returns the count. */
static int front_collect(struct front *f)
{
	int n = xpv_front_peek_responses(&f->r, NULL);
	int i;

	for (i = 0; i < n; i++) {
		rsp_t rsp;

		xpv_front_take_response(&f->r, &rsp);
		if (rsp.id != f->got++ || rsp.status != XPV_BLKIF_RSP_OKAY)
			return -EPROTO;
	}
	return n;
}

/* Wait until a response is there (spinning, or asleep). */
static int front_wait(struct front *f, bool spin)
{
	int n, err;

	for (;;) {
		if (spin) {
			n = xpv_front_peek_responses(&f->r, NULL);
			if (n != 0)
				return n < 0 ? n : 0;
			cpu_relax();
			continue;
		}
		n = xpv_front_final_check_for_responses(&f->r);
		if (n != 0)
			return n < 0 ? n : 0;
		err = chan_wait(f->c, WAIT_MS);
		if (err)
			return err;
	}
}

/* Send one request and wait for its answer. */
static int front_round_trip(struct front *f, uint8_t op, bool spin)
{
	int err = front_send(f, 1, op);

	while (!err && f->got < f->sent) {
		err = front_wait(f, spin);
		if (!err) {
			int n = front_collect(f);

			err = n < 0 ? n : 0;
		}
	}
	return err;
}

/* Pairs per second, batches of BATCH, event-driven. */
static double ring_batched(struct front *f, uint64_t total)
{
	uint64_t start = f->sent, end = f->sent + total;
	double t0 = now();
	int n = 0, err = 0;

	while (!err && f->got < end) {
		if (now() - t0 > RUN_SECONDS) {
			end = f->sent; /* finish what is in flight */
			if (f->got == end)
				break;
		}
		while (f->sent + BATCH <= end &&
		       xpv_front_free_requests(&f->r) >= BATCH &&
		       !(err = front_send(f, BATCH, XPV_BLKIF_OP_READ)))
			;
		n = front_collect(f);
		if (n < 0 || err)
			break;
		if (n == 0)
			err = front_wait(f, false);
	}
	if (err || n < 0)
		die("ring batched run", err ? err : n);
	return (f->got - start) / (now() - t0);
}

/* Microseconds per round trip. */
static double ring_rtt(struct front *f, uint64_t total, bool spin)
{
	double t0;
	uint64_t i;
	int err;

	if (spin && (err = front_round_trip(f, OP_SPIN, false)))
		die("switching the back end to spinning", err);
	t0 = now();
	for (i = 0; i < total; i++) {
		if ((err = front_round_trip(f, XPV_BLKIF_OP_READ, spin)))
			die("ring round trip", err);
		if ((i & 63) == 63 && now() - t0 > RUN_SECONDS) {
			i++;
			break;
		}
	}
	t0 = (now() - t0) / i * 1e6;
	if (spin && (err = front_round_trip(f, OP_SLEEP, true)))
		die("switching the back end to sleeping", err);
	return t0;
}

/* --- the pipe baseline --------------------------------------------------- */

struct pipes {
	int req[2], rsp[2];
};

static int read_full(int fd, void *buf, size_t len, bool spin)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EAGAIN && spin) {
			cpu_relax();
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static void set_spin(int fd, bool spin)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, spin ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Answer whole requests as they come, a batch per write. */
static int pipe_back_run(struct pipes *p)
{
	static req_t reqs[BATCH];
	static rsp_t rsps[BATCH];
	size_t have = 0;
	bool spin = false;

	for (;;) {
		ssize_t n = read(p->req[0], (char *)reqs + have,
				 sizeof(reqs) - have);
		size_t i, whole;

		if (n < 0 && errno == EAGAIN) {
			cpu_relax();
			continue;
		}
		if (n <= 0)
			return n < 0 ? -errno : 0;
		have += n;
		whole = have / sizeof(req_t);
		for (i = 0; i < whole; i++)
			answer(&reqs[i], &rsps[i]);
		if (whole && write_full(p->rsp[1], rsps, whole * sizeof(rsp_t)))
			return -EPIPE;
		for (i = 0; i < whole; i++) {
			if (reqs[i].operation == OP_QUIT)
				return 0;
			if (reqs[i].operation == OP_SPIN ||
			    reqs[i].operation == OP_SLEEP) {
				spin = reqs[i].operation == OP_SPIN;
				set_spin(p->req[0], spin);
			}
		}
		have -= whole * sizeof(req_t);
		memmove(reqs, (char *)reqs + whole * sizeof(req_t), have);
	}
}

static int pipe_round_trip(struct pipes *p, uint64_t id, uint8_t op, bool spin)
{
	req_t req;
	rsp_t rsp;
	int err;

	fill_request(&req, id, op);
	err = write_full(p->req[1], &req, sizeof(req));
	if (!err)
		err = read_full(p->rsp[0], &rsp, sizeof(rsp), spin);
	if (!err && (rsp.id != id || rsp.status != XPV_BLKIF_RSP_OKAY))
		err = -EPROTO;
	return err;
}

/* Pairs per second, up to 4 batches of BATCH in flight as on the ring. */
static double pipe_batched(struct pipes *p, uint64_t total)
{
	static req_t reqs[BATCH];
	static rsp_t rsps[4 * BATCH];
	uint64_t sent = 0, got = 0, i;
	double t0 = now();
	int err = 0;

	while (!err && got < total) {
		if (now() - t0 > RUN_SECONDS) {
			total = sent; /* finish what is in flight */
			if (got == total)
				break;
		}
		while (sent + BATCH <= total && sent - got <= 3 * BATCH) {
			for (i = 0; i < BATCH; i++)
				fill_request(&reqs[i], sent + i,
					     XPV_BLKIF_OP_READ);
			err = write_full(p->req[1], reqs, sizeof(reqs));
			if (err)
				break;
			sent += BATCH;
		}
		if (!err) {
			ssize_t n = read(p->rsp[0], rsps,
					 (sent - got) * sizeof(rsp_t));

			/* pipes keep writes of up to PIPE_BUF whole */
			if (n <= 0 || n % sizeof(rsp_t))
				err = n < 0 ? -errno : -EPROTO;
			for (i = 0; !err && i < n / sizeof(rsp_t); i++)
				if (rsps[i].id != got++)
					err = -EPROTO;
		}
	}
	if (err)
		die("pipe batched run", err);
	return got / (now() - t0);
}

static double pipe_rtt(struct pipes *p, uint64_t *id, uint64_t total, bool spin)
{
	double t0;
	uint64_t i;
	int err;

	if (spin) {
		set_spin(p->rsp[0], true);
		if ((err = pipe_round_trip(p, (*id)++, OP_SPIN, true)))
			die("switching the pipe back end to spinning", err);
	}
	t0 = now();
	for (i = 0; i < total; i++) {
		if ((err = pipe_round_trip(p, (*id)++, XPV_BLKIF_OP_READ,
					   spin)))
			die("pipe round trip", err);
		if ((i & 63) == 63 && now() - t0 > RUN_SECONDS) {
			i++;
			break;
		}
	}
	t0 = (now() - t0) / i * 1e6;
	if (spin) {
		if ((err = pipe_round_trip(p, (*id)++, OP_SLEEP, true)))
			die("switching the pipe back end to sleeping", err);
		set_spin(p->rsp[0], false);
	}
	return t0;
}

/* --- runs ---------------------------------------------------------------- */

struct figures {
	double batched, rtt_event, rtt_spin;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

static pid_t spawn_back(int cpu, int (*run)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		pin(cpu);
		exit(run(arg) < 0 ? 1 : 0);
	}
	return pid;
}

static void reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-ring: the %s back end failed\n", what);
		exit(1);
	}
}

struct ring_back_arg {
	bool raw;
	unsigned int order;
	int sock;
};

static int ring_back_main(void *p)
{
	struct ring_back_arg *a = p;
	struct chan c;
	int err = chan_back_open(&c, a->raw, a->sock);

	if (err)
		die("back end: opening the channel", err);
	err = back_run(&c, a->order);
	if (err)
		fprintf(stderr, "bench-ring: back end: %s\n", strerror(-err));
	chan_close(&c);
	return err;
}

static struct figures run_ring(bool raw, unsigned int order,
			       const struct counts *n)
{
	struct ring_back_arg a = { .raw = raw, .order = order };
	double b[RUNS], e[RUNS], s[RUNS];
	struct front f = { 0 };
	struct figures fig;
	struct chan c;
	int sv[2], err, i;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", -errno);
	a.sock = sv[1];
	pid = spawn_back(1, ring_back_main, &a);
	if (pid < 0)
		die("fork", -errno);
	close(sv[1]);
	err = chan_front_open(&c, raw, 1u << order, sv[0]);
	if (err)
		die("front end: opening the channel", err);
	close(sv[0]);
	f.c = &c;
	xpv_sring_init(c.ring);
	err = xpv_blkif_front_attach(&f.r, c.ring, order);
	if (err)
		die("attaching the front ring", err);
	for (i = 0; i < RUNS; i++) {
		b[i] = ring_batched(&f, n->batched);
		e[i] = ring_rtt(&f, n->rtt_event, false);
		s[i] = ring_rtt(&f, n->rtt_spin, true);
	}
	if ((err = front_round_trip(&f, OP_QUIT, false)))
		die("stopping the back end", err);
	reap(pid, "ring");
	chan_close(&c);
	fig.batched = median(b);
	fig.rtt_event = median(e);
	fig.rtt_spin = median(s);
	return fig;
}

static int pipe_back_main(void *p)
{
	struct pipes *pp = p;

	close(pp->req[1]);
	close(pp->rsp[0]);
	return pipe_back_run(pp);
}

static struct figures run_pipe(const struct counts *n)
{
	double b[RUNS], e[RUNS], s[RUNS];
	struct figures fig;
	struct pipes p;
	uint64_t id;
	pid_t pid;
	int i, err;

	if (pipe2(p.req, O_CLOEXEC) < 0 || pipe2(p.rsp, O_CLOEXEC) < 0)
		die("pipe", -errno);
	pid = spawn_back(1, pipe_back_main, &p);
	if (pid < 0)
		die("fork", -errno);
	close(p.req[0]);
	close(p.rsp[1]);
	for (i = 0; i < RUNS; i++) {
		b[i] = pipe_batched(&p, n->batched);
		id = 0;
		e[i] = pipe_rtt(&p, &id, n->rtt_event, false);
		s[i] = pipe_rtt(&p, &id, n->rtt_spin, true);
	}
	if ((err = pipe_round_trip(&p, 0, OP_QUIT, false)))
		die("stopping the pipe back end", err);
	close(p.req[1]);
	close(p.rsp[0]);
	reap(pid, "pipe");
	fig.batched = median(b);
	fig.rtt_event = median(e);
	fig.rtt_spin = median(s);
	return fig;
}

/* --- main ---------------------------------------------------------------- */

static void report(const struct figures *r, const struct figures *p)
{
	printf("%-34s %12s %12s %10s\n", "", "ring", "pipe", "ratio");
	printf("%-34s %8.2f M/s %8.2f M/s %9.1fx\n",
	       "batched req+rsp (batches of 32)", r->batched / 1e6,
	       p->batched / 1e6, r->batched / p->batched);
	printf("%-34s %9.2f us %9.2f us %9.1fx\n",
	       "round trip, asleep on evtchn fd", r->rtt_event, p->rtt_event,
	       p->rtt_event / r->rtt_event);
	printf("%-34s %9.2f us %9.2f us %9.1fx\n", "round trip, busy-polling",
	       r->rtt_spin, p->rtt_spin, p->rtt_spin / r->rtt_spin);
	printf("(ratio: ring throughput / pipe, pipe latency / ring; "
	       ">1 means the ring is better)\n");
	printf("targets: batched >= 10 M/s: %s; asleep round trip <= 15 us: "
	       "%s\n",
	       r->batched >= 10e6 ? "met" : "MISSED",
	       r->rtt_event <= 15 ? "met" : "MISSED");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-ring [--raw] [--order N] [--quick]\n"
		   "  --raw      memfd + eventfds instead of the hypervisor\n"
		   "  --order N  ring of 2^N pages, 0..4 (default 2)\n"
		   "  --quick    a tenth of the iterations\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "order", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct counts n = { 3000000, 30000, 300000 };
	unsigned int order = 2;
	struct figures ring, pipe;
	bool raw = false, pinned;
	char why[256] = "";
	int opt;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case 'r':
			raw = true;
			break;
		case 'o':
			order = (unsigned int)atoi(optarg);
			if (order > 4 || optarg[0] < '0' || optarg[0] > '4') {
				usage(stderr);
				return 2;
			}
			break;
		case 'q':
			n.batched /= 10;
			n.rtt_event /= 10;
			n.rtt_spin /= 10;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!raw && !chan_hv_available(why, sizeof(why))) {
		printf("bench-ring: no hypervisor (%s)\n", why);
		printf("bench-ring: FALLING BACK to --raw: memfd + eventfds, "
		       "not hv grants and event channels\n");
		raw = true;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
	pinned = pin(0);
	printf("bench-ring: blkif ring of %u page%s (%u slots); transport: "
	       "%s; %s\n",
	       1u << order, order ? "s" : "", xpv_blkif_ring_entries(order),
	       raw ? "raw memfd + eventfd (no hypervisor)" :
		     "hv grant map + event channel",
	       pinned ? "front on cpu 0, back on cpu 1" : "not pinned");
	fflush(stdout);
	ring = run_ring(raw, order, &n);
	pipe = run_pipe(&n);
	report(&ring, &pipe);
	return 0;
}
