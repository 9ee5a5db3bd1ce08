/*
 * test-xenstored.c - the daemon's core driven in-process, request by
 * request, through an in-memory transport: path syntax, permissions
 * (connections of unprivileged domains), transactions and their conflict
 * rules, watches, quotas, errors. Each named case states what Xen does
 * and asserts our exact reply bytes. Each case starts from a fresh store
 * (the fuzz targets' harness), so no case depends on another.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring/xs_wire.h"
#include "tests/lib/check.h"
#include "xenstored/conn.h"
#include "xenstored/conn_int.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/node_int.h"
#include "xenstored/perms.h"
#include "xenstored/path.h"
#include "xenstored/quota.h"
#include "xenstored/store.h"
#include "xenstored/watch.h"

#define HDR sizeof(struct xpv_xsd_sockmsg)

/* An in-memory transport: requests in, replies out. */
struct mem {
	char in[16384];
	size_t inlen, inoff;
	char out[65536];
	size_t outlen, outoff;
	struct conn *c;
	bool closed;
	bool full; /* writes refused: a peer not reading */
};

static ssize_t mem_read(void *priv, void *buf, size_t len)
{
	struct mem *m = priv;
	size_t n = m->inlen - m->inoff;

	if (!n)
		return -EAGAIN;
	if (n > len)
		n = len;
	memcpy(buf, m->in + m->inoff, n);
	m->inoff += n;
	return n;
}

static ssize_t mem_write(void *priv, const void *buf, size_t len)
{
	struct mem *m = priv;

	if (m->full)
		return -EAGAIN;
	if (len > sizeof(m->out) - m->outlen)
		len = sizeof(m->out) - m->outlen;
	memcpy(m->out + m->outlen, buf, len);
	m->outlen += len;
	return len;
}

static void mem_close(void *priv)
{
	struct mem *m = priv;

	m->closed = true;
	m->c = NULL;
}

static const struct conn_transport mem_transport = {
	.name = "mem",
	.read = mem_read,
	.write = mem_write,
	.close = mem_close,
	.is_domain = true,
};

/* Fault injection: while realloc_fails is set every realloc fails (this
 * program is linked with -Wl,--wrap=realloc, the core's calls included). */
static bool realloc_fails;
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	if (realloc_fails) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

static struct mem *open_conn(unsigned int domid)
{
	struct mem *m = calloc(1, sizeof(*m));

	m->c = conn_new(&mem_transport, m, domid);
	return m;
}

static void close_conn(struct mem *m)
{
	if (m->c)
		conn_destroy(m->c);
	free(m);
}

/* Send one request: payload of len bytes (strings joined by NULs). */
static void send_raw(struct mem *m, uint32_t type, uint32_t tx, const void *p,
		     uint32_t len, uint32_t hdr_len)
{
	struct xpv_xsd_sockmsg h = { type, 7, tx, hdr_len };

	m->inlen = m->inoff = 0;
	memcpy(m->in, &h, HDR);
	memcpy(m->in + HDR, p, len);
	m->inlen = HDR + len;
	conn_input_ready(m->c);
}

static void req(struct mem *m, uint32_t type, uint32_t tx, const void *p,
		uint32_t len)
{
	send_raw(m, type, tx, p, len, len);
}

/* Pop the next message; false if none. */
static bool next(struct mem *m, struct xpv_xsd_sockmsg *h, char *body)
{
	if (m->outlen - m->outoff < HDR)
		return false;
	memcpy(h, m->out + m->outoff, HDR);
	memcpy(body, m->out + m->outoff + HDR, h->len);
	m->outoff += HDR + h->len;
	if (m->outoff == m->outlen)
		m->outoff = m->outlen = 0;
	return true;
}

static void expect(struct mem *m, uint32_t type, const void *p, uint32_t len)
{
	struct xpv_xsd_sockmsg h;
	char body[8192];

	if (!check_quiet(next(m, &h, body), "expected %s \"%.*s\", got nothing",
			 xpv_xsd_type_name(type), (int)len, (const char *)p))
		return;
	check_quiet(h.type == type && h.len == len && !memcmp(body, p, len),
		    "expected %s \"%.*s\" (%u bytes), got %s \"%.*s\" (%u)",
		    xpv_xsd_type_name(type), (int)len, (const char *)p, len,
		    xpv_xsd_type_name(h.type), (int)h.len, body, h.len);
}

/* A DIRECTORY_PART reply: a generation, then tail. */
static void expect_part(struct mem *m, const char *tail, uint32_t len)
{
	struct xpv_xsd_sockmsg h;
	char body[8192];
	size_t gl;

	if (!check_quiet(next(m, &h, body) && h.type == XPV_XS_DIRECTORY_PART,
			 "expected DIRECTORY_PART"))
		return;
	gl = strnlen(body, h.len) + 1;
	check_quiet(gl <= h.len && h.len - gl == len &&
			    !memcmp(body + gl, tail, len),
		    "DIRECTORY_PART reply \"%.*s\"", (int)h.len, body);
}

static void expect_none(struct mem *m)
{
	struct xpv_xsd_sockmsg h;
	char body[8192];

	if (next(m, &h, body))
		check_quiet(false, "unexpected %s \"%.*s\"",
			    xpv_xsd_type_name(h.type), (int)h.len, body);
}

/* Short forms: strings with \0 inside, length by sizeof. */
#define REQ(m, type, tx, lit) req(m, type, tx, lit, sizeof(lit) - 1)
#define REPLY(m, type, lit) expect(m, type, lit, sizeof(lit) - 1)
#define OK(m, type) REPLY(m, type, "OK\0")
#define ERR(m, name) REPLY(m, XPV_XS_ERROR, name "\0")

