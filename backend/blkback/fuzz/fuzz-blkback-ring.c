/*
 * fuzz-blkback-ring.c - libFuzzer target: xpv-blkback's request path (one
 * queue, the real code of backend/blkback with a real io_uring on a memfd
 * image) against a hostile frontend that writes whatever it likes into
 * the ring slots, the producer index, and the pages it granted.
 *
 * The grants are a table of this file's own pages standing in for the
 * hypervisor: a gref is granted if it is below NPAGES and not revoked;
 * each page is its own allocation, so AddressSanitizer catches a touch
 * outside what was granted. Invariants (abort when broken): a copy stays
 * in its page, every map is unmapped by the end, the ring is reported
 * broken at most once, the queue never fails.
 *
 * Input: one byte of set-up (bit 0: persistent grants; bits 1-2: ring
 * order 0-2; bit 3: read-only disk; bit 4: a cache of 4 persistent
 * grants), then steps, each an op byte and its operands:
 *   0 slot[112]  the frontend puts a request in its next slot and pushes
 *   1 u32        the frontend sets req_prod to anything
 *   2            the queue serves what it can (no waiting)
 *   3 u8 page, u16 off, u8 len, bytes  the frontend writes into its pages
 *   4 u8 gref    the frontend revokes a grant
 *   5            the queue serves a few times over, as I/O completes
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/blkback/blkback.h"
#include "ring/blkif.h"

#define NPAGES 64
#define IMAGE_BYTES (1u << 20)
#define MAX_ORDER 2

struct fake {
	struct blkback_grants g;
	uint8_t *page[NPAGES];
	uint8_t *ring; /* the ring's pages, not among the grants */
	bool revoked[NPAGES];
	long maps; /* pages mapped and not unmapped */
};

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool granted(struct fake *f, hv_gref_t ref)
{
	return ref < NPAGES && !f->revoked[ref];
}

static void *fake_map(struct blkback_grants *g, unsigned int count,
		      const hv_gref_t *refs,
		      bool writable __attribute__((unused)))
{
	struct fake *f = (struct fake *)g;
	uint8_t *buf;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (!granted(f, refs[i])) {
			errno = ENOENT;
			return NULL;
		}
	if (count == 1) {
		f->maps++;
		return f->page[refs[0]];
	}
	/* a multi-page map shows the pages side by side: a copy, written
	 * back at unmap (what matters here is which grefs are reachable) */
	/* the refs kept in one page more */
	buf = aligned_alloc(4096, ((size_t)count + 1) * 4096);
	if (!buf)
		return NULL;
	for (i = 0; i < count; i++)
		memcpy(buf + (size_t)i * 4096, f->page[refs[i]], 4096);
	memcpy(buf + (size_t)count * 4096, refs, sizeof(hv_gref_t) * count);
	f->maps += count;
	return buf;
}

static int fake_unmap(struct blkback_grants *g, void *addr, unsigned int count)
{
	struct fake *f = (struct fake *)g;
	hv_gref_t refs[BLKBACK_MAX_INDIRECT_SEGMENTS];
	unsigned int i;

	f->maps -= count;
	check(f->maps >= 0);
	if (count == 1)
		return 0;
	memcpy(refs, (uint8_t *)addr + (size_t)count * 4096,
	       sizeof(hv_gref_t) * count);
	for (i = 0; i < count; i++)
		memcpy(f->page[refs[i]], (uint8_t *)addr + (size_t)i * 4096,
		       4096);
	free(addr);
	return 0;
}

static int fake_copy(struct blkback_grants *g, unsigned int count,
		     struct hv_copy_seg *segs)
{
	struct fake *f = (struct fake *)g;
	unsigned int i;

	for (i = 0; i < count; i++) {
		struct hv_copy_seg *s = &segs[i];
		struct hv_copy_ptr *foreign = s->src.foreign ? &s->src :
							       &s->dst;
		uint8_t *p;

		check(s->src.foreign != s->dst.foreign);
		check((unsigned int)foreign->offset + s->len <= 4096);
		if (!granted(f, foreign->ref)) {
			s->status = -ENOENT;
			continue;
		}
		p = f->page[foreign->ref] + foreign->offset;
		if (s->src.foreign)
			memcpy(s->dst.local, p, s->len);
		else
			memcpy(p, s->src.local, s->len);
		s->status = 0;
	}
	return 0;
}

static void fake_destroy(struct blkback_grants *g)
{
	(void)g; /* the fake outlives the queue */
}

