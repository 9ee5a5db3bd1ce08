/*
 * differential.c - xs-differential: send the same seeded random request
 * stream (diffgen.h) to two xenstore daemons and require the same replies
 * and the same watch events, byte for byte, on every connection.
 *
 *   xs-differential [--seed S] [--ops N] [--names A,B] [--report FILE]
 *                   [--trace FILE] [--sort-dirs] [--reference A|B|both]
 *                   [--script FILE] [--domid D[,D]] [--full]
 *                   SOCKET_A[,DOMU_SOCKET_A...] SOCKET_B[,DOMU_SOCKET_B...]
 *
 * With --script, the requests come from a hand-written file (script.h)
 * instead of the seeded generator. Each DOMU_SOCKET (xs-domconn: a
 * domU's xenstore ring made a socket, domain D on both daemons, the
 * --domid list in the same order) adds an unprivileged connection after
 * the DIFF_CONNS of dom0: the requests of all then meet on the same nodes,
 * so permissions, quotas and watch permission checks are compared too.
 *
 * Exit 0 when the daemons agreed on all N requests, 1 on the first
 * disagreement (printed, and appended to FILE with --report: the seed, the
 * request index, the request, both transcripts and the requests before
 * it), 2 on a usage or connection error.
 *
 * After each request, every connection that has set a watch is synced: a
 * GET_DOMAIN_PATH round trip whose reply must come after every event the
 * daemon queued for that connection while handling the request (a daemon
 * handles one request at a time and keeps each connection's output in
 * order). So each request yields, per connection, a transcript: the
 * messages received until its reply (or the sync reply), in order.
 *
 * Normalisations, the only differences allowed (docs/xenstore-conformance.md):
 *   - transaction ids: each daemon allocates its own, so the id in a
 *     TRANSACTION_START reply and in any reply header is replaced by the
 *     handle of the transaction (the n-th TRANSACTION_START of the run);
 *   - the generation count that starts a DIRECTORY_PART reply, which
 *     counts a daemon's internal changes, becomes "<gen>";
 *   - with --sort-dirs only, the children in a DIRECTORY reply are sorted.
 *
 * --reference A|B|both names the side(s) that run Debian's xenstored: the
 * requests on which it has a known bug (diffgen.h ref_bug_expect) are not
 * sent to it, and the other side must answer them as Xen's documentation
 * says.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/xenstore/diffgen.h"
#include "tests/xenstore/script.h"
#include "tests/xenstore/xsclient.h"

/* Long enough for Xen's write rate limit of a domU (200 writes/s shared
 * by all domains, bursts of 10) to let a request through. */
#define REPLY_TIMEOUT_MS 30000
#define SYNC_REQ_ID 0xfffffff0u
#define TXMAP_SIZE 64 /* transactions remembered per connection */
#define HISTORY 25 /* requests shown before a disagreement */

/* A growing string: a transcript. */
struct text {
	char *buf;
	size_t len, size;
};

struct txmap_entry {
	uint32_t handle;
	uint32_t id;
};

/* One daemon under test. */
struct side {
	const char *name;
	const char *sock;
	/* The domU connections' (xs-domconn), after DIFF_CONNS dom0 ones. */
	const char *dom_sock[DIFF_MAX_DOMUS];
	struct xsc conn[DIFF_MAX_CONNS];
	struct txmap_entry tx[DIFF_MAX_CONNS][TXMAP_SIZE];
	unsigned int ntx[DIFF_MAX_CONNS];
	/* The transcript of the current request, per connection. */
	struct text out[DIFF_MAX_CONNS];
	/* Its reply to the request (type and payload), for the generator. */
	struct xsc_msg reply;
	bool closed;
	/* Debian's xenstored: spared the requests it has a known bug on. */
	bool is_ref;
};

struct options {
	const char *script; /* requests from this file, not the generator */
	unsigned int domids[DIFF_MAX_DOMUS]; /* the domUs', with DOMU_SOCKETs */
	unsigned int ndomids;
	uint64_t seed;
	unsigned long ops;
	bool sort_dirs;
	bool full; /* --full: payloads whole in transcripts, not cut at 80 */
	const char *report;
	FILE *trace;
};

static struct options opt = { .seed = 1, .ops = 2000 };
static char *history[HISTORY];
/* Connections that set a watch: synced after every request. */
static bool watching[DIFF_MAX_CONNS];
/* DIFF_CONNS, plus one per domU connection. */
static unsigned int nconns = DIFF_CONNS;

