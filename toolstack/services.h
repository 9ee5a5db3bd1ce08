/*
 * services.h - dom0's daemons, as `xpv up` / `down` / `status` see them:
 * xpv-hv (sim only), xpv-xenstored, and the backends xpv-blkback,
 * xpv-netback and xpv-consoled (each started when it is built).
 *
 * Each runs in the background with its pid in $XPV_RUNDIR/NAME.pid and
 * its output in $XPV_LOGDIR/NAME.log. A daemon is started in its own
 * detaching mode: it forks and its first process exits 0 once it serves
 * (socket listening, watches set), so that exit is the readiness signal.
 */
#ifndef XPV_TOOLSTACK_SERVICES_H
#define XPV_TOOLSTACK_SERVICES_H

#include "toolstack/xpv.h"

/*
 * Start every service that is not running, in dependency order, waiting
 * for each (10 s at most). Says what it started on stdout unless quiet.
 * Returns 0, or -errno after a message naming the service that failed
 * and the tail of its log.
 */
int xpv_services_up(struct xpv *x, bool quiet);

/* Whether the daemon named name (xpv-blkback...) runs; is built. */
bool xpv_service_running(struct xpv *x, const char *name);
bool xpv_service_built(struct xpv *x, const char *name);

/* True when the services create needs (hv on sim, xenstored) run. */
bool xpv_services_running(struct xpv *x);

#endif
