/*
 * domains.c - finding domains (see domains.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "toolstack/domains.h"
#include "toolstack/store.h"

void xpv_dompaths(struct xs_handle *xs, unsigned int domid,
		  struct xpv_dompaths *p)
{
	char *vm;

	p->domid = domid;
	snprintf(p->home, sizeof(p->home), "/local/domain/%u", domid);
	snprintf(p->libxl, sizeof(p->libxl), "/libxl/%u", domid);
	vm = xs ? xpv_xs_read(xs, p->home, "vm") : NULL;
	/* Only a path of the form libxl writes: the guest cannot write
	 * "vm" (its home is read-only to it), but be sure. */
	if (vm && !strncmp(vm, "/vm/", 4) && strlen(vm) < sizeof(p->vm) &&
	    !strstr(vm, ".."))
		snprintf(p->vm, sizeof(p->vm), "%s", vm);
	else
		p->vm[0] = '\0';
	free(vm);
}

void xpv_domain_dir(const struct xpv *x, unsigned int domid, const char *file,
		    char *buf, size_t len)
{
	snprintf(buf, len, "%s/domains/%u%s%s", x->rundir, domid,
		 file ? "/" : "", file ? file : "");
}

void xpv_domain_name(struct xpv *x, unsigned int domid, char *buf, size_t len)
{
	struct xs_handle *xs = xpv_xs(x);
	char home[64], *name;

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	name = xs ? xpv_xs_read(xs, home, "name") : NULL;
	snprintf(buf, len, "%s", name ? name : "(null)");
	free(name);
}

int xpv_domain_by_name(struct xpv *x, const char *name, unsigned int *domid)
{
	struct xs_handle *xs = xpv_xs(x);
	unsigned int i, n;
	char **ids;
	int ret = -ENOENT;

	if (!xs)
		return -EIO;
	ids = xs_directory(xs, XBT_NULL, "/local/domain", &n);
	for (i = 0; ids && i < n && ret; i++) {
		char home[64], *v;

		snprintf(home, sizeof(home), "/local/domain/%s", ids[i]);
		v = xpv_xs_read(xs, home, "name");
		if (v && !strcmp(v, name)) {
			*domid = strtoul(ids[i], NULL, 10);
			ret = 0;
		}
		free(v);
	}
	free(ids);
	return ret;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int xpv_domain_find(struct xpv *x, const char *q, unsigned int *domid)
{
	struct hv_dominfo info;
	struct hv *hv = xpv_hv(x);
	unsigned long id;

	if (!hv)
		return -EIO;
	if (all_digits(q) && strlen(q) < 6) {
		id = strtoul(q, NULL, 10);
		if (id < HV_DOMID_FIRST_RESERVED &&
		    hv_domain_info(hv, id, &info) == 0) {
			*domid = id;
			return 0;
		}
	} else if (!xpv_domain_by_name(x, q, domid) &&
		   hv_domain_info(hv, *domid, &info) == 0) {
		return 0;
	}
	xpv_err("%s is an invalid domain identifier: no such domain", q);
	return -ESRCH;
}