static uint32_t start_tx(struct mem *m)
{
	struct xpv_xsd_sockmsg h;
	char body[64];

	REQ(m, XPV_XS_TRANSACTION_START, 0, "\0");
	if (!check_quiet(next(m, &h, body) &&
				 h.type == XPV_XS_TRANSACTION_START,
			 "no transaction"))
		return 0;
	return atoi(body);
}

/* Count the replies queued on m (and drop them). */
static unsigned int count_replies(struct mem *m)
{
	struct xpv_xsd_sockmsg h;
	char body[8192];
	unsigned int n = 0;

	while (next(m, &h, body))
		n++;
	return n;
}

/* --- cases ----------------------------------------------------------- */

static void t_paths(void)
{
	static const struct {
		const char *p;
		bool ok;
	} cases[] = {
		{ "/", true },
		{ "/a", true },
		{ "/a/b-c_d@e", true },
		{ "a", false },
		{ "/a/", false },
		{ "//a", false },
		{ "/a//b", false },
		{ "/a b", false },
		{ "/a.b", false },
		{ "", false },
		{ "@introduceDomain", false },
	};
	char longp[3000];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_quiet(path_valid(cases[i].p) == cases[i].ok,
			    "path_valid(\"%s\") != %d", cases[i].p,
			    cases[i].ok);
	/* 2048 characters after /local/domain/<id>/ are allowed, not more. */
	strcpy(longp, "/local/domain/5/");
	memset(longp + 16, 'x', 2048);
	longp[16 + 2048] = '\0';
	check_quiet(path_valid(longp),
		    "a 2048-character relative part must be valid");
	strcat(longp, "x");
	check_quiet(!path_valid(longp),
		    "a 2049-character relative part must be invalid");
}

static void t_basic(void)
{
	struct mem *m = open_conn(0);

	REQ(m, XPV_XS_WRITE, 0, "/b/x\0v1");
	OK(m, XPV_XS_WRITE);
	REQ(m, XPV_XS_READ, 0, "/b/x\0");
	REPLY(m, XPV_XS_READ, "v1");
	/* The intermediate node exists, empty. */
	REQ(m, XPV_XS_READ, 0, "/b\0");
	REPLY(m, XPV_XS_READ, "");
	REQ(m, XPV_XS_WRITE, 0, "/b/a\0");
	OK(m, XPV_XS_WRITE);
	/* Children in creation order, as Xen lists them. */
	REQ(m, XPV_XS_DIRECTORY, 0, "/b\0");
	REPLY(m, XPV_XS_DIRECTORY, "x\0a\0");
	/* DIRECTORY of a leaf: an empty list. */
	REQ(m, XPV_XS_DIRECTORY, 0, "/b/x\0");
	REPLY(m, XPV_XS_DIRECTORY, "");
	REQ(m, XPV_XS_MKDIR, 0, "/b/x\0");
	OK(m, XPV_XS_MKDIR);
	REQ(m, XPV_XS_READ, 0, "/b/x\0");
	REPLY(m, XPV_XS_READ, "v1");
	REQ(m, XPV_XS_READ, 0, "/nope\0");
	ERR(m, "ENOENT");
	REQ(m, XPV_XS_READ, 0, "/b/\0");
	ERR(m, "EINVAL");
	REQ(m, XPV_XS_READ, 0, "/b\0junk");
	ERR(m, "EINVAL");
	/* Relative paths: under /local/domain/0 for dom0. */
	REQ(m, XPV_XS_WRITE, 0, "rel\0r");
	OK(m, XPV_XS_WRITE);
	REQ(m, XPV_XS_READ, 0, "/local/domain/0/rel\0");
	REPLY(m, XPV_XS_READ, "r");
	REQ(m, XPV_XS_RM, 0, "/b\0");
	OK(m, XPV_XS_RM);
	REQ(m, XPV_XS_READ, 0, "/b/x\0");
	ERR(m, "ENOENT");
	/* Removing a missing node is fine if its parent exists. */
	REQ(m, XPV_XS_RM, 0, "/b\0");
	OK(m, XPV_XS_RM);
	REQ(m, XPV_XS_RM, 0, "/b/c\0");
	ERR(m, "ENOENT");
	REQ(m, XPV_XS_RM, 0, "/\0");
	ERR(m, "EINVAL");
	REQ(m, XPV_XS_GET_DOMAIN_PATH, 0, "7\0");
	REPLY(m, XPV_XS_GET_DOMAIN_PATH, "/local/domain/7\0");
	REQ(m, 20, 0, "\0");
	ERR(m, "ENOSYS");
	REQ(m, 99, 0, "\0");
	ERR(m, "ENOSYS");
	REQ(m, XPV_XS_READ, 42, "/tool\0");
	ERR(m, "ENOENT");
	expect_none(m);
	close_conn(m);
}

/* /local/domain/5 owned by domain 5, as a toolstack sets it up. */
static void make_home(struct mem *d0, unsigned int domid)
{
	char buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "/local/domain/%u", domid) + 1;
	req(d0, XPV_XS_MKDIR, 0, buf, n);
	OK(d0, XPV_XS_MKDIR);
	n += snprintf(buf + n, sizeof(buf) - n, "n%u", domid) + 1;
	req(d0, XPV_XS_SET_PERMS, 0, buf, n);
	OK(d0, XPV_XS_SET_PERMS);
}

