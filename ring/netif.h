/*
 * netif.h - the network device ring protocols of xen/io/netif.h.
 *
 * Three generic rings (ring/ring.h):
 *  - tx (guest -> dom0): each request names a granted buffer (gref,
 *    offset, size) holding part of a packet. The first request of a packet
 *    carries the whole packet's size; XPV_NETTXF_MORE_DATA chains the
 *    next request; XPV_NETTXF_EXTRA_INFO means the next slot holds a
 *    struct xpv_netif_extra_info (GSO, multicast, hash), which may itself
 *    chain more with XPV_NETIF_EXTRA_FLAG_MORE. Every request gets a tx
 *    response, extra slots XPV_NETIF_RSP_NULL.
 *  - rx (dom0 -> guest): the guest posts empty granted buffers as
 *    requests; dom0 copies a packet in and answers with rx responses
 *    (offset, flags, status = byte count or a negative XPV_NETIF_RSP_*);
 *    XPV_NETRXF_EXTRA_INFO puts an extra info in the next response slot.
 *  - ctrl (optional, feature-ctrl-ring): hash and gref-mapping requests.
 *
 * Constants and layouts are Xen's. The Toeplitz hash the hash extension
 * uses is xpv_netif_toeplitz_hash (netif_hash.c, in libxpvring.a).
 */
#ifndef XPV_RING_NETIF_H
#define XPV_RING_NETIF_H

#include <stdint.h>

#include "ring/ring.h"

/* Slots a back end must accept for one packet (XEN_NETIF_NR_SLOTS_MIN). */
#define XPV_NETIF_NR_SLOTS_MIN 18

/* --- ctrl ring --------------------------------------------------------- */

/* Hash types (bit numbers, and the bits) */
#define XPV_NETIF_CTRL_HASH_TYPE_IPV4_BIT 0
#define XPV_NETIF_CTRL_HASH_TYPE_IPV4 (1 << XPV_NETIF_CTRL_HASH_TYPE_IPV4_BIT)
#define XPV_NETIF_CTRL_HASH_TYPE_IPV4_TCP_BIT 1
#define XPV_NETIF_CTRL_HASH_TYPE_IPV4_TCP \
	(1 << XPV_NETIF_CTRL_HASH_TYPE_IPV4_TCP_BIT)
#define XPV_NETIF_CTRL_HASH_TYPE_IPV6_BIT 2
#define XPV_NETIF_CTRL_HASH_TYPE_IPV6 (1 << XPV_NETIF_CTRL_HASH_TYPE_IPV6_BIT)
#define XPV_NETIF_CTRL_HASH_TYPE_IPV6_TCP_BIT 3
#define XPV_NETIF_CTRL_HASH_TYPE_IPV6_TCP \
	(1 << XPV_NETIF_CTRL_HASH_TYPE_IPV6_TCP_BIT)

/* Hash algorithms */
#define XPV_NETIF_CTRL_HASH_ALGORITHM_NONE 0
#define XPV_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ 1

/*
 * The Toeplitz hash of buflen bytes of buf under a key of keylen bytes
 * (XPV_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ; the key is what
 * XPV_NETIF_CTRL_TYPE_SET_HASH_KEY set, at most 40 bytes in Linux). Key
 * bytes past keylen count as zero. Xen's xen_netif_toeplitz_hash.
 */
uint32_t xpv_netif_toeplitz_hash(const uint8_t *key, unsigned int keylen,
				 const uint8_t *buf, unsigned int buflen);

/* ctrl request types */
#define XPV_NETIF_CTRL_TYPE_INVALID 0
#define XPV_NETIF_CTRL_TYPE_GET_HASH_FLAGS 1
#define XPV_NETIF_CTRL_TYPE_SET_HASH_FLAGS 2
#define XPV_NETIF_CTRL_TYPE_SET_HASH_KEY 3
#define XPV_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE 4
#define XPV_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE 5
#define XPV_NETIF_CTRL_TYPE_SET_HASH_MAPPING 6
#define XPV_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM 7
#define XPV_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE 8
#define XPV_NETIF_CTRL_TYPE_ADD_GREF_MAPPING 9
#define XPV_NETIF_CTRL_TYPE_DEL_GREF_MAPPING 10

