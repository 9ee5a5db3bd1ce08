/*
 * xenbus.c - the xenbus client's engine: framing, one request at a time,
 * replies matched by req_id, watch events queued in arrival order.
 *
 * Input is read in bulk into a buffer and cut into messages there; a
 * header whose len exceeds XPV_XENSTORE_PAYLOAD_MAX means the stream can no
 * longer be framed, so the handle dies (-EIO) rather than guess. A reply
 * nobody asked for, or of another type than the request's (XS_ERROR
 * aside), is the same kind of lie. A malformed watch event is dropped and
 * counted: the stream is still framed, so nothing else suffers.
 *
 * While a request waits to be written (the ring full) input is still
 * drained, since the daemon may itself be blocked writing us events.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "frontend/xenbus_priv.h"
#include "ring/xs_wire.h"

#define HDR_SIZE sizeof(struct xpv_xsd_sockmsg)
#define MSG_MAX (HDR_SIZE + XPV_XENSTORE_PAYLOAD_MAX)
/* Reads per pump() (a few ring-fulls or socket buffers of messages). */
#define PUMP_READS 64
#define PUMP_MORE 1

struct xb_event {
	struct xb_event *next;
	char *path; /* "path\0token\0", one allocation */
	size_t token_off;
};

struct xenbus {
	const struct xb_transport *t;
	void *priv;
	int dead; /* 0, or the -errno that killed the handle */
	int timeout_ms;

	uint32_t req_id; /* of the request in flight */
	uint32_t req_type;
	bool waiting;
	bool have_reply;
	struct xpv_xsd_sockmsg reply_hdr;
	char *reply;

	char in[2 * MSG_MAX]; /* bytes read, not yet cut into messages */
	size_t in_len;
	char out[MSG_MAX];

	struct xb_event *ev_head, **ev_tail;
	unsigned int ev_count;
	unsigned long ev_dropped;
	int ev_fd; /* eventfd: readable while ev_head != NULL */
	int ep_fd; /* epoll of ev_fd and the transport's fd */
};

/* --- Events ------------------------------------------------------------- */

/* "path\0token\0": two strings, nothing after them but padding NULs. */
static int event_split(const char *body, size_t len, size_t *token_off)
{
	const char *end;

	if (len < 2 || body[len - 1] != '\0')
		return -EBADMSG;
	end = memchr(body, '\0', len);
	if ((size_t)(end - body) + 1 >= len)
		return -EBADMSG;
	*token_off = (size_t)(end - body) + 1;
	return 0;
}

static void event_queue(struct xenbus *xb, const char *body, size_t len)
{
	struct xb_event *e;
	size_t token_off;
	uint64_t one = 1;

	if (event_split(body, len, &token_off) < 0 ||
	    xb->ev_count >= XENBUS_MAX_EVENTS)
		goto drop;
	e = malloc(sizeof(*e));
	if (!e)
		goto drop;
	e->path = malloc(len);
	if (!e->path) {
		free(e);
		goto drop;
	}
	memcpy(e->path, body, len);
	e->token_off = token_off;
	e->next = NULL;
	*xb->ev_tail = e;
	xb->ev_tail = &e->next;
	if (xb->ev_count++ == 0 && write(xb->ev_fd, &one, sizeof(one)) < 0)
		xb->dead = -errno;
	return;
drop:
	xb->ev_dropped++;
}

static void events_free(struct xenbus *xb)
{
	struct xb_event *e, *next;

	for (e = xb->ev_head; e; e = next) {
		next = e->next;
		free(e->path);
		free(e);
	}
	xb->ev_head = NULL;
	xb->ev_tail = &xb->ev_head;
	xb->ev_count = 0;
}

/* --- Input -------------------------------------------------------------- */

static int take_reply(struct xenbus *xb, const struct xpv_xsd_sockmsg *h,
		      const char *body)
{
	if (!xb->waiting || xb->have_reply || h->req_id != xb->req_id)
		return -EIO;
	if (h->type != xb->req_type && h->type != XPV_XS_ERROR)
		return -EIO;
	xb->reply = malloc(h->len + 1);
	if (!xb->reply)
		return -ENOMEM;
	memcpy(xb->reply, body, h->len);
	xb->reply[h->len] = '\0';
	xb->reply_hdr = *h;
	xb->have_reply = true;
	return 0;
}

