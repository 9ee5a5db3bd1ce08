/*
 * guest.h - xpv-guest, the sim platform's guest "kernel": what its files
 * share. It is the domain's first process (pid 1 of the guest's pid
 * namespace), started by the toolstack through hv_domain_exec:
 *
 *   xpv-guest -- INIT [ARG...]
 *
 * It brings up what a PV Linux kernel brings up before it runs init: the
 * xenstore ring (frontend/xenbus.h), the console ring (console.c), the
 * shutdown and balloon watches (control.c, balloon.c), the frontends of
 * device/ (devices.c); then runs INIT with the console as its
 * controlling terminal (init.c). When INIT exits the domain powers off.
 * Its environment (the config's env) is INIT's.
 */
#ifndef XPV_FRONTEND_GUEST_GUEST_H
#define XPV_FRONTEND_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <poll.h>
#include <sys/types.h>

#include "hv/hv.h"
#include "ring/byte_ring.h"

struct xenbus;
struct xenbus_relay;

struct guest_console {
	struct xpv_xencons_interface *page;
	struct xpv_byte_ring in, out; /* in: dom0 -> us; out: us -> dom0 */
	struct hv_evtchn *ev;
	int port;
	int master; /* the pty's master, -1 until init runs */
	char pending[4096]; /* read from the pty, not yet in the ring */
	size_t npending;
};

struct guest_balloon {
	unsigned long total_pages; /* the domain's memory */
	unsigned long held_pages; /* taken out of use for dom0 */
	struct balloon_chunk *chunks;
};

#define GUEST_MAX_DEVICES 64

struct guest_device {
	char dir[64]; /* "device/vbd/51712" */
	const struct guest_driver *driver;
	void *priv;
	/* The driver's own xenstore connection, relayed over ours (NULL
	 * when it has none): served by the main loop. */
	struct xenbus_relay *relay;
};

struct guest {
	struct hv *hv;
	struct xenbus *xb;
	hv_domid_t domid;
	struct guest_console con;
	struct guest_balloon balloon;
	struct guest_device devices[GUEST_MAX_DEVICES];
	unsigned int ndevices;
	char *const *init_argv;
	pid_t init_pid;
	int sigfd; /* SIGCHLD */
	bool stopping;
	bool devfs; /* devfs.c: /dev is ours */
};

/* "xpv-guest: " and the message on the console (and stderr). */
void guest_log(struct guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- console.c ------------------------------------------------------------ */

/* Map the console page and attach its port (start info). */
int guest_console_open(struct guest *g);
/* Make the pty init will have as its terminal; its slave's name in buf. */
int guest_console_pty(struct guest *g, char *buf, size_t len);
/* Write bytes to dom0 as the screen (pending when the ring is full). */
void guest_console_write(struct guest *g, const char *buf, size_t len);
/* The console's event channel fired: keyboard in, room out. */
void guest_console_event(struct guest *g);
/* The pty's master is readable: init wrote to its terminal. */
void guest_console_pty_readable(struct guest *g);
/* Poll events for the master: none while output waits for room. */
short guest_console_pty_events(const struct guest *g);

/* --- init.c -------------------------------------------------------------- */

/* Fork INIT on the pty slave, a session of its own. */
int guest_init_start(struct guest *g, const char *slave);
/* SIGCHLD: reap; true when INIT itself is gone. */
bool guest_init_reap(struct guest *g);
/* Every process but us: SIGTERM, a grace period, SIGKILL. */
void guest_kill_all(struct guest *g);

/* --- control.c ---------------------------------------------------------- */

/* Say what we honour (control/feature-*) and watch control/shutdown. */
int guest_control_start(struct guest *g);
/* A watch event on control/shutdown. */
void guest_control_event(struct guest *g);
/* Stop everything and tell the hypervisor why: does not return. */
void guest_shutdown(struct guest *g, enum hv_shutdown_reason reason)
	__attribute__((noreturn));

/* --- balloon.c ---------------------------------------------------------- */

int guest_balloon_start(struct guest *g);
void guest_balloon_event(struct guest *g);

/* --- devices.c ---------------------------------------------------------- */

/*
 * A frontend driver xpv-guest loads for each device of its class. attach
 * gets the device (d->dir is "device/<class>/<id>") and sets d->priv;
 * 0 or -errno. A driver that runs apart from the main loop (a thread or
 * a process of its own) takes a xenstore connection of its own with
 * guest_device_relay(). detach undoes attach (the relay is freed after
 * it).
 */
struct guest_driver {
	const char *class; /* "vbd", "vif" */
	int (*attach)(struct guest *g, struct guest_device *d);
	void (*detach)(struct guest *g, struct guest_device *d);
};

/* The drivers (devices.c's table): */
extern const struct guest_driver guest_vif_driver; /* vif.c */
extern const struct guest_driver guest_vbd_driver; /* vbd.c, disk.c */

/* vbd.c: attach the disks present at boot and wait until they are served
 * (init then finds them), as Linux waits for its boot devices. */
void guest_vbd_boot(struct guest *g);
/* devfs.c: /dev becomes a tmpfs of ours with the same entries, once. */
int guest_devfs(struct guest *g);

int guest_devices_start(struct guest *g);
void guest_devices_event(struct guest *g);
/* Detach every device (before power off). */
void guest_devices_stop(struct guest *g);

/*
 * A xenstore connection of the device's own, relayed over the guest's
 * (frontend/xenbus_relay.h): returns the driver's end, a stream to make
 * a handle of with xenbus_open_fd() (in any thread or process), or
 * -errno. The main loop serves the relay until the device is detached.
 */
int guest_device_relay(struct guest *g, struct guest_device *d);
/* A watch event of the guest's connection that belongs to a device's
 * relay: handed to it (true), or not one (false). */
bool guest_devices_relay_event(struct guest *g, const char *path,
			       const char *token);
/* Relays' fds into pfd (at most max); returns how many. */
unsigned int guest_devices_relay_fds(struct guest *g, struct pollfd *pfd,
				     unsigned int max);
/* Serve the relays whose fds fired (pfd as filled above). */
void guest_devices_relay_serve(struct guest *g, const struct pollfd *pfd,
			       unsigned int n);

/* The watch tokens, one per watched path. */
#define GUEST_TOKEN_SHUTDOWN "shutdown"
#define GUEST_TOKEN_BALLOON "balloon"
#define GUEST_TOKEN_DEVICES "devices"

#endif
