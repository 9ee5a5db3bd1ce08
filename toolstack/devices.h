/*
 * devices.h - a domain's devices once their directories are written:
 * listing them (from /libxl/N/device/, as libxl does), waiting for their
 * XenbusStates, and removing them (libxl__initiate_device_generic_remove:
 * the backend asked to close, hotplug "remove", directories removed).
 */
#ifndef XPV_TOOLSTACK_DEVICES_H
#define XPV_TOOLSTACK_DEVICES_H

#include "toolstack/layout.h"
#include "toolstack/xpv.h"

#define XPV_MAX_DEVICES 160

/* The devices of domid the toolstack made; returns how many (at most
 * max), or -errno. */
int xpv_devices_list(struct xpv *x, unsigned int domid,
		     struct xpv_devpaths *devs, unsigned int max);

/* "disk xvda", "vif 0", "console": how messages name a device. */
void xpv_device_describe(struct xpv *x, const struct xpv_devpaths *d, char *buf,
			 size_t len);

/*
 * Wait until each backend in devs[0..n) reaches at least state (a
 * XenbusState), for at most timeout_ms. On a time-out, or a backend that
 * reports an error (its `error` node, or Closing/Closed before state),
 * prints one message naming the device, both ends' states and the
 * backend's error, and returns -ETIMEDOUT or -EIO.
 */
int xpv_devices_wait(struct xpv *x, const struct xpv_devpaths *devs,
		     unsigned int n, int state, long long timeout_ms);

/* Wait (polling) until the frontend's state is at least state; on a
 * time-out the same message as above. -EIO when it closed instead. */
int xpv_device_wait_frontend(struct xpv *x, const struct xpv_devpaths *d,
			     int state, long long timeout_ms);

/*
 * Remove one device: ask its backend to close (online=0, state Closing),
 * wait for Closed (at most timeout_ms, none when no backend ever took the
 * device), run its hotplug script's remove, remove its directories.
 */
int xpv_device_remove(struct xpv *x, const struct xpv_devpaths *d,
		      long long timeout_ms);

/*
 * Remove the devices of a domain that is going away (destroy): every
 * backend asked to close and every frontend directory removed at once (a
 * paused or dying guest will not answer; its frontend gone is what lets
 * the backend close), then at most timeout_ms for the backends to be
 * Closed, then each hotplug script's remove and the directories.
 */
int xpv_devices_remove_dead(struct xpv *x, const struct xpv_devpaths *devs,
			    unsigned int n, long long timeout_ms);

#endif
