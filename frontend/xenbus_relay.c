/*
 * xenbus_relay.c - a client's requests forwarded over a shared handle
 * (xenbus_relay.h).
 *
 * What the client sent is read in one recv per serve into a buffer of
 * two whole messages and cut there; every whole message is forwarded
 * with xb_request and answered before the next. Replies go back with
 * one non-blocking send each: the client is a thread of the same guest
 * that waits for them, and its socket buffer holds far more than one, so
 * a send that cannot be made at once means the client no longer reads,
 * and it is dropped rather than waited for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frontend/xenbus_priv.h"
#include "frontend/xenbus_relay.h"
#include "ring/xs_wire.h"

#define HDR_SIZE sizeof(struct xpv_xsd_sockmsg)
#define MSG_MAX (HDR_SIZE + XPV_XENSTORE_PAYLOAD_MAX)
#define PREFIX_MAX 32
#define SNDBUF (256 * 1024)

struct relay_watch {
	char *path, *token; /* the client's own token, unprefixed */
};

struct xenbus_relay {
	struct xenbus *xb;
	int fd;
	char prefix[PREFIX_MAX + 1];
	size_t plen;
	char in[2 * MSG_MAX];
	size_t in_len;
	struct relay_watch watches[XENBUS_RELAY_MAX_WATCHES];
	unsigned int nwatches;
	xenbus_tx_t tx[XENBUS_RELAY_MAX_TX];
	unsigned int ntx;
};

/* --- to the client ------------------------------------------------------ */

static int send_msg(struct xenbus_relay *r, uint32_t type, uint32_t req_id,
		    uint32_t tx_id, const struct iovec *body, unsigned int n)
{
	struct xpv_xsd_sockmsg h = { .type = type,
				     .req_id = req_id,
				     .tx_id = tx_id };
	struct iovec iov[4];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n + 1 };
	size_t total = HDR_SIZE;
	unsigned int i;

	for (i = 0; i < n; i++) {
		iov[i + 1] = body[i];
		h.len += (uint32_t)body[i].iov_len;
	}
	total += h.len;
	iov[0] = (struct iovec){ &h, HDR_SIZE };
	if (sendmsg(r->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)total)
		return -EPIPE;
	return 0;
}

static int send_error(struct xenbus_relay *r, const struct xpv_xsd_sockmsg *req,
		      int err)
{
	const char *name = xpv_xsd_error_name(-err);
	struct iovec body = { (void *)name, strlen(name) + 1 };

	return send_msg(r, XPV_XS_ERROR, req->req_id, req->tx_id, &body, 1);
}

/* --- bookkeeping: what the client holds on the shared connection ---------- */

static void forget_watch(struct xenbus_relay *r, const char *path,
			 const char *token)
{
	unsigned int i;

	for (i = 0; i < r->nwatches; i++) {
		struct relay_watch *w = &r->watches[i];

		if (strcmp(w->path, path) || strcmp(w->token, token))
			continue;
		free(w->path);
		free(w->token);
		*w = r->watches[--r->nwatches];
		return;
	}
}

static void remember_watch(struct xenbus_relay *r, const char *path,
			   const char *token)
{
	struct relay_watch *w = &r->watches[r->nwatches];

	w->path = strdup(path);
	w->token = strdup(token);
	if (w->path && w->token) {
		r->nwatches++;
		return;
	}
	free(w->path);
	free(w->token);
}

static void forget_tx(struct xenbus_relay *r, xenbus_tx_t tx)
{
	unsigned int i;

	for (i = 0; i < r->ntx; i++)
		if (r->tx[i] == tx) {
			r->tx[i] = r->tx[--r->ntx];
			return;
		}
}

/* --- forwarding ---------------------------------------------------------- */

static bool forwarded_as_is(uint32_t type)
{
	switch (type) {
	case XPV_XS_READ:
	case XPV_XS_WRITE:
	case XPV_XS_MKDIR:
	case XPV_XS_RM:
	case XPV_XS_DIRECTORY:
	case XPV_XS_DIRECTORY_PART:
	case XPV_XS_GET_PERMS:
	case XPV_XS_SET_PERMS:
	case XPV_XS_GET_DOMAIN_PATH:
	case XPV_XS_TRANSACTION_END:
		return true;
	default:
		return false;
	}
}

/* Send the request on, the reply (or its error) back; xenstore's answer
 * in *status (0 or -errno), the reply (caller frees) in *reply. 0, or
 * -EPIPE when the client could not be sent the answer. */
static int forward(struct xenbus_relay *r, const struct xpv_xsd_sockmsg *h,
		   const struct iovec *iov, unsigned int niov, char **reply,
		   int *status)
{
	struct iovec body;
	unsigned int len;

	*reply = NULL;
	*status = xb_request(r->xb, h->type, h->tx_id, iov, niov, reply, &len);
	if (*status < 0)
		return send_error(r, h, *status);
	body = (struct iovec){ *reply, len };
	return send_msg(r, h->type, h->req_id, h->tx_id, &body, 1);
}

/* "path\0token\0": both strings, else -EINVAL. */
static int watch_args(const char *body, uint32_t len, const char **path,
		      const char **token)
{
	const char *nul = memchr(body, '\0', len);

	if (!nul || !memchr(nul + 1, '\0', len - (uint32_t)(nul + 1 - body)))
		return -EINVAL;
	*path = body;
	*token = nul + 1;
	return 0;
}

