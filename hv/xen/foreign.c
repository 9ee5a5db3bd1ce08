/*
 * foreign.c - foreign memory on Xen (xenforeignmemory, privcmd's
 * IOCTL_PRIVCMD_MMAPBATCH_V2) and dom0's own xenstore ring.
 *
 * A foreign map is all or nothing: libxenforeignmemory returns a mapping
 * even when some frames failed (their errors in err[]), so such a mapping
 * is undone and the first frame's error returned. Frame numbers are the
 * domain's own: machine frames for a PV guest, guest frames for HVM/PVH,
 * which is why the only bound checked here is the architectural one; Xen
 * refuses a frame the domain does not own (the error is Xen's, as -errno).
 * The caller's own frames are mapped as DOMID_SELF, never by its own id.
 *
 * The xenstore ring follows Xen's xenstored on Linux dom0
 * (tools/xenstored/posix.c): one page of /proc/xen/xsd_kva mapped shared
 * read-write, the port as a decimal number in /proc/xen/xsd_port. The
 * mapping belongs to the handle: asked again it is the same, and it is
 * unmapped by hv_close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/xen/xen.h"

#define XSD_KVA "/proc/xen/xsd_kva"
#define XSD_PORT "/proc/xen/xsd_port"

static int first_error(const int *errs, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (errs[i])
			return errs[i] < 0 ? errs[i] : -errs[i];
	return 0;
}

void *xen_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		      const hv_frame_t *frames, bool writable)
{
	struct hv_xen *x = to_xen(hv);
	int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
	xen_pfn_t *pfns = NULL;
	int *errs = NULL;
	void *addr = NULL;
	unsigned int i;
	int err;

	/* hv.c refuses 0; the check also tells gcc the arrays below are
	 * not empty. */
	if (count == 0)
		return hv_fail_ptr(-EINVAL);
	for (i = 0; i < count; i++)
		if (frames[i] > XEN_MAX_FRAME)
			return hv_fail_ptr(-ERANGE);
	/* Xen refuses a domain naming itself as the foreign owner
	 * (x86 get_pg_owner: -ESRCH); its own frames are DOMID_SELF's. */
	if (dom == x->hv.self)
		dom = HV_DOMID_SELF;
	pfns = malloc(count * sizeof(*pfns));
	errs = calloc(count, sizeof(*errs));
	if (!pfns || !errs) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++)
		pfns[i] = (xen_pfn_t)frames[i];
	addr = xenforeignmemory_map(x->fmem, dom, prot, count, pfns, errs);
	if (!addr) {
		err = errno ? -errno : -EIO;
		goto out;
	}
	err = first_error(errs, count);
	if (!err)
		err = xen_region_add(&x->foreign, addr, count, dom, NULL);
	if (err) {
		xenforeignmemory_unmap(x->fmem, addr, count);
		addr = NULL;
	}
out:
	free(pfns);
	free(errs);
	return addr ? addr : hv_fail_ptr(err);
}

int xen_foreign_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct hv_xen *x = to_xen(hv);
	struct xen_region *r;

	r = xen_region_take(&x->foreign, addr, count);
	if (!r)
		return -EINVAL; /* not a region hv_foreign_map returned */
	free(r);
	/* munmap of a region we mapped cannot fail in a way to undo. */
	return xenforeignmemory_unmap(x->fmem, addr, count) < 0 ? -errno : 0;
}

/* Read the port number Linux's xenfs gives for dom0's xenstore ring. */
static int read_xsd_port(hv_port_t *port)
{
	char buf[32], *end;
	unsigned long p;
	ssize_t n;
	int err, fd = open(XSD_PORT, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (n <= 0)
		return err ? err : -EINVAL;
	buf[n] = '\0';
	errno = 0;
	p = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || p == 0 ||
	    p >= XEN_MAX_PORTS)
		return -EINVAL;
	*port = (hv_port_t)p;
	return 0;
}

int xen_xenstore_local_ring(struct hv *hv, void **ring, hv_port_t *port)
{
	struct hv_xen *x = to_xen(hv);
	void *addr;
	int fd, err;

	if (!x->xsd_ring) {
		err = read_xsd_port(&x->xsd_port);
		if (err)
			return err;
		fd = open(XSD_KVA, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		addr = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		err = addr == MAP_FAILED ? -errno : 0;
		close(fd);
		if (err)
			return err;
		x->xsd_ring = addr;
	}
	*ring = x->xsd_ring;
	*port = x->xsd_port;
	return 0;
}

void xen_foreign_release_all(struct hv_xen *x)
{
	struct xen_region *r;

	while ((r = x->foreign) != NULL) {
		x->foreign = r->next;
		xenforeignmemory_unmap(x->fmem, r->addr, r->count);
		free(r);
	}
	if (x->xsd_ring) {
		munmap(x->xsd_ring, HV_PAGE_SIZE);
		x->xsd_ring = NULL;
	}
}
