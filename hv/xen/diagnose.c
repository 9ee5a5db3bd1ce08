/*
 * diagnose.c - why Xen refused a grant map.
 *
 * gntdev answers every refused grant with EINVAL, and hv.h promises a
 * reason. Each grant is read one byte by GNTTABOP_copy, whose status is
 * specific (ref beyond the table, no such domain); a grant that reads but
 * did not map writable is read-only. Xen's GNTST_general_error covers
 * "not in use" and "granted to someone else" alike: for another domain's
 * grant, dom0 tells them apart by reading the entry itself in the
 * granter's grant table (XENMEM_acquire_resource, grant table v1 layout of
 * xen/grant_table.h); for our own, xen_grant_status() decides.
 * This runs only after a refusal, never on the data path.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/xen/xen.h"

#define ENTRIES_PER_FRAME (HV_PAGE_SIZE / sizeof(grant_entry_v1_t))

/* Read entry `ref` of domain `dom`'s grant table; -errno if unreadable. */
static int read_entry(struct hv_xen *x, hv_domid_t dom, hv_gref_t ref,
		      grant_entry_v1_t *out)
{
	xenforeignmemory_resource_handle *res;
	const volatile grant_entry_v1_t *tab;
	void *addr = NULL;

	res = xenforeignmemory_map_resource(
		x->fmem, dom, XENMEM_resource_grant_table,
		XENMEM_resource_grant_table_id_shared, ref / ENTRIES_PER_FRAME,
		1, &addr, PROT_READ, 0);
	if (!res)
		return errno ? -errno : -EIO;
	tab = addr;
	out->flags = tab[ref % ENTRIES_PER_FRAME].flags;
	out->domid = tab[ref % ENTRIES_PER_FRAME].domid;
	out->frame = tab[ref % ENTRIES_PER_FRAME].frame;
	xenforeignmemory_unmap_resource(x->fmem, res);
	return 0;
}

/* A foreign grant Xen called a general error: is its entry in use? */
static int foreign_entry_errno(struct hv_xen *x, hv_domid_t from, hv_gref_t ref)
{
	grant_entry_v1_t e = { 0 };

	if (read_entry(x, from, ref, &e) < 0)
		return -EPERM; /* cannot look: Xen's own answer */
	if ((e.flags & GTF_type_mask) != GTF_permit_access)
		return -ENOENT;
	return -EPERM; /* granted, but to another domain or read-only */
}

/* One grant, read one byte: 0 when readable, else why not. */
static int probe(struct hv_xen *x, hv_domid_t from, hv_gref_t ref)
{
	xengnttab_grant_copy_segment_t seg;
	uint8_t byte;

	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.ref = ref;
	seg.source.foreign.domid = from;
	seg.dest.virt = &byte;
	seg.len = 1;
	seg.flags = GNTCOPY_source_gref;
	if (xengnttab_grant_copy(x->gnttab, 1, &seg) < 0)
		return -EINVAL;
	if (seg.status == GNTST_general_error &&
	    from != xen_domid(x, HV_DOMID_SELF))
		return foreign_entry_errno(x, from, ref);
	return seg.status == GNTST_okay ?
		       0 :
		       xen_grant_status(x, seg.status, from, ref);
}

int xen_map_refused(struct hv_xen *x, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		err = probe(x, from, refs[i]);
		if (err)
			return err;
	}
	/* Every grant reads: the map was refused for writing. */
	return writable ? -EPERM : -EINVAL;
}
