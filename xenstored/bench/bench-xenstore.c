/*
 * bench-xenstore.c - a xenstore load generator speaking the wire protocol
 * directly, so that the client is never the bottleneck, for comparing two
 * daemons on the same workload (xenstored/bench/bench-xenstore.sh).
 *
 *   bench-xenstore --socket PATH --op read|write|directory|transaction|watch
 *                  [--clients N] [--seconds S] [--pid PID]
 *
 * N connections (default 1), each with one request outstanding as a
 * libxenstore client has, driven by one thread polling them all:
 *   read         READ of one of 100 nodes holding 64 bytes
 *   write        WRITE of 64 bytes to one of 100 nodes of the client's own
 *   directory    DIRECTORY of a node with 100 children
 *   transaction  START, READ, WRITE, END "T" on the client's own node (no
 *                conflicts; an EAGAIN would be counted and retried)
 *   watch        N writers create nodes under /bench/w while 100 other
 *                connections watch it: the rate is watch events delivered
 *                per second, counted until the last event of the last
 *                write has arrived
 * Prints one line: "op=OP clients=N ops=COUNT seconds=T rate=OPS_PER_S",
 * and with --pid the daemon's CPU time (user + system) in the counted
 * interval, "cpu=SECONDS": on a loaded machine, operations per CPU-second
 * of the daemon compare two daemons more steadily than throughput does.
 * Exit 0, or 1 with a message when a daemon answered an error, vanished,
 * or did not deliver every watch event within 5 s of the end.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/xenstore/xsclient.h"

#define NODES 100
#define WATCHERS 100
#define MAX_CLIENTS 64
#define VALUE "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

enum bench_op { OP_READ, OP_WRITE, OP_DIRECTORY, OP_TRANSACTION, OP_WATCH };

static const char *const op_names[] = { "read", "write", "directory",
					"transaction", "watch" };

/* Steps of a transaction client. */
enum tx_step { TX_START, TX_READ, TX_WRITE, TX_END };

struct client {
	struct xsc x;
	unsigned int id;
	unsigned long n; /* requests sent */
	enum tx_step step;
	uint32_t tx;
	bool busy; /* a request is outstanding */
};

struct bench {
	enum bench_op op;
	unsigned int nclients;
	double seconds;
	const char *sock;
	struct client *clients; /* nclients workers, then the watchers */
	unsigned int nconns;
	unsigned long done; /* completed operations */
	unsigned long events; /* watch events received */
	unsigned long conflicts;
	int pid; /* the daemon, for its CPU time; 0: not measured */
	double cpu; /* its CPU seconds in the counted interval */
};