/* ctrl response status */
#define XPV_NETIF_CTRL_STATUS_SUCCESS 0
#define XPV_NETIF_CTRL_STATUS_NOT_SUPPORTED 1
#define XPV_NETIF_CTRL_STATUS_INVALID_PARAMETER 2
#define XPV_NETIF_CTRL_STATUS_BUFFER_OVERFLOW 3

struct xpv_netif_ctrl_request {
	uint16_t id;
	uint16_t type; /* XPV_NETIF_CTRL_TYPE_* */
	uint32_t data[3];
};

struct xpv_netif_ctrl_response {
	uint16_t id;
	uint16_t type;
	uint32_t status; /* XPV_NETIF_CTRL_STATUS_* */
	uint32_t data;
};

/* An entry of the gref mapping page of XPV_NETIF_CTRL_TYPE_ADD/DEL_GREF */
struct xpv_netif_gref {
	xpv_grant_ref_t ref;
	uint16_t flags; /* XPV_NETIF_CTRLF_GREF_READONLY */
	uint16_t status; /* XPV_NETIF_CTRL_STATUS_* */
};

#define XPV_NETIF_CTRLF_GREF_READONLY_BIT 0
#define XPV_NETIF_CTRLF_GREF_READONLY (1U << XPV_NETIF_CTRLF_GREF_READONLY_BIT)

/* --- tx ring ----------------------------------------------------------- */

/* tx request flags (bit numbers, and the bits) */
#define XPV_NETTXF_CSUM_BLANK_BIT 0 /* checksum to be filled in */
#define XPV_NETTXF_CSUM_BLANK (1U << XPV_NETTXF_CSUM_BLANK_BIT)
#define XPV_NETTXF_DATA_VALIDATED_BIT 1 /* checksum already checked */
#define XPV_NETTXF_DATA_VALIDATED (1U << XPV_NETTXF_DATA_VALIDATED_BIT)
#define XPV_NETTXF_MORE_DATA_BIT 2 /* packet continues in next request */
#define XPV_NETTXF_MORE_DATA (1U << XPV_NETTXF_MORE_DATA_BIT)
#define XPV_NETTXF_EXTRA_INFO_BIT 3 /* next slot is an extra info */
#define XPV_NETTXF_EXTRA_INFO (1U << XPV_NETTXF_EXTRA_INFO_BIT)

#define XPV_NETIF_MAX_TX_SIZE 0xFFFF

struct xpv_netif_tx_request {
	xpv_grant_ref_t gref;
	uint16_t offset;
	uint16_t flags; /* XPV_NETTXF_* */
	uint16_t id;
	uint16_t size; /* first request: the whole packet; others: this one */
};

/* extra info types */
#define XPV_NETIF_EXTRA_TYPE_NONE 0 /* never used: invalid */
#define XPV_NETIF_EXTRA_TYPE_GSO 1 /* u.gso */
#define XPV_NETIF_EXTRA_TYPE_MCAST_ADD 2 /* u.mcast */
#define XPV_NETIF_EXTRA_TYPE_MCAST_DEL 3 /* u.mcast */
#define XPV_NETIF_EXTRA_TYPE_HASH 4 /* u.hash */
#define XPV_NETIF_EXTRA_TYPE_MAX 5

/* extra info flags */
#define XPV_NETIF_EXTRA_FLAG_MORE_BIT 0 /* another extra info follows */
#define XPV_NETIF_EXTRA_FLAG_MORE (1U << XPV_NETIF_EXTRA_FLAG_MORE_BIT)

/* GSO types */
#define XPV_NETIF_GSO_TYPE_NONE 0
#define XPV_NETIF_GSO_TYPE_TCPV4 1
#define XPV_NETIF_GSO_TYPE_TCPV6 2

/* Fits a tx request slot and an rx response slot (8 bytes). */
struct xpv_netif_extra_info {
	uint8_t type; /* XPV_NETIF_EXTRA_TYPE_* */
	uint8_t flags; /* XPV_NETIF_EXTRA_FLAG_* */
	union {
		struct {
			uint16_t size; /* MSS */
			uint8_t type; /* XPV_NETIF_GSO_TYPE_* */
			uint8_t pad;
			uint16_t features; /* none defined: must be 0 */
		} gso;
		struct {
			uint8_t addr[6];
		} mcast;
		struct {
			uint8_t type; /* XPV_NETIF_CTRL_HASH_TYPE_*_BIT */
			uint8_t algorithm; /* XPV_NETIF_CTRL_HASH_ALGORITHM_* */
			uint8_t value[4]; /* little-endian */
		} hash;
		uint16_t pad[3];
	} u;
};

