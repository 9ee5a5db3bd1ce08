/*
 * vbd.c - xpv-guest's vbd driver: each device/vbd/<id> becomes a disk
 * file of the guest, /dev/xvdX, named as Linux's xen-blkfront names it,
 * served by a thread of its own (disk.c; docs/block.md, "The guest's disk
 * on sim").
 *
 * The thread gets a xenstore connection of the device's own, relayed over
 * the guest's (guest_device_relay), so blkfront runs there as in any
 * program, and a control socket. At boot the disks present are waited
 * for before init runs, as Linux waits for its boot devices, so init
 * finds them; one hot-plugged later appears when it is served.
 *
 * Detach tells the thread to stop and lets it finish on its own: it
 * answers what is in flight (the ring needs no xenstore), unmounts the
 * file and ends. Its relay goes with the device, so its last xenstore
 * words (Closing, Closed) fail at once rather than keep the main loop
 * waiting; the backend sees the device removed, or the domain gone.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frontend/guest/guest.h"
#include "frontend/guest/vbd.h"
#include "frontend/xenbus.h"
#include "frontend/xenbus_relay.h"

/* How long init waits for the disks present at boot. */
#define BOOT_WAIT_MS 30000

struct vbd {
	int ctl; /* our end of the control socket */
	pthread_t thread;
	char path[32];
	bool answered, gone;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Linux's xen-blkfront names (xlvbd_alloc_gendisk): 202 << 8 | disk << 4
 * | partition, or the extended form 1 << 28 | disk << 8 | partition; the
 * disk as letters (a..z, then aa..zz), then the partition if any.
 */
static int vbd_name(const char *id, char *buf, size_t len)
{
	unsigned long v, disk, part;
	char *end, letters[3] = "";

	v = strtoul(id, &end, 10);
	if (!*id || *end || v > 0xfffffffful)
		return -EINVAL;
	if (v & (1ul << 28)) {
		disk = (v >> 8) & 0xfffff;
		part = v & 0xff;
	} else if ((v >> 8) == 202) {
		disk = (v >> 4) & 0xf;
		part = v & 0xf;
	} else {
		return -EINVAL;
	}
	if (disk >= 26 + 26 * 26)
		return -EINVAL;
	if (disk < 26) {
		letters[0] = (char)('a' + disk);
	} else {
		letters[0] = (char)('a' + disk / 26 - 1);
		letters[1] = (char)('a' + disk % 26);
	}
	if (part)
		snprintf(buf, len, "xvd%s%lu", letters, part);
	else
		snprintf(buf, len, "xvd%s", letters);
	return 0;
}

/* Did the thread say how it went (or go)? */
static void hear(struct vbd *v)
{
	char c;
	ssize_t n;

	while ((n = recv(v->ctl, &c, 1, MSG_DONTWAIT)) == 1)
		v->answered = true;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		v->gone = v->answered = true;
}

static int start(struct vbd *v, struct disk_args *a)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	v->ctl = sv[0];
	a->ctl_fd = sv[1];
	ret = -pthread_create(&v->thread, NULL, disk_main, a);
	if (ret) {
		close(sv[0]);
		close(sv[1]);
	}
	return ret;
}

static int vbd_attach(struct guest *g, struct guest_device *d)
{
	const char *id = strrchr(d->dir, '/') + 1;
	struct disk_args *a;
	struct vbd *v;
	char name[16];
	int ret = vbd_name(id, name, sizeof(name));

	if (ret) {
		guest_log(g, "%s: not a disk name xen-blkfront knows", d->dir);
		return ret;
	}
	ret = guest_devfs(g);
	if (ret) {
		guest_log(g, "cannot make /dev a tmpfs of ours: %s",
			  strerror(-ret));
		return ret;
	}
	v = calloc(1, sizeof(*v));
	a = calloc(1, sizeof(*a));
	if (!v || !a) {
		free(v);
		free(a);
		return -ENOMEM;
	}
	snprintf(a->dir, sizeof(a->dir), "%s", d->dir);
	snprintf(a->path, sizeof(a->path), "/dev/%s", name);
	snprintf(v->path, sizeof(v->path), "%s", a->path);
	ret = a->xenbus_fd = guest_device_relay(g, d);
	if (ret >= 0) {
		ret = start(v, a);
		if (ret)
			close(a->xenbus_fd);
	}
	if (ret) {
		free(v);
		free(a);
		return ret;
	}
	guest_log(g, "%s: %s", d->dir, v->path);
	d->priv = v;
	return 0;
}

static void vbd_detach(struct guest *g, struct guest_device *d)
{
	struct vbd *v = d->priv;
	char c = DISK_STOP;

	guest_log(g, "%s: %s goes", d->dir, v->path);
	/* Gone already (it failed) or told: either way it ends by itself. */
	send(v->ctl, &c, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	pthread_detach(v->thread);
	close(v->ctl);
	free(v);
}

const struct guest_driver guest_vbd_driver = {
	.class = "vbd",
	.attach = vbd_attach,
	.detach = vbd_detach,
};

/* The main loop's own watches that fired while we waited, by token. */
struct fired {
	bool shutdown, balloon, devices;
};

/* Serve the relays and route the store's events once (at most 100 ms). */
static void serve_once(struct guest *g, struct pollfd *p, unsigned int n,
		       struct fired *f)
{
	unsigned int nrelays;
	char *path, *token;

	p[n] = (struct pollfd){ xenbus_event_fd(g->xb), POLLIN, 0 };
	nrelays = guest_devices_relay_fds(g, p + n + 1, GUEST_MAX_DEVICES);
	if (poll(p, n + 1 + nrelays, 100) < 0)
		return;
	guest_devices_relay_serve(g, p + n + 1, nrelays);
	while (xenbus_read_event(g->xb, &path, &token) == 0) {
		if (!guest_devices_relay_event(g, path, token)) {
			f->shutdown |= !strcmp(token, GUEST_TOKEN_SHUTDOWN);
			f->balloon |= !strcmp(token, GUEST_TOKEN_BALLOON);
			f->devices |= !strcmp(token, GUEST_TOKEN_DEVICES);
		}
		free(path);
	}
}

void guest_vbd_boot(struct guest *g)
{
	struct pollfd p[2 * GUEST_MAX_DEVICES + 1];
	struct vbd *vs[GUEST_MAX_DEVICES];
	long long end = now_ms() + BOOT_WAIT_MS;
	struct fired f = { false, false, true };
	unsigned int i, n = 0, waiting;

	guest_devices_event(g);
	for (i = 0; i < g->ndevices; i++)
		if (g->devices[i].driver == &guest_vbd_driver)
			vs[n++] = g->devices[i].priv;
	for (;;) {
		for (i = 0, waiting = 0; i < n; i++) {
			hear(vs[i]);
			p[i] = (struct pollfd){ vs[i]->ctl, POLLIN, 0 };
			waiting += !vs[i]->answered;
		}
		if (!waiting || now_ms() >= end)
			break;
		serve_once(g, p, n, &f);
	}
	for (i = 0; i < n; i++)
		if (!vs[i]->answered)
			guest_log(g, "%s: not served after %d s", vs[i]->path,
				  BOOT_WAIT_MS / 1000);
	/* What fired meanwhile is looked at now (each handler reads the
	 * store afresh, so once is enough). */
	if (f.shutdown)
		guest_control_event(g);
	if (f.balloon)
		guest_balloon_event(g);
	if (f.devices)
		guest_devices_event(g);
}