static const struct blkback_grant_ops fake_ops = {
	.map = fake_map,
	.unmap = fake_unmap,
	.copy = fake_copy,
	.destroy = fake_destroy,
};

static struct fake fake;
static char image_path[64];

static void setup_once(void)
{
	unsigned int i;
	int fd;

	if (image_path[0])
		return;
	fd = memfd_create("fuzz-blkback-image", 0);
	check(fd >= 0 && ftruncate(fd, IMAGE_BYTES) == 0);
	snprintf(image_path, sizeof(image_path), "/proc/self/fd/%d", fd);
	fake.ring = aligned_alloc(4096, 4096u << MAX_ORDER);
	check(fake.ring != NULL);
	for (i = 0; i < NPAGES; i++) {
		fake.page[i] = aligned_alloc(4096, 4096);
		check(fake.page[i] != NULL);
	}
	fake.g.ops = &fake_ops;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *dst, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

struct run {
	struct xpv_front_ring fr;
	struct blkback_queue *q;
	int broken;
};

static void on_broken(void *opaque, const char *why)
{
	struct run *r = opaque;

	(void)why;
	r->broken++;
}

static void put_slot(struct run *r, const uint8_t *slot)
{
	void *dst = xpv_front_next_request(&r->fr);

	if (!dst) /* full: the hostile frontend overwrites the oldest */
		dst = xpv_sring_slot(r->fr.sring, r->fr.nr_ents,
				     r->fr.slot_size, r->fr.req_prod_pvt);
	memcpy(dst, slot, sizeof(struct xpv_blkif_request));
	xpv_front_push_requests(&r->fr);
}

static void scribble(struct input *in)
{
	uint8_t page, len, buf[255];
	uint16_t off;

	if (!take(in, &page, 1) || !take(in, &off, 2) || !take(in, &len, 1) ||
	    !take(in, buf, len))
		return;
	off %= 4096;
	if (off + len > 4096)
		len = (uint8_t)(4096 - off);
	memcpy(fake.page[page % NPAGES] + off, buf, len);
}

static void step(struct run *r, uint8_t op, struct input *in)
{
	uint8_t slot[sizeof(struct xpv_blkif_request)];
	uint32_t v;
	uint8_t g;

	switch (op % 6) {
	case 0:
		if (take(in, slot, sizeof(slot)))
			put_slot(r, slot);
		break;
	case 1:
		if (take(in, &v, 4))
			__atomic_store_n(&r->fr.sring->req_prod, v,
					 __ATOMIC_RELEASE);
		break;
	case 2:
		check(blkback_queue_poll(r->q, false) >= 0);
		break;
	case 3:
		scribble(in);
		break;
	case 4:
		if (take(in, &g, 1))
			fake.revoked[g % NPAGES] = true;
		break;
	case 5:
		for (v = 0; v < 4; v++)
			check(blkback_queue_poll(r->q, false) >= 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct blkback_queue_config c = { 0 };
	struct img_open_args args = { .format = IMG_FMT_RAW };
	struct input in = { data, size };
	struct img *image;
	struct run r = { 0 };
	uint8_t cfg, op;

	setup_once();
	if (!take(&in, &cfg, 1))
		return 0;
	memset(fake.revoked, 0, sizeof(fake.revoked));
	fake.maps = 0;
	args.flags = cfg & 8 ? IMG_RDONLY : 0;
	image = img_open(image_path, &args, NULL, 0);
	check(image != NULL);
	memset(fake.ring, 0, 4096u << MAX_ORDER);
	xpv_sring_init((struct xpv_sring *)fake.ring);
	xpv_blkif_front_attach(&r.fr, (struct xpv_sring *)fake.ring,
			       ((cfg >> 1) & 3) % (MAX_ORDER + 1));
	c.grants = &fake.g;
	c.img = image;
	c.sring = (struct xpv_sring *)fake.ring;
	c.ring_order = ((cfg >> 1) & 3) % (MAX_ORDER + 1);
	c.persistent = cfg & 1;
	c.max_indirect_segs = BLKBACK_MAX_INDIRECT_SEGMENTS;
	c.max_pgrants = cfg & 16 ? 4 : 0;
	c.evtchn_fd = -1;
	c.broken = on_broken;
	c.opaque = &r;
	r.q = blkback_queue_create(&c);
	check(r.q != NULL);
	while (take(&in, &op, 1))
		step(&r, op, &in);
	blkback_queue_destroy(r.q); /* drains what is in flight */
	check(fake.maps == 0);
	check(r.broken <= 1);
	img_close(image);
	return 0;
}