static void t_perms(void)
{
	struct mem *d0 = open_conn(0), *g5 = open_conn(5), *g6 = open_conn(6);

	make_home(d0, 5);
	make_home(d0, 6);
	/* A guest writes under its home; it owns what it creates. */
	REQ(g5, XPV_XS_WRITE, 0, "data/x\0hello");
	OK(g5, XPV_XS_WRITE);
	REQ(g5, XPV_XS_GET_PERMS, 0, "data/x\0");
	REPLY(g5, XPV_XS_GET_PERMS, "n5\0");
	/* Another guest may not read it, nor learn whether a node exists. */
	REQ(g6, XPV_XS_READ, 0, "/local/domain/5/data/x\0");
	ERR(g6, "EACCES");
	REQ(g6, XPV_XS_READ, 0, "/local/domain/5/none\0");
	ERR(g6, "EACCES");
	REQ(g6, XPV_XS_WRITE, 0, "/local/domain/5/data/y\0v");
	ERR(g6, "EACCES");
	/* dom0 reads everything. */
	REQ(d0, XPV_XS_READ, 0, "/local/domain/5/data/x\0");
	REPLY(d0, XPV_XS_READ, "hello");
	/* Give 6 read access: the default for others stays none. */
	REQ(g5, XPV_XS_SET_PERMS, 0, "data/x\0n5\0r6\0");
	OK(g5, XPV_XS_SET_PERMS);
	REQ(g6, XPV_XS_READ, 0, "/local/domain/5/data/x\0");
	REPLY(g6, XPV_XS_READ, "hello");
	REQ(g6, XPV_XS_WRITE, 0, "/local/domain/5/data/x\0v");
	ERR(g6, "EACCES");
	/* An unprivileged owner cannot give a node away. */
	REQ(g5, XPV_XS_SET_PERMS, 0, "data/x\0n6\0");
	ERR(g5, "EPERM");
	/* Bad permission strings. */
	REQ(d0, XPV_XS_SET_PERMS, 0, "/local/domain/5\0x5\0");
	ERR(d0, "EINVAL");
	REQ(d0, XPV_XS_SET_PERMS, 0, "/local/domain/5\0");
	ERR(d0, "EINVAL");
	/* Privileged operations. */
	REQ(g5, XPV_XS_CONTROL, 0, "help\0");
	ERR(g5, "EACCES");
	REQ(g5, XPV_XS_INTRODUCE, 0, "9\0001\0002\0");
	ERR(g5, "EACCES");
	/* A relative path of a guest is under its own home. */
	REQ(g6, XPV_XS_READ, 0, "data/x\0");
	ERR(g6, "ENOENT");
	expect_none(g5);
	expect_none(g6);
	close_conn(g5);
	close_conn(g6);
	REQ(d0, XPV_XS_RM, 0, "/local/domain/5\0");
	OK(d0, XPV_XS_RM);
	REQ(d0, XPV_XS_RM, 0, "/local/domain/6\0");
	OK(d0, XPV_XS_RM);
	close_conn(d0);
}

static void t_watches(void)
{
	struct mem *d0 = open_conn(0), *w = open_conn(0), *g5 = open_conn(5);

	REQ(w, XPV_XS_WATCH, 0, "/w\0tok\0");
	OK(w, XPV_XS_WATCH);
	/* The initial event. */
	REPLY(w, XPV_XS_WATCH_EVENT, "/w\0tok\0");
	REQ(w, XPV_XS_WATCH, 0, "/w\0tok\0");
	ERR(w, "EEXIST");
	REQ(d0, XPV_XS_WRITE, 0, "/w/a/b\0x");
	OK(d0, XPV_XS_WRITE);
	REPLY(w, XPV_XS_WATCH_EVENT, "/w/a/b\0tok\0");
	/* Removal fires the removed node and, exactly, the ones below. */
	REQ(w, XPV_XS_WATCH, 0, "/w/a/b\0deep\0");
	OK(w, XPV_XS_WATCH);
	REPLY(w, XPV_XS_WATCH_EVENT, "/w/a/b\0deep\0");
	REQ(d0, XPV_XS_RM, 0, "/w/a\0");
	OK(d0, XPV_XS_RM);
	REPLY(w, XPV_XS_WATCH_EVENT, "/w/a/b\0deep\0");
	REPLY(w, XPV_XS_WATCH_EVENT, "/w/a\0tok\0");
	expect_none(w);
	REQ(w, XPV_XS_UNWATCH, 0, "/w/a/b\0deep\0");
	OK(w, XPV_XS_UNWATCH);
	REQ(w, XPV_XS_UNWATCH, 0, "/w/a/b\0deep\0");
	ERR(w, "ENOENT");
	/* A guest's relative watch gets relative paths; it sees only what
	 * it may read. */
	make_home(d0, 5);
	REQ(g5, XPV_XS_WATCH, 0, "dev\0t5\0");
	OK(g5, XPV_XS_WATCH);
	REPLY(g5, XPV_XS_WATCH_EVENT, "dev\0t5\0");
	REQ(d0, XPV_XS_WRITE, 0, "/local/domain/5/dev/x\0y");
	OK(d0, XPV_XS_WRITE);
	REPLY(g5, XPV_XS_WATCH_EVENT, "dev/x\0t5\0");
	REQ(g5, XPV_XS_WATCH, 0, "/w\0t\0");
	OK(g5, XPV_XS_WATCH);
	REPLY(g5, XPV_XS_WATCH_EVENT, "/w\0t\0");
	REQ(d0, XPV_XS_WRITE, 0, "/w/secret\0s");
	OK(d0, XPV_XS_WRITE);
	REPLY(w, XPV_XS_WATCH_EVENT, "/w/secret\0tok\0");
	expect_none(g5);
	/* Special watches: only privileged connections by default. */
	REQ(w, XPV_XS_WATCH, 0, "@releaseDomain\0r\0");
	OK(w, XPV_XS_WATCH);
	REPLY(w, XPV_XS_WATCH_EVENT, "@releaseDomain\0r\0");
	REQ(g5, XPV_XS_WATCH, 0, "@releaseDomain\0r\0");
	OK(g5, XPV_XS_WATCH);
	REPLY(g5, XPV_XS_WATCH_EVENT, "@releaseDomain\0r\0");
	/* A watch on "/" does not get special events. */
	REQ(w, XPV_XS_WATCH, 0, "/\0root\0");
	OK(w, XPV_XS_WATCH);
	REPLY(w, XPV_XS_WATCH_EVENT, "/\0root\0");
	watch_fire_special(XS_SPECIAL_RELEASE);
	REPLY(w, XPV_XS_WATCH_EVENT, "@releaseDomain\0r\0");
	expect_none(w);
	expect_none(g5);
	REQ(w, XPV_XS_RESET_WATCHES, 0, "");
	OK(w, XPV_XS_RESET_WATCHES);
	REQ(d0, XPV_XS_WRITE, 0, "/w/z\0z");
	OK(d0, XPV_XS_WRITE);
	expect_none(w);
	/* g5 may read neither /w nor its parent: no event. */
	REQ(d0, XPV_XS_RM, 0, "/w\0");
	OK(d0, XPV_XS_RM);
	expect_none(g5);
	close_conn(g5);
	REQ(d0, XPV_XS_RM, 0, "/local/domain/5\0");
	OK(d0, XPV_XS_RM);
	close_conn(w);
	close_conn(d0);
}