/* --- Transcripts --------------------------------------------------------- */

static void emit(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = t->size - t->len;

		va_start(ap, fmt);
		n = room ? vsnprintf(t->buf + t->len, room, fmt, ap) : 0;
		va_end(ap);
		if (room && n >= 0 && (size_t)n < room)
			break;
		t->size = 2 * t->size + (size_t)n + 256;
		t->buf = realloc(t->buf, t->size);
		if (!t->buf) {
			perror("xs-differential");
			exit(2);
		}
	}
	t->len += (size_t)n;
}

static void text_clear(struct text *t)
{
	t->len = 0;
	if (t->buf)
		t->buf[0] = '\0';
}

/* Bytes as a C string literal, cut after 80 bytes. */
static void emit_bytes(struct text *t, const char *p, size_t len)
{
	size_t i;

	emit(t, "\"");
	for (i = 0; i < len && (opt.full || i < 80); i++) {
		unsigned char b = (unsigned char)p[i];

		if (b == 0)
			emit(t, "\\0");
		else if (b == '"' || b == '\\')
			emit(t, "\\%c", b);
		else if (b >= 0x20 && b < 0x7f)
			emit(t, "%c", b);
		else
			emit(t, "\\x%02x", b);
	}
	emit(t, i < len ? "\"...(%zu bytes)" : "\"", len);
}

/* --- Transaction ids ------------------------------------------------------ */

static void tx_remember(struct side *s, unsigned int c, uint32_t handle,
			uint32_t id)
{
	struct txmap_entry *t = s->tx[c];

	if (s->ntx[c] == TXMAP_SIZE)
		memmove(t, t + 1, sizeof(*t) * --s->ntx[c]);
	t[s->ntx[c]++] = (struct txmap_entry){ handle, id };
}

/* The daemon's id for a handle; an id no daemon allocates if unknown. */
static uint32_t tx_id_of(const struct side *s, unsigned int c, uint32_t handle)
{
	unsigned int i;

	for (i = s->ntx[c]; i-- > 0;)
		if (s->tx[c][i].handle == handle)
			return s->tx[c][i].id;
	return 0x7fffff00u;
}

/* The most recent transaction that got this id, or 0. */
static uint32_t handle_of(const struct side *s, unsigned int c, uint32_t id)
{
	unsigned int i;

	for (i = s->ntx[c]; i-- > 0;)
		if (s->tx[c][i].id == id)
			return s->tx[c][i].handle;
	return 0;
}

static void emit_tx(struct text *t, const struct side *s, unsigned int c,
		    uint32_t id)
{
	uint32_t h = handle_of(s, c, id);

	if (id == 0)
		emit(t, "tx=0");
	else if (h)
		emit(t, "tx=<T%" PRIu32 ">", h);
	else
		emit(t, "tx=%#" PRIx32, id);
}

/* --- Messages received ------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A DIRECTORY reply with its children sorted (--sort-dirs). */
static void sort_children(struct xsc_msg *m)
{
	char *names[XPV_XENSTORE_PAYLOAD_MAX / 2], copy[sizeof(m->body)];
	size_t n = 0, off = 0, i;

	memcpy(copy, m->body, m->hdr.len);
	while (off < m->hdr.len && n < sizeof(names) / sizeof(names[0])) {
		names[n++] = copy + off;
		off += strnlen(copy + off, m->hdr.len - off) + 1;
	}
	if (off != m->hdr.len)
		return; /* not a well-formed list: compare it as it is */
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (off = 0, i = 0; i < n; i++) {
		memcpy(m->body + off, names[i], strlen(names[i]) + 1);
		off += strlen(names[i]) + 1;
	}
}

/* Append one received message, normalised, to connection c's transcript. */
static void record(struct side *s, unsigned int c, const struct diff_op *op,
		   struct xsc_msg *m)
{
	const char *type = xpv_xsd_type_name(m->hdr.type);
	struct text *t = &s->out[c];
	size_t skip = 0;

