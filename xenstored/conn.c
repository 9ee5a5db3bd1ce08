/*
 * conn.c - connections: framing, the output queue, dispatch (see conn.h).
 *
 * Input is read in large chunks into the connection's own buffer and every
 * complete message in it is dispatched in turn; nothing is allocated per
 * message. Replies and events are appended to one growing output buffer
 * per connection and written when the request is done; a connection that
 * got output is put on a "dirty" list so that one request's events to
 * many watchers are written in one pass.
 *
 * A connection may be destroyed while one of its own calls is on the stack
 * (a handler releasing its domain, a write error while flushing): it is
 * then only marked dead and freed when the outermost call unwinds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/log.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

#define HDR_SIZE sizeof(struct xpv_xsd_sockmsg)
/* A peer that reads nothing cannot make us hold more than this. */
#define OUT_LIMIT (16u << 20)
/* Messages one connection may have handled per turn before the others
 * get theirs (a ring has no level-triggered event to call us back). */
#define TURN_MESSAGES 64
/* Sockets written in one batch at most (more wait for the next). */
#define BATCH 256

struct conn *conn_list;
static struct conn *conn_list_tail;
static struct conn *dirty_head;
/* Connections to call back: for the next round, and this round's rest
 * (a connection destroyed meanwhile leaves either list). */
static struct conn *resume_head;
static struct conn *resume_now;
static int (*batch_writer)(struct conn_batch_write *v, unsigned int n);
static unsigned int next_conn_id = 1;
/* The request payload, NUL-terminated for the handlers' string parsing. */
static char req_payload[XPV_XENSTORE_PAYLOAD_MAX + 1];

static void conn_free(struct conn *c);

struct conn *conn_new(const struct conn_transport *t, void *priv,
		      unsigned int domid)
{
	struct conn *c;

	if (!t || !t->read || !t->write) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->t = t;
	c->priv = priv;
	c->domid = domid;
	c->id = next_conn_id++;
	c->next_txid = 1;
	c->prev = conn_list_tail;
	if (conn_list_tail)
		conn_list_tail->next = c;
	else
		conn_list = c;
	conn_list_tail = c;
	return c;
}

unsigned int conn_domid(const struct conn *c)
{
	return c->domid;
}

void conn_set_readonly(struct conn *c, bool ro)
{
	c->readonly = ro;
}

void conn_set_stalled(struct conn *c, bool stalled)
{
	c->stalled = stalled;
	if (!stalled)
		conn_input_ready(c);
}

void *conn_transport_priv(const struct conn *c)
{
	return c->priv;
}

bool conn_unprivileged(const struct conn *c)
{
	return c && c->domid != 0 && c->domid != priv_domid;
}

int conn_home(const struct conn *c, char *buf, size_t len)
{
	return snprintf(buf, len, "/local/domain/%u", c->domid);
}

struct conn *conn_find_domain(unsigned int domid)
{
	struct conn *c;

	for (c = conn_list; c; c = c->next)
		if (!c->dead && c->t->is_domain && c->domid == domid)
			return c;
	return NULL;
}

/* Take c off whichever resume list holds it. */
static void unresume(struct conn *c)
{
	struct conn **lists[] = { &resume_head, &resume_now }, **p;
	unsigned int i;

	if (!c->resume)
		return;
	for (i = 0; i < 2; i++) {
		for (p = lists[i]; *p; p = &(*p)->resume_next) {
			if (*p == c) {
				*p = c->resume_next;
				c->resume = false;
				return;
			}
		}
	}
}

static void undirty(struct conn *c)
{
	struct conn **p;

	if (!c->on_dirty)
		return;
	for (p = &dirty_head; *p; p = &(*p)->dirty_next) {
		if (*p == c) {
			*p = c->dirty_next;
			break;
		}
	}
	c->on_dirty = false;
}

void conn_destroy(struct conn *c)
{
	if (!c || c->dead)
		return;
	c->dead = true;
	if (!c->busy)
		conn_free(c);
}