static int watch(struct xenbus_relay *r, const struct xpv_xsd_sockmsg *h,
		 const char *body)
{
	const char *path, *token;
	struct iovec iov[3];
	char *reply;
	int status, ret = watch_args(body, h->len, &path, &token);

	if (!ret && h->type == XPV_XS_WATCH &&
	    r->nwatches == XENBUS_RELAY_MAX_WATCHES)
		ret = -ENOSPC;
	if (ret)
		return send_error(r, h, ret);
	iov[0] = (struct iovec){ (void *)path, strlen(path) + 1 };
	iov[1] = (struct iovec){ r->prefix, r->plen };
	iov[2] = (struct iovec){ (void *)token, strlen(token) + 1 };
	ret = forward(r, h, iov, 3, &reply, &status);
	free(reply);
	if (h->type == XPV_XS_UNWATCH)
		forget_watch(r, path, token);
	else if (!status)
		remember_watch(r, path, token);
	return ret;
}

static int transaction_start(struct xenbus_relay *r,
			     const struct xpv_xsd_sockmsg *h, const char *body)
{
	struct iovec iov = { (void *)body, h->len };
	char *reply, *end;
	unsigned long tx;
	int ret, status;

	if (r->ntx == XENBUS_RELAY_MAX_TX)
		return send_error(r, h, -ENOSPC);
	ret = forward(r, h, &iov, 1, &reply, &status);
	if (!status) {
		tx = strtoul(reply, &end, 10);
		if (end != reply && tx && tx <= UINT32_MAX)
			r->tx[r->ntx++] = (xenbus_tx_t)tx;
	}
	free(reply);
	return ret;
}

static int handle(struct xenbus_relay *r, const struct xpv_xsd_sockmsg *h,
		  const char *body)
{
	struct iovec iov = { (void *)body, h->len };
	char *reply;
	int ret, status;

	if (h->type == XPV_XS_WATCH || h->type == XPV_XS_UNWATCH)
		return watch(r, h, body);
	if (h->type == XPV_XS_TRANSACTION_START)
		return transaction_start(r, h, body);
	if (!forwarded_as_is(h->type))
		return send_error(r, h, -EINVAL);
	ret = forward(r, h, &iov, 1, &reply, &status);
	free(reply);
	/* Ended, whether committed, aborted or refused. */
	if (h->type == XPV_XS_TRANSACTION_END)
		forget_tx(r, h->tx_id);
	return ret;
}

/* --- the client's stream ----------------------------------------------------- */

int xenbus_relay_serve(struct xenbus_relay *r)
{
	size_t off = 0;
	ssize_t n;
	int ret = 0;

	n = recv(r->fd, r->in + r->in_len, sizeof(r->in) - r->in_len,
		 MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return -EPIPE;
	if (n > 0)
		r->in_len += (size_t)n;
	while (!ret && r->in_len - off >= HDR_SIZE) {
		struct xpv_xsd_sockmsg h;

		memcpy(&h, r->in + off, HDR_SIZE);
		if (h.len > XPV_XENSTORE_PAYLOAD_MAX)
			return -EPIPE; /* no longer framed */
		if (r->in_len - off - HDR_SIZE < h.len)
			break;
		ret = handle(r, &h, r->in + off + HDR_SIZE);
		off += HDR_SIZE + h.len;
	}
	memmove(r->in, r->in + off, r->in_len - off);
	r->in_len -= off;
	return ret;
}

bool xenbus_relay_event(struct xenbus_relay *r, const char *path,
			const char *token)
{
	struct iovec body[2];

	if (strncmp(token, r->prefix, r->plen))
		return false;
	token += r->plen;
	body[0] = (struct iovec){ (void *)path, strlen(path) + 1 };
	body[1] = (struct iovec){ (void *)token, strlen(token) + 1 };
	/* A client that does not read loses the event; serve says so. */
	send_msg(r, XPV_XS_WATCH_EVENT, 0, 0, body, 2);
	return true;
}

int xenbus_relay_fd(const struct xenbus_relay *r)
{
	return r->fd;
}

struct xenbus_relay *xenbus_relay_new(struct xenbus *xb, int fd,
				      const char *prefix)
{
	struct xenbus_relay *r;
	int sndbuf = SNDBUF;

	if (strlen(prefix) > PREFIX_MAX || !*prefix) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return NULL;
	}
	r->xb = xb;
	r->fd = fd;
	r->plen = strlen(prefix);
	memcpy(r->prefix, prefix, r->plen + 1);
	/* Room for every reply and event a client may have unread. */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return r;
}

void xenbus_relay_free(struct xenbus_relay *r)
{
	char token[PREFIX_MAX + XPV_XENSTORE_PAYLOAD_MAX + 1];

	if (!r)
		return;
	while (r->nwatches) {
		struct relay_watch *w = &r->watches[0];

		snprintf(token, sizeof(token), "%s%s", r->prefix, w->token);
		xenbus_unwatch(r->xb, w->path, token);
		forget_watch(r, w->path, w->token);
	}
	while (r->ntx)
		xenbus_transaction_end(r->xb, r->tx[--r->ntx], false);
	close(r->fd);
	free(r);
}
