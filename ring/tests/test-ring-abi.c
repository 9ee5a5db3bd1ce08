/*
 * test-ring-abi - proves ring/ is Xen's ABI: every struct's size, every
 * field's offset, size and signedness, and every constant's value and type
 * against Debian's own xen/io headers (libxen-dev), compiled into this one
 * program beside ours; the xenstore error table entry by entry; ring slot
 * counts for 1 to 16 pages; and, driving Xen's ring macros and our ring
 * functions side by side through the same random traffic, identical
 * shared-ring bytes, indices and notification decisions at every step.
 * Any difference fails the test and is printed.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb() __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()
#define XEN_NETIF_DEFINE_TOEPLITZ /* Xen's hash, to compare ours with */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/blkif.h>
#include <xen/io/console.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>

#include "ring/blkif.h"
#include "ring/byte_ring.h"
#include "ring/console.h"
#include "ring/netif.h"
#include "ring/ring.h"
#include "ring/xenbus.h"
#include "ring/xs_wire.h"
#include "tests/lib/check.h"

/* What differs from Xen's: one failure line. */
static void fail(const char *what, long long ours, long long xens)
{
	check_quiet(false, "%s: ours %lld, Xen's %lld", what, ours, xens);
}

/* --- constants --------------------------------------------------------- */

struct constant {
	const char *name;
	long long ours, xens;
	int same_type;
};

#define CONST(ours, xens)                                              \
	{                                                              \
#ours, (long long)(ours), (long long)(xens),           \
			__builtin_types_compatible_p(__typeof__(ours), \
						     __typeof__(xens)) \
	}

/* A value with no type of its own in Xen (a sizeof): the value only. */
#define CONST_VALUE(ours, xens)                                \
	{                                                      \
#ours, (long long)(ours), (long long)(xens), 1 \
	}

