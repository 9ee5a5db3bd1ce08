/*
 * devices.c - see devices.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "ring/xenbus.h"
#include "toolstack/devices.h"
#include "toolstack/hotplug.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

static const char *const state_names[] = {
	"Unknown", "Initialising", "InitWait",	    "Initialised",  "Connected",
	"Closing", "Closed",	   "Reconfiguring", "Reconfigured",
};

static const char *state_name(long s)
{
	return s >= 0 && s < 9 ? state_names[s] : "?";
}

int xpv_devices_list(struct xpv *x, unsigned int domid,
		     struct xpv_devpaths *devs, unsigned int max)
{
	struct xs_handle *xs = xpv_xs(x);
	char dir[64], kdir[96], **kinds, **ids;
	unsigned int nk, ni, k, i, n = 0;

	snprintf(dir, sizeof(dir), "/libxl/%u/device", domid);
	kinds = xs_directory(xs, XBT_NULL, dir, &nk);
	for (k = 0; kinds && k < nk; k++) {
		snprintf(kdir, sizeof(kdir), "%s/%s", dir, kinds[k]);
		ids = xs_directory(xs, XBT_NULL, kdir, &ni);
		for (i = 0; ids && i < ni && n < max; i++) {
			char *backend, *slash;
			enum xpv_dev_kind kind;
			unsigned long id = strtoul(ids[i], NULL, 10);

			/* The backend's kind (vbd or qdisk) is in the path
			 * libxl recorded. */
			snprintf(kdir, sizeof(kdir), "%s/%s/%s", dir, kinds[k],
				 ids[i]);
			backend = xpv_xs_read(xs, kdir, "backend");
			slash = backend ? strstr(backend, "/backend/") : NULL;
			if (slash && (slash = strchr(slash + 9, '/')))
				*slash = '\0';
			if (backend && strstr(backend, "/backend/") &&
			    !xpv_dev_kind_parse(
				    strstr(backend, "/backend/") + 9, &kind))
				xpv_devpaths(kind, domid, id, &devs[n++]);
			free(backend);
		}
		free(ids);
	}
	free(kinds);
	return n;
}

void xpv_device_describe(struct xpv *x, const struct xpv_devpaths *d, char *buf,
			 size_t len)
{
	char *vdev;

	switch (d->kind) {
	case XPV_DEV_VBD:
	case XPV_DEV_QDISK:
		vdev = xpv_xs_read(xpv_xs(x), d->backend, "dev");
		if (vdev)
			snprintf(buf, len, "disk %s", vdev);
		else
			snprintf(buf, len, "disk %u", d->devid);
		free(vdev);
		break;
	case XPV_DEV_VIF:
		snprintf(buf, len, "vif %u (vif%u.%u)", d->devid, d->domid,
			 d->devid);
		break;
	default:
		snprintf(buf, len, "console %u", d->devid);
		break;
	}
}

static long read_state(struct xs_handle *xs, const char *dir)
{
	long s;

	return xpv_xs_read_long(xs, dir, "state", 0, 8, &s) ? -1 : s;
}

static const char *daemon_of(const struct xpv_devpaths *d)
{
	switch (d->kind) {
	case XPV_DEV_VBD:
	case XPV_DEV_QDISK:
		return "xpv-blkback";
	case XPV_DEV_VIF:
		return "xpv-netback";
	default:
		return "xpv-consoled";
	}
}

static void report(struct xpv *x, const struct xpv_devpaths *d, int state,
		   bool timed_out, long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long be = read_state(xs, d->backend), fe = read_state(xs, d->frontend);
	char what[64], *error = xpv_xs_read(xs, d->backend, "error");

	xpv_device_describe(x, d, what, sizeof(what));
	if (timed_out && be <= XPV_XENBUS_STATE_INITIALISING)
		xpv_err("%s: its backend did not take it within %lld s "
			"(backend state %ld %s); is %s running? (xpv status)",
			what, timeout_ms / 1000, be, state_name(be),
			daemon_of(d));
	else
		xpv_err("%s did not reach %s%s: backend state %ld %s, "
			"frontend state %ld %s%s%s",
			what, state_name(state), timed_out ? " in time" : "",
			be, state_name(be), fe, state_name(fe),
			error ? "; backend error: " : "", error ? error : "");
	free(error);
}

/* 1: reached, 0: not yet, -EIO: failed (an error, or closed). */
static int reached(struct xs_handle *xs, const struct xpv_devpaths *d,
		   int state)
{
	long be = read_state(xs, d->backend);
	char *error;

	if (be >= state && be < XPV_XENBUS_STATE_CLOSING)
		return 1;
	if (be >= XPV_XENBUS_STATE_CLOSING)
		return -EIO;
	error = xpv_xs_read(xs, d->backend, "error");
	free(error);
	return error ? -EIO : 0;
}

static int watch_all(struct xs_handle *xs, const struct xpv_devpaths *devs,
		     unsigned int n, bool on)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/state", devs[i].backend);
		if (on && !xs_watch(xs, path, "xpv-wait"))
			return -errno;
		if (!on)
			xs_unwatch(xs, path, "xpv-wait");
	}
	return 0;
}

/* Events that fired for watches now gone. */
static void drain_watches(struct xs_handle *xs)
{
	char **ev;

	while ((ev = xs_check_watch(xs)))
		free(ev);
}

