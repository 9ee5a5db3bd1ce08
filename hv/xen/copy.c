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
 * xen/grant_table.h GNTST_*. Xen reports a grant that is not granted to
 * the caller, is not in use for access, or is written through while
 * read-only as GNTST_general_error (common/grant_table.c, "Bad flags",
 * "Attempt to write-pin a r/o grant entry"), so that one is -EPERM.
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
		return -ENOENT;
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
			(int16_t)(err ? err : xen_gntst_errno(xs[i].status));
	free(xs);
	return err;
}