static const struct constant constants[] = {
	CONST(XPV_BLKIF_OP_READ, BLKIF_OP_READ),
	CONST(XPV_BLKIF_OP_WRITE, BLKIF_OP_WRITE),
	CONST(XPV_BLKIF_OP_WRITE_BARRIER, BLKIF_OP_WRITE_BARRIER),
	CONST(XPV_BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_FLUSH_DISKCACHE),
	CONST(XPV_BLKIF_OP_RESERVED_1, BLKIF_OP_RESERVED_1),
	CONST(XPV_BLKIF_OP_DISCARD, BLKIF_OP_DISCARD),
	CONST(XPV_BLKIF_OP_INDIRECT, BLKIF_OP_INDIRECT),
	CONST(XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST,
	      BLKIF_MAX_SEGMENTS_PER_REQUEST),
	CONST(XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
	      BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST),
	CONST(XPV_BLKIF_DISCARD_SECURE, BLKIF_DISCARD_SECURE),
	CONST(XPV_BLKIF_RSP_EOPNOTSUPP, BLKIF_RSP_EOPNOTSUPP),
	CONST(XPV_BLKIF_RSP_ERROR, BLKIF_RSP_ERROR),
	CONST(XPV_BLKIF_RSP_OKAY, BLKIF_RSP_OKAY),
	CONST(XPV_VDISK_CDROM, VDISK_CDROM),
	CONST(XPV_VDISK_REMOVABLE, VDISK_REMOVABLE),
	CONST(XPV_VDISK_READONLY, VDISK_READONLY),
	CONST(XPV_NETIF_NR_SLOTS_MIN, XEN_NETIF_NR_SLOTS_MIN),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV4_BIT,
	      _XEN_NETIF_CTRL_HASH_TYPE_IPV4),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV4, XEN_NETIF_CTRL_HASH_TYPE_IPV4),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV4_TCP_BIT,
	      _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV4_TCP,
	      XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV6_BIT,
	      _XEN_NETIF_CTRL_HASH_TYPE_IPV6),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV6, XEN_NETIF_CTRL_HASH_TYPE_IPV6),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV6_TCP_BIT,
	      _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP),
	CONST(XPV_NETIF_CTRL_HASH_TYPE_IPV6_TCP,
	      XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP),
	CONST(XPV_NETIF_CTRL_HASH_ALGORITHM_NONE,
	      XEN_NETIF_CTRL_HASH_ALGORITHM_NONE),
	CONST(XPV_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
	      XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ),
	CONST(XPV_NETIF_CTRL_TYPE_INVALID, XEN_NETIF_CTRL_TYPE_INVALID),
	CONST(XPV_NETIF_CTRL_TYPE_GET_HASH_FLAGS,
	      XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS),
	CONST(XPV_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
	      XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS),
	CONST(XPV_NETIF_CTRL_TYPE_SET_HASH_KEY,
	      XEN_NETIF_CTRL_TYPE_SET_HASH_KEY),
	CONST(XPV_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE,
	      XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE),
	CONST(XPV_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
	      XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE),
	CONST(XPV_NETIF_CTRL_TYPE_SET_HASH_MAPPING,
	      XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING),
	CONST(XPV_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
	      XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM),
	CONST(XPV_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE,
	      XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE),
	CONST(XPV_NETIF_CTRL_TYPE_ADD_GREF_MAPPING,
	      XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING),
	CONST(XPV_NETIF_CTRL_TYPE_DEL_GREF_MAPPING,
	      XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING),
	CONST(XPV_NETIF_CTRL_STATUS_SUCCESS, XEN_NETIF_CTRL_STATUS_SUCCESS),
	CONST(XPV_NETIF_CTRL_STATUS_NOT_SUPPORTED,
	      XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED),
	CONST(XPV_NETIF_CTRL_STATUS_INVALID_PARAMETER,
	      XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER),
	CONST(XPV_NETIF_CTRL_STATUS_BUFFER_OVERFLOW,
	      XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW),
	CONST(XPV_NETIF_CTRLF_GREF_READONLY_BIT,
	      _XEN_NETIF_CTRLF_GREF_readonly),
	CONST(XPV_NETIF_CTRLF_GREF_READONLY, XEN_NETIF_CTRLF_GREF_readonly),
	CONST(XPV_NETTXF_CSUM_BLANK_BIT, _NETTXF_csum_blank),
	CONST(XPV_NETTXF_CSUM_BLANK, NETTXF_csum_blank),
	CONST(XPV_NETTXF_DATA_VALIDATED_BIT, _NETTXF_data_validated),
	CONST(XPV_NETTXF_DATA_VALIDATED, NETTXF_data_validated),
	CONST(XPV_NETTXF_MORE_DATA_BIT, _NETTXF_more_data),
	CONST(XPV_NETTXF_MORE_DATA, NETTXF_more_data),
	CONST(XPV_NETTXF_EXTRA_INFO_BIT, _NETTXF_extra_info),
	CONST(XPV_NETTXF_EXTRA_INFO, NETTXF_extra_info),
	CONST(XPV_NETIF_MAX_TX_SIZE, XEN_NETIF_MAX_TX_SIZE),
	CONST(XPV_NETIF_EXTRA_TYPE_NONE, XEN_NETIF_EXTRA_TYPE_NONE),
	CONST(XPV_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_TYPE_GSO),
	CONST(XPV_NETIF_EXTRA_TYPE_MCAST_ADD, XEN_NETIF_EXTRA_TYPE_MCAST_ADD),
	CONST(XPV_NETIF_EXTRA_TYPE_MCAST_DEL, XEN_NETIF_EXTRA_TYPE_MCAST_DEL),
	CONST(XPV_NETIF_EXTRA_TYPE_HASH, XEN_NETIF_EXTRA_TYPE_HASH),
	CONST(XPV_NETIF_EXTRA_TYPE_MAX, XEN_NETIF_EXTRA_TYPE_MAX),
	CONST(XPV_NETIF_EXTRA_FLAG_MORE_BIT, _XEN_NETIF_EXTRA_FLAG_MORE),
	CONST(XPV_NETIF_EXTRA_FLAG_MORE, XEN_NETIF_EXTRA_FLAG_MORE),
	CONST(XPV_NETIF_GSO_TYPE_NONE, XEN_NETIF_GSO_TYPE_NONE),
	CONST(XPV_NETIF_GSO_TYPE_TCPV4, XEN_NETIF_GSO_TYPE_TCPV4),
	CONST(XPV_NETIF_GSO_TYPE_TCPV6, XEN_NETIF_GSO_TYPE_TCPV6),
	CONST(XPV_NETRXF_DATA_VALIDATED_BIT, _NETRXF_data_validated),
	CONST(XPV_NETRXF_DATA_VALIDATED, NETRXF_data_validated),
	CONST(XPV_NETRXF_CSUM_BLANK_BIT, _NETRXF_csum_blank),
	CONST(XPV_NETRXF_CSUM_BLANK, NETRXF_csum_blank),
	CONST(XPV_NETRXF_MORE_DATA_BIT, _NETRXF_more_data),
	CONST(XPV_NETRXF_MORE_DATA, NETRXF_more_data),
	CONST(XPV_NETRXF_EXTRA_INFO_BIT, _NETRXF_extra_info),
	CONST(XPV_NETRXF_EXTRA_INFO, NETRXF_extra_info),
	CONST(XPV_NETRXF_GSO_PREFIX_BIT, _NETRXF_gso_prefix),
	CONST(XPV_NETRXF_GSO_PREFIX, NETRXF_gso_prefix),
	CONST(XPV_NETIF_RSP_DROPPED, NETIF_RSP_DROPPED),
	CONST(XPV_NETIF_RSP_ERROR, NETIF_RSP_ERROR),
	CONST(XPV_NETIF_RSP_OKAY, NETIF_RSP_OKAY),
	CONST(XPV_NETIF_RSP_NULL, NETIF_RSP_NULL),
	CONST(XPV_XS_DEBUG, XS_DEBUG),
	CONST(XPV_XENSTORE_RING_SIZE, XENSTORE_RING_SIZE),
	CONST(XPV_XENSTORE_PAYLOAD_MAX, XENSTORE_PAYLOAD_MAX),
	CONST(XPV_XENSTORE_ABS_PATH_MAX, XENSTORE_ABS_PATH_MAX),
	CONST(XPV_XENSTORE_REL_PATH_MAX, XENSTORE_REL_PATH_MAX),
	CONST(XPV_XENSTORE_SERVER_FEATURE_RECONNECTION,
	      XENSTORE_SERVER_FEATURE_RECONNECTION),
	CONST(XPV_XENSTORE_SERVER_FEATURE_ERROR, XENSTORE_SERVER_FEATURE_ERROR),
	CONST(XPV_XENSTORE_CONNECTED, XENSTORE_CONNECTED),
	CONST(XPV_XENSTORE_RECONNECT, XENSTORE_RECONNECT),
	CONST(XPV_XENSTORE_ERROR_NONE, XENSTORE_ERROR_NONE),
	CONST(XPV_XENSTORE_ERROR_COMM, XENSTORE_ERROR_COMM),
	CONST(XPV_XENSTORE_ERROR_RINGIDX, XENSTORE_ERROR_RINGIDX),
	CONST(XPV_XENSTORE_ERROR_PROTO, XENSTORE_ERROR_PROTO),
	CONST(XPV_XS_CONTROL, XS_CONTROL),
	CONST(XPV_XS_DIRECTORY, XS_DIRECTORY),
	CONST(XPV_XS_READ, XS_READ),
	CONST(XPV_XS_GET_PERMS, XS_GET_PERMS),
	CONST(XPV_XS_WATCH, XS_WATCH),
	CONST(XPV_XS_UNWATCH, XS_UNWATCH),
	CONST(XPV_XS_TRANSACTION_START, XS_TRANSACTION_START),
	CONST(XPV_XS_TRANSACTION_END, XS_TRANSACTION_END),
	CONST(XPV_XS_INTRODUCE, XS_INTRODUCE),
	CONST(XPV_XS_RELEASE, XS_RELEASE),
	CONST(XPV_XS_GET_DOMAIN_PATH, XS_GET_DOMAIN_PATH),
	CONST(XPV_XS_WRITE, XS_WRITE),
	CONST(XPV_XS_MKDIR, XS_MKDIR),
	CONST(XPV_XS_RM, XS_RM),
	CONST(XPV_XS_SET_PERMS, XS_SET_PERMS),
	CONST(XPV_XS_WATCH_EVENT, XS_WATCH_EVENT),
	CONST(XPV_XS_ERROR, XS_ERROR),
	CONST(XPV_XS_IS_DOMAIN_INTRODUCED, XS_IS_DOMAIN_INTRODUCED),
	CONST(XPV_XS_RESUME, XS_RESUME),
	CONST(XPV_XS_SET_TARGET, XS_SET_TARGET),
	CONST(XPV_XS_RESET_WATCHES, XS_RESET_WATCHES),
	CONST(XPV_XS_DIRECTORY_PART, XS_DIRECTORY_PART),
	CONST(XPV_XS_TYPE_COUNT, XS_TYPE_COUNT),
	CONST(XPV_XS_INVALID, XS_INVALID),
	CONST(XPV_XS_WATCH_PATH, XS_WATCH_PATH),
	CONST(XPV_XS_WATCH_TOKEN, XS_WATCH_TOKEN),
	CONST(XPV_XENBUS_STATE_UNKNOWN, XenbusStateUnknown),
	CONST(XPV_XENBUS_STATE_INITIALISING, XenbusStateInitialising),
	CONST(XPV_XENBUS_STATE_INIT_WAIT, XenbusStateInitWait),
	CONST(XPV_XENBUS_STATE_INITIALISED, XenbusStateInitialised),
	CONST(XPV_XENBUS_STATE_CONNECTED, XenbusStateConnected),
	CONST(XPV_XENBUS_STATE_CLOSING, XenbusStateClosing),
	CONST(XPV_XENBUS_STATE_CLOSED, XenbusStateClosed),
	CONST(XPV_XENBUS_STATE_RECONFIGURING, XenbusStateReconfiguring),
	CONST(XPV_XENBUS_STATE_RECONFIGURED, XenbusStateReconfigured),
	CONST_VALUE(XPV_XENCONS_IN_SIZE,
		    sizeof(((struct xencons_interface *)0)->in)),
	CONST_VALUE(XPV_XENCONS_OUT_SIZE,
		    sizeof(((struct xencons_interface *)0)->out)),
	CONST(XPV_RING_PAGE_SHIFT, XEN_PAGE_SHIFT),
};

