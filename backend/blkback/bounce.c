/*
 * bounce.c - first-fit runs of pages in a bitmap (see bounce.h). The pool
 * is small (2048 pages: 32 words), so a scan costs less than the copy.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "backend/blkback/bounce.h"
#include "ring/ring.h"

static bool page_used(const struct blkback_bounce *b, uint32_t i)
{
	return b->used[i / 64] & (1ull << (i % 64));
}

static void mark(struct blkback_bounce *b, uint32_t first, uint32_t n,
		 bool used)
{
	uint32_t i;

	for (i = first; i < first + n; i++) {
		if (used)
			b->used[i / 64] |= 1ull << (i % 64);
		else
			b->used[i / 64] &= ~(1ull << (i % 64));
	}
}

int blkback_bounce_init(struct blkback_bounce *b, uint32_t pages)
{
	b->pages = pages;
	b->used = calloc((pages + 63) / 64, sizeof(*b->used));
	if (!b->used)
		return -ENOMEM;
	/* anonymous pages: touched only when used */
	b->base = mmap(NULL, (size_t)pages * XPV_RING_PAGE_SIZE,
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
	if (b->base == MAP_FAILED) {
		b->base = NULL;
		free(b->used);
		b->used = NULL;
		return -ENOMEM;
	}
	return 0;
}

void blkback_bounce_fini(struct blkback_bounce *b)
{
	if (b->base)
		munmap(b->base, (size_t)b->pages * XPV_RING_PAGE_SIZE);
	free(b->used);
	b->base = NULL;
	b->used = NULL;
}

int blkback_bounce_alloc(struct blkback_bounce *b, uint32_t n)
{
	uint32_t i = 0, run = 0;

	if (n == 0 || n > b->pages)
		return -EINVAL;
	while (i < b->pages) {
		if (run == 0 && i % 64 == 0 && b->used[i / 64] == ~0ull) {
			i += 64; /* a full word: skip it whole */
			continue;
		}
		run = page_used(b, i) ? 0 : run + 1;
		i++;
		if (run == n) {
			mark(b, i - n, n, true);
			return (int)(i - n);
		}
	}
	return -ENOSPC;
}

void blkback_bounce_free(struct blkback_bounce *b, uint32_t first, uint32_t n)
{
	mark(b, first, n, false);
}
