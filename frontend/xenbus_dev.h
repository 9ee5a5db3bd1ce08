/*
 * frontend/xenbus_dev.h - the guest's side of a device's XenbusState
 * handshake, written once for every frontend (echo, blkfront, netfront):
 * find the backend, grant the ring, offer an event channel, publish them
 * with the state in one transaction, wait for Connected, follow the
 * backend's Closing and Closed, and connect again.
 *
 *   dev = xenbus_dev_open(hv, xb, "device/vbd/51712");
 *   xenbus_dev_connect_ring(dev, order, extra_keys, n, timeout, &ring);
 *   ... requests on ring.sring, notifications on ring.port ...
 *   on an event with xenbus_dev_token(dev): xenbus_dev_backend_state()
 *     Closing or Closed: xenbus_dev_disconnect(), then connect again
 *   xenbus_dev_disconnect(dev, timeout); xenbus_dev_close(dev);
 *
 * The order of a connection is Linux's blkfront and netfront's: publish
 * only once the backend is in InitWait (a frontend that restarts writes
 * Initialising first and waits for the backend to come back to InitWait,
 * so the backend never mistakes an old ring for a new one); switch to
 * Connected once the backend is; on the backend's Closing, Closing then
 * Closed, and release the ring once the backend is Closed (it has
 * unmapped it by then).
 *
 * The backend's values are checked too: backend-id and the states are
 * strict decimals in range, the backend's path is bounded.
 *
 * Error convention: int functions return 0 (or the stated non-negative
 * value) or -errno; pointer functions return NULL and set errno.
 */
#ifndef XPV_FRONTEND_XENBUS_DEV_H
#define XPV_FRONTEND_XENBUS_DEV_H

#include <stdbool.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"
#include "ring/xenbus.h"

#define XENBUS_DEV_WUR __attribute__((warn_unused_result))

struct xenbus_dev;

/* A state set for xenbus_dev_wait(): XENBUS_STATE_BIT(Connected) | ... */
#define XENBUS_STATE_BIT(s) (1u << (s))

/*
 * The device whose frontend directory is dir ("device/echo/0", relative
 * to the domain's home, or absolute): reads its backend and backend-id and
 * watches the backend's state (token: xenbus_dev_token()). hv and xb must
 * outlive it. Writes nothing.
 */
struct xenbus_dev *xenbus_dev_open(struct hv *hv, struct xenbus *xb,
				   const char *dir);
/* Release what the device still holds (rings, ports, the watch); writes
 * nothing: the store says what the frontend last said. */
void xenbus_dev_close(struct xenbus_dev *dev);

const char *xenbus_dev_dir(const struct xenbus_dev *dev);
const char *xenbus_dev_backend(const struct xenbus_dev *dev);
hv_domid_t xenbus_dev_backend_id(const struct xenbus_dev *dev);
/* The token of its watch on the backend's state node. */
const char *xenbus_dev_token(const struct xenbus_dev *dev);
/* Its event channel handle (opened by the first xenbus_dev_alloc_port). */
struct hv_evtchn *xenbus_dev_evtchn(const struct xenbus_dev *dev);

/* --- The pieces ----------------------------------------------------------- */

/*
 * The backend's state now (>= 0, an enum xpv_xenbus_state; Unknown when
 * it has none), or -EBADMSG for a value that is not one.
 */
int xenbus_dev_backend_state(struct xenbus_dev *dev) XENBUS_DEV_WUR;

/*
 * Wait until the backend's state is in the set `states` (bits of
 * XENBUS_STATE_BIT) and return it; -ETIMEDOUT after timeout_ms (< 0:
 * forever). It consumes every watch event queued on xb: use it when xb
 * serves this device alone, else call xenbus_dev_backend_state() on the
 * events carrying xenbus_dev_token().
 */
int xenbus_dev_wait(struct xenbus_dev *dev, unsigned int states,
		    int timeout_ms) XENBUS_DEV_WUR;

/* An unsigned decimal the backend published (at most max). -ENOENT when
 * absent, -EINVAL when not a decimal, -ERANGE above max. */
int xenbus_dev_read_backend_uint(struct xenbus_dev *dev, const char *key,
				 unsigned long max,
				 unsigned long *value) XENBUS_DEV_WUR;

/* Write the frontend's own state. */
int xenbus_dev_switch(struct xenbus_dev *dev,
		      enum xpv_xenbus_state state) XENBUS_DEV_WUR;

/* The most rings and pages one device keeps through these helpers. */
#define XENBUS_DEV_MAX_RINGS 16u
#define XENBUS_DEV_MAX_RING_ORDER 4u

/*
 * 2^order zeroed pages granted writable to the backend, their references
 * in refs; the device frees them when the backend has let them go
 * (xenbus_dev_disconnect) or at close.
 */
void *xenbus_dev_grant_ring(struct xenbus_dev *dev, unsigned int order,
			    hv_gref_t *refs);
/* An unbound port for the backend on the device's event channel handle;
 * returns the port. */
int xenbus_dev_alloc_port(struct xenbus_dev *dev) XENBUS_DEV_WUR;

struct xenbus_dev_key {
	const char *key; /* relative to the device's directory */
	const char *value;
};

/*
 * keys[0..n) and then `state` = state, in one transaction (retried on a
 * conflict), as blkfront's talk_to_blkback publishes its ring.
 */
int xenbus_dev_publish(struct xenbus_dev *dev,
		       const struct xenbus_dev_key *keys, unsigned int n,
		       enum xpv_xenbus_state state) XENBUS_DEV_WUR;

/* --- The whole handshake for one ring and one port ------------------------ */

struct xenbus_dev_ring {
	void *sring; /* 2^order pages, initialised as an empty shared ring */
	unsigned int order;
	hv_gref_t refs[1u << XENBUS_DEV_MAX_RING_ORDER];
	int port; /* local port; notify the backend on it */
};

/*
 * Initialising; wait for the backend's InitWait; grant a 2^order-page
 * ring (order at most the backend's max-ring-page-order, else
 * -EOPNOTSUPP); offer a port; publish ring-ref (or ring-page-order and
 * ring-ref0..N), event-channel and keys[0..n) with Initialised; wait for
 * Connected and say Connected. -ECONNREFUSED when the backend closed
 * instead (its `error` node says why), -ETIMEDOUT.
 */
int xenbus_dev_connect_ring(struct xenbus_dev *dev, unsigned int order,
			    const struct xenbus_dev_key *keys, unsigned int n,
			    int timeout_ms,
			    struct xenbus_dev_ring *ring) XENBUS_DEV_WUR;

/*
 * Close the connection: Closing; wait for the backend's Closing or Closed
 * (or its disappearance); Closed; wait for the backend's Closed; then
 * release the rings and ports. Also the answer to a backend that went
 * Closing by itself. Resources are released even on -ETIMEDOUT (a ring
 * the backend still maps stays granted: -EBUSY).
 */
int xenbus_dev_disconnect(struct xenbus_dev *dev,
			  int timeout_ms) XENBUS_DEV_WUR;

/* The backend's `error` node ("<errno> <message>") into buf; -ENOENT. */
int xenbus_dev_backend_error(struct xenbus_dev *dev, char *buf,
			     unsigned int size) XENBUS_DEV_WUR;

#endif /* XPV_FRONTEND_XENBUS_DEV_H */
