/*
 * pipe_run.c - the baseline: the ring benchmark's measurements over two
 * pipes, requests one way, responses the other (bench.h).
 *
 * Asleep means a blocking read(); busy-polling means O_NONBLOCK reads
 * retried; polling-then-asleep retries for POLL_US, then poll()s.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "ring/bench/bench.h"

/* One end: reads rfd (its mode decides how it waits), writes wfd. */
struct pend {
	int rfd, wfd;
	int mode;
};

static void set_mode_flags(struct pend *e, int mode)
{
	int fl = fcntl(e->rfd, F_GETFL);

	fl = mode == WAIT_SLEEP ? fl & ~O_NONBLOCK : fl | O_NONBLOCK;
	fcntl(e->rfd, F_SETFL, fl);
	e->mode = mode;
}

/* Read at least one byte, waiting as e->mode says. Returns the count,
 * 0 at end of file, or -errno. */
static ssize_t pread_some(struct pend *e, void *buf, size_t len)
{
	struct pollfd p = { .fd = e->rfd, .events = POLLIN };
	double idle_since = 0;
	ssize_t n;

	for (;;) {
		n = read(e->rfd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EAGAIN)
			return -errno;
		if (keep_polling(e->mode, &idle_since))
			continue;
		if (poll(&p, 1, WAIT_MS) == 0)
			return -ETIMEDOUT;
	}
}

static int pread_full(struct pend *e, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread_some(e, p, len);

		if (n <= 0)
			return n < 0 ? (int)n : -EPIPE;
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

		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

/* --- the back end (child process) -------------------------------------- */

struct pipes {
	int req[2], rsp[2];
};

/* Answer whole requests as they come, one write per read. */
static int back_run(struct pend *e)
{
	static req_t reqs[MAX_INFLIGHT];
	static rsp_t rsps[MAX_INFLIGHT];
	size_t have = 0, i, whole;
	int mode = WAIT_SLEEP;

	for (;;) {
		ssize_t n =
			pread_some(e, (char *)reqs + have, sizeof(reqs) - have);

		if (n <= 0)
			return (int)n;
		have += n;
		whole = have / sizeof(req_t);
		for (i = 0; i < whole; i++)
			answer(&reqs[i], &rsps[i]);
		if (whole && write_full(e->wfd, rsps, whole * sizeof(rsp_t)))
			return -EPIPE;
		for (i = 0; i < whole; i++)
			if (control(&reqs[i], &mode) && mode == OP_QUIT)
				return 0;
		if (mode != e->mode)
			set_mode_flags(e, mode);
		have -= whole * sizeof(req_t);
		memmove(reqs, (char *)reqs + whole * sizeof(req_t), have);
	}
}

static int back_main(void *arg)
{
	struct pipes *p = arg;
	struct pend e = { .rfd = p->req[0], .wfd = p->rsp[1] };

	close(p->req[1]);
	close(p->rsp[0]);
	set_mode_flags(&e, WAIT_SLEEP);
	return back_run(&e);
}

/* --- the front end ------------------------------------------------------- */

struct front {
	struct pend e;
	uint64_t id;
	unsigned int inflight; /* most requests outstanding */
};

static int round_trip(struct front *f, uint8_t op)
{
	uint64_t id = f->id++;
	req_t req;
	rsp_t rsp;
	int err;

	fill_request(&req, id, op);
	err = write_full(f->e.wfd, &req, sizeof(req));
	if (!err)
		err = pread_full(&f->e, &rsp, sizeof(rsp));
	if (!err && (rsp.id != id || rsp.status != XPV_BLKIF_RSP_OKAY))
		err = -EPROTO;
	return err;
}

static void set_mode(struct front *f, int mode)
{
	int err = round_trip(f, (uint8_t)mode);

	if (err)
		die("switching the pipe back end's mode", err);
	set_mode_flags(&f->e, mode);
}

/* Take the responses there are (at least one); checks ids. */
static int collect(struct front *f, uint64_t *got, uint64_t sent)
{
	static rsp_t rsps[MAX_INFLIGHT];
	size_t want = (sent - *got) * sizeof(rsp_t), i;
	ssize_t n;
	int err;

	n = pread_some(&f->e, rsps, want);
	if (n <= 0)
		return n < 0 ? (int)n : -EPIPE;
	/* a response split across reads: finish it */
	if (n % sizeof(rsp_t)) {
		err = pread_full(&f->e, (char *)rsps + n,
				 sizeof(rsp_t) - n % sizeof(rsp_t));
		if (err)
			return err;
		n += sizeof(rsp_t) - n % sizeof(rsp_t);
	}
	for (i = 0; i < n / sizeof(rsp_t); i++)
		if (rsps[i].id != f->id + (*got)++)
			return -EPROTO;
	return 0;
}

/* Pairs per second, batches of BATCH, as many in flight as the ring
 * has slots. */
static double batched(struct front *f, uint64_t total)
{
	static req_t reqs[BATCH];
	uint64_t sent = 0, got = 0, i;
	double t0 = now();
	int err = 0;

	while (got < total) {
		if (now() - t0 > RUN_SECONDS) {
			total = sent; /* finish what is in flight */
			if (got == total)
				break;
		}
		while (sent + BATCH <= total &&
		       sent - got + BATCH <= f->inflight) {
			for (i = 0; i < BATCH; i++)
				fill_request(&reqs[i], f->id + sent + i,
					     XPV_BLKIF_OP_READ);
			err = write_full(f->e.wfd, reqs, sizeof(reqs));
			if (err)
				die("pipe batched run", err);
			sent += BATCH;
		}
		err = collect(f, &got, sent);
		if (err)
			die("pipe batched run", err);
	}
	f->id += sent;
	return got / (now() - t0);
}

static double round_trips(struct front *f, uint64_t total)
{
	double t0 = now();
	uint64_t i;
	int err;

	for (i = 0; i < total; i++) {
		err = round_trip(f, XPV_BLKIF_OP_READ);
		if (err)
			die("pipe round trip", err);
		if ((i & 63) == 63 && now() - t0 > RUN_SECONDS) {
			i++;
			break;
		}
	}
	return (now() - t0) / i * 1e6;
}

struct figures run_pipe(const struct counts *n, unsigned int inflight)
{
	double bs[RUNS], bp[RUNS], rs[RUNS], rp[RUNS];
	struct figures fig;
	struct front f = { .id = 0, .inflight = inflight };
	struct pipes p;
	pid_t pid;
	int i;

	if (inflight < BATCH || inflight > MAX_INFLIGHT)
		die("pipe requests in flight", -EINVAL);

	if (pipe2(p.req, O_CLOEXEC) < 0 || pipe2(p.rsp, O_CLOEXEC) < 0)
		die("pipe", -errno);
	pid = spawn_back(back_main, &p);
	close(p.req[0]);
	close(p.rsp[1]);
	f.e.rfd = p.rsp[0];
	f.e.wfd = p.req[1];
	set_mode_flags(&f.e, WAIT_SLEEP);
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
	if (round_trip(&f, OP_QUIT) < 0)
		die("stopping the pipe back end", -EIO);
	close(p.req[1]);
	close(p.rsp[0]);
	reap(pid, "pipe");
	fig.batched_sleep = median(bs);
	fig.batched_poll = median(bp);
	fig.rtt_sleep = median(rs);
	fig.rtt_spin = median(rp);
	return fig;
}