static void t_transactions(void)
{
	struct mem *a = open_conn(0), *b = open_conn(0);
	uint32_t t;

	REQ(a, XPV_XS_WRITE, 0,
	    "/t/x\0"
	    "1");
	OK(a, XPV_XS_WRITE);
	/* Isolation: a transaction's write is invisible until commit. */
	t = start_tx(a);
	REQ(a, XPV_XS_WRITE, t,
	    "/t/y\0"
	    "2");
	OK(a, XPV_XS_WRITE);
	REQ(a, XPV_XS_READ, t, "/t/y\0");
	REPLY(a, XPV_XS_READ, "2");
	REQ(b, XPV_XS_READ, 0, "/t/y\0");
	ERR(b, "ENOENT");
	REQ(a, XPV_XS_DIRECTORY, t, "/t\0");
	REPLY(a, XPV_XS_DIRECTORY, "x\0y\0");
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	OK(a, XPV_XS_TRANSACTION_END);
	REQ(b, XPV_XS_READ, 0, "/t/y\0");
	REPLY(b, XPV_XS_READ, "2");
	/* Conflict: a node read in the transaction changed -> EAGAIN, and
	 * nothing of the transaction is applied. */
	t = start_tx(a);
	REQ(a, XPV_XS_READ, t, "/t/x\0");
	REPLY(a, XPV_XS_READ, "1");
	REQ(b, XPV_XS_WRITE, 0,
	    "/t/x\0"
	    "b");
	OK(b, XPV_XS_WRITE);
	REQ(a, XPV_XS_WRITE, t,
	    "/t/z\0"
	    "3");
	OK(a, XPV_XS_WRITE);
	/* The snapshot: still the old value inside. */
	REQ(a, XPV_XS_READ, t, "/t/x\0");
	REPLY(a, XPV_XS_READ, "1");
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	ERR(a, "EAGAIN");
	REQ(b, XPV_XS_READ, 0, "/t/z\0");
	ERR(b, "ENOENT");
	/* A node that did not exist when read, created meanwhile. */
	t = start_tx(a);
	REQ(a, XPV_XS_READ, t, "/t/new\0");
	ERR(a, "ENOENT");
	REQ(b, XPV_XS_WRITE, 0, "/t/new\0n");
	OK(b, XPV_XS_WRITE);
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	ERR(a, "EAGAIN");
	/* Unrelated changes do not conflict. */
	t = start_tx(a);
	REQ(a, XPV_XS_READ, t, "/t/x\0");
	REPLY(a, XPV_XS_READ, "b");
	REQ(b, XPV_XS_WRITE, 0, "/t/other\0o");
	OK(b, XPV_XS_WRITE);
	REQ(a, XPV_XS_WRITE, t,
	    "/t/x\0"
	    "c");
	OK(a, XPV_XS_WRITE);
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	OK(a, XPV_XS_TRANSACTION_END);
	/* Abort discards; an ended id is unknown; bad end argument. */
	t = start_tx(a);
	REQ(a, XPV_XS_WRITE, t, "/t/gone\0g");
	OK(a, XPV_XS_WRITE);
	REQ(a, XPV_XS_TRANSACTION_END, t, "X\0");
	ERR(a, "EINVAL");
	REQ(a, XPV_XS_TRANSACTION_END, t, "F\0");
	OK(a, XPV_XS_TRANSACTION_END);
	REQ(a, XPV_XS_READ, 0, "/t/gone\0");
	ERR(a, "ENOENT");
	REQ(a, XPV_XS_READ, t, "/t/x\0");
	ERR(a, "ENOENT");
	/* A transaction id belongs to its connection. */
	t = start_tx(a);
	REQ(b, XPV_XS_READ, t + 100, "/t/x\0");
	ERR(b, "ENOENT");
	REQ(a, XPV_XS_TRANSACTION_START, t, "\0");
	ERR(a, "EBUSY");
	REQ(a, XPV_XS_TRANSACTION_END, t, "F\0");
	OK(a, XPV_XS_TRANSACTION_END);
	REQ(a, XPV_XS_RM, 0, "/t\0");
	OK(a, XPV_XS_RM);
	expect_none(a);
	expect_none(b);
	close_conn(a);
	close_conn(b);
}