	if (type)
		emit(t, "  %s ", type);
	else
		emit(t, "  type=%" PRIu32 " ", m->hdr.type);
	emit(t, "req=%#" PRIx32 " ", m->hdr.req_id);
	emit_tx(t, s, c, m->hdr.tx_id);
	if (op && m->hdr.type == XPV_XS_TRANSACTION_START &&
	    op->type == XPV_XS_TRANSACTION_START) {
		emit(t, " len=<id> <T%" PRIu32 ">\n", op->new_handle);
		return;
	}
	if (m->hdr.type == XPV_XS_DIRECTORY_PART) {
		skip = strnlen(m->body, m->hdr.len);
		emit(t, " len=<gen>+%zu <gen>", m->hdr.len - skip);
	} else {
		emit(t, " len=%" PRIu32 " ", m->hdr.len);
	}
	if (opt.sort_dirs && m->hdr.type == XPV_XS_DIRECTORY)
		sort_children(m);
	emit_bytes(t, m->body + skip, m->hdr.len - skip);
	emit(t, "\n");
}

/*
 * Receive on connection c until the message with req_id comes (recorded
 * too), the daemon closes it, or it times out.
 */
static void collect(struct side *s, unsigned int c, const struct diff_op *op,
		    uint32_t req_id, struct xsc_msg *m)
{
	struct text *t = &s->out[c];
	int err;

	for (;;) {
		err = xsc_recv(&s->conn[c], m, REPLY_TIMEOUT_MS);
		if (err) {
			emit(t, "  <%s>\n",
			     err == -ECONNRESET ? "connection closed" :
			     err == -ETIMEDOUT	? "no reply in 30 s" :
						  strerror(-err));
			s->closed = true;
			return;
		}
		/* The sync's own reply is noise unless it went wrong. */
		if (m->hdr.type == XPV_XS_WATCH_EVENT ||
		    m->hdr.req_id != SYNC_REQ_ID ||
		    m->hdr.type != XPV_XS_GET_DOMAIN_PATH)
			record(s, c,
			       m->hdr.type == XPV_XS_WATCH_EVENT ? NULL : op,
			       m);
		if (m->hdr.type != XPV_XS_WATCH_EVENT &&
		    m->hdr.req_id == req_id)
			return;
	}
}

/* --- One request on both daemons -------------------------------------------- */

static void send_op(struct side *s, const struct diff_op *op, uint32_t req_id)
{
	uint32_t tx = op->tx;
	int err;

	if (op->tx_kind == DIFF_TX_HANDLE)
		tx = tx_id_of(s, op->conn, op->tx);
	err = xsc_send_raw(&s->conn[op->conn], op->type, req_id, tx,
			   op->hdr_len, op->payload, op->len);
	if (err)
		emit(&s->out[op->conn], "  <send: %s>\n", strerror(-err));
}

static void note_new_tx(struct side *s, const struct diff_op *op)
{
	char *end;
	unsigned long id;

	if (s->closed || op->type != XPV_XS_TRANSACTION_START ||
	    s->reply.hdr.type != XPV_XS_TRANSACTION_START)
		return;
	id = strtoul(s->reply.body, &end, 10);
	if (end != s->reply.body && id <= UINT32_MAX)
		tx_remember(s, op->conn, op->new_handle, (uint32_t)id);
}

static void sync_conn(struct side *s, unsigned int c)
{
	struct xsc_msg m;
	int err;

	err = xsc_send(&s->conn[c], XPV_XS_GET_DOMAIN_PATH, SYNC_REQ_ID, 0, "0",
		       2);
	if (err) {
		emit(&s->out[c], "  <sync send: %s>\n", strerror(-err));
		return;
	}
	collect(s, c, NULL, SYNC_REQ_ID, &m);
}

static void connect_side(struct side *s, unsigned int c)
{
	const char *path = c < DIFF_CONNS ? s->sock :
					    s->dom_sock[c - DIFF_CONNS];
	int err = xsc_connect(&s->conn[c], path);

	if (err) {
		fprintf(stderr, "xs-differential: %s (%s): %s\n", s->name, path,
			strerror(-err));
		exit(2);
	}
	s->ntx[c] = 0;
}

/* A side skips the request when it is the reference and has a bug on it. */
static bool skips(const struct side *s, const struct diff_op *op)
{
	return s->is_ref && op->ref_bug_expect;
}

/*
 * A request the reference has a bug on: the reply must be the documented
 * error. When it is, its line leaves the transcript (the reference has no
 * such line), so that only what else came is compared; when not, the
 * transcript says what was expected.
 */