/* Cut every whole message out of xb->in. */
static int dispatch_input(struct xenbus *xb)
{
	size_t off = 0;
	int ret = 0;

	while (xb->in_len - off >= HDR_SIZE) {
		struct xpv_xsd_sockmsg h;
		const char *body = xb->in + off + HDR_SIZE;

		memcpy(&h, xb->in + off, HDR_SIZE);
		if (h.len > XPV_XENSTORE_PAYLOAD_MAX) {
			ret = -EIO;
			break;
		}
		if (xb->in_len - off - HDR_SIZE < h.len)
			break;
		if (h.type == XPV_XS_WATCH_EVENT)
			event_queue(xb, body, h.len);
		else
			ret = take_reply(xb, &h, body);
		off += HDR_SIZE + h.len;
		if (ret < 0)
			break;
	}
	memmove(xb->in, xb->in + off, xb->in_len - off);
	xb->in_len -= off;
	return ret;
}

/*
 * Read what the transport has now, at most PUMP_READS reads; never blocks.
 * Returns 0 (drained, or a reply is in), PUMP_MORE when input may still
 * wait (the caller goes on without blocking, after checking its
 * deadline: a daemon writing without end cannot hold us here), or -errno.
 */
static int pump(struct xenbus *xb)
{
	unsigned int reads;
	bool more = false;
	ssize_t n;
	int ret;

	for (reads = 0;; reads++) {
		if (reads == PUMP_READS) {
			more = true;
			break;
		}
		n = xb->t->read(xb->priv, xb->in + xb->in_len,
				sizeof(xb->in) - xb->in_len);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return (int)n;
		xb->in_len += (size_t)n;
		ret = dispatch_input(xb);
		if (ret < 0)
			return ret;
		/* The peer may hang up right after replying: take the reply
		 * before reading on into the end of the stream. */
		if (xb->have_reply)
			break;
	}
	ret = xb->t->flush(xb->priv);
	return ret < 0 ? ret : more ? PUMP_MORE : 0;
}

/* --- Requests ----------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_left(const struct xenbus *xb, int64_t deadline)
{
	int64_t left;

	if (xb->timeout_ms < 0)
		return -1;
	left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Wait for the transport after pump() returned pumped; with input still
 * waiting (PUMP_MORE) only the deadline is checked. */
static int block(struct xenbus *xb, int pumped, bool want_write,
		 int64_t deadline)
{
	int left = wait_left(xb, deadline);
	int ret;

	if (left == 0)
		return -ETIMEDOUT;
	if (pumped == PUMP_MORE)
		return 0;
	ret = xb->t->flush(xb->priv);
	if (ret < 0)
		return ret;
	return xb->t->wait(xb->priv, want_write, left);
}

static int send_all(struct xenbus *xb, size_t total, int64_t deadline)
{
	size_t off = 0;
	ssize_t n;
	int ret;

	while (off < total) {
		n = xb->t->write(xb->priv, xb->out + off, total - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n != -EAGAIN)
			return (int)n;
		ret = pump(xb);
		if (ret >= 0)
			ret = block(xb, ret, true, deadline);
		if (ret < 0)
			return ret;
	}
	return xb->t->flush(xb->priv);
}

static int await_reply(struct xenbus *xb, int64_t deadline)
{
	int ret;

	for (;;) {
		ret = pump(xb);
		if (ret < 0 || xb->have_reply)
			return ret < 0 ? ret : 0;
		ret = block(xb, ret, false, deadline);
		if (ret < 0)
			return ret;
	}
}

static int build(struct xenbus *xb, uint32_t type, xenbus_tx_t tx,
		 const struct iovec *iov, unsigned int niov)
{
	struct xpv_xsd_sockmsg h = { .type = type, .tx_id = tx };
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < niov; i++) {
		if (iov[i].iov_len > XPV_XENSTORE_PAYLOAD_MAX - len)
			return -E2BIG;
		memcpy(xb->out + HDR_SIZE + len, iov[i].iov_base,
		       iov[i].iov_len);
		len += iov[i].iov_len;
	}
	h.req_id = ++xb->req_id;
	h.len = (uint32_t)len;
	memcpy(xb->out, &h, HDR_SIZE);
	return (int)(HDR_SIZE + len);
}