static void t_tx_watch(void)
{
	struct mem *a = open_conn(0), *w = open_conn(0);
	uint32_t t;

	REQ(w, XPV_XS_WATCH, 0, "/tw\0k\0");
	OK(w, XPV_XS_WATCH);
	REPLY(w, XPV_XS_WATCH_EVENT, "/tw\0k\0");
	t = start_tx(a);
	REQ(a, XPV_XS_WRITE, t,
	    "/tw/a\0"
	    "1");
	OK(a, XPV_XS_WRITE);
	expect_none(w);
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	OK(a, XPV_XS_TRANSACTION_END);
	REPLY(w, XPV_XS_WATCH_EVENT, "/tw/a\0k\0");
	/* A node created and removed in one transaction: no event at all,
	 * not even for a privileged watcher (Xen's watch_permitted()). */
	t = start_tx(a);
	REQ(a, XPV_XS_WRITE, t,
	    "/tw/tmp\0"
	    "1");
	OK(a, XPV_XS_WRITE);
	REQ(a, XPV_XS_RM, t, "/tw/tmp\0");
	OK(a, XPV_XS_RM);
	REQ(a, XPV_XS_TRANSACTION_END, t, "T\0");
	OK(a, XPV_XS_TRANSACTION_END);
	expect_none(w);
	/* Nodes below a removed one fire only watches exactly on them. */
	REQ(a, XPV_XS_RM, 0, "/tw\0");
	OK(a, XPV_XS_RM);
	REPLY(w, XPV_XS_WATCH_EVENT, "/tw\0k\0");
	expect_none(w);
	close_conn(a);
	close_conn(w);
}

static void t_quotas(void)
{
	struct mem *d0 = open_conn(0), *g = open_conn(7);
	char big[2100 + 16];
	int saved = quota.nb_entry_per_domain, i;
	uint32_t t[16];

	make_home(d0, 7);
	/* The home node is owned by 7: one entry already. */
	quota.nb_entry_per_domain = 3;
	REQ(g, XPV_XS_WRITE, 0,
	    "a\0"
	    "1");
	OK(g, XPV_XS_WRITE);
	REQ(g, XPV_XS_WRITE, 0,
	    "b\0"
	    "1");
	OK(g, XPV_XS_WRITE);
	REQ(g, XPV_XS_WRITE, 0,
	    "c\0"
	    "1");
	ERR(g, "ENOSPC");
	/* Rewriting an existing node needs no new entry. */
	REQ(g, XPV_XS_WRITE, 0,
	    "a\0"
	    "2");
	OK(g, XPV_XS_WRITE);
	/* dom0 is exempt. */
	REQ(d0, XPV_XS_WRITE, 0, "/local/domain/7/d0\0x");
	OK(d0, XPV_XS_WRITE);
	quota.nb_entry_per_domain = saved;
	/* Entry size: 2048 bytes for a node's record. */
	memcpy(big, "a\0", 2);
	memset(big + 2, 'v', 2100);
	req(g, XPV_XS_WRITE, 0, big, 2102);
	ERR(g, "ENOSPC");
	req(d0, XPV_XS_WRITE, 0, "/local/domain/7/big\0vvvv", 24);
	OK(d0, XPV_XS_WRITE);
	/* A write refused by a quota inside a transaction spoils it: the
	 * commit fails (ENOMEM, as Xen's failed transaction). */
	t[0] = start_tx(g);
	req(g, XPV_XS_WRITE, t[0], big, 2102);
	ERR(g, "ENOSPC");
	req(g, XPV_XS_TRANSACTION_END, t[0], "T", 2);
	ERR(g, "ENOMEM");
	/* Permissions per node: 5. */
	REQ(g, XPV_XS_SET_PERMS, 0, "a\0n7\0r1\0r2\0r3\0r4\0r5\0");
	ERR(g, "ENOSPC");
	/* Transactions: 10, and Xen lets one more through. */
	for (i = 0; i < 11; i++)
		t[i] = start_tx(g);
	REQ(g, XPV_XS_TRANSACTION_START, 0, "\0");
	ERR(g, "ENOSPC");
	for (i = 0; i < 11; i++) {
		req(g, XPV_XS_TRANSACTION_END, t[i], "F", 2);
		OK(g, XPV_XS_TRANSACTION_END);
	}
	/* Watches: 128, again one more allowed. */
	saved = quota.nb_watch_per_domain;
	quota.nb_watch_per_domain = 2;
	for (i = 0; i < 3; i++) {
		char w[32];
		int n = snprintf(w, sizeof(w), "a%c", 'x' + i) + 1;

		n += snprintf(w + n, sizeof(w) - n, "t") + 1;
		req(g, XPV_XS_WATCH, 0, w, n);
		OK(g, XPV_XS_WATCH);
		next(g, &(struct xpv_xsd_sockmsg){ 0 }, big);
	}
	REQ(g, XPV_XS_WATCH, 0, "a\0t\0");
	ERR(g, "E2BIG");
	quota.nb_watch_per_domain = saved;
	/* Memory: the nodes a domain owns, records and paths. */
	saved = quota.memory_per_domain;
	quota.memory_per_domain = 1000;
	memcpy(big, "a\0", 2);
	memset(big + 2, 'm', 1500);
	req(g, XPV_XS_WRITE, 0, big, 2 + 900);
	ERR(g, "ENOMEM");
	req(g, XPV_XS_WRITE, 0, big, 2 + 100);
	OK(g, XPV_XS_WRITE);
	/* Events a domain does not read stop at its memory quota. */
	REQ(g, XPV_XS_WATCH, 0, "/local/domain/7/ev\0e\0");
	OK(g, XPV_XS_WATCH);
	next(g, &(struct xpv_xsd_sockmsg){ 0 }, big);
	g->full = true;
	for (i = 0; i < 200; i++) {
		req(d0, XPV_XS_WRITE, 0, "/local/domain/7/ev\0x", 21);
		OK(d0, XPV_XS_WRITE);
	}
	check_quiet(g->c->olen - g->c->ooff <= 1000,
		    "%zu bytes of events held for a domain over its quota",
		    g->c->olen - g->c->ooff);
	g->full = false;
	conn_output_ready(g->c);
	check_quiet(count_replies(g) != 0,
		    "no events delivered once the domain reads again");
	quota.memory_per_domain = saved;
	expect_none(g);
	close_conn(g);
	REQ(d0, XPV_XS_RM, 0, "/local/domain/7\0");
	OK(d0, XPV_XS_RM);
	close_conn(d0);
}

