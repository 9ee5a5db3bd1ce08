/*
 * domains.h - the toolstack's view of domains: finding one by name or id
 * (xl's domain qualifier), their names, the per-domain runtime directory
 * ($XPV_RUNDIR/domains/<domid>), and the operations several commands
 * share: build (create), tear down (destroy), the per-domain monitor.
 */
#ifndef XPV_TOOLSTACK_DOMAINS_H
#define XPV_TOOLSTACK_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>

#include "toolstack/xpv.h"

struct xpv_domcfg;

/* Directories of one domain in the store, as libxl names them. */
struct xpv_dompaths {
	unsigned int domid;
	char home[64]; /* /local/domain/N */
	char libxl[64]; /* /libxl/N */
	char vm[96]; /* /vm/UUID ("" when unknown) */
};

void xpv_dompaths(struct xs_handle *xs, unsigned int domid,
		  struct xpv_dompaths *p);

/*
 * A domain qualifier (a domid, or a name) to its id, as xl's
 * find_domain: prints "X is an invalid domain identifier" and returns
 * -ESRCH when there is none. dom0 is found too (callers refuse it where
 * xl does).
 */
int xpv_domain_find(struct xpv *x, const char *qualifier, unsigned int *domid);
/* The domid of the domain named name, or -ENOENT. */
int xpv_domain_by_name(struct xpv *x, const char *name, unsigned int *domid);
/* Its name from the store into buf ("(null)" when it has none, as xl). */
void xpv_domain_name(struct xpv *x, unsigned int domid, char *buf, size_t len);

/* $XPV_RUNDIR/domains/<domid>[/file] into buf. */
void xpv_domain_dir(const struct xpv *x, unsigned int domid, const char *file,
		    char *buf, size_t len);

/* --- destroy.c ---------------------------------------------------------- */

/*
 * Destroy a domain and everything the toolstack made for it: devices
 * (closed, hotplug "remove" run, backend and frontend directories
 * removed), the hypervisor's domain, its store directories
 * (/local/domain/N, /vm/UUID, /libxl/N) and runtime directory. Idempotent:
 * whatever is already gone is skipped, so it also finishes a half-built
 * domain. 0 or -errno (after a message).
 */
int xpv_domain_teardown(struct xpv *x, unsigned int domid);

/* Destroy every domain but dom0 (xpv down). */
void xpv_destroy_all(struct xpv *x);

#endif