/* Enum constants are int in both; a #define's type must match too, so
 * that arithmetic with ours behaves as with Xen's (1U << n vs 1 << n). */
static void check_constants(void)
{
	size_t i;

	for (i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
		const struct constant *c = &constants[i];

		if (c->ours != c->xens)
			fail(c->name, c->ours, c->xens);
		check_quiet(c->same_type, "%s: the type differs", c->name);
	}
	if (strcmp(XPV_XS_WRITE_NONE, XS_WRITE_NONE) ||
	    strcmp(XPV_XS_WRITE_CREATE, XS_WRITE_CREATE) ||
	    strcmp(XPV_XS_WRITE_CREATE_EXCL, XS_WRITE_CREATE_EXCL))
		fail("XPV_XS_WRITE_* strings", 0, 1);
}

/* --- structs ----------------------------------------------------------- */

struct field {
	const char *name;
	size_t ours_off, xens_off, ours_size, xens_size;
	int ours_signed, xens_signed; /* -1: not an integer */
};

#define MEMBER(type, f) (((type *)0)->f)
/* Signedness without a "< 0" that -Wtype-limits rejects for unsigned. */
#define SIGNED(t) ((t)-1 < (t)1)
/* A field, by our name and Xen's (most are the same). */
#define FIELD2(ours, of, xens, xf)                                          \
	{                                                                   \
#ours "." #of, offsetof(ours, of), offsetof(xens, xf),      \
			sizeof(MEMBER(ours, of)), sizeof(MEMBER(xens, xf)), \
			-1, -1                                              \
	}
