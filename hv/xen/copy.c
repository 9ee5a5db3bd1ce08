/*
 * copy.c - hv_grant_copy on Xen: GNTTABOP_copy through gntdev
 * (xengnttab_grant_copy), and Xen's status codes as -errno.
 *
 * hv.c has already checked each segment (a grant side, offset + len within
 * the page, a local pointer for the local side). Linux's gntdev splits a
 * local buffer that crosses a page itself. If the whole ioctl fails (a
 * local buffer that faults), every status is set to that error; gntdev
 * works in batches, so segments of earlier batches may still have been
 * copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

/*
 * xen/grant_table.h GNTST_*. GNTST_bad_gntref is a ref beyond the
 * granter's table: -ERANGE. Xen reports a grant that is not in use, is
 * granted to another domain, or is written through while read-only all as
 * GNTST_general_error (common/grant_table.c, "Bad flags", "Attempt to
 * write-pin a r/o grant entry"): -EPERM, refined by xen_grant_status().
 */
int xen_gntst_errno(int16_t status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_general_error:
	case GNTST_permission_denied:
		return -EPERM;
	case GNTST_bad_domain:
		return -ESRCH;
	case GNTST_bad_gntref:
		return -ERANGE;
	case GNTST_bad_handle:
		return -EINVAL;
	case GNTST_bad_virt_addr:
	case GNTST_bad_dev_addr:
	case GNTST_bad_page:
		return -EFAULT;
	case GNTST_no_device_space:
		return -ENOMEM;
	case GNTST_bad_copy_arg:
	case GNTST_address_too_big:
		return -ERANGE;
	case GNTST_eagain:
		return -EAGAIN;
	case GNTST_no_space:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/*
 * For a grant of the caller's own domain the handle's record can tell
 * GNTST_general_error's cases apart: a ref it does not hold is no grant at
 * all (ended, or never made), -ENOENT. Another process of the same domain
 * may hold that ref, granted elsewhere; Xen does not say, and user space
 * cannot read its own grant table (XENMEM_acquire_resource refuses the
 * caller's own domain), so that case reads -ENOENT too.
 */
int xen_grant_status(const struct hv_xen *x, int16_t status, hv_domid_t dom,
		     hv_gref_t ref)
{
	if (status == GNTST_general_error &&
	    xen_domid(x, dom) == xen_domid(x, HV_DOMID_SELF) &&
	    !xen_region_holds_ref(x->shares, ref))
		return -ENOENT;
	return xen_gntst_errno(status);
}

/* A segment's status: refined on the side that is our own domain's. */
static int seg_status(const struct hv_xen *x, const struct hv_copy_seg *seg,
		      int16_t status)
{
	int err = xen_gntst_errno(status);

	if (seg->src.foreign)
		err = xen_grant_status(x, status, seg->src.domid, seg->src.ref);
	if (err == -EPERM && seg->dst.foreign)
		err = xen_grant_status(x, status, seg->dst.domid, seg->dst.ref);
	return err;
}

static void to_xen_ptr(const struct hv_xen *x, const struct hv_copy_ptr *p,
		       union xengnttab_copy_ptr *xp)
{
	if (p->foreign) {
		xp->foreign.ref = p->ref;
		xp->foreign.offset = p->offset;
		xp->foreign.domid = xen_domid(x, p->domid);
	} else {
		xp->virt = p->local;
	}
}

int xen_grant_copy(struct hv *hv, unsigned int count, struct hv_copy_seg *segs)
{
	struct hv_xen *x = to_xen(hv);
	xengnttab_grant_copy_segment_t *xs;
	unsigned int i;
	int err = 0;

	xs = calloc(count, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		to_xen_ptr(x, &segs[i].src, &xs[i].source);
		to_xen_ptr(x, &segs[i].dst, &xs[i].dest);
		xs[i].len = segs[i].len;
		xs[i].flags = (segs[i].src.foreign ? GNTCOPY_source_gref : 0) |
			      (segs[i].dst.foreign ? GNTCOPY_dest_gref : 0);
	}
	if (xengnttab_grant_copy(x->gnttab, count, xs) < 0)
		err = errno ? -errno : -EIO;
	for (i = 0; i < count; i++)
		segs[i].status =
			(int16_t)(err ? err :
					seg_status(x, &segs[i], xs[i].status));
	free(xs);
	return err;
}
