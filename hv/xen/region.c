/*
 * region.c - the record of mappings a xen handle made.
 *
 * libxengntshr and libxenforeignmemory unmap with a bare munmap, and
 * libxengnttab trusts the count it is given, so an address passed back to
 * hv_*_unmap is checked against this record first: only a region this
 * handle mapped, with its exact page count, is ever unmapped. The grant
 * refs kept with shared and mapped regions let unshare refuse (-EBUSY) a
 * grant this same handle still has mapped, the one case user space can see.
 * Lists are short (a backend keeps a few mappings per device), so a singly
 * linked list searched linearly is enough.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

int xen_region_add(struct xen_region **list, void *addr, unsigned int count,
		   hv_domid_t domid, const hv_gref_t *refs)
{
	size_t nrefs = refs ? count : 0;
	struct xen_region *r;

	r = malloc(sizeof(*r) + nrefs * sizeof(r->refs[0]));
	if (!r)
		return -ENOMEM;
	r->addr = addr;
	r->count = count;
	r->domid = domid;
	if (nrefs)
		memcpy(r->refs, refs, nrefs * sizeof(r->refs[0]));
	r->next = *list;
	*list = r;
	return 0;
}

struct xen_region *xen_region_take(struct xen_region **list, void *addr,
				   unsigned int count)
{
	struct xen_region **pp, *r;

	for (pp = list; (r = *pp) != NULL; pp = &r->next) {
		if (r->addr != addr)
			continue;
		if (r->count != count)
			return NULL;
		*pp = r->next;
		r->next = NULL;
		return r;
	}
	return NULL;
}

bool xen_region_has_ref(const struct xen_region *list, hv_domid_t domid,
			hv_gref_t ref)
{
	const struct xen_region *r;
	unsigned int i;

	for (r = list; r; r = r->next) {
		if (r->domid != domid)
			continue;
		for (i = 0; i < r->count; i++)
			if (r->refs[i] == ref)
				return true;
	}
	return false;
}

bool xen_region_holds_ref(const struct xen_region *list, hv_gref_t ref)
{
	const struct xen_region *r;

	unsigned int i;

	for (r = list; r; r = r->next)
		for (i = 0; i < r->count; i++)
			if (r->refs[i] == ref)
				return true;
	return false;
}