static bool check_documented(struct side *s, const struct diff_op *op)
{
	const struct xsc_msg *m = &s->reply;
	bool ok = !s->closed && m->hdr.type == XPV_XS_ERROR &&
		  m->hdr.len == strlen(op->ref_bug_expect) + 1 &&
		  !strcmp(m->body, op->ref_bug_expect);

	if (!ok)
		emit(&s->out[op->conn],
		     "  (expected ERROR \"%s\\0\", as Xen's "
		     "documentation says)\n",
		     op->ref_bug_expect);
	return ok;
}

/* Remove the last line of t, which started at or after from. */
static void drop_last_line(struct text *t, size_t from)
{
	size_t end = t->len;

	if (end > from && t->buf[end - 1] == '\n')
		end--;
	while (end > from && t->buf[end - 1] != '\n')
		end--;
	t->len = end;
	t->buf[end] = '\0';
}

static void run_op(struct side *sides, const struct diff_op *op,
		   uint32_t req_id)
{
	unsigned int i, c;
	size_t before;

	for (i = 0; i < 2; i++) {
		for (c = 0; c < nconns; c++)
			text_clear(&sides[i].out[c]);
		sides[i].closed = false;
		if (!skips(&sides[i], op))
			send_op(&sides[i], op, req_id);
	}
	for (i = 0; i < 2; i++) {
		if (skips(&sides[i], op))
			continue;
		before = sides[i].out[op->conn].len;
		collect(&sides[i], op->conn, op, req_id, &sides[i].reply);
		note_new_tx(&sides[i], op);
		if (op->ref_bug_expect && check_documented(&sides[i], op))
			drop_last_line(&sides[i].out[op->conn], before);
	}
	/* A first WATCH makes its connection one to sync: its initial event. */
	for (c = 0; c < nconns; c++) {
		if (!watching[c] &&
		    !(c == op->conn && op->type == XPV_XS_WATCH))
			continue;
		if (c == op->conn && (sides[0].closed || sides[1].closed))
			continue;
		for (i = 0; i < 2; i++)
			sync_conn(&sides[i], c);
	}
}

/* --- Reporting ------------------------------------------------------------- */

static void describe(char *buf, size_t size, const struct diff_op *op)
{
	struct text t = { 0 };
	const char *type = xpv_xsd_type_name(op->type);
	size_t n;

	n = (size_t)snprintf(buf, size, "conn %u: ", op->conn);
	n += (size_t)(type ? snprintf(buf + n, size - n, "%s", type) :
			     snprintf(buf + n, size - n, "type=%" PRIu32,
				      op->type));
	if (op->tx_kind == DIFF_TX_HANDLE)
		n += (size_t)snprintf(buf + n, size - n, " tx=<T%" PRIu32 ">",
				      op->tx);
	else if (op->tx_kind == DIFF_TX_LITERAL)
		n += (size_t)snprintf(buf + n, size - n, " tx=%#" PRIx32,
				      op->tx);
	if (op->hdr_len != op->len)
		n += (size_t)snprintf(buf + n, size - n, " header-len=%" PRIu32,
				      op->hdr_len);
	snprintf(buf + n, size - n, " ");
	emit_bytes(&t, op->payload, op->len);
	if (op->ref_bug_expect)
		emit(&t, " !expect=%s", op->ref_bug_expect);
	snprintf(buf + strlen(buf), size - strlen(buf), "%s", t.buf);
	free(t.buf);
}

static void remember(unsigned long index, const char *request,
		     const char *reply)
{
	char **slot = &history[index % HISTORY];

	free(*slot);
	if (asprintf(slot, "#%lu %s\n%s", index, request, reply) < 0)
		*slot = NULL;
}

static bool differs(const struct side *sides, unsigned int c)
{
	return sides[0].out[c].len != sides[1].out[c].len ||
	       memcmp(sides[0].out[c].buf, sides[1].out[c].buf,
		      sides[0].out[c].len);
}