/* One request in tx; its reply's type (body in out, NUL-terminated). */
static uint32_t ask(struct mem *m, uint32_t type, uint32_t tx, const void *p,
		    uint32_t len, char *out)
{
	struct xpv_xsd_sockmsg h;

	req(m, type, tx, p, len);
	if (!next(m, &h, out))
		return 0;
	out[h.len] = '\0';
	return h.type;
}

/* The heap malloc has handed out; 0 where malloc is not glibc's (the
 * sanitizers' allocator leaves glibc's arena unused). */
static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

/* "memory" of CONTROL "quota DOMID": the daemon's own accounting as a
 * dom0 tool sees it. */
static long control_memory(struct mem *d0, unsigned int domid)
{
	char arg[32], out[8192], *line;
	int n = snprintf(arg, sizeof(arg), "quota%c%u", '\0', domid) + 1;

	if (ask(d0, XPV_XS_CONTROL, 0, arg, n, out) != XPV_XS_CONTROL)
		return -1;
	line = strstr(out, "memory");
	return line ? strtol(line + strcspn(line, "0123456789"), NULL, 10) : -1;
}

/*
 * A domain's transactions count against its memory quota (the hostile
 * guest review's F3: 11 transactions reading every node of the guest
 * each kept a private copy per read, ~11 times the quota, uncounted).
 * Here a domain with 200 nodes of 1.9 KB opens the most transactions it
 * may and reads every node in each: past its quota a read gets ENOMEM
 * (and that transaction's commit too); what the daemon holds for it (its
 * accounting, CONTROL "quota", and the heap) stays under the quota; then
 * a transaction creating nodes is refused with ENOMEM the same way.
 * Ending the transactions gives every byte back.
 */