#define FIELD(ours, xens, f) FIELD2(ours, f, xens, f)
/* An integer field: its signedness must match as well. */
#define IFIELD2(ours, of, xens, xf)                                         \
	{                                                                   \
#ours "." #of, offsetof(ours, of), offsetof(xens, xf),      \
			sizeof(MEMBER(ours, of)), sizeof(MEMBER(xens, xf)), \
			SIGNED(__typeof__(MEMBER(ours, of))),               \
			SIGNED(__typeof__(MEMBER(xens, xf)))                \
	}
#define IFIELD(ours, xens, f) IFIELD2(ours, f, xens, f)
/* The whole struct: its size, as a field at offset 0. */
#define WHOLE(ours, xens)                                                 \
	{                                                                 \
		"sizeof " #ours, 0, 0, sizeof(ours), sizeof(xens), -1, -1 \
	}

#define OB struct xpv_blkif_request
#define XB struct blkif_request
#define OD struct xpv_blkif_request_discard
#define XD struct blkif_request_discard
#define OI struct xpv_blkif_request_indirect
#define XI struct blkif_request_indirect
#define OS struct xpv_blkif_request_segment
#define XS struct blkif_request_segment
#define OR struct xpv_blkif_response
#define XR struct blkif_response
#define ORING struct xpv_sring
#define XRING struct blkif_sring
#define OTX struct xpv_netif_tx_request
#define XTX struct netif_tx_request
#define OTR struct xpv_netif_tx_response
#define XTR struct netif_tx_response
#define ORX struct xpv_netif_rx_request
#define XRX struct netif_rx_request
#define ORR struct xpv_netif_rx_response
#define XRR struct netif_rx_response
#define OEX struct xpv_netif_extra_info
#define XEX struct netif_extra_info
#define OCQ struct xpv_netif_ctrl_request
#define XCQ struct xen_netif_ctrl_request
#define OCR struct xpv_netif_ctrl_response
#define XCR struct xen_netif_ctrl_response
#define OG struct xpv_netif_gref
#define XG struct xen_netif_gref
#define OM struct xpv_xsd_sockmsg
#define XM struct xsd_sockmsg
#define OXS struct xpv_xenstore_domain_interface
#define XXS struct xenstore_domain_interface
#define OC struct xpv_xencons_interface
#define XC struct xencons_interface

