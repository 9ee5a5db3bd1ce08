/*
 * monitor.h - a domain's monitor (monitor.c): xl's per-domain process
 * that applies on_poweroff / on_reboot / on_crash.
 */
#ifndef XPV_TOOLSTACK_MONITOR_H
#define XPV_TOOLSTACK_MONITOR_H

#include "toolstack/xpv.h"

/*
 * Start the monitor of domain domid (named name) in the background, its
 * log $XPV_LOGDIR/xpv-<name>.log; kernel_log (or -1) is the read end of
 * the kernel's output, which it copies there. 0 or -errno.
 */
int xpv_monitor_start(struct xpv *x, const char *name, unsigned int domid,
		      int kernel_log);

/* `xpv _monitor DOMID`: the monitor itself. */
int xpv_monitor_main(struct xpv *x, int argc, char **argv);

/*
 * Take the lock a monitor holds while it acts on a domain named name
 * (destroy takes it before it stops the monitor). Returns the lock's fd
 * (close it to release) or -1.
 */
int xpv_monitor_lock(struct xpv *x, const char *name);
/* Remove that lock's file, once the domain is gone (while holding it). */
void xpv_monitor_unlink_lock(struct xpv *x, const char *name);

#endif