/* XS_ERROR's payload: an errno name from xs_wire.h's table (unknown
 * names are EINVAL, as libxenstore takes them). */
static int error_reply(const char *body, unsigned int len)
{
	const char *nul = memchr(body, '\0', len);

	if (!nul)
		return -EBADMSG;
	return -xpv_xsd_error_errno(body, (unsigned int)(nul - body));
}

static int finish(struct xenbus *xb, char **reply, unsigned int *len)
{
	int ret = 0;

	if (xb->reply_hdr.type == XPV_XS_ERROR) {
		ret = error_reply(xb->reply, xb->reply_hdr.len);
		free(xb->reply);
	} else {
		*reply = xb->reply;
		if (len)
			*len = xb->reply_hdr.len;
	}
	xb->reply = NULL;
	xb->have_reply = false;
	return ret;
}

int xb_request(struct xenbus *xb, uint32_t type, xenbus_tx_t tx,
	       const struct iovec *iov, unsigned int niov, char **reply,
	       unsigned int *len)
{
	int64_t deadline = now_ms() + (xb->timeout_ms > 0 ? xb->timeout_ms : 0);
	int ret;

	if (xb->dead)
		return -EIO;
	ret = build(xb, type, tx, iov, niov);
	if (ret < 0)
		return ret;
	xb->req_type = type;
	xb->waiting = true;
	ret = send_all(xb, (size_t)ret, deadline);
	if (ret == 0)
		ret = await_reply(xb, deadline);
	xb->waiting = false;
	if (ret < 0) {
		/* The stream's framing, or the pairing of request and reply,
		 * can no longer be trusted. */
		xb->dead = ret;
		free(xb->reply);
		xb->reply = NULL;
		xb->have_reply = false;
		return ret;
	}
	return finish(xb, reply, len);
}

/* --- Handle ------------------------------------------------------------- */

static int epoll_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int setup_event_fd(struct xenbus *xb)
{
	xb->ev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (xb->ev_fd < 0)
		return -errno;
	xb->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (xb->ep_fd < 0)
		return -errno;
	if (epoll_add(xb->ep_fd, xb->ev_fd) < 0)
		return -errno;
	return epoll_add(xb->ep_fd, xb->t->fd(xb->priv));
}

struct xenbus *xenbus_new(const struct xb_transport *t, void *priv)
{
	struct xenbus *xb = calloc(1, sizeof(*xb));
	int ret;

	if (!xb) {
		t->close(priv);
		errno = ENOMEM;
		return NULL;
	}
	xb->t = t;
	xb->priv = priv;
	xb->timeout_ms = -1;
	xb->ev_tail = &xb->ev_head;
	xb->ev_fd = xb->ep_fd = -1;
	ret = setup_event_fd(xb);
	if (ret < 0) {
		xenbus_close(xb);
		errno = -ret;
		return NULL;
	}
	return xb;
}

void xenbus_close(struct xenbus *xb)
{
	if (!xb)
		return;
	events_free(xb);
	free(xb->reply);
	if (xb->ep_fd >= 0)
		close(xb->ep_fd);
	if (xb->ev_fd >= 0)
		close(xb->ev_fd);
	xb->t->close(xb->priv);
	free(xb);
}

void xenbus_set_timeout(struct xenbus *xb, int ms)
{
	xb->timeout_ms = ms < 0 ? -1 : ms;
}

int xenbus_event_fd(struct xenbus *xb)
{
	return xb->ep_fd;
}

unsigned long xenbus_events_dropped(const struct xenbus *xb)
{
	return xb->ev_dropped;
}

int xenbus_read_event(struct xenbus *xb, char **path, char **token)
{
	struct xb_event *e;
	uint64_t n;
	int ret;

	if (!xb->ev_head && !xb->dead) {
		ret = pump(xb);
		if (ret < 0)
			xb->dead = ret;
	}
	e = xb->ev_head;
	if (!e)
		return xb->dead ? -EIO : -EAGAIN;
	xb->ev_head = e->next;
	if (!xb->ev_head) {
		xb->ev_tail = &xb->ev_head;
		/* Now empty: the fd stops saying an event waits. */
		if (read(xb->ev_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
			xb->dead = -errno;
	}
	xb->ev_count--;
	*path = e->path;
	*token = e->path + e->token_off;
	free(e);
	return 0;
}
