/*
 * devices.c - the guest's devices: it watches device/ in its home and
 * loads the frontend driver of each device's class when one appears (at
 * boot or hot-plugged), and unloads it when its directory goes, as
 * Linux's xenbus_probe_frontend does. The drivers are the table below;
 * a device of a class without a driver is only logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <unistd.h>

#include "frontend/guest/guest.h"
#include "frontend/xenbus.h"
#include "frontend/xenbus_relay.h"

static const struct guest_driver *const drivers[] = {
	&guest_vif_driver,
	&guest_vbd_driver,
};

static const struct guest_driver *driver_of(const char *class)
{
	unsigned int i;

	for (i = 0; i < sizeof(drivers) / sizeof(*drivers); i++)
		if (drivers[i] && !strcmp(drivers[i]->class, class))
			return drivers[i];
	return NULL;
}

int guest_devices_start(struct guest *g)
{
	return xenbus_watch(g->xb, "device", GUEST_TOKEN_DEVICES);
}

static struct guest_device *find(struct guest *g, const char *dir)
{
	unsigned int i;

	for (i = 0; i < g->ndevices; i++)
		if (!strcmp(g->devices[i].dir, dir))
			return &g->devices[i];
	return NULL;
}

static void attach(struct guest *g, const char *class, const char *id)
{
	struct guest_device *d;
	char dir[64];
	int ret;

	if (snprintf(dir, sizeof(dir), "device/%s/%s", class, id) >=
		    (int)sizeof(dir) ||
	    find(g, dir) || g->ndevices == GUEST_MAX_DEVICES ||
	    !strcmp(class, "suspend"))
		return;
	d = &g->devices[g->ndevices++];
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	d->driver = driver_of(class);
	if (!d->driver) {
		guest_log(g, "%s: no driver for %s devices", dir, class);
		return;
	}
	ret = d->driver->attach(g, d);
	if (ret) {
		guest_log(g, "%s: %s driver failed: %s", dir, class,
			  strerror(-ret));
		d->driver = NULL;
		if (d->relay)
			xenbus_relay_free(d->relay);
		d->relay = NULL;
	}
}

static void detach(struct guest *g, struct guest_device *d)
{
	if (d->driver)
		d->driver->detach(g, d);
	if (d->relay)
		xenbus_relay_free(d->relay);
	*d = g->devices[--g->ndevices];
}

int guest_device_relay(struct guest *g, struct guest_device *d)
{
	char prefix[40];
	int sv[2];

	if (d->relay)
		return -EBUSY;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Unique per device while it is attached: its directory. */
	snprintf(prefix, sizeof(prefix), "%.30s:", d->dir + 7);
	d->relay = xenbus_relay_new(g->xb, sv[0], prefix);
	if (!d->relay) {
		close(sv[1]);
		return -errno;
	}
	return sv[1];
}

bool guest_devices_relay_event(struct guest *g, const char *path,
			       const char *token)
{
	unsigned int i;

	for (i = 0; i < g->ndevices; i++)
		if (g->devices[i].relay &&
		    xenbus_relay_event(g->devices[i].relay, path, token))
			return true;
	return false;
}

unsigned int guest_devices_relay_fds(struct guest *g, struct pollfd *pfd,
				     unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < g->ndevices && n < max; i++) {
		if (!g->devices[i].relay)
			continue;
		pfd[n].fd = xenbus_relay_fd(g->devices[i].relay);
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

void guest_devices_relay_serve(struct guest *g, const struct pollfd *pfd,
			       unsigned int n)
{
	unsigned int i, j;

	for (j = 0; j < n; j++) {
		if (!pfd[j].revents)
			continue;
		for (i = 0; i < g->ndevices; i++) {
			struct guest_device *d = &g->devices[i];

			if (!d->relay || xenbus_relay_fd(d->relay) != pfd[j].fd)
				continue;
			if (xenbus_relay_serve(d->relay) == -EPIPE) {
				xenbus_relay_free(d->relay);
				d->relay = NULL; /* its driver went away */
			}
		}
	}
}

/* Is the device still in the store? */
static bool present(struct guest *g, const char *dir)
{
	char **names;
	unsigned int n;

	if (xenbus_directory(g->xb, XENBUS_TX_NONE, dir, &names, &n))
		return false;
	free(names);
	return true;
}

void guest_devices_event(struct guest *g)
{
	char **classes, **ids, dir[64];
	unsigned int nc, ni, c, i;

	for (i = 0; i < g->ndevices;) {
		if (present(g, g->devices[i].dir))
			i++;
		else
			detach(g, &g->devices[i]);
	}
	if (xenbus_directory(g->xb, XENBUS_TX_NONE, "device", &classes, &nc))
		return;
	for (c = 0; c < nc; c++) {
		snprintf(dir, sizeof(dir), "device/%s", classes[c]);
		if (xenbus_directory(g->xb, XENBUS_TX_NONE, dir, &ids, &ni))
			continue;
		for (i = 0; i < ni; i++)
			attach(g, classes[c], ids[i]);
		free(ids);
	}
	free(classes);
}

void guest_devices_stop(struct guest *g)
{
	while (g->ndevices)
		detach(g, &g->devices[0]);
}