static void t_tx_memory(void)
{
	struct mem *d0 = open_conn(0), *g = open_conn(7);
	static char msg[64 + 1900], out[8192];
	unsigned int i, k, nodes = 200, ok = 0, refused = 0;
	uint32_t t[12], type;
	size_t heap0, heap1, heap_nodes;
	long base, held, quota_bytes = quota.memory_per_domain;
	int n;

	make_home(d0, 7);
	heap0 = heap_in_use();
	for (i = 0; i < nodes; i++) {
		n = snprintf(msg, 64, "data/b%u", i) + 1;
		memset(msg + n, 'M', 1900);
		type = ask(g, XPV_XS_WRITE, 0, msg, n + 1900, out);
		if (!check_quiet(type == XPV_XS_WRITE, "write %u: %s", i, out))
			return;
	}
	base = quota_memory(7);
	heap1 = heap_in_use();
	heap_nodes = heap1 - heap0;
	check_quiet(base > 200 * 1900 && base < quota_bytes / 2,
		    "200 nodes of 1.9 KB count %ld bytes", base);
	/* The most transactions: the quota, and one more (Xen's ">"). */
	for (k = 0; k <= (unsigned int)quota.max_transaction; k++)
		t[k] = start_tx(g);
	for (k = 0; k <= (unsigned int)quota.max_transaction; k++) {
		for (i = 0; i < nodes; i++) {
			n = snprintf(msg, 64, "data/b%u", i) + 1;
			type = ask(g, XPV_XS_READ, t[k], msg, n, out);
			if (type == XPV_XS_READ)
				ok++;
			else if (type == XPV_XS_ERROR && !strcmp(out, "ENOMEM"))
				refused++;
			else
				check_quiet(false, "tx %u read %u: %s", k, i,
					    out);
		}
	}
	held = quota_memory(7);
	check_quiet(ok > nodes && refused > 0,
		    "%u reads answered, %u refused: the quota never bit", ok,
		    refused);
	check_quiet(held < quota_bytes, "%ld bytes counted, quota %ld", held,
		    quota_bytes);
	check_quiet(control_memory(d0, 7) == held,
		    "CONTROL quota 7 says %ld, the accounting %ld",
		    control_memory(d0, 7), held);
	/* What the heap grew by is what was counted (and malloc's few
	 * bytes a block); unchecked where malloc is not glibc's. */
	if (heap_nodes > 200 * 1900)
		check_quiet(heap_in_use() - heap1 <=
				    (size_t)(held - base) + ok * 128 + 65536,
			    "the transactions hold %zu bytes of heap, %ld "
			    "counted",
			    heap_in_use() - heap1, held - base);
	/* A transaction that had a read refused is spoilt. */
	req(g, XPV_XS_TRANSACTION_END, t[quota.max_transaction], "T", 2);
	ERR(g, "ENOMEM");
	for (k = 0; k < (unsigned int)quota.max_transaction; k++) {
		req(g, XPV_XS_TRANSACTION_END, t[k], "F", 2);
		OK(g, XPV_XS_TRANSACTION_END);
	}
	check_quiet(quota_memory(7) == base,
		    "%ld bytes counted after the transactions, %ld before",
		    quota_memory(7), base);
	/* Written copies count too: new nodes in one transaction, until
	 * the memory quota refuses one (before the 1024 nodes a
	 * transaction may touch; 100 a directory, under the entry size). */
	t[0] = start_tx(g);
	for (i = 0; i < 1024; i++) {
		n = snprintf(msg, 64, "d%u/n%u", i / 100, i) + 1;
		memset(msg + n, 'N', 1900);
		type = ask(g, XPV_XS_WRITE, t[0], msg, n + 1900, out);
		if (type != XPV_XS_WRITE)
			break;
	}
	check_quiet(type == XPV_XS_ERROR && !strcmp(out, "ENOMEM"),
		    "new node %u in a transaction: %s", i, out);
	check_quiet(quota_memory(7) < quota_bytes, "%ld bytes counted",
		    quota_memory(7));
	req(g, XPV_XS_TRANSACTION_END, t[0], "T", 2);
	ERR(g, "ENOMEM");
	check_quiet(quota_memory(7) == base, "%ld bytes counted, %ld before",
		    quota_memory(7), base);
	/* Within the quota a transaction works as before. */
	t[0] = start_tx(g);
	REQ(g, XPV_XS_READ, t[0], "data/b0\0");
	check_quiet(next(g, &(struct xpv_xsd_sockmsg){ 0 }, out),
		    "no reply to a read");
	REQ(g, XPV_XS_WRITE, t[0], "data/b1\0small");
	OK(g, XPV_XS_WRITE);
	req(g, XPV_XS_TRANSACTION_END, t[0], "T", 2);
	OK(g, XPV_XS_TRANSACTION_END);
	REQ(g, XPV_XS_READ, 0, "data/b1\0");
	REPLY(g, XPV_XS_READ, "small");
	check_quiet(quota_memory(7) < base, "%ld bytes counted, %ld before",
		    quota_memory(7), base);
	close_conn(g);
	REQ(d0, XPV_XS_RM, 0, "/local/domain/7\0");
	OK(d0, XPV_XS_RM);
	close_conn(d0);
}

static void t_bad_input(void)
{
	struct mem *good = open_conn(0), *bad = open_conn(0);

	/* A header claiming more than 4096 bytes: that connection goes. */
	send_raw(bad, XPV_XS_READ, 0, "/\0", 2, 5000);
	check_quiet(bad->closed,
		    "oversized message did not close its connection");
	free(bad);
	REQ(good, XPV_XS_READ, 0, "/tool\0");
	REPLY(good, XPV_XS_READ, "");
	/* Missing NUL, empty payloads, an extra string. */
	REQ(good, XPV_XS_READ, 0, "/tool");
	ERR(good, "EINVAL");
	REQ(good, XPV_XS_WRITE, 0, "");
	ERR(good, "EINVAL");
	REQ(good, XPV_XS_WATCH, 0, "/a\0");
	ERR(good, "EINVAL");
	REQ(good, XPV_XS_DIRECTORY_PART, 0, "/tool\0");
	ERR(good, "EINVAL");
	/* "<generation>\0xenstored\0\0": the last chunk ends in a NUL. */
	REQ(good, XPV_XS_DIRECTORY_PART, 0,
	    "/tool\0"
	    "0\0");
	expect_part(good, "xenstored\0\0", 11);
	close_conn(good);
}

/*
 * A reply over XENSTORE_PAYLOAD_MAX is E2BIG (a DIRECTORY of too many
 * children, as Xen); DIRECTORY_PART still pages it.
 */
static void t_reply_too_big(void)
{
	struct mem *d0 = open_conn(0);
	char buf[64];
	unsigned int i;
	int n;

	for (i = 0; i < 300; i++) {
		n = snprintf(buf, sizeof(buf), "/big/child-number-%03u", i) + 1;
		req(d0, XPV_XS_MKDIR, 0, buf, n);
		OK(d0, XPV_XS_MKDIR);
	}
	REQ(d0, XPV_XS_DIRECTORY, 0, "/big\0");
	ERR(d0, "E2BIG");
	REQ(d0, XPV_XS_DIRECTORY_PART, 0,
	    "/big\0"
	    "0\0");
	check_quiet(count_replies(d0) == 1,
		    "DIRECTORY_PART of a big directory: no single reply");
	REQ(d0, XPV_XS_RM, 0, "/big\0");
	OK(d0, XPV_XS_RM);
	close_conn(d0);
}

