/*
 * balloon.c - memory/target, as a PV guest's balloon driver: the guest
 * keeps out of use what its target says it may not have, so dom0 can
 * take it back. On sim a domain's memory is a memfd of its static
 * maximum; the balloon holds the frames above the target allocated
 * (hv_mem_alloc: no other allocation gets them) and never touches them,
 * so they cost the host nothing; raising the target frees them again.
 * The hypervisor's limit (mem-set also moves the cgroup's) is what
 * enforces it; the balloon is the guest's side of the agreement.
 */
#include <errno.h>
#include <stdlib.h>

#include "frontend/guest/guest.h"
#include "frontend/xenbus.h"

#define TARGET_NODE "memory/target"
/* Pages taken in one allocation, and never given away: room for rings
 * and buffers the frontends grant. */
#define CHUNK_PAGES 256
#define KEEP_PAGES 1024

struct balloon_chunk {
	struct balloon_chunk *next;
	void *addr;
};

int guest_balloon_start(struct guest *g)
{
	struct hv_start_info si;
	int ret = hv_domain_start_info(g->hv, HV_DOMID_SELF, &si);

	if (ret)
		return ret;
	g->balloon.total_pages = si.nr_pages;
	return xenbus_watch(g->xb, TARGET_NODE, GUEST_TOKEN_BALLOON);
}

static int inflate(struct guest *g)
{
	struct balloon_chunk *c = malloc(sizeof(*c));
	hv_frame_t frames[CHUNK_PAGES];

	if (!c)
		return -ENOMEM;
	c->addr = hv_mem_alloc(g->hv, CHUNK_PAGES, frames);
	if (!c->addr) {
		free(c);
		return -errno;
	}
	c->next = g->balloon.chunks;
	g->balloon.chunks = c;
	g->balloon.held_pages += CHUNK_PAGES;
	return 0;
}

static void deflate(struct guest *g)
{
	struct balloon_chunk *c = g->balloon.chunks;

	g->balloon.chunks = c->next;
	hv_mem_free(g->hv, c->addr, CHUNK_PAGES);
	free(c);
	g->balloon.held_pages -= CHUNK_PAGES;
}

/* The target in KiB, read strictly: the toolstack's value. */
static int read_target(struct guest *g, unsigned long *kb)
{
	char *v, *end;
	int ret = xenbus_read(g->xb, XENBUS_TX_NONE, TARGET_NODE, &v, NULL);

	if (ret)
		return ret;
	*kb = strtoul(v, &end, 10);
	ret = end == v || *end ? -EINVAL : 0;
	free(v);
	return ret;
}

void guest_balloon_event(struct guest *g)
{
	struct guest_balloon *b = &g->balloon;
	unsigned long kb, want;
	int ret = read_target(g, &kb);

	if (ret)
		return;
	want = kb / 4 >= b->total_pages ? 0 : b->total_pages - kb / 4;
	if (want + KEEP_PAGES > b->total_pages)
		want = b->total_pages > KEEP_PAGES ?
			       b->total_pages - KEEP_PAGES :
			       0;
	while (b->held_pages + CHUNK_PAGES <= want && !ret)
		ret = inflate(g);
	while (b->held_pages > want && b->chunks)
		deflate(g);
	guest_log(g, "balloon: target %lu KiB; %lu of %lu pages given back%s",
		  kb, b->held_pages, b->total_pages,
		  ret ? " (no more could be taken)" : "");
}
