/*
 * client_grant.c - the granting side on sim: allocate pages of the
 * domain's own memory (xpv-hv keeps the allocator, so every process of a
 * domain shares it) and write grant entries into the domain's table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/sim/client.h"

static struct sim_alloc *add_alloc(struct sim_hv *s, void *addr,
				   unsigned int npages, hv_frame_t first)
{
	struct sim_alloc *a =
		calloc(1, sizeof(*a) + npages * sizeof(a->refs[0]));

	if (!a)
		return NULL;
	a->addr = addr;
	a->npages = npages;
	a->first = first;
	a->next = s->allocs;
	s->allocs = a;
	return a;
}

static struct sim_alloc **find_alloc(struct sim_hv *s, void *addr)
{
	struct sim_alloc **pp;

	for (pp = &s->allocs; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			return pp;
	return NULL;
}

static int free_frames(struct sim_hv *s, hv_frame_t first, unsigned int n)
{
	struct sim_req req = { .op = SIM_OP_MEM_FREE, .a = first, .b = n };

	return sim_rpc(s->sock, &req, NULL, 0, NULL, 0, NULL, NULL, 0, NULL,
		       NULL);
}

static struct sim_alloc *alloc_pages(struct sim_hv *s, unsigned int npages)
{
	struct sim_req req = { .op = SIM_OP_MEM_ALLOC, .a = npages };
	struct sim_alloc *a;
	struct sim_rep rep;
	void *addr;
	int err;

	err = sim_rpc(s->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		      NULL);
	if (err)
		goto fail;
	err = -EPROTO;
	if (rep.v[0] >= s->nr_pages || npages > s->nr_pages - rep.v[0])
		goto fail;
	addr = sim_map_fd(s->memfd, rep.v[0], npages, true);
	if (!addr) {
		err = -errno;
		goto fail_free;
	}
	a = add_alloc(s, addr, npages, rep.v[0]);
	if (a)
		return a;
	err = -ENOMEM;
	munmap(addr, (size_t)npages * HV_PAGE_SIZE);
fail_free:
	free_frames(s, rep.v[0], npages);
fail:
	return hv_fail_ptr(err);
}

void *sim_mem_alloc(struct hv *hv, unsigned int npages, hv_frame_t *frames)
{
	struct sim_alloc *a = alloc_pages(to_sim(hv), npages);
	unsigned int i;

	if (!a)
		return NULL;
	for (i = 0; i < npages; i++)
		frames[i] = a->first + i;
	return a->addr;
}

static int release(struct sim_hv *s, struct sim_alloc **pp)
{
	struct sim_alloc *a = *pp;
	int err;

	err = free_frames(s, a->first, a->npages);
	munmap(a->addr, (size_t)a->npages * HV_PAGE_SIZE);
	*pp = a->next;
	free(a);
	return err;
}

int sim_mem_free(struct hv *hv, void *addr, unsigned int npages)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_alloc **pp = find_alloc(s, addr);

	if (!pp || (*pp)->npages != npages || (*pp)->shared)
		return -EINVAL;
	return release(s, pp);
}

int sim_grant_access(struct hv *hv, hv_domid_t to, hv_frame_t frame,
		     bool readonly, hv_gref_t *ref)
{
	struct sim_hv *s = to_sim(hv);
	int r;

	if (to >= SIM_MAX_DOMS)
		return -ERANGE;
	if (frame >= s->nr_pages)
		return -ERANGE;
	r = sim_gnt_grant(s->gnttab, &s->gref_hint, to, (uint32_t)frame,
			  readonly);
	if (r < 0)
		return r;
	*ref = (hv_gref_t)r;
	return 0;
}

int sim_grant_end(struct hv *hv, hv_gref_t ref)
{
	return sim_gnt_end(to_sim(hv)->gnttab, ref);
}

/* End what is still granted of a; -EBUSY if any is mapped. */
static int end_shared(struct sim_hv *s, struct sim_alloc *a)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < a->npages; i++) {
		int e;

		if (a->refs[i] == SIM_GREF_ENDED)
			continue;
		e = sim_gnt_end(s->gnttab, a->refs[i]);
		/* -ENOENT: no longer granted (we wrote over it ourselves):
		 * ended all the same. Anything else stays, and is said. */
		if (e == 0 || e == -ENOENT)
			a->refs[i] = SIM_GREF_ENDED;
		else if (!err)
			err = e;
	}
	return err;
}

void *sim_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		      bool writable, hv_gref_t *refs)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_alloc *a;
	unsigned int i;
	int err = 0;

	if (to >= SIM_MAX_DOMS)
		return hv_fail_ptr(-ERANGE);
	a = alloc_pages(s, npages);
	if (!a)
		return NULL;
	a->shared = true;
	for (i = 0; i < npages; i++)
		a->refs[i] = SIM_GREF_ENDED;
	for (i = 0; i < npages && !err; i++) {
		int r = sim_gnt_grant(s->gnttab, &s->gref_hint, to,
				      (uint32_t)(a->first + i), !writable);

		if (r < 0)
			err = r;
		else
			a->refs[i] = refs[i] = (hv_gref_t)r;
	}
	if (!err)
		return a->addr;
	/* The grantee may have guessed a ref and mapped it already: pages
	 * whose grants cannot all be ended stay allocated (freed with the
	 * domain), or a frame it still maps would be handed out again. */
	if (end_shared(s, a) == 0)
		release(s, find_alloc(s, a->addr));
	return hv_fail_ptr(err);
}

int sim_unshare_pages(struct hv *hv, void *addr, unsigned int npages)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_alloc **pp = find_alloc(s, addr);
	int err;

	if (!pp || (*pp)->npages != npages || !(*pp)->shared)
		return -EINVAL;
	/* Grants that could be ended stay ended; a later call retries the
	 * rest, as the pages stay ours until every grant is gone. */
	err = end_shared(s, *pp);
	if (err)
		return err;
	return release(s, pp);
}

/* At close: pages still granted are left to the domain (a mapper may still
 * use them), only our mapping of them goes. */
void sim_free_allocs(struct sim_hv *s)
{
	while (s->allocs) {
		struct sim_alloc *a = s->allocs;

		s->allocs = a->next;
		if (!a->shared || end_shared(s, a) == 0)
			free_frames(s, a->first, a->npages);
		munmap(a->addr, (size_t)a->npages * HV_PAGE_SIZE);
		free(a);
	}
}