/* CPU seconds (user + system) process pid has used so far, or -1. */
static double cpu_seconds(int pid)
{
	unsigned long utime, stime;
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-xenstore: %s: %s\n", what, strerror(err));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A request and its reply on a set-up connection; errors are fatal. The
 * payload is a, its NUL, then b: a value (WRITE) or a string whose NUL is
 * counted in blen (WATCH).
 */
static void call(struct xsc *x, uint32_t type, const char *a, const char *b,
		 size_t blen)
{
	char buf[XPV_XENSTORE_PAYLOAD_MAX];
	struct xsc_msg m;
	size_t n = strlen(a) + 1;
	int err;

	memcpy(buf, a, n);
	memcpy(buf + n, b, blen);
	err = xsc_call(x, type, 0, buf, n + blen, &m, NULL);
	if (err)
		die("set-up request", -err);
	if (m.hdr.type == XPV_XS_ERROR) {
		fprintf(stderr, "bench-xenstore: set-up of %s: %s\n", a,
			m.body);
		exit(1);
	}
}

static void write_node(struct xsc *x, const char *path, const char *value)
{
	call(x, XPV_XS_WRITE, path, value, strlen(value));
}

/* The nodes every workload uses, written before the clock starts. */
static void populate(struct bench *b)
{
	char path[64];
	unsigned int i, c;
	struct xsc x;
	int err = xsc_connect(&x, b->sock);

	if (err)
		die(b->sock, -err);
	for (i = 0; i < NODES; i++) {
		snprintf(path, sizeof(path), "/bench/k%u", i);
		write_node(&x, path, VALUE);
	}
	for (c = 0; c < b->nclients; c++) {
		snprintf(path, sizeof(path), "/bench/c%u/t", c);
		write_node(&x, path, VALUE);
	}
	write_node(&x, "/bench/w", "");
	xsc_close(&x);
}

static void send_or_die(struct client *c, uint32_t type, uint32_t tx,
			const char *a, const char *value)
{
	char buf[256];
	size_t n = strlen(a) + 1;
	int err;

	memcpy(buf, a, n);
	if (value) {
		memcpy(buf + n, value, strlen(value));
		n += strlen(value);
	}
	err = xsc_send(&c->x, type, (uint32_t)c->n++, tx, buf, n);
	if (err)
		die("send", -err);
	c->busy = true;
}

static void send_tx_step(struct client *c)
{
	char path[64];

	snprintf(path, sizeof(path), "/bench/c%u/t", c->id);
	switch (c->step) {
	case TX_START:
		send_or_die(c, XPV_XS_TRANSACTION_START, 0, "", NULL);
		break;
	case TX_READ:
		send_or_die(c, XPV_XS_READ, c->tx, path, NULL);
		break;
	case TX_WRITE:
		send_or_die(c, XPV_XS_WRITE, c->tx, path, VALUE);
		break;
	case TX_END:
		send_or_die(c, XPV_XS_TRANSACTION_END, c->tx, "T", NULL);
		break;
	}
}

/* The next request of a worker client. */
static void send_next(struct bench *b, struct client *c)
{
	char path[64];

	switch (b->op) {
	case OP_READ:
		snprintf(path, sizeof(path), "/bench/k%lu", c->n % NODES);
		send_or_die(c, XPV_XS_READ, 0, path, NULL);
		break;
	case OP_WRITE:
		snprintf(path, sizeof(path), "/bench/c%u/k%lu", c->id,
			 c->n % NODES);
		send_or_die(c, XPV_XS_WRITE, 0, path, VALUE);
		break;
	case OP_DIRECTORY:
		send_or_die(c, XPV_XS_DIRECTORY, 0, "/bench", NULL);
		break;
	case OP_TRANSACTION:
		send_tx_step(c);
		break;
	case OP_WATCH:
		/* A new node each time: Xen's daemon drops an event identical
		 * to one still queued, which would make it do less work. */
		snprintf(path, sizeof(path), "/bench/w/c%u/%lu", c->id, c->n);
		send_or_die(c, XPV_XS_WRITE, 0, path, VALUE);
		break;
	}
}

/* A transaction client's reply: advance, or retry after EAGAIN. */
static bool tx_reply(struct bench *b, struct client *c, const struct xsc_msg *m)
{
	if (c->step == TX_END && m->hdr.type == XPV_XS_ERROR &&
	    !strcmp(m->body, "EAGAIN")) {
		b->conflicts++;
		c->step = TX_START;
		return false;
	}
	if (c->step == TX_START)
		c->tx = (uint32_t)strtoul(m->body, NULL, 10);
	if (c->step != TX_END) {
		c->step++;
		return false;
	}
	c->step = TX_START;
	return true;
}

static void reply(struct bench *b, struct client *c, const struct xsc_msg *m,
		  bool counting)
{
	bool complete = true;

	if (m->hdr.type == XPV_XS_WATCH_EVENT) {
		b->events++;
		return;
	}
	c->busy = false;
	if (m->hdr.type == XPV_XS_ERROR &&
	    !(b->op == OP_TRANSACTION && !strcmp(m->body, "EAGAIN"))) {
		fprintf(stderr, "bench-xenstore: %s: error %s\n",
			op_names[b->op], m->body);
		exit(1);
	}
	if (b->op == OP_TRANSACTION)
		complete = tx_reply(b, c, m);
	if (complete && counting)
		b->done++;
}

/* Drain every connection that has input; workers send their next request
 * unless stopping. */
static void pump(struct bench *b, struct pollfd *pfd, bool counting,
		 bool stopping, int timeout_ms)
{
	struct xsc_msg m;
	unsigned int i;
	int err;

	if (poll(pfd, b->nconns, timeout_ms) < 0 && errno != EINTR)
		die("poll", errno);
	for (i = 0; i < b->nconns; i++) {
		struct client *c = &b->clients[i];

		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* One read per ready socket: poll already said it has data. */
		err = xsc_read_ready(&c->x);
		if (err)
			die("receive", -err);
		while ((err = xsc_take(&c->x, &m)) == 0) {
			reply(b, c, &m, counting);
			if (i < b->nclients &&
			    m.hdr.type != XPV_XS_WATCH_EVENT && !stopping)
				send_next(b, c);
		}
		if (err != -EAGAIN)
			die("receive", -err);
	}
}

static void connect_all(struct bench *b)
{
	unsigned int i;
	int err;

	b->nconns = b->nclients + (b->op == OP_WATCH ? WATCHERS : 0);
	b->clients = calloc(b->nconns, sizeof(*b->clients));
	if (!b->clients)
		die("calloc", errno);
	for (i = 0; i < b->nconns; i++) {
		b->clients[i].id = i;
		err = xsc_connect(&b->clients[i].x, b->sock);
		if (err)
			die(b->sock, -err);
	}
	/* Watchers take their initial event before the clock starts. */
	for (i = b->nclients; i < b->nconns; i++) {
		struct xsc_msg m;

		call(&b->clients[i].x, XPV_XS_WATCH, "/bench/w", "tok", 4);
		err = xsc_recv(&b->clients[i].x, &m, 5000);
		if (err || m.hdr.type != XPV_XS_WATCH_EVENT)
			die("no initial watch event", err ? -err : EPROTO);
	}
}

static bool any_busy(const struct bench *b)
{
	unsigned int i;

	for (i = 0; i < b->nclients; i++)
		if (b->clients[i].busy)
			return true;
	return false;
}

/*
 * Run: a tenth of the time to warm up, then count for the rest. The watch
 * workload has no warm-up (events of uncounted writes would arrive in the
 * counted time): its writers stop when the time is up, and the clock runs
 * until every event of their writes has arrived (5 s more at most).
 */
static double run(struct bench *b, struct pollfd *pfd)
{
	double start = now(), t0, end, cpu0;
	unsigned long want;
	unsigned int i;

	for (i = 0; i < b->nclients; i++)
		send_next(b, &b->clients[i]);
	while (b->op != OP_WATCH && now() - start < b->seconds / 10)
		pump(b, pfd, false, false, 100);
	b->done = 0;
	b->events = 0;
	cpu0 = b->pid ? cpu_seconds(b->pid) : 0;
	t0 = now();
	while ((end = now()) - t0 < b->seconds)
		pump(b, pfd, true, false, 100);
	if (b->op == OP_WATCH) {
		while (any_busy(b) && now() - end < 5)
			pump(b, pfd, true, true, 100);
		want = b->done * WATCHERS;
		while (b->events < want && now() - end < 5)
			pump(b, pfd, false, true, 100);
		end = now();
	}
	if (b->pid)
		b->cpu = cpu_seconds(b->pid) - cpu0;
	return end - t0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench-xenstore --socket PATH --op "
		"read|write|directory|transaction|watch\n"
		"                [--clients N] [--seconds S] [--pid PID]\n");
	exit(2);
}

