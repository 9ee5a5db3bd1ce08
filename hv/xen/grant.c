/*
 * grant.c - grant tables on Xen: sharing our pages (gntalloc) and mapping
 * others' grants (gntdev).
 *
 * A Linux user-space process has no frames of its own to grant and cannot
 * see its domain's grant table: the kernel owns both. So the sim-only calls
 * that grant an arbitrary frame (hv_mem_alloc, hv_grant_access,
 * hv_grant_end) are -EOPNOTSUPP here; hv_share_pages, which lets gntalloc
 * pick the pages and write the entries, is the way to grant on Xen.
 *
 * Ending a grant the grantee still has mapped: Xen's GNTTABOP has no
 * "end access" of its own, the granting kernel clears the entry; Linux's
 * gntalloc, when the region is unmapped while the grant is in use, defers:
 * it keeps the page and ends the grant once the grantee lets go (Linux
 * drivers/xen/gntalloc.c __del_gref, gnttab_end_foreign_access). User
 * space cannot see the in-use flags, so hv_unshare_pages refuses with
 * -EBUSY only what it can see, a grant that this same handle has mapped
 * (a domain mapping its own grant); any other mapper gets Linux's deferred
 * release and the call returns 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/xen/xen.h"

void *xen_mem_alloc(struct hv *hv __attribute__((unused)),
		    unsigned int npages __attribute__((unused)),
		    hv_frame_t *frames __attribute__((unused)))
{
	return hv_fail_ptr(-EOPNOTSUPP);
}

int xen_mem_free(struct hv *hv __attribute__((unused)),
		 void *addr __attribute__((unused)),
		 unsigned int npages __attribute__((unused)))
{
	return -EOPNOTSUPP;
}

int xen_grant_access(struct hv *hv __attribute__((unused)),
		     hv_domid_t to __attribute__((unused)),
		     hv_frame_t frame __attribute__((unused)),
		     bool readonly __attribute__((unused)),
		     hv_gref_t *ref __attribute__((unused)))
{
	return -EOPNOTSUPP;
}

int xen_grant_end(struct hv *hv __attribute__((unused)),
		  hv_gref_t ref __attribute__((unused)))
{
	return -EOPNOTSUPP;
}

void *xen_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		      bool writable, hv_gref_t *refs)
{
	struct hv_xen *x = to_xen(hv);
	void *addr;
	int err;

	if (!x->gntshr)
		/* no /dev/xen/gntalloc in this domain */
		return hv_fail_ptr(-EOPNOTSUPP);
	addr = xengntshr_share_pages(x->gntshr, to, (int)npages, refs,
				     writable);
	if (!addr)
		return NULL;
	/*
	 * A forked child would inherit the gntalloc mapping and keep the
	 * grants alive after the sharer unshares them (gntalloc ends a grant
	 * when its last mapping goes). gntdev's own mappings are never copied
	 * (VM_DONTCOPY); make ours the same. Best effort: without it only a
	 * child that outlives the unshare delays the release.
	 */
	(void)madvise(addr, (size_t)npages * HV_PAGE_SIZE, MADV_DONTFORK);
	err = xen_region_add(&x->shares, addr, npages, to, refs);
	if (err) {
		xengntshr_unshare(x->gntshr, addr, npages);
		return hv_fail_ptr(err);
	}
	return addr;
}

int xen_unshare_pages(struct hv *hv, void *addr, unsigned int npages)
{
	struct hv_xen *x = to_xen(hv);
	hv_domid_t self = xen_domid(x, HV_DOMID_SELF);
	struct xen_region *r;
	unsigned int i;
	int err = 0;

	r = xen_region_take(&x->shares, addr, npages);
	if (!r)
		return -EINVAL; /* not a region hv_share_pages returned */
	for (i = 0; i < r->count; i++) {
		if (xen_region_has_ref(x->maps, self, r->refs[i])) {
			err = -EBUSY;
			goto keep;
		}
	}
	if (xengntshr_unshare(x->gntshr, addr, npages) < 0) {
		err = -errno;
		goto keep;
	}
	free(r);
	return 0;
keep:
	r->next = x->shares;
	x->shares = r;
	return err;
}

void *xen_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable)
{
	struct hv_xen *x = to_xen(hv);
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
	uint32_t *xrefs;
	void *addr;
	int err;

	from = xen_domid(x, from);
	xrefs = malloc(count * sizeof(*xrefs));
	if (!xrefs)
		return NULL;
	memcpy(xrefs, refs, count * sizeof(*xrefs));
	addr = xengnttab_map_domain_grant_refs(x->gnttab, count, from, xrefs,
					       prot);
	free(xrefs);
	if (!addr) {
		err = errno == EINVAL ?
			      xen_map_refused(x, from, count, refs, writable) :
			      -errno;
		if (!err)
			err = -EIO;
		return hv_fail_ptr(err);
	}
	err = xen_region_add(&x->maps, addr, count, from, refs);
	if (err) {
		xengnttab_unmap(x->gnttab, addr, count);
		return hv_fail_ptr(err);
	}
	return addr;
}

int xen_grant_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct hv_xen *x = to_xen(hv);
	struct xen_region *r;

	r = xen_region_take(&x->maps, addr, count);
	if (!r)
		return -EINVAL; /* not a region hv_grant_map returned */
	if (xengnttab_unmap(x->gnttab, addr, count) < 0) {
		int err = -errno;

		r->next = x->maps;
		x->maps = r;
		return err;
	}
	free(r);
	return 0;
}

void xen_grant_release_all(struct hv_xen *x)
{
	struct xen_region *r;

	while ((r = x->maps) != NULL) {
		x->maps = r->next;
		xengnttab_unmap(x->gnttab, r->addr, r->count);
		free(r);
	}
	while ((r = x->shares) != NULL) {
		x->shares = r->next;
		xengntshr_unshare(x->gntshr, r->addr, r->count);
		free(r);
	}
}