static const struct field fields[] = {
	/* generic ring header */
	IFIELD(ORING, XRING, req_prod),
	IFIELD(ORING, XRING, req_event),
	IFIELD(ORING, XRING, rsp_prod),
	IFIELD(ORING, XRING, rsp_event),
	FIELD(ORING, XRING, pvt),
	IFIELD(ORING, XRING, pvt.netif.smartpoll_active),
	IFIELD(ORING, XRING, pvt.tapif_user.msg),
	FIELD(ORING, XRING, pvt.pvt_pad),
	FIELD2(ORING, pad, XRING, __pad),
	{ "struct xpv_sring.ring", offsetof(ORING, ring), offsetof(XRING, ring),
	  XPV_SRING_HEADER_SIZE, offsetof(XRING, ring), -1, -1 },
	/* blkif */
	WHOLE(OS, XS),
	IFIELD(OS, XS, gref),
	IFIELD(OS, XS, first_sect),
	IFIELD(OS, XS, last_sect),
	WHOLE(OB, XB),
	IFIELD(OB, XB, operation),
	IFIELD(OB, XB, nr_segments),
	IFIELD(OB, XB, handle),
	IFIELD(OB, XB, id),
	IFIELD(OB, XB, sector_number),
	FIELD(OB, XB, seg),
	IFIELD(OB, XB, seg[10].gref),
	IFIELD(OB, XB, seg[10].last_sect),
	WHOLE(OD, XD),
	IFIELD(OD, XD, operation),
	IFIELD(OD, XD, flag),
	IFIELD(OD, XD, handle),
	IFIELD(OD, XD, id),
	IFIELD(OD, XD, sector_number),
	IFIELD(OD, XD, nr_sectors),
	WHOLE(OI, XI),
	IFIELD(OI, XI, operation),
	IFIELD(OI, XI, indirect_op),
	IFIELD(OI, XI, nr_segments),
	IFIELD(OI, XI, id),
	IFIELD(OI, XI, sector_number),
	IFIELD(OI, XI, handle),
	FIELD(OI, XI, indirect_grefs),
	IFIELD(OI, XI, indirect_grefs[0]),
	WHOLE(OR, XR),
	IFIELD(OR, XR, id),
	IFIELD(OR, XR, operation),
	IFIELD(OR, XR, status),
	/* netif */
	WHOLE(OTX, XTX),
	IFIELD(OTX, XTX, gref),
	IFIELD(OTX, XTX, offset),
	IFIELD(OTX, XTX, flags),
	IFIELD(OTX, XTX, id),
	IFIELD(OTX, XTX, size),
	WHOLE(OTR, XTR),
	IFIELD(OTR, XTR, id),
	IFIELD(OTR, XTR, status),
	WHOLE(ORX, XRX),
	IFIELD(ORX, XRX, id),
	IFIELD(ORX, XRX, pad),
	IFIELD(ORX, XRX, gref),
	WHOLE(ORR, XRR),
	IFIELD(ORR, XRR, id),
	IFIELD(ORR, XRR, offset),
	IFIELD(ORR, XRR, flags),
	IFIELD(ORR, XRR, status),
	WHOLE(OEX, XEX),
	IFIELD(OEX, XEX, type),
	IFIELD(OEX, XEX, flags),
	FIELD(OEX, XEX, u),
	FIELD(OEX, XEX, u.gso),
	IFIELD(OEX, XEX, u.gso.size),
	IFIELD(OEX, XEX, u.gso.type),
	IFIELD(OEX, XEX, u.gso.pad),
	IFIELD(OEX, XEX, u.gso.features),
	FIELD(OEX, XEX, u.mcast),
	FIELD(OEX, XEX, u.mcast.addr),
	FIELD(OEX, XEX, u.hash),
	IFIELD(OEX, XEX, u.hash.type),
	IFIELD(OEX, XEX, u.hash.algorithm),
	FIELD(OEX, XEX, u.hash.value),
	FIELD(OEX, XEX, u.pad),
	WHOLE(OCQ, XCQ),
	IFIELD(OCQ, XCQ, id),
	IFIELD(OCQ, XCQ, type),
	FIELD(OCQ, XCQ, data),
	IFIELD(OCQ, XCQ, data[2]),
	WHOLE(OCR, XCR),
	IFIELD(OCR, XCR, id),
	IFIELD(OCR, XCR, type),
	IFIELD(OCR, XCR, status),
	IFIELD(OCR, XCR, data),
	WHOLE(OG, XG),
	IFIELD(OG, XG, ref),
	IFIELD(OG, XG, flags),
	IFIELD(OG, XG, status),
	/* xenstore */
	WHOLE(OM, XM),
	IFIELD(OM, XM, type),
	IFIELD(OM, XM, req_id),
	IFIELD(OM, XM, tx_id),
	IFIELD(OM, XM, len),
	WHOLE(OXS, XXS),
	FIELD(OXS, XXS, req),
	FIELD(OXS, XXS, rsp),
	IFIELD(OXS, XXS, req_cons),
	IFIELD(OXS, XXS, req_prod),
	IFIELD(OXS, XXS, rsp_cons),
	IFIELD(OXS, XXS, rsp_prod),
	IFIELD(OXS, XXS, server_features),
	IFIELD(OXS, XXS, connection),
	IFIELD(OXS, XXS, error),
	/* console */
	WHOLE(OC, XC),
	FIELD(OC, XC, in),
	FIELD(OC, XC, out),
	IFIELD(OC, XC, in_cons),
	IFIELD(OC, XC, in_prod),
	IFIELD(OC, XC, out_cons),
	IFIELD(OC, XC, out_prod),
	/* the typedefs */
	{ "xpv_ring_idx_t", 0, 0, sizeof(xpv_ring_idx_t), sizeof(RING_IDX),
	  SIGNED(xpv_ring_idx_t), SIGNED(RING_IDX) },
	{ "xpv_grant_ref_t", 0, 0, sizeof(xpv_grant_ref_t), sizeof(grant_ref_t),
	  SIGNED(xpv_grant_ref_t), SIGNED(grant_ref_t) },
	{ "xpv_blkif_vdev_t", 0, 0, sizeof(xpv_blkif_vdev_t),
	  sizeof(blkif_vdev_t), SIGNED(xpv_blkif_vdev_t),
	  SIGNED(blkif_vdev_t) },
	{ "xpv_blkif_sector_t", 0, 0, sizeof(xpv_blkif_sector_t),
	  sizeof(blkif_sector_t), SIGNED(xpv_blkif_sector_t),
	  SIGNED(blkif_sector_t) },
	{ "xpv_xenstore_ring_idx_t", 0, 0, sizeof(xpv_xenstore_ring_idx_t),
	  sizeof(XENSTORE_RING_IDX), SIGNED(xpv_xenstore_ring_idx_t),
	  SIGNED(XENSTORE_RING_IDX) },
	{ "xpv_xencons_ring_idx_t", 0, 0, sizeof(xpv_xencons_ring_idx_t),
	  sizeof(XENCONS_RING_IDX), SIGNED(xpv_xencons_ring_idx_t),
	  SIGNED(XENCONS_RING_IDX) },
	{ "enum xpv_xenbus_state", 0, 0, sizeof(enum xpv_xenbus_state),
	  sizeof(enum xenbus_state), -1, -1 },
	{ "enum xpv_xsd_sockmsg_type", 0, 0, sizeof(enum xpv_xsd_sockmsg_type),
	  sizeof(enum xsd_sockmsg_type), -1, -1 },
};

