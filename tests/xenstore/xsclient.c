/*
 * xsclient.c - the minimal wire-protocol client of xsclient.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tests/xenstore/xsclient.h"

#define HDR sizeof(struct xpv_xsd_sockmsg)

int xsc_connect(struct xsc *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->have = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

void xsc_close(struct xsc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have = 0;
}

static int write_all(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		b += n;
		len -= n;
	}
	return 0;
}

int xsc_send_raw(struct xsc *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 uint32_t hdr_len, const void *payload, size_t len)
{
	char msg[HDR + XPV_XENSTORE_PAYLOAD_MAX];
	struct xpv_xsd_sockmsg h = {
		.type = type, .req_id = req_id, .tx_id = tx_id, .len = hdr_len
	};

	/* One write for header and payload: a daemon sees one message. */
	if (len > XPV_XENSTORE_PAYLOAD_MAX)
		return -EMSGSIZE;
	memcpy(msg, &h, HDR);
	if (len)
		memcpy(msg + HDR, payload, len);
	return write_all(c->fd, msg, HDR + len);
}

int xsc_send(struct xsc *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	     const void *payload, size_t len)
{
	return xsc_send_raw(c, type, req_id, tx_id, len, payload, len);
}

/* The length of the whole first buffered message, 0 if not all there. */
static size_t whole(const struct xsc *c)
{
	struct xpv_xsd_sockmsg h;

	if (c->have < HDR)
		return 0;
	memcpy(&h, c->buf, HDR);
	if (h.len > XPV_XENSTORE_PAYLOAD_MAX)
		return (size_t)-1;
	return c->have >= HDR + h.len ? HDR + h.len : 0;
}

int xsc_pending(const struct xsc *c)
{
	return whole(c) != 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what the socket has, waiting until the deadline (-1: none). */
static int fill(struct xsc *c, long deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());

	if (deadline >= 0 && wait < 0)
		return -ETIMEDOUT;
	if (poll(&p, 1, wait) < 0)
		return errno == EINTR ? 0 : -errno;
	if (!p.revents)
		return -ETIMEDOUT;
	n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->have += n;
	return 0;
}

int xsc_read_ready(struct xsc *c)
{
	ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	c->have += (size_t)n;
	return 0;
}

int xsc_take(struct xsc *c, struct xsc_msg *m)
{
	size_t n = whole(c);

	if (!n)
		return -EAGAIN;
	if (n == (size_t)-1)
		return -EPROTO;
	memcpy(&m->hdr, c->buf, HDR);
	memcpy(m->body, c->buf + HDR, m->hdr.len);
	m->body[m->hdr.len] = '\0';
	c->have -= n;
	memmove(c->buf, c->buf + n, c->have);
	return 0;
}

int xsc_recv(struct xsc *c, struct xsc_msg *m, int timeout_ms)
{
	long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	int err;

	while (!whole(c)) {
		err = fill(c, deadline);
		if (err)
			return err;
	}
	return xsc_take(c, m);
}

int xsc_call(struct xsc *c, uint32_t type, uint32_t tx_id, const void *payload,
	     size_t len, struct xsc_msg *reply, unsigned int *events)
{
	int err = xsc_send(c, type, 0, tx_id, payload, len);

	while (!err) {
		err = xsc_recv(c, reply, 10000);
		if (err || reply->hdr.type != XPV_XS_WATCH_EVENT)
			break;
		if (events)
			(*events)++;
	}
	return err;
}