static void conn_free(struct conn *c)
{
	undirty(c);
	unresume(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		conn_list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		conn_list_tail = c->prev;
	txn_abort_all(c);
	watch_remove_all(c);
	if (c->t->close)
		c->t->close(c->priv);
	free(c->obuf);
	free(c);
}

void conn_destroy_all(void)
{
	while (conn_list) {
		conn_list->busy = 0;
		conn_list->dead = false;
		conn_destroy(conn_list);
	}
}

/* --- output --------------------------------------------------------- */

static int reserve(struct conn *c, size_t more)
{
	size_t n = c->ocap ? c->ocap : 8192;
	char *p;

	if (c->olen - c->ooff + more > OUT_LIMIT)
		return -ENOSPC;
	if (c->olen + more <= c->ocap)
		return 0;
	/* Reclaim what was written before growing. */
	if (c->ooff) {
		memmove(c->obuf, c->obuf + c->obound, c->olen - c->obound);
		c->olen -= c->obound;
		c->ooff -= c->obound;
		c->obound = 0;
		if (c->olen + more <= c->ocap)
			return 0;
	}
	while (n < c->olen + more)
		n *= 2;
	p = realloc(c->obuf, n);
	if (!p)
		return -ENOMEM;
	c->obuf = p;
	c->ocap = n;
	return 0;
}

static void mark_dirty(struct conn *c)
{
	if (c->on_dirty)
		return;
	c->on_dirty = true;
	c->dirty_next = dirty_head;
	dirty_head = c;
}

static int queue(struct conn *c, const struct xpv_xsd_sockmsg *hdr,
		 const void *a, uint32_t alen, const void *b, uint32_t blen)
{
	int ret = reserve(c, HDR_SIZE + alen + blen);

	if (ret)
		return ret;
	memcpy(c->obuf + c->olen, hdr, HDR_SIZE);
	if (alen)
		memcpy(c->obuf + c->olen + HDR_SIZE, a, alen);
	if (blen)
		memcpy(c->obuf + c->olen + HDR_SIZE + alen, b, blen);
	if (trace_on())
		trace_msg("OUT", c->id, hdr->type, hdr->req_id, hdr->tx_id,
			  c->obuf + c->olen + HDR_SIZE, alen + blen);
	c->olen += HDR_SIZE + alen + blen;
	if (hdr->type != XPV_XS_WATCH_EVENT)
		c->oreplies++;
	mark_dirty(c);
	return 0;
}

int conn_reply2(struct conn *c, uint32_t type, const void *a, uint32_t alen,
		const void *b, uint32_t blen)
{
	struct xpv_xsd_sockmsg hdr = { .type = type };
	int ret;

	/* The handler returns this, and the dispatcher answers E2BIG. */
	if ((uint64_t)alen + blen > XPV_XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	if (c->req) {
		hdr.req_id = c->req->req_id;
		hdr.tx_id = c->req->tx_id;
	}
	hdr.len = alen + blen;
	ret = queue(c, &hdr, a, alen, b, blen);
	if (ret) {
		/* A client that leaves 16 MiB unread, or no memory: it
		 * cannot be answered, so it goes. */
		xs_log_rl("conn %u: cannot queue a reply: dropped", c->id);
		conn_destroy(c);
	}
	return 0;
}

int conn_reply(struct conn *c, uint32_t type, const void *data, uint32_t len)
{
	return conn_reply2(c, type, data, len, NULL, 0);
}

int conn_ack(struct conn *c, uint32_t type)
{
	return conn_reply(c, type, "OK", 3);
}

int conn_error(struct conn *c, int err)
{
	const char *name = xpv_xsd_error_name(err);

	return conn_reply(c, XPV_XS_ERROR, name, strlen(name) + 1);
}

/* Is an identical event still waiting, not yet begun to be written? */
static bool event_pending(const struct conn *c, const char *payload,
			  uint32_t len)
{
	struct xpv_xsd_sockmsg h;
	size_t off = c->obound;

	/* Messages are packed: headers are copied out, not cast. */
	while (off + HDR_SIZE <= c->olen) {
		memcpy(&h, c->obuf + off, HDR_SIZE);
		if (off >= c->ooff && h.type == XPV_XS_WATCH_EVENT &&
		    h.len == len &&
		    !memcmp(c->obuf + off + HDR_SIZE, payload, len))
			return true;
		off += HDR_SIZE + h.len;
	}
	return false;
}

void conn_event(struct conn *c, const char *path, const char *token)
{
	struct xpv_xsd_sockmsg hdr = { .type = XPV_XS_WATCH_EVENT };
	uint32_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	char buf[XPV_XENSTORE_PAYLOAD_MAX];

	/* Over-long events are not sent (as Xen). */
	if (plen + tlen > XPV_XENSTORE_PAYLOAD_MAX)
		return;
	hdr.len = plen + tlen;
	/* A domain not reading its events may not make us hold more than
	 * its memory quota of them (Xen counts them into that quota). */
	if (conn_unprivileged(c) && c->olen - c->ooff + HDR_SIZE + hdr.len >
					    (size_t)quota.memory_per_domain) {
		xs_log_rl("conn %u (domain %u): watch event dropped (quota)",
			  c->id, c->domid);
		return;
	}
	/* Special events are never merged (as Xen's send_event). */
	if (path[0] != '@' && c->olen > c->ooff) {
		memcpy(buf, path, plen);
		memcpy(buf + plen, token, tlen);
		if (event_pending(c, buf, plen + tlen))
			return;
	}
	if (queue(c, &hdr, path, plen, token, tlen))
		xs_log_rl("conn %u: watch event dropped (output full)", c->id);
}

/* Account for bytes written: advance obound over whole messages. */
static void written(struct conn *c, size_t n)
{
	struct xpv_xsd_sockmsg h;

	c->ooff += n;
	while (c->obound + HDR_SIZE <= c->ooff) {
		memcpy(&h, c->obuf + c->obound, HDR_SIZE);
		if (c->obound + HDR_SIZE + h.len > c->ooff)
			break;
		if (h.type != XPV_XS_WATCH_EVENT && c->oreplies)
			c->oreplies--;
		c->obound += HDR_SIZE + h.len;
	}
	if (c->ooff == c->olen)
		c->olen = c->ooff = c->obound = 0;
}

static void set_want_out(struct conn *c, bool on)
{
	if (c->want_out == on)
		return;
	c->want_out = on;
	if (c->t->want_output)
		c->t->want_output(c->priv, on);
}

/* Write what we can; false if the connection failed. */
static bool flush(struct conn *c)
{
	ssize_t n;

	while (c->olen > c->ooff) {
		n = c->t->write(c->priv, c->obuf + c->ooff, c->olen - c->ooff);
		if (n == -EAGAIN || n == 0)
			break;
		if (n < 0)
			return false;
		written(c, n);
	}
	set_want_out(c, c->olen > c->ooff);
	return true;
}

void conn_set_batch_writer(int (*fn)(struct conn_batch_write *v,
				     unsigned int n))
{
	batch_writer = fn;
}

static void unbusy(struct conn *c)
{
	if (!--c->busy && c->dead)
		conn_free(c);
}

/* After a batch write of c's output: account for it, and write the rest
 * (or wait for room) the ordinary way. */
static void batch_done(struct conn *c, ssize_t res)
{
	if (res > 0)
		written(c, res);
	if (res < 0 && res != -EAGAIN)
		conn_destroy(c);
	else if (!flush(c))
		conn_destroy(c);
	unbusy(c);
}

static void flush_dirty(void)
{
	static struct conn_batch_write v[BATCH];
	static struct conn *vc[BATCH];
	unsigned int n = 0, i;
	struct conn *c;
	int ret;

	while ((c = dirty_head)) {
		dirty_head = c->dirty_next;
		c->on_dirty = false;
		if (c->dead)
			continue;
		c->busy++;
		if (batch_writer && c->t->fd && c->olen > c->ooff &&
		    n < BATCH) {
			v[n] = (struct conn_batch_write){ c->t->fd(c->priv),
							  c->obuf + c->ooff,
							  c->olen - c->ooff,
							  -EAGAIN };
			vc[n++] = c;
			continue;
		}
		if (!flush(c))
			conn_destroy(c);
		unbusy(c);
	}
	if (!n)
		return;
	/* One socket is written with a plain send: io_uring pays off only
	 * for several (its submit and reap cost more than one sendto; about
	 * 5 % of a single client's request rate). */
	if (n == 1) {
		batch_done(vc[0], -EAGAIN);
		return;
	}
	/* A batch that could not be written at all is written one by one
	 * (res stays -EAGAIN). */
	ret = batch_writer(v, n);
	for (i = 0; i < n; i++)
		batch_done(vc[i], ret ? -EAGAIN : v[i].res);
}

void conn_flush_all(void)
{
	flush_dirty();
}

/* --- input ---------------------------------------------------------- */

static bool paused(const struct conn *c)
{
	if (c->stalled || c->dead)
		return true;
	return conn_unprivileged(c) &&
	       c->oreplies >= (unsigned int)quota.req_outstanding;
}

static void dispatch(struct conn *c, const char *msg)
{
	struct xpv_xsd_sockmsg hdr;

	memcpy(&hdr, msg, HDR_SIZE);
	memcpy(req_payload, msg + HDR_SIZE, hdr.len);
	req_payload[hdr.len] = '\0';
	if (trace_on())
		trace_msg("IN", c->id, hdr.type, hdr.req_id, hdr.tx_id,
			  req_payload, hdr.len);
	c->req = &hdr;
	wire_dispatch(c, &hdr, req_payload);
	c->req = NULL;
	c->txn = NULL;
}

/* Dispatch the complete messages buffered, up to *budget of them; false
 * on a protocol error. */
static bool process(struct conn *c, unsigned int *budget)
{
	struct xpv_xsd_sockmsg hdr;
	uint32_t off = 0;

	while (!paused(c) && *budget && c->ilen - off >= HDR_SIZE) {
		memcpy(&hdr, c->ibuf + off, HDR_SIZE);
		if (hdr.len > XPV_XENSTORE_PAYLOAD_MAX) {
			xs_log_rl("conn %u: message of %u bytes: dropped",
				  c->id, hdr.len);
			return false;
		}
		if (c->ilen - off < HDR_SIZE + hdr.len)
			break;
		dispatch(c, c->ibuf + off);
		off += HDR_SIZE + hdr.len;
		(*budget)--;
		if (!batch_writer)
			flush_dirty();
	}
	if (off) {
		memmove(c->ibuf, c->ibuf + off, c->ilen - off);
		c->ilen -= off;
	}
	return true;
}

/* Queue c to go on reading after the others had their turn. */
static void defer(struct conn *c)
{
	if (c->resume)
		return;
	c->resume = true;
	c->resume_next = resume_head;
	resume_head = c;
}

static void input(struct conn *c)
{
	unsigned int budget = TURN_MESSAGES;
	bool drained = false;
	size_t room;
	ssize_t n;

	for (;;) {
		if (!process(c, &budget)) {
			conn_destroy(c);
			return;
		}
		if (paused(c) || drained)
			return;
		/* A socket's event stays up while it has input; a ring's
		 * does not, so a ring connection is called back. */
		if (!budget) {
			if (!c->t->level_triggered)
				defer(c);
			return;
		}
		/* Never full: a partial message is shorter than the buffer. */
		room = sizeof(c->ibuf) - c->ilen;
		if (!room)
			return;
		n = c->t->read(c->priv, c->ibuf + c->ilen, room);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			/* Replies to what it sent before closing still go. */
			if (!n)
				flush(c);
			conn_destroy(c);
			return;
		}
		c->ilen += n;
		drained = c->t->level_triggered && (size_t)n < room;
	}
}

void conn_input_ready(struct conn *c)
{
	if (!c || c->dead)
		return;
	c->busy++;
	input(c);
	if (!batch_writer)
		flush_dirty();
	unbusy(c);
}

bool conn_resume_all(void)
{
	struct conn *c;

	resume_now = resume_head;
	resume_head = NULL;
	while ((c = resume_now)) {
		resume_now = c->resume_next;
		c->resume = false;
		conn_input_ready(c);
	}
	/* The end of a round: what was queued in it goes out. */
	flush_dirty();
	return resume_head != NULL;
}

void conn_output_ready(struct conn *c)
{
	bool was_paused;

	if (!c || c->dead)
		return;
	c->busy++;
	was_paused = paused(c);
	if (!flush(c))
		conn_destroy(c);
	/* Replies drained: input held back by the outstanding quota may
	 * go on. */
	if (was_paused && !paused(c))
		input(c);
	if (!batch_writer)
		flush_dirty();
	unbusy(c);
}