static enum bench_op parse_op(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (!strcmp(s, op_names[i]))
			return (enum bench_op)i;
	usage();
	return OP_READ;
}

static void parse_args(int argc, char **argv, struct bench *b)
{
	static const struct option longopts[] = {
		{ "socket", 1, NULL, 's' },  { "op", 1, NULL, 'o' },
		{ "clients", 1, NULL, 'c' }, { "seconds", 1, NULL, 't' },
		{ "pid", 1, NULL, 'p' },     { NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (o == 's')
			b->sock = optarg;
		else if (o == 'o')
			b->op = parse_op(optarg);
		else if (o == 'c')
			b->nclients = (unsigned int)strtoul(optarg, NULL, 0);
		else if (o == 't')
			b->seconds = strtod(optarg, NULL);
		else if (o == 'p')
			b->pid = atoi(optarg);
		else
			usage();
	}
	if (!b->sock || b->nclients < 1 || b->nclients > MAX_CLIENTS ||
	    b->seconds <= 0)
		usage();
}

/* The result line; 1 when watch events went missing (no valid rate). */
static int report(const struct bench *b, double secs)
{
	unsigned long count = b->op == OP_WATCH ? b->events : b->done;

	if (b->op == OP_WATCH && b->events < b->done * WATCHERS) {
		fprintf(stderr,
			"bench-xenstore: only %lu of %lu watch events came\n",
			b->events, b->done * WATCHERS);
		return 1;
	}
	printf("op=%s clients=%u ops=%lu seconds=%.3f rate=%.0f",
	       op_names[b->op], b->nclients, count, secs, (double)count / secs);
	if (b->pid)
		printf(" cpu=%.3f", b->cpu);
	if (b->conflicts)
		printf(" conflicts=%lu", b->conflicts);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct bench b = { .nclients = 1, .seconds = 2 };
	struct pollfd *pfd;
	unsigned int i;

	parse_args(argc, argv, &b);
	populate(&b);
	connect_all(&b);
	pfd = calloc(b.nconns, sizeof(*pfd));
	if (!pfd)
		die("calloc", errno);
	for (i = 0; i < b.nconns; i++)
		pfd[i] = (struct pollfd){ .fd = b.clients[i].x.fd,
					  .events = POLLIN };
	return report(&b, run(&b, pfd));
}
