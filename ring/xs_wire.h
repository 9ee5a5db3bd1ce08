/*
 * xs_wire.h - the xenstore wire protocol and the xenstore ring page, as
 * Xen 4.17's xen/io/xs_wire.h defines them, under xpv_ / XPV_ names.
 *
 * A message is a struct xpv_xsd_sockmsg header (four little-endian
 * uint32_t: type, req_id, tx_id, len) followed by len payload bytes, len
 * at most XPV_XENSTORE_PAYLOAD_MAX. The same bytes travel on the unix
 * socket and on a domain's ring page (struct
 * xpv_xenstore_domain_interface, read and written with ring/byte_ring.h).
 * Errors travel as XPV_XS_ERROR with the errno's name ("ENOENT\0") as
 * payload, from the table xpv_xsd_errors[] (same entries, same order as
 * Xen's xsd_errors[]).
 */
#ifndef XPV_RING_XS_WIRE_H
#define XPV_RING_XS_WIRE_H

#include <stdint.h>

enum xpv_xsd_sockmsg_type {
	XPV_XS_CONTROL = 0, /* was XS_DEBUG */
	XPV_XS_DIRECTORY = 1,
	XPV_XS_READ = 2,
	XPV_XS_GET_PERMS = 3,
	XPV_XS_WATCH = 4,
	XPV_XS_UNWATCH = 5,
	XPV_XS_TRANSACTION_START = 6,
	XPV_XS_TRANSACTION_END = 7,
	XPV_XS_INTRODUCE = 8,
	XPV_XS_RELEASE = 9,
	XPV_XS_GET_DOMAIN_PATH = 10,
	XPV_XS_WRITE = 11,
	XPV_XS_MKDIR = 12,
	XPV_XS_RM = 13,
	XPV_XS_SET_PERMS = 14,
	XPV_XS_WATCH_EVENT = 15,
	XPV_XS_ERROR = 16,
	XPV_XS_IS_DOMAIN_INTRODUCED = 17,
	XPV_XS_RESUME = 18,
	XPV_XS_SET_TARGET = 19,
	/* 20 was XS_RESTRICT, removed: a daemon answers it as unknown */
	XPV_XS_RESET_WATCHES = 21,
	XPV_XS_DIRECTORY_PART = 22,
	XPV_XS_TYPE_COUNT = 23, /* number of type values, holes included */
	XPV_XS_INVALID = 0xffff, /* guaranteed never to be a type */
};

#define XPV_XS_DEBUG XPV_XS_CONTROL

/* Old XS_WRITE flags, kept for completeness of the ABI. */
#define XPV_XS_WRITE_NONE "NONE"
#define XPV_XS_WRITE_CREATE "CREATE"
#define XPV_XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/* The header of every message, both ways. */
struct xpv_xsd_sockmsg {
	uint32_t type; /* enum xpv_xsd_sockmsg_type */
	uint32_t req_id; /* echoed in the reply */
	uint32_t tx_id; /* transaction, 0 for none */
	uint32_t len; /* payload bytes following */
};

/* Fields of an XS_WATCH_EVENT payload, in order. */
enum xpv_xs_watch_type {
	XPV_XS_WATCH_PATH = 0,
	XPV_XS_WATCH_TOKEN = 1,
};

/* An error as sent on the wire: errno value and its name. */
struct xpv_xsd_errors {
	int errnum;
	const char *errstring;
};

/* Xen's xsd_errors[] table, same order (a client looks a name up in it;
 * unknown names mean EINVAL). Defined in ring/xs_wire.c. */
extern const struct xpv_xsd_errors xpv_xsd_errors[];
extern const unsigned int xpv_xsd_nr_errors;

/* The wire name of errnum ("ENOENT"), or "EINVAL" for an errno the table
 * lacks (as xenstored's send_error does). Never NULL. */
const char *xpv_xsd_error_name(int errnum);
/* The errno for a wire name, EINVAL for an unknown one (as libxenstore's
 * get_error). name need not be NUL-terminated: len bytes are compared. */
int xpv_xsd_error_errno(const char *name, unsigned int len);
/* The name of a message type ("READ"), or NULL for an unknown value. */
const char *xpv_xsd_type_name(uint32_t type);

/* --- The ring page of a domain's xenstore connection ------------------- */

#define XPV_XENSTORE_RING_SIZE 1024
typedef uint32_t xpv_xenstore_ring_idx_t; /* XENSTORE_RING_IDX */

static inline uint32_t xpv_mask_xenstore_idx(uint32_t idx)
{
	return idx & (XPV_XENSTORE_RING_SIZE - 1); /* MASK_XENSTORE_IDX */
}

struct xpv_xenstore_domain_interface {
	char req[XPV_XENSTORE_RING_SIZE]; /* requests to the daemon */
	char rsp[XPV_XENSTORE_RING_SIZE]; /* replies and watch events */
	xpv_xenstore_ring_idx_t req_cons, req_prod;
	xpv_xenstore_ring_idx_t rsp_cons, rsp_prod;
	uint32_t server_features; /* XPV_XENSTORE_SERVER_FEATURE_* */
	uint32_t connection; /* XPV_XENSTORE_CONNECTED / _RECONNECT */
	uint32_t error; /* XPV_XENSTORE_ERROR_* */
};

/* A longer payload is a protocol violation (docs/misc/xenstore.txt). */
#define XPV_XENSTORE_PAYLOAD_MAX 4096
/* Longer paths get an error reply. */
#define XPV_XENSTORE_ABS_PATH_MAX 3072
#define XPV_XENSTORE_REL_PATH_MAX 2048

/* server_features bits */
#define XPV_XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XPV_XENSTORE_SERVER_FEATURE_ERROR 2

/* connection values */
#define XPV_XENSTORE_CONNECTED 0
#define XPV_XENSTORE_RECONNECT 1

/* error values */
#define XPV_XENSTORE_ERROR_NONE 0
#define XPV_XENSTORE_ERROR_COMM 1
#define XPV_XENSTORE_ERROR_RINGIDX 2
#define XPV_XENSTORE_ERROR_PROTO 3

#endif /* XPV_RING_XS_WIRE_H */
