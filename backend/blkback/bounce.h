/*
 * bounce.h - the bounce pool of a queue that grant-copies: page-aligned
 * memory (fit for O_DIRECT, and registered with the queue's io_uring)
 * from which each request takes one contiguous run of pages, so that its
 * data moves in one read or write however many segments it has.
 */
#ifndef XPV_BLKBACK_BOUNCE_H
#define XPV_BLKBACK_BOUNCE_H

#include <stdint.h>

struct blkback_bounce {
	uint8_t *base;
	uint32_t pages;
	uint64_t *used; /* one bit a page */
};

int blkback_bounce_init(struct blkback_bounce *b, uint32_t pages);
void blkback_bounce_fini(struct blkback_bounce *b);
/* The first page of a free run of n pages, or -ENOSPC for now. */
int blkback_bounce_alloc(struct blkback_bounce *b, uint32_t n);
void blkback_bounce_free(struct blkback_bounce *b, uint32_t first, uint32_t n);

#endif /* XPV_BLKBACK_BOUNCE_H */