/* Every connection on which the daemons disagreed, from c on. */
static void print_mismatch(FILE *f, struct side *sides, unsigned long index,
			   const char *request, unsigned int c)
{
	unsigned long i;

	if (opt.script)
		fprintf(f, "MISMATCH script=%s op=%lu\n", opt.script, index);
	else
		fprintf(f, "MISMATCH seed=%" PRIu64 " op=%lu\n", opt.seed,
			index);
	fprintf(f, "request #%lu %s\n", index, request);
	for (; c < nconns; c++) {
		if (!differs(sides, c))
			continue;
		fprintf(f, "conn %u on %s:\n%s", c, sides[0].name,
			sides[0].out[c].buf);
		fprintf(f, "conn %u on %s:\n%s", c, sides[1].name,
			sides[1].out[c].buf);
	}
	fprintf(f, "the requests before it (replies as both daemons gave "
		   "them):\n");
	for (i = index > HISTORY ? index - HISTORY : 0; i < index; i++)
		if (history[i % HISTORY])
			fputs(history[i % HISTORY], f);
	if (opt.script)
		fprintf(f, "reproduce: xs-differential --script %s\n\n",
			opt.script);
	else
		fprintf(f,
			"reproduce: tests/xenstore/differential.sh %" PRIu64
			" (xs-differential --seed %" PRIu64 " --ops %lu)\n\n",
			opt.seed, opt.seed, index + 1);
}

/* The first connection whose transcripts differ, or -1. */
static int first_difference(struct side *sides)
{
	unsigned int c;

	for (c = 0; c < nconns; c++)
		if (differs(sides, c))
			return (int)c;
	return -1;
}

static int mismatch(struct side *sides, unsigned long index,
		    const char *request, unsigned int c)
{
	FILE *f;

	print_mismatch(stdout, sides, index, request, c);
	if (opt.report && (f = fopen(opt.report, "a"))) {
		print_mismatch(f, sides, index, request, c);
		fclose(f);
	}
	return 1;
}

/* --- Main loop ------------------------------------------------------------- */

static void after_op(struct side *sides, struct diffgen *g,
		     const struct diff_op *op)
{
	unsigned int i;

	if (g)
		diffgen_result(g, op, sides[0].reply.hdr.type,
			       sides[0].reply.body, sides[0].closed);
	if (op->type == XPV_XS_WATCH && !sides[0].closed &&
	    sides[0].reply.hdr.type == XPV_XS_WATCH)
		watching[op->conn] = true;
	if (!sides[0].closed)
		return;
	watching[op->conn] = false;
	if (op->conn >= DIFF_CONNS) {
		/* Only a bug drops a ring, and both did: nothing more to see. */
		fprintf(stderr, "xs-differential: both daemons dropped the "
				"domU's connection\n");
		exit(1);
	}
	for (i = 0; i < 2; i++) {
		xsc_close(&sides[i].conn[op->conn]);
		connect_side(&sides[i], op->conn);
	}
}

/* The next request: 1, 0 at the end, -errno on a bad script. */
static int next_op(struct diffgen *g, struct script *sc, unsigned long i,
		   struct diff_op *op)
{
	if (sc)
		return script_next(sc, op);
	if (i >= opt.ops)
		return 0;
	diffgen_next(g, op);
	return 1;
}

/*
 * What every connection received for one request: the requesting
 * connection's transcript, then each other one that got something.
 */
static void summarise(const struct side *s, unsigned int conn, struct text *all)
{
	unsigned int c;

	text_clear(all);
	emit(all, "%s", s->out[conn].buf);
	for (c = 0; c < nconns; c++)
		if (c != conn && s->out[c].len)
			emit(all, "  [on conn %u]\n%s", c, s->out[c].buf);
}

static int run(struct side *sides, struct diffgen *g, struct script *sc)
{
	static struct diff_op op;
	static struct text all;
	static char request[5 * XPV_XENSTORE_PAYLOAD_MAX + 256];
	unsigned long i;
	int c, more;

	for (i = 0; (more = next_op(g, sc, i, &op)) > 0; i++) {
		describe(request, sizeof(request), &op);
		run_op(sides, &op, (uint32_t)i);
		c = first_difference(sides);
		if (c >= 0)
			return mismatch(sides, i, request, (unsigned int)c);
		summarise(&sides[0], op.conn, &all);
		if (opt.trace)
			fprintf(opt.trace, "#%lu %s\n%s", i, request, all.buf);
		remember(i, request, all.buf);
		after_op(sides, g, &op);
	}
	if (more < 0)
		return 2;
	if (sc)
		printf("xs-differential: %s: ", opt.script);
	else
		printf("xs-differential: seed %" PRIu64 ": ", opt.seed);
	printf("%s and %s agreed on %lu requests\n", sides[0].name,
	       sides[1].name, i);
	return 0;
}

