/*
 * xs_wire.c - the xenstore error table and name lookups of xs_wire.h.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ring/xs_wire.h"

/* Same entries in the same order as Xen's xsd_errors[]: clients index it
 * by position nowhere, but new errors are only ever appended there, and
 * test-ring-abi compares the two tables entry by entry. */
const struct xpv_xsd_errors xpv_xsd_errors[] = {
	{ EINVAL, "EINVAL" },	    { EACCES, "EACCES" },
	{ EEXIST, "EEXIST" },	    { EISDIR, "EISDIR" },
	{ ENOENT, "ENOENT" },	    { ENOMEM, "ENOMEM" },
	{ ENOSPC, "ENOSPC" },	    { EIO, "EIO" },
	{ ENOTEMPTY, "ENOTEMPTY" }, { ENOSYS, "ENOSYS" },
	{ EROFS, "EROFS" },	    { EBUSY, "EBUSY" },
	{ EAGAIN, "EAGAIN" },	    { EISCONN, "EISCONN" },
	{ E2BIG, "E2BIG" },	    { EPERM, "EPERM" },
};

const unsigned int xpv_xsd_nr_errors =
	sizeof(xpv_xsd_errors) / sizeof(xpv_xsd_errors[0]);

const char *xpv_xsd_error_name(int errnum)
{
	unsigned int i;

	for (i = 0; i < xpv_xsd_nr_errors; i++)
		if (xpv_xsd_errors[i].errnum == errnum)
			return xpv_xsd_errors[i].errstring;
	return "EINVAL";
}

int xpv_xsd_error_errno(const char *name, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < xpv_xsd_nr_errors; i++) {
		const char *s = xpv_xsd_errors[i].errstring;

		if (strlen(s) == len && memcmp(s, name, len) == 0)
			return xpv_xsd_errors[i].errnum;
	}
	return EINVAL;
}

static const char *const type_names[XPV_XS_TYPE_COUNT] = {
	[XPV_XS_CONTROL] = "CONTROL",
	[XPV_XS_DIRECTORY] = "DIRECTORY",
	[XPV_XS_READ] = "READ",
	[XPV_XS_GET_PERMS] = "GET_PERMS",
	[XPV_XS_WATCH] = "WATCH",
	[XPV_XS_UNWATCH] = "UNWATCH",
	[XPV_XS_TRANSACTION_START] = "TRANSACTION_START",
	[XPV_XS_TRANSACTION_END] = "TRANSACTION_END",
	[XPV_XS_INTRODUCE] = "INTRODUCE",
	[XPV_XS_RELEASE] = "RELEASE",
	[XPV_XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XPV_XS_WRITE] = "WRITE",
	[XPV_XS_MKDIR] = "MKDIR",
	[XPV_XS_RM] = "RM",
	[XPV_XS_SET_PERMS] = "SET_PERMS",
	[XPV_XS_WATCH_EVENT] = "WATCH_EVENT",
	[XPV_XS_ERROR] = "ERROR",
	[XPV_XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XPV_XS_RESUME] = "RESUME",
	[XPV_XS_SET_TARGET] = "SET_TARGET",
	[XPV_XS_RESET_WATCHES] = "RESET_WATCHES",
	[XPV_XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

const char *xpv_xsd_type_name(uint32_t type)
{
	if (type >= XPV_XS_TYPE_COUNT)
		return NULL;
	return type_names[type];
}