static void check_fields(void)
{
	char what[160];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];

		snprintf(what, sizeof(what), "%s offset", f->name);
		if (f->ours_off != f->xens_off)
			fail(what, f->ours_off, f->xens_off);
		snprintf(what, sizeof(what), "%s size", f->name);
		if (f->ours_size != f->xens_size)
			fail(what, f->ours_size, f->xens_size);
		snprintf(what, sizeof(what), "%s signedness", f->name);
		if (f->ours_signed != f->xens_signed)
			fail(what, f->ours_signed, f->xens_signed);
	}
}

/* --- the xenstore error table, index masks, ring sizes ----------------- */

static void check_errors(void)
{
	size_t n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
	size_t i;

	if (xpv_xsd_nr_errors != n)
		fail("xpv_xsd_nr_errors", xpv_xsd_nr_errors, n);
	for (i = 0; i < n && i < xpv_xsd_nr_errors; i++) {
		if (xpv_xsd_errors[i].errnum != xsd_errors[i].errnum ||
		    strcmp(xpv_xsd_errors[i].errstring,
			   xsd_errors[i].errstring) != 0) {
			check_quiet(false,
				    "xsd_errors[%zu]: ours %d %s, Xen's %d %s",
				    i, xpv_xsd_errors[i].errnum,
				    xpv_xsd_errors[i].errstring,
				    xsd_errors[i].errnum,
				    xsd_errors[i].errstring);
		}
	}
}

static void check_masks(void)
{
	struct xencons_interface xc;
	uint32_t i, idx;

	for (i = 0; i < 100000; i++) {
		idx = (uint32_t)random() * 2654435761u + i;
		if (xpv_mask_xenstore_idx(idx) != MASK_XENSTORE_IDX(idx))
			fail("xpv_mask_xenstore_idx",
			     xpv_mask_xenstore_idx(idx),
			     MASK_XENSTORE_IDX(idx));
		if (xpv_mask_xencons_idx(idx, XPV_XENCONS_IN_SIZE) !=
			    MASK_XENCONS_IDX(idx, xc.in) ||
		    xpv_mask_xencons_idx(idx, XPV_XENCONS_OUT_SIZE) !=
			    MASK_XENCONS_IDX(idx, xc.out))
			fail("xpv_mask_xencons_idx", idx, idx);
	}
}

/* Slot count of every ring for ring-page-order 0 to 4 (blkback's maximum
 * is 4), and the slot size against Xen's union of request and response. */
static void check_ring_sizes(void)
{
	char what[80];
	unsigned int o;

	if (xpv_ring_slot_size(sizeof(OB), sizeof(OR)) !=
	    sizeof(union blkif_sring_entry))
		fail("blkif slot size",
		     xpv_ring_slot_size(sizeof(OB), sizeof(OR)),
		     sizeof(union blkif_sring_entry));
	if (xpv_ring_slot_size(sizeof(OTX), sizeof(OTR)) !=
	    sizeof(union netif_tx_sring_entry))
		fail("netif tx slot size", 0, 1);
	if (xpv_ring_slot_size(sizeof(ORX), sizeof(ORR)) !=
	    sizeof(union netif_rx_sring_entry))
		fail("netif rx slot size", 0, 1);
	if (xpv_ring_slot_size(sizeof(OCQ), sizeof(OCR)) !=
	    sizeof(union xen_netif_ctrl_sring_entry))
		fail("netif ctrl slot size", 0, 1);
	for (o = 0; o <= 4; o++) {
		size_t bytes = (size_t)4096 << o;

		snprintf(what, sizeof(what), "blkif entries, order %u", o);
		if (xpv_blkif_ring_entries(o) !=
		    __CONST_RING_SIZE(blkif, bytes))
			fail(what, xpv_blkif_ring_entries(o),
			     __CONST_RING_SIZE(blkif, bytes));
		snprintf(what, sizeof(what), "netif tx entries, order %u", o);
		if (xpv_netif_tx_ring_entries(o) !=
		    __CONST_RING_SIZE(netif_tx, bytes))
			fail(what, xpv_netif_tx_ring_entries(o),
			     __CONST_RING_SIZE(netif_tx, bytes));
		snprintf(what, sizeof(what), "netif rx entries, order %u", o);
		if (xpv_netif_rx_ring_entries(o) !=
		    __CONST_RING_SIZE(netif_rx, bytes))
			fail(what, xpv_netif_rx_ring_entries(o),
			     __CONST_RING_SIZE(netif_rx, bytes));
		snprintf(what, sizeof(what), "netif ctrl entries, order %u", o);
		if (xpv_netif_ctrl_ring_entries(o) !=
		    __CONST_RING_SIZE(xen_netif_ctrl, bytes))
			fail(what, xpv_netif_ctrl_ring_entries(o),
			     __CONST_RING_SIZE(xen_netif_ctrl, bytes));
	}
}

/* The address of every slot of a netif tx ring (12-byte slots, not a
 * multiple of 8) is where Xen's RING_GET_REQUEST puts it. */
