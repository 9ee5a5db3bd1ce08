/*
 * console.h - a domain's console ring page (xen/io/console.h).
 *
 * Two byte rings in one page: in (dom0 -> guest, keyboard) and out
 * (guest -> dom0, screen). Read and write them with ring/byte_ring.h,
 * which masks indices as MASK_XENCONS_IDX does (idx & (size - 1)).
 */
#ifndef XPV_RING_CONSOLE_H
#define XPV_RING_CONSOLE_H

#include <stdint.h>

typedef uint32_t xpv_xencons_ring_idx_t; /* XENCONS_RING_IDX */

#define XPV_XENCONS_IN_SIZE 1024
#define XPV_XENCONS_OUT_SIZE 2048

struct xpv_xencons_interface {
	char in[XPV_XENCONS_IN_SIZE];
	char out[XPV_XENCONS_OUT_SIZE];
	xpv_xencons_ring_idx_t in_cons, in_prod;
	xpv_xencons_ring_idx_t out_cons, out_prod;
};

/* MASK_XENCONS_IDX(idx, ring) for a ring of size bytes (a power of two). */
static inline uint32_t xpv_mask_xencons_idx(uint32_t idx, uint32_t size)
{
	return idx & (size - 1);
}

#endif /* XPV_RING_CONSOLE_H */
