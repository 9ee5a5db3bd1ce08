/*
 * conn.h - one xenstore client connection, whatever carries its bytes.
 *
 * A transport (the unix socket in socket.c, a domain's ring in domain.c)
 * creates a connection with conn_new() and a table of byte-moving calls.
 * The connection frames xsd_sockmsg messages (io/xs_wire.h), dispatches
 * each request, and queues replies and watch events in order.
 *
 * Transport contract:
 *   - read(priv, buf, len) returns bytes read (> 0), 0 at end of stream
 *     (the peer closed: the connection is destroyed), or -errno; -EAGAIN
 *     means nothing to read now. Any other -errno destroys the connection.
 *   - write(priv, buf, len) returns bytes written (>= 0, may be short) or
 *     -errno; -EAGAIN (or a short write) means full: the transport calls
 *     conn_output_ready() when there is room again.
 *   - want_output(priv, on), optional: the connection has output queued it
 *     could not write (on) / has written it all (!on). A socket uses it to
 *     poll for EPOLLOUT; a ring, whose peer signals after consuming, may
 *     leave it NULL.
 *   - close(priv), optional: called exactly once, from conn_destroy(),
 *     whoever called that (the transport itself, the core after a protocol
 *     error or end of stream, or domain release). The transport frees its
 *     own state there and must not touch the connection afterwards.
 *
 * The transport calls conn_input_ready() when its fd/event says input may
 * be waiting (the connection then reads until -EAGAIN, or until it has
 * handled a turn of messages: then the event loop calls it back itself,
 * so other connections are served in between) and
 * conn_output_ready() when output room may have appeared. Calling either
 * spuriously is harmless.
 *
 * Identity: a connection speaks for one domain (domid) given at creation;
 * socket connections are dom0. A connection of domain 0 is privileged, as
 * is one whose domain was made the target's controller by XS_SET_TARGET
 * (for the target's nodes only; see perms.h).
 */
#ifndef XPV_XENSTORED_CONN_H
#define XPV_XENSTORED_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conn;

struct conn_transport {
	const char *name; /* for logs: "socket", "ring" */
	ssize_t (*read)(void *priv, void *buf, size_t len);
	ssize_t (*write)(void *priv, const void *buf, size_t len);
	void (*want_output)(void *priv, bool on);
	void (*close)(void *priv);
	/* A domain's ring (true) or a local socket (false): rings are what
	 * XS_SET_TARGET, domain quotas and release apply to. */
	bool is_domain;
	/* Optional: the socket this transport writes to, which the core
	 * may write to itself, batched with others' (no short cut may be
	 * needed by the transport's write: it must be a plain send). */
	int (*fd)(void *priv);
	/* The transport's input event is level-triggered (a socket under
	 * epoll): a short read means drained for now, so the connection does
	 * not read again just to see -EAGAIN. Otherwise it reads until
	 * -EAGAIN. */
	bool level_triggered;
};

/*
 * A new connection speaking for domid. t must outlive it. Returns NULL
 * with errno set (EINVAL for a transport without read or write, ENOMEM).
 * There is no connection limit here: socket clients are bounded by the
 * daemon's fd limit (socket.c), domains by their domids (domain.c).
 */
struct conn *conn_new(const struct conn_transport *t, void *priv,
		      unsigned int domid);
/* Tear down: its watches and open transactions go, then t->close(priv).
 * Safe to call from inside a callback of this connection. */
void conn_destroy(struct conn *conn);

void conn_input_ready(struct conn *conn);
void conn_output_ready(struct conn *conn);

unsigned int conn_domid(const struct conn *conn);
/* A read-only connection (the --ro-socket) gets EROFS on every change. */
void conn_set_readonly(struct conn *conn, bool ro);
/* Stop (true) or resume (false) processing this connection's input, e.g.
 * while its domain is suspended; output still flows. */
void conn_set_stalled(struct conn *conn, bool stalled);
void *conn_transport_priv(const struct conn *conn);

/* The domain connection (t->is_domain) of domid, or NULL. */
struct conn *conn_find_domain(unsigned int domid);

/* Destroy every connection (at exit). */
void conn_destroy_all(void);

/*
 * Batched writes: with a batch writer set, connections' output is written
 * once per round of the event loop (conn_resume_all(), the loop's pending
 * hook), the sockets' writes (transports with an fd) all through one call
 * of fn, which fills each res with the bytes written or -errno (-EAGAIN:
 * full) and returns 0, or -errno if it wrote nothing. Without one (the
 * default), output is written after each request.
 */
struct conn_batch_write {
	int fd;
	const void *buf;
	size_t len;
	ssize_t res;
};
void conn_set_batch_writer(int (*fn)(struct conn_batch_write *v,
				     unsigned int n));

#endif /* XPV_XENSTORED_CONN_H */
