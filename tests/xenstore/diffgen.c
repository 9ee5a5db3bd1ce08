/*
 * diffgen.c - the seeded request stream of diffgen.h.
 *
 * Paths are drawn mostly from a small tree (/t with children a, b, c three
 * levels deep: 40 nodes), so that writes, removals, directory listings,
 * watches and transactions of different connections keep meeting on the
 * same nodes; the rest are relative paths (under /local/domain/0), other
 * domains' directories, the root, and malformed or overlong paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/xenstore/diffgen.h"

struct conn_model {
	uint32_t open[DIFF_TX_OPEN];
	unsigned int nopen;
	uint32_t stale[DIFF_TX_STALE];
	unsigned int nstale;
	/* Watches set (path and token packed "path\0token\0"), for UNWATCH. */
	char watch[DIFF_WATCHES][64];
	size_t watch_len[DIFF_WATCHES];
	unsigned int nwatch;
};

struct diffgen {
	uint64_t state;
	uint32_t next_handle;
	struct conn_model conn[DIFF_MAX_CONNS];
	unsigned int nconns;
	unsigned int domus[DIFF_MAX_DOMUS]; /* the domUs' ids */
	unsigned int ndomus;
};

/* splitmix64: small, fast, and the same stream on every machine. */
static uint64_t rnd(struct diffgen *g)
{
	uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned int below(struct diffgen *g, unsigned int n)
{
	return (unsigned int)(rnd(g) % n);
}

static bool chance(struct diffgen *g, unsigned int percent)
{
	return below(g, 100) < percent;
}

struct diffgen *diffgen_new(uint64_t seed, const unsigned int *domus,
			    unsigned int ndomus)
{
	struct diffgen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	if (ndomus > DIFF_MAX_DOMUS) {
		free(g);
		errno = EINVAL;
		return NULL;
	}
	g->state = seed;
	g->nconns = DIFF_CONNS + ndomus;
	memcpy(g->domus, domus, ndomus * sizeof(*domus));
	g->ndomus = ndomus;
	g->next_handle = 1;
	return g;
}

static bool is_domu(const struct diffgen *g, unsigned int domid)
{
	unsigned int i;

	for (i = 0; i < g->ndomus; i++)
		if (g->domus[i] == domid)
			return true;
	return false;
}

void diffgen_free(struct diffgen *g)
{
	free(g);
}

/* --- Building payloads ------------------------------------------------ */

static void put(struct diff_op *op, const void *p, size_t n)
{
	if (op->len + n > sizeof(op->payload))
		n = sizeof(op->payload) - op->len;
	memcpy(op->payload + op->len, p, n);
	op->len += n;
}

/* A string and its NUL. */
static void put_str(struct diff_op *op, const char *s)
{
	put(op, s, strlen(s) + 1);
}

/* A path in the small shared tree: /t, /t/a, ..., /t/c/c/c. */
static void tree_path(struct diffgen *g, char *out, size_t size,
		      const char *base)
{
	unsigned int depth = below(g, 4), i;
	size_t n = (size_t)snprintf(out, size, "%s", base);

	for (i = 0; i < depth && n + 2 < size; i++)
		n += (size_t)snprintf(out + n, size - n, "/%c",
				      'a' + below(g, 3));
}

/* A path longer than any daemon accepts, or just at the limit. */
static void long_path(struct diffgen *g, char *out, size_t size)
{
	static const unsigned int lens[] = { 2047, 2048, 2049, 3071,
					     3072, 3073, 4000 };
	unsigned int len = lens[below(g, 7)], i;
	bool relative = chance(g, 30);

	if (len >= size)
		len = (unsigned int)size - 1;
	for (i = 0; i < len; i++)
		out[i] = i % 8 == 0 ? '/' : 'x';
	if (relative)
		out[0] = 'r';
	out[len] = '\0';
}

static const char *const bad_paths[] = {
	"",	"/t/",	   "//t",    "/t//a", "t/", "/t/a b",
	"/t/$", "/t/\x01", "/t/a/.", "@t",    "@",  "/t/\xc3\xa9",
};

/*
 * A child of /big: 40 names of 240 bytes, so that /big grows past
 * what one DIRECTORY reply can hold (E2BIG, then DIRECTORY_PART).
 */
static void big_path(struct diffgen *g, char *out, size_t size)
{
	unsigned int k = below(g, 40), n, i;

	n = (unsigned int)snprintf(out, size, "/big/k%02u-", k);
	for (i = 0; n + 1 < size && i < 240 - 4; i++)
		out[n++] = (char)('a' + (k + i) % 26);
	out[n] = '\0';
}

static void any_path(struct diffgen *g, char *out, size_t size)
{
	unsigned int r = below(g, 100);

	if (r < 8)
		big_path(g, out, size);
	else if (r < 72)
		tree_path(g, out, size, "/t");
	else if (r < 82)
		tree_path(g, out, size, "r");
	else if (r < 87)
		tree_path(g, out, size,
			  (const char *[]){ "/local/domain/0",
					    "/local/domain/1",
					    "/local/domain/7" }[below(g, 3)]);
	else if (r < 90)
		snprintf(out, size, "%s", r & 1 ? "/" : "/local");
	else if (r < 98)
		snprintf(out, size, "%s", bad_paths[below(g, 12)]);
	else
		long_path(g, out, size);
}

/* A value: usually short, sometimes empty, binary, or near the limit. */
static void put_value(struct diffgen *g, struct diff_op *op)
{
	unsigned int r = below(g, 100), len, i;
	size_t room = sizeof(op->payload) - op->len;

	if (r < 10)
		len = 0;
	else if (r < 75)
		len = 1 + below(g, 16);
	else if (r < 93)
		len = 17 + below(g, 200);
	else
		len = (unsigned int)room - below(g, 4);
	if (len > room)
		len = (unsigned int)room;
	for (i = 0; i < len; i++) {
		char c = r < 60 ? (char)('a' + below(g, 26)) :
				  (char)below(g, 256);

		put(op, &c, 1);
	}
}

/* --- Transactions ------------------------------------------------------ */

/* Which transaction a data request runs in. */
static void pick_tx(struct diffgen *g, struct diff_op *op)
{
	struct conn_model *c = &g->conn[op->conn];
	unsigned int r = below(g, 100);

	op->tx_kind = DIFF_TX_NONE;
	op->tx = 0;
	if (c->nopen && r < 55) {
		op->tx_kind = DIFF_TX_HANDLE;
		op->tx = c->open[below(g, c->nopen)];
	} else if (r >= 97 && c->nstale) {
		op->tx_kind = DIFF_TX_HANDLE;
		op->tx = c->stale[below(g, c->nstale)];
	} else if (r >= 96) {
		op->tx_kind = DIFF_TX_LITERAL;
		op->tx = 0x7bad0000u + below(g, 16);
	}
}

static void forget_tx(struct conn_model *c, uint32_t h)
{
	unsigned int i;

	for (i = 0; i < c->nopen; i++) {
		if (c->open[i] != h)
			continue;
		c->open[i] = c->open[--c->nopen];
		if (c->nstale == DIFF_TX_STALE)
			memmove(c->stale, c->stale + 1,
				sizeof(c->stale[0]) * --c->nstale);
		c->stale[c->nstale++] = h;
		return;
	}
}

/* --- Request kinds ------------------------------------------------------ */

static void gen_path_op(struct diffgen *g, struct diff_op *op, uint32_t type)
{
	char path[XPV_XENSTORE_PAYLOAD_MAX];

	op->type = type;
	pick_tx(g, op);
	any_path(g, path, sizeof(path));
	/*
	 * A domU never works on / or /local: removing them is allowed to it
	 * once dom0 granted write there, and deletes the homes of every
	 * domain; Xen's write rate limit then holds that domU's requests
	 * back for seconds.
	 */
	if (op->conn >= DIFF_CONNS &&
	    (!strcmp(path, "/") || !strcmp(path, "/local")))
		snprintf(path, sizeof(path), "r");
	put_str(op, path);
}

static void gen_write(struct diffgen *g, struct diff_op *op)
{
	gen_path_op(g, op, XPV_XS_WRITE);
	put_value(g, op);
}

/* Listings of /big (which only this and big_path() name), whole or in
 * parts, and parts of any other directory. */
static void gen_directory_part(struct diffgen *g, struct diff_op *op)
{
	static const char *const offs[] = { "0",    "1",    "2",    "4",
					    "100",  "2000", "4338", "4820",
					    "4821", "9999", "x",    "" };

	unsigned int r = below(g, 100);

	if (r < 30) {
		op->type = XPV_XS_DIRECTORY;
		pick_tx(g, op);
		put_str(op, "/big");
		return;
	}
	if (r < 70) {
		op->type = XPV_XS_DIRECTORY_PART;
		pick_tx(g, op);
		put_str(op, "/big");
	} else {
		gen_path_op(g, op, XPV_XS_DIRECTORY_PART);
	}
	if (!chance(g, 5))
		put_str(op, offs[below(g, 12)]);
}

/* One permission: n/r/w/b and a domid, sometimes malformed. */
static void put_perm(struct diffgen *g, struct diff_op *op)
{
	static const char *const bad[] = { "x1",	   "r",	  "rabc", "r-1",
					   "r99999999999", "n 1", "" };
	static const unsigned int ids[] = { 0, 1, 2, 5, 7, 32752 };
	unsigned int id = ids[below(g, 6)];
	char p[32];

	if (chance(g, 4)) {
		put_str(op, bad[below(g, 7)]);
		return;
	}
	/* With a domU, mostly the domains that exist (dom0 and it). */
	if (g->ndomus && chance(g, 70))
		id = chance(g, 40) ? 0 : g->domus[below(g, g->ndomus)];
	snprintf(p, sizeof(p), "%c%u", "nrwb"[below(g, 4)], id);
	put_str(op, p);
}

static bool is_special(const char *path)
{
	return !strcmp(path, "@introduceDomain") ||
	       !strcmp(path, "@releaseDomain");
}

static void gen_set_perms(struct diffgen *g, struct diff_op *op)
{
	unsigned int n = below(g, 10) ? 1 + below(g, 4) : 0, i;
	bool at;

	if (chance(g, 3)) {
		op->type = XPV_XS_SET_PERMS;
		put_str(op,
			chance(g, 50) ? "@introduceDomain" : "@releaseDomain");
	} else {
		gen_path_op(g, op, XPV_XS_SET_PERMS);
	}
	at = op->payload[0] == '@';
	/*
	 * With a domU, an @name gets dom0 as owner: Xen checks that the owner
	 * exists before it looks at the name, and the domU must never own a
	 * special node (then the answer to the domU is always EACCES).
	 */
	if (at && g->ndomus) {
		put_str(op, "n0");
		if (chance(g, 50))
			put_str(op, "b1");
	} else {
		for (i = 0; i < n; i++)
			put_perm(g, op);
	}
	/* Debian's xenstored answers an unknown @name, or a special one it
	 * refuses to the caller, with a stale errno, or nothing and aborts
	 * when that is 0. Out of a transaction, where every other check Xen
	 * makes first gives the same answer. */
	if (at && !is_special(op->payload))
		op->ref_bug_expect = "EINVAL";
	else if (at && op->conn >= DIFF_CONNS)
		op->ref_bug_expect = "EACCES";
	if (op->ref_bug_expect) {
		op->tx_kind = DIFF_TX_NONE;
		op->tx = 0;
	}
}

static void watch_args(struct diffgen *g, struct diff_op *op)
{
	static const char *const special[] = { "@introduceDomain",
					       "@releaseDomain", "@other" };
	char path[XPV_XENSTORE_PAYLOAD_MAX];
	char token[8] = { 'A' + below(g, 3), '\0' };

	if (chance(g, 8))
		snprintf(path, sizeof(path), "%s", special[below(g, 3)]);
	else if (chance(g, 70))
		tree_path(g, path, sizeof(path), below(g, 4) ? "/t" : "r");
	else
		any_path(g, path, sizeof(path));
	put_str(op, path);
	if (!chance(g, 3))
		put_str(op, token);
}

static void gen_watch(struct diffgen *g, struct diff_op *op)
{
	op->type = XPV_XS_WATCH;
	watch_args(g, op);
}

/* Mostly a watch that is set, so that unwatching succeeds. */
static void gen_unwatch(struct diffgen *g, struct diff_op *op)
{
	struct conn_model *c = &g->conn[op->conn];

	op->type = XPV_XS_UNWATCH;
	if (c->nwatch && chance(g, 75)) {
		unsigned int i = below(g, c->nwatch);

		put(op, c->watch[i], c->watch_len[i]);
		return;
	}
	watch_args(g, op);
}

static void gen_tx_start(struct diffgen *g, struct diff_op *op)
{
	op->type = XPV_XS_TRANSACTION_START;
	op->new_handle = g->next_handle++;
	/* Now and then nested in a transaction, which Xen refuses. */
	if (chance(g, 5))
		pick_tx(g, op);
	put_str(op, "");
}

static void gen_tx_end(struct diffgen *g, struct diff_op *op)
{
	static const char *const args[] = { "T", "F", "X", "" };
	struct conn_model *c = &g->conn[op->conn];
	unsigned int r = below(g, 100);

	op->type = XPV_XS_TRANSACTION_END;
	pick_tx(g, op);
	if (c->nopen && op->tx_kind == DIFF_TX_NONE && r < 85) {
		op->tx_kind = DIFF_TX_HANDLE;
		op->tx = c->open[below(g, c->nopen)];
	}
	put_str(op, r < 60 ? "T" : r < 95 ? "F" : args[below(g, 4)]);
}

static void gen_domain_op(struct diffgen *g, struct diff_op *op, uint32_t type)
{
	static const char *const ids[] = { "0", "1", "7", "32752", "x", "" };

	const char *id = ids[below(g, 6)];

	/* Releasing a domU would end its connection: not in this test. */
	if (type == XPV_XS_RELEASE && *id && is_domu(g, (unsigned int)atoi(id)))
		id = "7";
	op->type = type;
	put_str(op, id);
}

/*
 * Requests that must fail, whatever the daemon: unknown types, missing
 * arguments, payloads without their NUL, a header length over the limit,
 * the domain-control requests with wrong arguments.
 */
static void gen_bad(struct diffgen *g, struct diff_op *op)
{
	/* The requests whose one argument is a path. */
	static const uint32_t one_arg_types[] = { XPV_XS_READ, XPV_XS_DIRECTORY,
						  XPV_XS_GET_PERMS, XPV_XS_RM,
						  XPV_XS_MKDIR };
	static const uint32_t types[] = { 20,		23,
					  99,		XPV_XS_WATCH_EVENT,
					  XPV_XS_ERROR, 0xffff };
	unsigned int r = below(g, 9);
	char path[64];

	switch (r) {
	case 0:
		op->type = types[below(g, 6)];
		put_str(op, "/t");
		break;
	case 1: /* a path without its NUL */
		op->type = one_arg_types[below(g, 5)];
		tree_path(g, path, sizeof(path), "/t");
		put(op, path, strlen(path));
		/* Debian's xenstored answers the errno left over from an
		 * earlier request, or nothing and aborts when it is 0. */
		op->ref_bug_expect = "EINVAL";
		break;
	case 2: /* a request with no payload at all */
		op->type = (uint32_t[]){ XPV_XS_WRITE, XPV_XS_WATCH,
					 XPV_XS_UNWATCH, XPV_XS_SET_PERMS,
					 XPV_XS_DIRECTORY_PART }[below(g, 5)];
		if (chance(g, 50)) {
			op->type = one_arg_types[below(g, 5)];
			op->ref_bug_expect = "EINVAL";
		}
		break;
	case 3: /* the header claims more than the protocol allows */
		if (op->conn >= DIFF_CONNS) {
			/* A ring cannot be reconnected: a bad type instead. */
			op->type = types[below(g, 6)];
			put_str(op, "/t");
			break;
		}
		op->type = XPV_XS_READ;
		put_str(op, "/t");
		op->hdr_len = XPV_XENSTORE_PAYLOAD_MAX + 1 + below(g, 100);
		return;
	case 4:
		op->type = XPV_XS_INTRODUCE;
		put_str(op, "7");
		if (chance(g, 50))
			put_str(op, "x");
		break;
	case 5:
		gen_domain_op(g, op, XPV_XS_RELEASE);
		break;
	case 6:
		gen_domain_op(g, op, XPV_XS_RESUME);
		break;
	case 7:
		gen_domain_op(g, op, XPV_XS_SET_TARGET);
		break;
	default:
		op->type = XPV_XS_CONTROL;
		put_str(op, chance(g, 50) ? "check" : "no-such-command");
		break;
	}
}

/* The mix of request kinds, in percent. */
void diffgen_next(struct diffgen *g, struct diff_op *op)
{
	unsigned int r = below(g, 100);

	memset(op, 0, offsetof(struct diff_op, payload));
	op->conn = below(g, g->nconns);
	if (r < 24)
		gen_write(g, op);
	else if (r < 38)
		gen_path_op(g, op, XPV_XS_READ);
	else if (r < 44)
		gen_path_op(g, op, XPV_XS_MKDIR);
	else if (r < 52)
		gen_path_op(g, op, XPV_XS_RM);
	else if (r < 60)
		gen_path_op(g, op, XPV_XS_DIRECTORY);
	else if (r < 64)
		gen_directory_part(g, op);
	else if (r < 68)
		gen_path_op(g, op, XPV_XS_GET_PERMS);
	else if (r < 73)
		gen_set_perms(g, op);
	else if (r < 78)
		gen_watch(g, op);
	else if (r < 81)
		gen_unwatch(g, op);
	else if (r < 87 && g->conn[op->conn].nopen < DIFF_TX_OPEN)
		gen_tx_start(g, op);
	else if (r < 87)
		gen_tx_end(g, op);
	else if (r < 93)
		gen_tx_end(g, op);
	else if (r < 94)
		gen_domain_op(g, op, XPV_XS_GET_DOMAIN_PATH);
	else if (r < 95)
		gen_domain_op(g, op, XPV_XS_IS_DOMAIN_INTRODUCED);
	else if (r < 96) {
		op->type = XPV_XS_RESET_WATCHES;
	} else {
		gen_bad(g, op);
	}
	/* Only a lie (gen_bad) set it already. */
	if (!op->hdr_len)
		op->hdr_len = (uint32_t)op->len;
}

/* --- Feedback ------------------------------------------------------------ */

static void reset_conn(struct conn_model *c)
{
	while (c->nopen)
		forget_tx(c, c->open[0]);
	c->nwatch = 0;
}

static void note_watch(struct conn_model *c, const struct diff_op *op)
{
	if (op->len > sizeof(c->watch[0]))
		return;
	if (c->nwatch == DIFF_WATCHES)
		c->nwatch--;
	memcpy(c->watch[c->nwatch], op->payload, op->len);
	c->watch_len[c->nwatch++] = op->len;
}

static void drop_watch(struct conn_model *c, const struct diff_op *op)
{
	unsigned int i;

	for (i = 0; i < c->nwatch; i++) {
		if (c->watch_len[i] != op->len ||
		    memcmp(c->watch[i], op->payload, op->len))
			continue;
		c->nwatch--;
		memcpy(c->watch[i], c->watch[c->nwatch],
		       c->watch_len[c->nwatch]);
		c->watch_len[i] = c->watch_len[c->nwatch];
		return;
	}
}

static bool is_error(uint32_t type, const char *body, const char *name)
{
	return type == XPV_XS_ERROR && (!name || !strcmp(body, name));
}

void diffgen_result(struct diffgen *g, const struct diff_op *op,
		    uint32_t reply_type, const char *body, bool closed)
{
	struct conn_model *c = &g->conn[op->conn];
	bool ok = !closed && reply_type == op->type;

	if (closed) {
		reset_conn(c);
		return;
	}
	switch (op->type) {
	case XPV_XS_TRANSACTION_START:
		if (ok && c->nopen < DIFF_TX_OPEN)
			c->open[c->nopen++] = op->new_handle;
		break;
	case XPV_XS_TRANSACTION_END:
		/* Xen ends the transaction unless the argument or the id was
		 * wrong. */
		if (op->tx_kind == DIFF_TX_HANDLE &&
		    !is_error(reply_type, body, "EINVAL") &&
		    !is_error(reply_type, body, "ENOENT"))
			forget_tx(c, op->tx);
		break;
	case XPV_XS_WATCH:
		if (ok)
			note_watch(c, op);
		break;
	case XPV_XS_UNWATCH:
		if (ok)
			drop_watch(c, op);
		break;
	case XPV_XS_RESET_WATCHES:
		/* It ends the connection's transactions too (xenstore.txt). */
		if (ok)
			reset_conn(c);
		break;
	}
}
