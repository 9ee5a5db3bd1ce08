/*
 * xenbus_open.c - find the calling domain's own xenstore.
 *
 * xen: a Linux guest (or dom0) reaches xenstored through the kernel's
 * xenbus device, /dev/xen/xenbus (older kernels: /proc/xen/xenbus), which
 * speaks the wire protocol itself.
 * sim: the guest maps its own store frame (hv_domain_start_info of
 * HV_DOMID_SELF) and signals through the store port the domain builder
 * allocated for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "frontend/xenbus_priv.h"
#include "hv/hv.h"

static struct xenbus *open_xen_device(void)
{
	static const char *const paths[] = { "/dev/xen/xenbus",
					     "/proc/xen/xenbus" };
	unsigned int i;
	int fd = -1;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd < 0; i++)
		fd = open(paths[i], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	return xenbus_open_fd(fd);
}

struct xenbus *xenbus_open(struct hv *hv)
{
	if (!hv) {
		errno = EINVAL;
		return NULL;
	}
	if (hv_platform(hv) == HV_PLATFORM_XEN)
		return open_xen_device();
	return xenbus_open_self_ring(hv);
}
