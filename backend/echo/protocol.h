/*
 * backend/echo/protocol.h - the demo's split-driver device, "echo": the
 * smallest protocol that exercises everything a real PV device does. The
 * frontend grants a ring (one page, or 2^ring-page-order pages up to the
 * backend's max-ring-page-order, as blkif.h) and offers an event channel
 * in xenstore (device/echo/N/{ring-ref,event-channel}), walks the
 * XenbusState handshake with the backend, and sends requests; the backend
 * answers each with ECHO_ANSWER(value). Same conventions as blkif: a
 * request id echoed in the response, a status, notifications only when the
 * peer asked.
 */
#ifndef XPV_BACKEND_ECHO_PROTOCOL_H
#define XPV_BACKEND_ECHO_PROTOCOL_H

#include <stdint.h>

struct echo_request {
	uint64_t id;
	uint32_t value;
	uint32_t pad;
};

struct echo_response {
	uint64_t id;
	int32_t status; /* 0, or -1 for a request the backend refused */
	uint32_t value;
};

/* What the backend does to each value; the frontend checks it. */
#define ECHO_ANSWER(v) ((uint32_t)(v)*2654435761u + 1u)

/* How many requests the demo guest sends, in batches of ECHO_BATCH. */
#define ECHO_REQUESTS 100000u
#define ECHO_BATCH 32u

/* The largest ring the echo backend maps: 2^ECHO_MAX_RING_ORDER pages. */
#define ECHO_MAX_RING_ORDER 2u

#endif /* XPV_BACKEND_ECHO_PROTOCOL_H */
