/*
 * client_fdom.c - another domain's memory and grant table as a dom0
 * process holds them: the cache of their fds, and views of the domain's
 * whole memory.
 *
 * A domain's fds are fetched once (SIM_OP_DOM_FDS) and cached with the
 * generation xpv-hv published for it; every map or copy first checks that
 * the generation in the domain table is unchanged, so once a domain is
 * destroyed (or its id reused) maps and copies fail with -ESRCH and the
 * cached fds are dropped. What was mapped from it keeps a reference, so
 * its pages stay until unmapped, as a mapped grant of a dying domain does
 * on Xen.
 *
 * The views are two mappings of the domain's whole memory, one writable
 * and one read-only, made on first use: a grant copy copies through one
 * and a grant map of consecutive frames returns an address inside one, so
 * neither makes a system call once the view exists (client_copy.c,
 * client_map.c). Address space is cheap; only the pages touched cost
 * anything (page tables).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/sim/client.h"

bool sim_fdom_alive(const struct sim_hv *s, const struct sim_fdom *f)
{
	return __atomic_load_n(&s->domtab[f->domid].gen, __ATOMIC_ACQUIRE) ==
	       f->gen;
}

void sim_fdom_put(struct sim_fdom *f)
{
	size_t bytes = (size_t)f->nr_pages * HV_PAGE_SIZE;

	if (--f->refs)
		return;
	if (f->mem)
		munmap(f->mem, bytes);
	if (f->mem_ro)
		munmap(f->mem_ro, bytes);
	munmap(f->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	munmap(f->active, SIM_NR_GREFS * sizeof(struct sim_active));
	close(f->memfd);
	free(f);
}

static void unlink_fdom(struct sim_hv *s, struct sim_fdom *f)
{
	struct sim_fdom **pp;

	for (pp = &s->fdoms; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			sim_fdom_put(f);
			return;
		}
	}
}

/* Drop the cache of every domain that is gone, so that its memory is not
 * kept alive by us once its last mapping is unmapped. */
void sim_fdom_sweep(struct sim_hv *s)
{
	struct sim_fdom *f = s->fdoms, *next;

	if (!s->domtab)
		return;
	for (; f; f = next) {
		next = f->next;
		if (!sim_fdom_alive(s, f))
			unlink_fdom(s, f);
	}
}

void sim_fdom_forget(struct sim_hv *s, hv_domid_t domid)
{
	struct sim_fdom *f;

	for (f = s->fdoms; f; f = f->next) {
		if (f->domid == domid) {
			unlink_fdom(s, f);
			return;
		}
	}
}

void sim_fdom_drop_all(struct sim_hv *s)
{
	while (s->fdoms)
		unlink_fdom(s, s->fdoms);
}

static struct sim_fdom *fetch(struct sim_hv *s, hv_domid_t domid, int *err)
{
	struct sim_req req = { .op = SIM_OP_DOM_FDS, .domid = domid };
	struct sim_fdom *f;
	struct sim_rep rep;
	int fds[SIM_MSG_FDS];

	*err = sim_rpc(s->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		       fds);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	f = calloc(1, sizeof(*f));
	if (!f || fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
		goto fail;
	f->domid = domid;
	f->gen = (uint32_t)rep.v[0];
	f->nr_pages = (uint32_t)rep.v[1];
	f->gnttab = sim_map_fd(fds[1], 0, SIM_GNTTAB_PAGES, true);
	f->active = sim_map_fd(
		fds[2], 0,
		SIM_NR_GREFS * sizeof(struct sim_active) / HV_PAGE_SIZE, true);
	if (!f->gnttab || !f->active)
		goto fail;
	f->memfd = fds[0];
	fds[0] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	f->refs = 1;
	f->next = s->fdoms;
	s->fdoms = f;
	*err = 0;
	return f;
fail:
	if (f && f->gnttab)
		munmap(f->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	if (f && f->active)
		munmap(f->active, SIM_NR_GREFS * sizeof(struct sim_active));
	free(f);
	sim_close_fds(fds, SIM_MSG_FDS);
	return NULL;
}

struct sim_fdom *sim_fdom_get(struct sim_hv *s, hv_domid_t domid, int *err)
{
	struct sim_fdom *f;

	if (domid == HV_DOMID_SELF)
		domid = s->head.self;
	if (domid >= SIM_MAX_DOMS) {
		*err = -ERANGE;
		return NULL;
	}
	sim_fdom_sweep(s);
	for (f = s->fdoms; f; f = f->next)
		if (f->domid == domid)
			return f;
	if (!__atomic_load_n(&s->domtab[domid].gen, __ATOMIC_ACQUIRE)) {
		*err = -ESRCH;
		return NULL;
	}
	return fetch(s, domid, err);
}

uint8_t *sim_fdom_view(struct sim_fdom *f, bool writable, int *err)
{
	uint8_t **view = writable ? &f->mem : &f->mem_ro;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *p;

	if (*view)
		return *view;
	p = mmap(NULL, (size_t)f->nr_pages * HV_PAGE_SIZE, prot, MAP_SHARED,
		 f->memfd, 0);
	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	*view = p;
	return p;
}