static void check_slot_addresses(void)
{
	static char page[4096] __attribute__((aligned(4096)));
	struct netif_tx_sring *xs = (struct netif_tx_sring *)page;
	struct netif_tx_front_ring xf;
	struct xpv_front_ring of;
	uint32_t i;

	SHARED_RING_INIT(xs);
	FRONT_RING_INIT(&xf, xs, sizeof(page));
	if (xpv_front_ring_attach(&of, (struct xpv_sring *)page, sizeof(page),
				  sizeof(OTX), sizeof(OTR), 0) < 0) {
		fail("netif tx attach", -1, 0);
		return;
	}
	for (i = 0; i < 2 * of.nr_ents; i++) {
		char *x = (char *)RING_GET_REQUEST(&xf, i);
		char *o = xpv_sring_slot(of.sring, of.nr_ents, of.slot_size, i);

		if (x != o)
			fail("netif tx slot offset", o - page, x - page);
	}
}

/* --- Xen's ring macros and ours, side by side -------------------------- */

struct pair {
	struct blkif_sring *xs;
	struct blkif_front_ring xf;
	struct blkif_back_ring xb;
	struct xpv_sring *os;
	struct xpv_front_ring of;
	struct xpv_back_ring ob;
	size_t bytes;
};

static int same_request(const OB *a, const XB *b)
{
	int i;

	if (a->operation != b->operation || a->nr_segments != b->nr_segments ||
	    a->handle != b->handle || a->id != b->id ||
	    a->sector_number != b->sector_number)
		return 0;
	for (i = 0; i < XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		if (a->seg[i].gref != b->seg[i].gref ||
		    a->seg[i].first_sect != b->seg[i].first_sect ||
		    a->seg[i].last_sect != b->seg[i].last_sect)
			return 0;
	return 1;
}

static void random_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = (unsigned char)random();
}

/* Our Toeplitz hash equals Xen's on random keys (short, long, empty) and
 * inputs (IPv4/IPv6 tuple lengths and others). */
static void check_toeplitz(void)
{
	uint8_t key[64], buf[64];
	unsigned int i, keylen, buflen;

	for (i = 0; i < 20000; i++) {
		keylen = random() % (sizeof(key) + 1);
		buflen = random() % (sizeof(buf) + 1);
		random_bytes(key, keylen);
		random_bytes(buf, buflen);
		if (xpv_netif_toeplitz_hash(key, keylen, buf, buflen) !=
		    xen_netif_toeplitz_hash(key, keylen, buf, buflen)) {
			fail("xpv_netif_toeplitz_hash",
			     xpv_netif_toeplitz_hash(key, keylen, buf, buflen),
			     xen_netif_toeplitz_hash(key, keylen, buf, buflen));
			return;
		}
	}
}

/* Both rings start at index start, so the run crosses 2^32. */
static int pair_init(struct pair *p, unsigned int order, RING_IDX start)
{
	p->bytes = (size_t)4096 << order;
	p->xs = aligned_alloc(4096, p->bytes);
	p->os = aligned_alloc(4096, p->bytes);
	if (!p->xs || !p->os)
		return -ENOMEM;
	memset(p->xs, 0, p->bytes);
	memset(p->os, 0, p->bytes);
	SHARED_RING_INIT(p->xs);
	p->xs->req_prod = p->xs->rsp_prod = start;
	p->xs->req_event = p->xs->rsp_event = start + 1;
	FRONT_RING_ATTACH(&p->xf, p->xs, start, p->bytes);
	BACK_RING_ATTACH(&p->xb, p->xs, start, p->bytes);
	xpv_sring_init(p->os);
	p->os->req_prod = p->os->rsp_prod = start;
	p->os->req_event = p->os->rsp_event = start + 1;
	if (xpv_blkif_front_attach(&p->of, p->os, order) < 0 ||
	    xpv_back_ring_attach(&p->ob, p->os, p->bytes, sizeof(OB),
				 sizeof(OR), start) < 0)
		return -EINVAL;
	p->of.req_prod_pvt = p->of.rsp_cons = start;
	return 0;
}

static void pair_compare(const struct pair *p, long step)
{
	char what[80];

	snprintf(what, sizeof(what), "step %ld: shared ring bytes", step);
	if (memcmp(p->xs, p->os, p->bytes) != 0)
		fail(what, 0, 1);
	snprintf(what, sizeof(what), "step %ld: private indices", step);
	if (p->of.req_prod_pvt != p->xf.req_prod_pvt ||
	    p->of.rsp_cons != p->xf.rsp_cons ||
	    p->ob.req_cons != p->xb.req_cons ||
	    p->ob.rsp_prod_pvt != p->xb.rsp_prod_pvt ||
	    p->of.nr_ents != p->xf.nr_ents || p->ob.nr_ents != p->xb.nr_ents)
		fail(what, 0, 1);
}

static void front_produce(struct pair *p, long step)
{
	unsigned int k = random() % (RING_FREE_REQUESTS(&p->xf) + 1);
	OB req;

	if (xpv_front_free_requests(&p->of) != RING_FREE_REQUESTS(&p->xf))
		fail("free requests", xpv_front_free_requests(&p->of),
		     RING_FREE_REQUESTS(&p->xf));
	while (k--) {
		void *slot = xpv_front_next_request(&p->of);

		random_bytes(&req, sizeof(req));
		if (!slot) {
			fail("next request on a non-full ring", step, 0);
			return;
		}
		memcpy(slot, &req, sizeof(req));
		memcpy(RING_GET_REQUEST(&p->xf, p->xf.req_prod_pvt), &req,
		       sizeof(req));
		p->xf.req_prod_pvt++;
	}
	if (RING_FULL(&p->xf) != xpv_front_full(&p->of))
		fail("ring full", xpv_front_full(&p->of), RING_FULL(&p->xf));
}

