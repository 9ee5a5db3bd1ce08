/*
 * backend/xenbus.h - the xenbus backend core: what every dom0 backend
 * daemon (blkback, netback, consoled, the demo's echo) links to find its
 * devices in xenstore and walk the XenbusState handshake with their
 * frontends, as Linux's xenbus_driver and QEMU's XenDevice do for theirs.
 *
 * A daemon opens one core (xpv_backend_open), names the device classes it
 * serves with an ops table each (xpv_backend_add_class), and polls
 * xpv_backend_fd() in its own event loop, calling xpv_backend_dispatch()
 * whenever it is readable. The core watches
 * /local/domain/<self>/backend/<class>/, finds each device
 * (backend/<class>/<domid>/<devid>) when it appears (also those that
 * existed before the daemon started), watches its frontend's state, and
 * drives the device's state machine (docs/backend.md, backend/state.c):
 *
 *   probe       a new device: read the toolstack's keys, publish features;
 *               the core then switches to InitWait
 *   connect     the frontend is Initialised (or Connected): read its ring
 *               references and ports, map, bind; the core then switches to
 *               Connected (after hotplug-status=connected, if asked)
 *   resume      (optional) a device found Connected, with its frontend
 *               still Connected, when the daemon starts: a daemon before
 *               it was killed; take over the ring it served
 *   disconnect  the frontend closed, went away, or restarted: stop using
 *               its ring and unmap; must be idempotent and accept a
 *               half-done connect (the core also calls it when connect
 *               failed)
 *   remove      the device's directory is gone (or it closed while
 *               offline): free what probe made; must accept a half-done
 *               probe (the core also calls it when probe failed)
 *
 * The core has no thread of its own (libxenstore runs one to read its
 * socket, as it always does when a watch is set) and calls the ops only
 * from xpv_backend_dispatch() and xpv_backend_close(), in the caller's
 * thread.
 *
 * Every value a frontend writes is hostile: the read helpers below bound
 * the length, parse numbers strictly (decimal digits only, no sign, no
 * blanks, no leading zero) and check them against a maximum before the
 * caller sees them.
 *
 * Error convention: int functions return 0 (or the stated non-negative
 * value) or -errno; pointer functions return NULL and set errno.
 */
#ifndef XPV_BACKEND_XENBUS_H
#define XPV_BACKEND_XENBUS_H

#include <stdbool.h>
#include <stddef.h>

#include "hv/hv.h"
#include "ring/xenbus.h"

#define XPV_BACKEND_WUR __attribute__((warn_unused_result))

struct xs_handle;
struct xpv_backend;
struct xpv_backend_dev;

/* When the hotplug script's `hotplug-status` must read "connected" before
 * the device may go Connected. */
enum xpv_backend_hotplug {
	XPV_HOTPLUG_NONE, /* never wait (QEMU's qdisk) */
	XPV_HOTPLUG_IF_PRESENT, /* wait when the node exists (Linux netback:
				   libxl writes it empty to ask for that) */
	XPV_HOTPLUG_REQUIRED, /* always wait */
};

struct xpv_backend_ops {
	/* Each returns 0 or -errno; dev's accessors below give the paths,
	 * domid, devid and the backend's private pointer. A probe or
	 * connect that fails having said why (xpv_backend_error or _fatal)
	 * keeps its message in the `error` node; else the core writes one
	 * ("probing the device"). */
	int (*probe)(struct xpv_backend_dev *dev);
	/* -EAGAIN: not ready yet (say, an image still opening); stay in
	 * InitWait until xpv_backend_kick(dev). */
	int (*connect)(struct xpv_backend_dev *dev);
	/* Optional: a daemon before this one was killed with the device
	 * Connected, and the frontend is still Connected on the ring it
	 * served. 0: this backend serves that ring on (the device stays
	 * Connected and nothing is written to the store: Linux's frontends
	 * have no way back from a backend that leaves Connected); -errno:
	 * it cannot (the core calls disconnect, then goes the usual way,
	 * InitWait, and calls connect). */
	int (*resume)(struct xpv_backend_dev *dev);
	void (*disconnect)(struct xpv_backend_dev *dev);
	void (*remove)(struct xpv_backend_dev *dev);
	/* Optional: told of each state the core gives the device, after it
	 * is in the store (statistics, tests). */
	void (*state_changed)(struct xpv_backend_dev *dev,
			      enum xpv_xenbus_state from,
			      enum xpv_xenbus_state to);
	enum xpv_backend_hotplug hotplug;
};

