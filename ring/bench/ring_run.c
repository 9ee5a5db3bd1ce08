/*
 * ring_run.c - the ring side of the benchmark: a back-end process serving
 * a blkif ring, and the front end measuring it (bench.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ring/bench/bench.h"
#include "ring/bench/chan.h"
#include "ring/ring.h"

/* --- the back end (child process) -------------------------------------- */

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
		control(&req, mode);
	}
	return n;
}

/* Nothing to do: poll, or re-arm the event and sleep if still nothing. */
static int back_idle(struct chan *c, struct xpv_back_ring *r, int mode,
		     double *idle_since)
{
	int n;

	if (keep_polling(mode, idle_since))
		return 0;
	n = xpv_back_final_check_for_requests(r);
	if (n != 0)
		return n < 0 ? n : 0;
	return chan_wait(c, WAIT_MS);
}

static int back_run(struct chan *c, unsigned int order)
{
	struct xpv_back_ring r;
	int mode = WAIT_SLEEP, n, err;
	double idle_since = 0;

	err = xpv_blkif_back_attach(&r, c->ring, order);
	while (!err) {
		n = back_serve(&r, &mode);
		if (n < 0)
			return n;
		if (n == 0) {
			err = back_idle(c, &r, mode, &idle_since);
			continue;
		}
		idle_since = 0;
		if (xpv_back_push_responses_and_check_notify(&r))
			err = chan_notify(c);
		if (mode == OP_QUIT)
			break;
	}
	return err;
}

struct back_arg {
	bool raw;
	int sock;
};

static int back_main(void *p)
{
	struct back_arg *a = p;
	struct chan c;
	int err = chan_back_open(&c, a->raw, a->sock);

	if (err)
		die("back end: opening the channel", err);
	/* the front end chose the size: 2^order pages */
	err = back_run(&c, (unsigned int)__builtin_ctz(c.npages));
	if (err)
		fprintf(stderr, "bench-ring: back end: %s\n", strerror(-err));
	chan_close(&c);
	return err;
}

/* --- the front end ------------------------------------------------------- */

struct front {
	struct chan *c;
	struct xpv_front_ring r;
	uint64_t sent, got; /* request ids */
	int mode; /* how we wait, and the back end too */
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

/* Wait until a response is there, as f->mode says. */
static int front_wait(struct front *f)
{
	double idle_since = 0;
	int n, err;

	for (;;) {
		n = xpv_front_peek_responses(&f->r, NULL);
		if (n != 0)
			return n < 0 ? n : 0;
		if (keep_polling(f->mode, &idle_since))
			continue;
		n = xpv_front_final_check_for_responses(&f->r);
		if (n != 0)
			return n < 0 ? n : 0;
		err = chan_wait(f->c, WAIT_MS);
		if (err)
			return err;
	}
}

/* Send one request and wait for its answer. */
static int front_round_trip(struct front *f, uint8_t op)
{
	int err = front_send(f, 1, op);

	while (!err && f->got < f->sent) {
		err = front_wait(f);
		if (!err) {
			int n = front_collect(f);

			err = n < 0 ? n : 0;
		}
	}
	return err;
}

/* Both ends wait as mode says from now on. */
static void set_mode(struct front *f, int mode)
{
	int err = front_round_trip(f, (uint8_t)mode);

	if (err)
		die("switching the ring back end's mode", err);
	f->mode = mode;
}

/* Pairs per second, batches of BATCH. */
static double batched(struct front *f, uint64_t total)
{
	uint64_t start = f->sent, end = f->sent + total;
	double t0 = now();
	int n = 0, err = 0;

	while (f->got < end) {
		if (now() - t0 > RUN_SECONDS) {
			end = f->sent; /* finish what is in flight */
			if (f->got == end)
				break;
		}
		while (f->sent + BATCH <= end &&
		       xpv_front_free_requests(&f->r) >= BATCH) {
			err = front_send(f, BATCH, XPV_BLKIF_OP_READ);
			if (err)
				die("ring batched run", err);
		}
		n = front_collect(f);
		if (n == 0)
			n = front_wait(f);
		if (n < 0)
			die("ring batched run", n);
	}
	return (f->got - start) / (now() - t0);
}

/* Microseconds per round trip. */
static double round_trips(struct front *f, uint64_t total)
{
	double t0 = now();
	uint64_t i;
	int err;

	for (i = 0; i < total; i++) {
		err = front_round_trip(f, XPV_BLKIF_OP_READ);
		if (err)
			die("ring round trip", err);
		if ((i & 63) == 63 && now() - t0 > RUN_SECONDS) {
			i++;
			break;
		}
	}
	return (now() - t0) / i * 1e6;
}

int ring_back_end(bool raw, int sock)
{
	struct back_arg a = { .raw = raw, .sock = sock };

	return back_main(&a);
}

/* Open the channel to a back end on sock, or, sock < 0, to one started
 * here in a child process (its pid returned; 0 for none). */
static pid_t start(bool raw, unsigned int order, int sock, struct chan *c,
		   struct front *f)
{
	struct back_arg a = { .raw = raw };
	pid_t pid = 0;
	int sv[2], err;

	if (sock < 0) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) <
		    0)
			die("socketpair", -errno);
		a.sock = sv[1];
		pid = spawn_back(back_main, &a);
		close(sv[1]);
		sock = sv[0];
	}
	err = chan_front_open(c, raw, 1u << order, sock);
	close(sock);
	if (err)
		die("front end: opening the channel", err);
	memset(f, 0, sizeof(*f));
	f->c = c;
	f->mode = WAIT_SLEEP;
	xpv_sring_init(c->ring);
	err = xpv_blkif_front_attach(&f->r, c->ring, order);
	if (err)
		die("attaching the front ring", err);
	return pid;
}

struct figures run_ring(bool raw, unsigned int order, int sock,
			const struct counts *n)
{
	double bs[RUNS], bp[RUNS], rs[RUNS], rp[RUNS];
	struct figures fig;
	struct front f;
	struct chan c;
	pid_t pid;
	int i;

	pid = start(raw, order, sock, &c, &f);
	for (i = 0; i < RUNS; i++) {
		set_mode(&f, WAIT_SLEEP);
		bs[i] = batched(&f, n->batched);
		rs[i] = round_trips(&f, n->rtt_sleep);
		set_mode(&f, WAIT_POLL);
		bp[i] = batched(&f, n->batched);
		set_mode(&f, WAIT_SPIN);
		rp[i] = round_trips(&f, n->rtt_spin);
	}
	set_mode(&f, WAIT_SLEEP);
	if (front_round_trip(&f, OP_QUIT) < 0)
		die("stopping the ring back end", -EIO);
	if (pid > 0)
		reap(pid, "ring");
	chan_close(&c);
	fig.batched_sleep = median(bs);
	fig.batched_poll = median(bp);
	fig.rtt_sleep = median(rs);
	fig.rtt_spin = median(rp);
	return fig;
}
