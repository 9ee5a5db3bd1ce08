/*
 * hotplug.h - running a device's hotplug script as libxl runs it
 * (tools/libs/light/libxl_linux.c): the script's path from the backend's
 * `script` node; XENBUS_TYPE, XENBUS_PATH (backend/<kind>/<domid>/<devid>)
 * and XENBUS_BASE_PATH in its environment, and for a vif `vif`
 * (vif<domid>.<devid>) and `netdev`; a disk's "add" / "remove", a vif's
 * "online" / "offline" with type_if=vif.
 *
 * One script runs at a time ($XPV_RUNDIR/hotplug.lock), each for at most
 * $XPV_HOTPLUG_TIMEOUT seconds (default 10), then its process group is
 * killed. A failure is reported with the script's own message: its
 * hotplug-error node, else the last line it printed.
 */
#ifndef XPV_TOOLSTACK_HOTPLUG_H
#define XPV_TOOLSTACK_HOTPLUG_H

#include <stdbool.h>
#include <stddef.h>

#include "toolstack/layout.h"
#include "toolstack/xpv.h"

/*
 * Run the device's script for add (true) or remove. 0 when there is none
 * (a qdisk, a console) or it succeeded; -EIO when it failed, -ETIMEDOUT
 * when it hung, with why (the script's message) in why[why_len].
 */
int xpv_hotplug_run(struct xpv *x, const struct xpv_devpaths *d, bool add,
		    char *why, size_t why_len);

/* A script named in a config ("block", or an absolute path) made
 * absolute against $XPV_HOTPLUGDIR, as libxl__abs_path does against
 * /etc/xen/scripts. */
void xpv_hotplug_script_path(const struct xpv *x, const char *script, char *buf,
			     size_t len);

#endif