/* --- The core ------------------------------------------------------------ */

/*
 * Connect to xenstored (xs_open: $XENSTORED_PATH, else the usual socket)
 * as the backend domain self (0 in dom0). name prefixes every log line
 * ("xpv-blkback"); it is copied.
 */
struct xpv_backend *xpv_backend_open(const char *name, unsigned int self);

/*
 * Serve every device of class (e.g. "vbd") with ops; opaque is handed back
 * by xpv_backend_dev_opaque(). One daemon may add several classes (vbd and
 * qdisk), with the same ops or not. Existing devices are found on the next
 * dispatch (the watch fires once at once).
 */
int xpv_backend_add_class(struct xpv_backend *be, const char *class,
			  const struct xpv_backend_ops *ops,
			  void *opaque) XPV_BACKEND_WUR;

/* Poll this fd for POLLIN (epoll: EPOLLIN, level-triggered); owned by the
 * core. */
int xpv_backend_fd(const struct xpv_backend *be);

/*
 * Handle every queued watch event and drive each device they touched.
 * -errno only when the core cannot go on (its xenstore connection failed);
 * a device's own failures are reported in its `error` node instead.
 *
 * The ops it calls close fds and free what a daemon's epoll events point
 * at, and a frontend decides when its state changes and its notifications
 * come: call it after every other event of an epoll_wait batch, never in
 * the middle of one (else a later event of the batch is stale).
 */
int xpv_backend_dispatch(struct xpv_backend *be) XPV_BACKEND_WUR;

/*
 * Disconnect and remove every device (ops called), without writing to the
 * store: a restarted daemon finds the devices as they were and reconnects
 * to their rings. Then close the xenstore connection.
 */
void xpv_backend_close(struct xpv_backend *be);

/* The core's xenstore handle, for a backend's own reads and writes (one
 * thread at a time; do not read its watch events). */
struct xs_handle *xpv_backend_xs(struct xpv_backend *be);

/* Devices the core knows, in any state (for statistics and tests). */
unsigned int xpv_backend_count(const struct xpv_backend *be);

/* --- One device ------------------------------------------------------------ */

const char *xpv_backend_dev_class(const struct xpv_backend_dev *dev);
/* The frontend's domain, and the device's number in its class. */
unsigned int xpv_backend_dev_domid(const struct xpv_backend_dev *dev);
unsigned int xpv_backend_dev_devid(const struct xpv_backend_dev *dev);
/* "/local/domain/0/backend/vbd/1/51712" and the frontend's directory. */
const char *xpv_backend_dev_path(const struct xpv_backend_dev *dev);
const char *xpv_backend_dev_frontend(const struct xpv_backend_dev *dev);
enum xpv_xenbus_state xpv_backend_dev_state(const struct xpv_backend_dev *dev);
/* The frontend's state as last read (Unknown when it has none). */
enum xpv_xenbus_state
xpv_backend_dev_frontend_state(const struct xpv_backend_dev *dev);
struct xpv_backend *xpv_backend_dev_core(struct xpv_backend_dev *dev);
void *xpv_backend_dev_opaque(const struct xpv_backend_dev *dev);
/* The backend's own per-device pointer (NULL until set). */
void *xpv_backend_dev_priv(const struct xpv_backend_dev *dev);
void xpv_backend_dev_set_priv(struct xpv_backend_dev *dev, void *priv);

/* Drive dev again on the next dispatch (after connect said -EAGAIN). */
void xpv_backend_kick(struct xpv_backend_dev *dev);

/* --- Errors -------------------------------------------------------------- */

/*
 * As Linux's xenbus_dev_fatal: log "<path>: <message>: <strerror>"
 * (rate-limited per device, so a frontend cannot flood the log), write
 * "<errno> <message>" into the device's `error` node for the toolstack,
 * and switch the device to Closing. The core calls disconnect once the
 * frontend closes; until then the caller stops using the ring itself.
 * err is -errno.
 */