struct xpv_netif_tx_response {
	uint16_t id;
	int16_t status; /* XPV_NETIF_RSP_* */
};

/* --- rx ring ----------------------------------------------------------- */

struct xpv_netif_rx_request {
	uint16_t id; /* echoed in the response */
	uint16_t pad;
	xpv_grant_ref_t gref;
};

/* rx response flags (bit numbers, and the bits) */
#define XPV_NETRXF_DATA_VALIDATED_BIT 0
#define XPV_NETRXF_DATA_VALIDATED (1U << XPV_NETRXF_DATA_VALIDATED_BIT)
#define XPV_NETRXF_CSUM_BLANK_BIT 1
#define XPV_NETRXF_CSUM_BLANK (1U << XPV_NETRXF_CSUM_BLANK_BIT)
#define XPV_NETRXF_MORE_DATA_BIT 2
#define XPV_NETRXF_MORE_DATA (1U << XPV_NETRXF_MORE_DATA_BIT)
#define XPV_NETRXF_EXTRA_INFO_BIT 3
#define XPV_NETRXF_EXTRA_INFO (1U << XPV_NETRXF_EXTRA_INFO_BIT)
#define XPV_NETRXF_GSO_PREFIX_BIT 4 /* deprecated */
#define XPV_NETRXF_GSO_PREFIX (1U << XPV_NETRXF_GSO_PREFIX_BIT)

struct xpv_netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags; /* XPV_NETRXF_* */
	int16_t status; /* bytes, or XPV_NETIF_RSP_* when negative */
};

/* status */
#define XPV_NETIF_RSP_DROPPED -2
#define XPV_NETIF_RSP_ERROR -1
#define XPV_NETIF_RSP_OKAY 0
#define XPV_NETIF_RSP_NULL 1 /* the response of an extra info slot */

/* --- ring sizes -------------------------------------------------------- */

/* Slots of a tx / rx / ctrl ring of 2^order pages. */
static inline uint32_t xpv_netif_tx_ring_entries(unsigned int order)
{
	return xpv_ring_entries(xpv_ring_bytes(order),
				sizeof(struct xpv_netif_tx_request),
				sizeof(struct xpv_netif_tx_response));
}

static inline uint32_t xpv_netif_rx_ring_entries(unsigned int order)
{
	return xpv_ring_entries(xpv_ring_bytes(order),
				sizeof(struct xpv_netif_rx_request),
				sizeof(struct xpv_netif_rx_response));
}

static inline uint32_t xpv_netif_ctrl_ring_entries(unsigned int order)
{
	return xpv_ring_entries(xpv_ring_bytes(order),
				sizeof(struct xpv_netif_ctrl_request),
				sizeof(struct xpv_netif_ctrl_response));
}

/*
 * Attach to a tx / rx ring of one page (netif rings are single-page), as
 * xpv_front_ring_attach / xpv_back_ring_attach.
 */
static inline int xpv_netif_tx_front_attach(struct xpv_front_ring *r,
					    struct xpv_sring *s)
{
	return xpv_front_ring_attach(r, s, XPV_RING_PAGE_SIZE,
				     sizeof(struct xpv_netif_tx_request),
				     sizeof(struct xpv_netif_tx_response), 0);
}

static inline int xpv_netif_tx_back_attach(struct xpv_back_ring *r,
					   struct xpv_sring *s)
{
	return xpv_back_ring_attach(r, s, XPV_RING_PAGE_SIZE,
				    sizeof(struct xpv_netif_tx_request),
				    sizeof(struct xpv_netif_tx_response), 0);
}

static inline int xpv_netif_rx_front_attach(struct xpv_front_ring *r,
					    struct xpv_sring *s)
{
	return xpv_front_ring_attach(r, s, XPV_RING_PAGE_SIZE,
				     sizeof(struct xpv_netif_rx_request),
				     sizeof(struct xpv_netif_rx_response), 0);
}

static inline int xpv_netif_rx_back_attach(struct xpv_back_ring *r,
					   struct xpv_sring *s)
{
	return xpv_back_ring_attach(r, s, XPV_RING_PAGE_SIZE,
				    sizeof(struct xpv_netif_rx_request),
				    sizeof(struct xpv_netif_rx_response), 0);
}

#endif /* XPV_RING_NETIF_H */