int xpv_devices_wait(struct xpv *x, const struct xpv_devpaths *devs,
		     unsigned int n, int state, long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long long deadline = xpv_now_ms() + timeout_ms;
	unsigned int i;
	int ret = watch_all(xs, devs, n, true);

	for (i = 0; !ret && i < n;) {
		struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
		long long left = deadline - xpv_now_ms();

		ret = reached(xs, &devs[i], state);
		if (ret == 1) {
			ret = 0;
			i++;
			continue;
		}
		if (ret < 0 || left <= 0) {
			report(x, &devs[i], state, ret == 0, timeout_ms);
			ret = ret ?: -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, left) > 0)
			drain_watches(xs);
	}
	watch_all(xs, devs, n, false);
	drain_watches(xs);
	return ret;
}

static void wait_closed(struct xpv *x, const struct xpv_devpaths *d,
			long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long long deadline = xpv_now_ms() + timeout_ms;
	long s;

	while ((s = read_state(xs, d->backend)) >= 0 &&
	       s != XPV_XENBUS_STATE_CLOSED && xpv_now_ms() < deadline)
		xpv_sleep_ms(5);
}

/* Whether the script's add ran: it wrote hotplug-status (libxl writes
 * a vif's empty, to ask the backend to wait for it). */
static bool ran_hotplug(struct xs_handle *xs, const struct xpv_devpaths *d)
{
	char *status = xpv_xs_read(xs, d->backend, "hotplug-status");
	bool ran = status && *status;

	free(status);
	return ran;
}

int xpv_device_remove(struct xpv *x, const struct xpv_devpaths *d,
		      long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long be = read_state(xs, d->backend);
	char why[512], what[64];
	int ret;

	/* A backend that never took the device (still Initialising) has
	 * nothing to close: do not wait for it. */
	if (be > XPV_XENBUS_STATE_INITIALISING &&
	    be < XPV_XENBUS_STATE_CLOSED) {
		xpv_xs_write(xs, d->backend, "online", "0");
		xpv_xs_write(xs, d->backend, "state", "%d",
			     XPV_XENBUS_STATE_CLOSING);
		wait_closed(x, d, timeout_ms);
	}
	ret = ran_hotplug(xs, d) ?
		      xpv_hotplug_run(x, d, false, why, sizeof(why)) :
		      0;
	if (ret) {
		xpv_device_describe(x, d, what, sizeof(what));
		xpv_err("%s: hotplug script remove failed: %s", what, why);
	}
	xpv_xs_rm(xs, d->backend, NULL);
	xpv_xs_rm(xs, d->frontend, NULL);
	xpv_xs_rm(xs, d->libxl, NULL);
	return ret;
}

/* Every backend of devs that still has a state is Closed (or gone). */
static bool all_closed(struct xs_handle *xs, const struct xpv_devpaths *devs,
		       unsigned int n)
{
	unsigned int i;
	long s;

	for (i = 0; i < n; i++) {
		s = read_state(xs, devs[i].backend);
		if (s > XPV_XENBUS_STATE_INITIALISING &&
		    s != XPV_XENBUS_STATE_CLOSED)
			return false;
	}
	return true;
}

int xpv_devices_remove_dead(struct xpv *x, const struct xpv_devpaths *devs,
			    unsigned int n, long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long long deadline = xpv_now_ms() + timeout_ms;
	char why[512], what[64];
	unsigned int i;
	int ret = 0, r;

	for (i = 0; i < n; i++) {
		long be = read_state(xs, devs[i].backend);

		if (be > XPV_XENBUS_STATE_INITIALISING &&
		    be < XPV_XENBUS_STATE_CLOSED) {
			xpv_xs_write(xs, devs[i].backend, "online", "0");
			xpv_xs_write(xs, devs[i].backend, "state", "%d",
				     XPV_XENBUS_STATE_CLOSING);
		}
		/* The frontend will not answer: its going is the answer. */
		xpv_xs_rm(xs, devs[i].frontend, NULL);
	}
	while (!all_closed(xs, devs, n) && xpv_now_ms() < deadline)
		xpv_sleep_ms(2);
	for (i = 0; i < n; i++) {
		r = ran_hotplug(xs, &devs[i]) ?
			    xpv_hotplug_run(x, &devs[i], false, why,
					    sizeof(why)) :
			    0;
		if (r) {
			xpv_device_describe(x, &devs[i], what, sizeof(what));
			xpv_err("%s: hotplug script remove failed: %s", what,
				why);
			ret = ret ?: r;
		}
		xpv_xs_rm(xs, devs[i].backend, NULL);
		xpv_xs_rm(xs, devs[i].libxl, NULL);
	}
	return ret;
}

int xpv_device_wait_frontend(struct xpv *x, const struct xpv_devpaths *d,
			     int state, long long timeout_ms)
{
	struct xs_handle *xs = xpv_xs(x);
	long long deadline = xpv_now_ms() + timeout_ms;
	long s;

	while ((s = read_state(xs, d->frontend)) < state) {
		if (xpv_now_ms() >= deadline) {
			report(x, d, state, true, timeout_ms);
			return -ETIMEDOUT;
		}
		xpv_sleep_ms(2);
	}
	return s >= XPV_XENBUS_STATE_CLOSING ? -EIO : 0;
}