/*
 * A ring connection (no level-triggered event) with many requests
 * waiting handles a turn of them, then the others get theirs; the loop's
 * pending hook brings it back for the rest.
 */
static void t_fairness(void)
{
	struct mem *flood = open_conn(0), *other = open_conn(0);
	struct xpv_xsd_sockmsg h = { XPV_XS_READ, 1, 0, 6 };
	unsigned int i, got;

	flood->inlen = flood->inoff = 0;
	for (i = 0; i < 200; i++) {
		memcpy(flood->in + flood->inlen, &h, HDR);
		memcpy(flood->in + flood->inlen + HDR, "/tool", 6);
		flood->inlen += HDR + 6;
	}
	conn_input_ready(flood->c);
	got = count_replies(flood);
	check_quiet(got > 0 && got < 200, "one turn handled %u of 200 requests",
		    got);
	REQ(other, XPV_XS_READ, 0, "/tool\0");
	REPLY(other, XPV_XS_READ, "");
	while (conn_resume_all())
		got += count_replies(flood);
	got += count_replies(flood);
	check_quiet(got == 200, "%u of 200 requests answered after resuming",
		    got);
	close_conn(flood);
	close_conn(other);
}

/*
 * Releasing a domain lists the subtrees it owns; without memory for that
 * list (a failed realloc) the release leaves them, harming nothing, and a
 * later release removes them.
 */
static void t_forget_oom(void)
{
	struct mem *d0 = open_conn(0);

	make_home(d0, 9);
	REQ(d0, XPV_XS_WRITE, 0, "/vm9\0x");
	OK(d0, XPV_XS_WRITE);
	REQ(d0, XPV_XS_SET_PERMS, 0, "/vm9\0n9\0");
	OK(d0, XPV_XS_SET_PERMS);
	realloc_fails = true;
	node_forget_domain(9);
	realloc_fails = false;
	REQ(d0, XPV_XS_READ, 0, "/vm9\0");
	REPLY(d0, XPV_XS_READ, "x");
	node_forget_domain(9);
	REQ(d0, XPV_XS_READ, 0, "/vm9\0");
	ERR(d0, "ENOENT");
	REQ(d0, XPV_XS_READ, 0, "/local/domain/9\0");
	ERR(d0, "ENOENT");
	close_conn(d0);
}

/*
 * Hundreds of domains with hundreds of nodes and a few watches each, and
 * releasing them leaves the store as it was. (Nodes are spread over five
 * directories: a directory's record includes its child list, which the
 * 2048-byte entry-size quota bounds for a guest, as in Xen.) What a write
 * costs in such a store is `make bench-store`'s business.
 */
static void t_scale(void)
{
	enum { DOMS = 200, NODES = 500, WATCHES = 5 };
	static struct mem *g[DOMS + 1];
	struct mem *d0 = open_conn(0);
	char buf[128];
	unsigned int d, i;
	size_t before;
	int n;

	/* The homes' parent is dom0's, and stays. */
	REQ(d0, XPV_XS_MKDIR, 0, "/local/domain\0");
	OK(d0, XPV_XS_MKDIR);
	before = store.count;
	for (d = 1; d <= DOMS; d++) {
		make_home(d0, d);
		g[d] = open_conn(d);
		for (i = 0; i < NODES; i++) {
			n = snprintf(buf, sizeof(buf), "data/d%u/n%u", i % 5,
				     i) +
			    1;
			memcpy(buf + n, "value", 5);
			req(g[d], XPV_XS_WRITE, 0, buf, n + 5);
			OK(g[d], XPV_XS_WRITE);
		}
		for (i = 0; i < WATCHES; i++) {
			n = snprintf(buf, sizeof(buf), "data/d%u/n%u",
				     (i * 7) % 5, i * 7) +
			    1;
			n += snprintf(buf + n, sizeof(buf) - n, "w") + 1;
			req(g[d], XPV_XS_WATCH, 0, buf, n);
			OK(g[d], XPV_XS_WATCH);
			next(g[d], &(struct xpv_xsd_sockmsg){ 0 }, buf);
		}
	}
	check_quiet(store.count == before + DOMS * (NODES + 7),
		    "%zu nodes, expected %zu", store.count,
		    before + DOMS * (NODES + 7));
	for (d = 1; d <= DOMS; d++) {
		close_conn(g[d]);
		node_forget_domain(d);
	}
	/* The homes belong to their domains: released with them. */
	check_quiet(store.count == before,
		    "%zu nodes after release, expected %zu", store.count,
		    before);
	close_conn(d0);
}

/* Every case on a fresh store, whatever the one before it left. */
static void run(const char *name, void (*fn)(void))
{
	int ret = fuzz_core_setup();

	if (ret < 0)
		check_fatal("a fresh store", -ret);
	check_case(name, fn);
	fuzz_core_teardown();
}

/* No names given, or name among them. */
static bool wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return argc == 1;
}

/* test-xenstored [CASE...]: the named cases, else all, in table order. */
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
		{ "paths", t_paths },
		{ "basic", t_basic },
		{ "perms", t_perms },
		{ "watches", t_watches },
		{ "transactions", t_transactions },
		{ "tx-watch", t_tx_watch },
		{ "quotas", t_quotas },
		{ "tx-memory", t_tx_memory },
		{ "bad-input", t_bad_input },
		{ "reply-too-big", t_reply_too_big },
		{ "fairness", t_fairness },
		{ "forget-oom", t_forget_oom },
		{ "scale", t_scale },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wanted(cases[i].name, argc, argv))
			run(cases[i].name, cases[i].fn);
	return check_done();
}
