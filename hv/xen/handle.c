/*
 * handle.c - what every file of the xen platform asks of the handle and
 * its libraries (xen.h): the quiet logger they are opened with, and the
 * domid Xen should be given. Kept out of open.c, whose ops table points
 * at those files, so that no file serves helpers back to its callers.
 */
#include "hv/xen/xen.h"

static void quiet_vmessage(struct xentoollog_logger *logger
			   __attribute__((unused)),
			   xentoollog_level level __attribute__((unused)),
			   int errnoval __attribute__((unused)),
			   const char *context __attribute__((unused)),
			   const char *format __attribute__((unused)),
			   va_list al __attribute__((unused)))
{
}

static void quiet_destroy(struct xentoollog_logger *logger
			  __attribute__((unused)))
{
}

struct xentoollog_logger xen_quiet_logger = {
	.vmessage = quiet_vmessage,
	.progress = NULL,
	.destroy = quiet_destroy,
};

hv_domid_t xen_domid(const struct hv_xen *x, hv_domid_t d)
{
	if (d == HV_DOMID_SELF && x->hv.self != HV_DOMID_SELF)
		return x->hv.self;
	return d;
}