static void front_push(struct pair *p)
{
	int xn, on;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&p->xf, xn);
	on = xpv_front_push_requests_and_check_notify(&p->of);
	if (xn != on)
		fail("push requests: notify", on, xn);
}

static void back_consume(struct pair *p)
{
	int n = xpv_back_peek_requests(&p->ob, NULL);
	int xn = RING_HAS_UNCONSUMED_REQUESTS(&p->xb);
	int k;
	OB ours;
	XB xens;

	if (n != xn) {
		fail("unconsumed requests", n, xn);
		return;
	}
	for (k = n ? random() % (n + 1) : 0; k > 0; k--) {
		RING_COPY_REQUEST(&p->xb, p->xb.req_cons, &xens);
		p->xb.req_cons++;
		xpv_back_take_request(&p->ob, &ours);
		if (!same_request(&ours, &xens))
			fail("copied request", 0, 1);
	}
}

static void back_respond(struct pair *p)
{
	unsigned int k = random() % (p->xb.req_cons - p->xb.rsp_prod_pvt + 1);
	int xn, on;
	OR rsp;

	while (k--) {
		void *slot = xpv_back_next_response(&p->ob);

		random_bytes(&rsp, sizeof(rsp));
		if (!slot) {
			fail("next response with requests consumed", 0, 1);
			return;
		}
		memcpy(slot, &rsp, sizeof(rsp));
		memcpy(RING_GET_RESPONSE(&p->xb, p->xb.rsp_prod_pvt), &rsp,
		       sizeof(rsp));
		p->xb.rsp_prod_pvt++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&p->xb, xn);
	on = xpv_back_push_responses_and_check_notify(&p->ob);
	if (xn != on)
		fail("push responses: notify", on, xn);
}

static void front_consume(struct pair *p)
{
	int n = xpv_front_peek_responses(&p->of, NULL);
	int xn = RING_HAS_UNCONSUMED_RESPONSES(&p->xf);
	int k;
	OR ours;
	XR xens;

	if (n != xn) {
		fail("unconsumed responses", n, xn);
		return;
	}
	for (k = n ? random() % (n + 1) : 0; k > 0; k--) {
		RING_COPY_RESPONSE(&p->xf, p->xf.rsp_cons, &xens);
		p->xf.rsp_cons++;
		xpv_front_take_response(&p->of, &ours);
		if (ours.id != xens.id || ours.operation != xens.operation ||
		    ours.status != xens.status)
			fail("copied response", 0, 1);
	}
}

static void final_checks(struct pair *p)
{
	int xw, ow;

	RING_FINAL_CHECK_FOR_REQUESTS(&p->xb, xw);
	ow = xpv_back_final_check_for_requests(&p->ob);
	if (xw != ow)
		fail("final check for requests", ow, xw);
	RING_FINAL_CHECK_FOR_RESPONSES(&p->xf, xw);
	ow = xpv_front_final_check_for_responses(&p->of);
	if (xw != ow)
		fail("final check for responses", ow, xw);
}

static void check_ring_behaviour(unsigned int order, RING_IDX start, long steps)
{
	int failures_before = check_failures;
	struct pair p;
	long step;

	if (pair_init(&p, order, start) < 0) {
		fail("ring pair setup", -1, 0);
		goto out;
	}
	for (step = 0; step < steps && check_failures == failures_before;
	     step++) {
		switch (random() % 6) {
		case 0:
			front_produce(&p, step);
			break;
		case 1:
			front_push(&p);
			break;
		case 2:
			back_consume(&p);
			break;
		case 3:
			back_respond(&p);
			break;
		case 4:
			front_consume(&p);
			break;
		default:
			final_checks(&p);
			break;
		}
		pair_compare(&p, step);
	}
	if (p.xf.req_prod_pvt - start < 2 * p.of.nr_ents) {
		fail("ring behaviour: too little traffic to cross a wrap",
		     p.xf.req_prod_pvt - start, 2 * p.of.nr_ents);
	}
out:
	free(p.xs);
	free(p.os);
}

int main(void)
{
	srandom(12345);
	check_constants();
	check_fields();
	check_errors();
	check_masks();
	check_ring_sizes();
	check_slot_addresses();
	check_toeplitz();
	check_ring_behaviour(0, 0, 200000);
	check_ring_behaviour(0, 0xffffff00u, 200000);
	check_ring_behaviour(2, 0xfffff000u, 50000);
	check_ring_behaviour(4, 0x7ffffff0u, 20000);
	if (check_failures)
		return check_done();
	printf("test-ring-abi: %zu constants, %zu fields and sizes, %u error "
	       "names, ring sizes and ring behaviour all match Xen's\n",
	       sizeof(constants) / sizeof(constants[0]),
	       sizeof(fields) / sizeof(fields[0]), xpv_xsd_nr_errors);
	return 0;
}