/* Run the generator's stream or the script. */
static int run_source(struct side *sides)
{
	struct diffgen *g = NULL;
	struct script *sc = NULL;
	int rc;

	if (opt.script)
		sc = script_open(opt.script);
	else
		g = diffgen_new(opt.seed, opt.domids, nconns - DIFF_CONNS);
	if (!sc && !g) {
		perror(opt.script ? opt.script : "xs-differential");
		return 2;
	}
	rc = run(sides, g, sc);
	script_close(sc);
	diffgen_free(g);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xs-differential [--seed S] [--ops N] [--names A,B]\n"
		"       [--report FILE] [--trace FILE] [--sort-dirs]\n"
		"       [--reference A|B|both] [--script FILE] [--domid D[,D]] "
		"[--full]\n"
		"       SOCKET_A[,DOMU_SOCKET_A...] SOCKET_B[,DOMU_SOCKET_B...]\n");
	exit(2);
}

/* "DOM0_SOCKET[,DOMU_SOCKET...]": the number of domU sockets. */
static unsigned int split_sockets(struct side *s, char *arg)
{
	unsigned int n = 0;
	char *comma;

	s->sock = arg;
	while ((comma = strchr(arg, ',')) && n < DIFF_MAX_DOMUS) {
		*comma = '\0';
		arg = comma + 1;
		s->dom_sock[n++] = arg;
	}
	if (comma)
		usage();
	return n;
}

/* "D1[,D2]" */
static void parse_domids(char *arg)
{
	char *end;

	for (opt.ndomids = 0; *arg && opt.ndomids < DIFF_MAX_DOMUS;) {
		opt.domids[opt.ndomids++] = (unsigned int)strtoul(arg, &end, 0);
		if (end == arg || (*end && *end != ','))
			usage();
		arg = *end ? end + 1 : end;
	}
	if (*arg)
		usage();
}

static void parse_names(struct side *sides, char *names)
{
	char *comma = strchr(names, ',');

	if (!comma)
		usage();
	*comma = '\0';
	sides[0].name = names;
	sides[1].name = comma + 1;
}

/* One option; sides for --names and --reference. */
static void parse_option(int o, struct side *sides)
{
	switch (o) {
	case 's':
		opt.seed = strtoull(optarg, NULL, 0);
		break;
	case 'n':
		opt.ops = strtoul(optarg, NULL, 0);
		break;
	case 'N':
		parse_names(sides, optarg);
		break;
	case 'r':
		opt.report = optarg;
		break;
	case 't':
		opt.trace = fopen(optarg, "w");
		if (!opt.trace)
			usage();
		break;
	case 'S':
		opt.sort_dirs = true;
		break;
	case 'f':
		opt.script = optarg;
		break;
	case 'F':
		opt.full = true;
		break;
	case 'd':
		parse_domids(optarg);
		break;
	case 'R':
		sides[0].is_ref = !strcmp(optarg, "A") ||
				  !strcmp(optarg, "both");
		sides[1].is_ref = !strcmp(optarg, "B") ||
				  !strcmp(optarg, "both");
		break;
	default:
		usage();
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", 1, NULL, 's' },      { "ops", 1, NULL, 'n' },
		{ "names", 1, NULL, 'N' },     { "report", 1, NULL, 'r' },
		{ "trace", 1, NULL, 't' },     { "sort-dirs", 0, NULL, 'S' },
		{ "reference", 1, NULL, 'R' }, { "script", 1, NULL, 'f' },
		{ "domid", 1, NULL, 'd' },     { "full", 0, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	static struct side sides[2] = { { .name = "A" }, { .name = "B" } };
	unsigned int i, c, n;
	int o;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		parse_option(o, sides);
	if (argc - optind != 2)
		usage();
	n = split_sockets(&sides[0], argv[optind]);
	if (split_sockets(&sides[1], argv[optind + 1]) != n || n != opt.ndomids)
		usage();
	nconns = DIFF_CONNS + n;
	for (i = 0; i < 2; i++) {
		for (c = 0; c < nconns; c++) {
			emit(&sides[i].out[c], "%s", ""); /* never NULL */
			connect_side(&sides[i], c);
		}
	}
	return run_source(sides);
}