void xpv_backend_fatal(struct xpv_backend_dev *dev, int err, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));
/* The same without the state change (xenbus_dev_error). */
void xpv_backend_error(struct xpv_backend_dev *dev, int err, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));
/* A rate-limited log line about dev (stderr). */
void xpv_backend_log(struct xpv_backend_dev *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- Reading what the frontend (or the toolstack) wrote ------------------ */

/* Whose directory a key is read from. */
enum xpv_backend_side {
	XPV_FRONTEND, /* hostile: the guest writes it */
	XPV_BACKEND, /* the toolstack's and hotplug's keys, and ours */
};

/* The longest string value the helpers accept (a path, a mode, a MAC). */
#define XPV_BACKEND_VALUE_MAX 256u

/*
 * key's value as an unsigned decimal no greater than max. key may name a
 * subdirectory ("queue-1/event-channel"). -ENOENT: absent; -EINVAL: not a
 * canonical decimal; -ERANGE: above max.
 */
int xpv_backend_read_uint(struct xpv_backend_dev *dev,
			  enum xpv_backend_side side, const char *key,
			  unsigned long max,
			  unsigned long *value) XPV_BACKEND_WUR;

/*
 * key's value as a NUL-terminated string in buf (size bytes). -ENOENT;
 * -E2BIG: it does not fit; -EINVAL: it holds a NUL or a control character.
 */
int xpv_backend_read_str(struct xpv_backend_dev *dev,
			 enum xpv_backend_side side, const char *key, char *buf,
			 size_t size) XPV_BACKEND_WUR;

/* The most pages a ring may have through these helpers (order 4). */
#define XPV_BACKEND_MAX_RING_ORDER 4u
#define XPV_BACKEND_MAX_RING_PAGES (1u << XPV_BACKEND_MAX_RING_ORDER)

/*
 * A ring's grant references, as blkif.h describes them: without
 * `ring-page-order` in the frontend's directory, one page in
 * "<dir>/<name>"; with it (at most max_order, which must not exceed
 * XPV_BACKEND_MAX_RING_ORDER), 2^order pages in "<dir>/<name>0" ...
 * dir is NULL for the device's own directory, or a queue's ("queue-0").
 * refs must hold 2^max_order entries. Returns the number of pages (> 0).
 * -ERANGE: an order above max_order or a reference out of range.
 */
int xpv_backend_read_ring_refs(struct xpv_backend_dev *dev, const char *dir,
			       const char *name, unsigned int max_order,
			       hv_gref_t *refs) XPV_BACKEND_WUR;

/*
 * One grant reference, "<dir>/<name>" (dir may be NULL): for rings that
 * are always one page, such as netif's tx-ring-ref and rx-ring-ref.
 */
int xpv_backend_read_gref(struct xpv_backend_dev *dev, const char *dir,
			  const char *name, hv_gref_t *ref) XPV_BACKEND_WUR;

/*
 * An event channel port, "<dir>/<name>" (dir may be NULL), in range for
 * hv_port_t.
 */
int xpv_backend_read_port(struct xpv_backend_dev *dev, const char *dir,
			  const char *name, hv_port_t *port) XPV_BACKEND_WUR;

/*
 * How many queues the frontend asked for (`multi-queue-num-queues`): 1
 * when absent (and then its keys are in the device's directory, not in
 * queue-0/); -ERANGE for 0 or more than max. Returns the count.
 */
int xpv_backend_read_num_queues(struct xpv_backend_dev *dev,
				unsigned int max) XPV_BACKEND_WUR;

/* "queue-<n>", the directory of queue n, into buf. */
int xpv_backend_queue_dir(unsigned int n, char *buf,
			  size_t size) XPV_BACKEND_WUR;

/* --- Writing into the backend's directory ------------------------------ */

struct xpv_backend_key {
	const char *key;
	const char *value;
};

/*
 * Write keys[0..n) into the device's directory in one transaction (so a
 * frontend never sees half of them), retried on a conflict. -ENOENT when
 * the directory is gone (the toolstack removed the device): nothing is
 * written then, no node comes back.
 */
int xpv_backend_write_keys(struct xpv_backend_dev *dev,
			   const struct xpv_backend_key *keys,
			   unsigned int n) XPV_BACKEND_WUR;

/* One key, printf-formatted, with the same guarantee. */
int xpv_backend_printf(struct xpv_backend_dev *dev, const char *key,
		       const char *fmt, ...) XPV_BACKEND_WUR
	__attribute__((format(printf, 3, 4)));

#endif /* XPV_BACKEND_XENBUS_H */
