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
#include <sys/types.h>

#include "hv/hv.h"
#include "ring/byte_ring.h"

struct xenbus;

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

/* A frontend driver xpv-guest loads for each device of its class. */
struct guest_driver {
	const char *class; /* "vbd", "vif" */
	/* dir is "device/<class>/<id>"; 0 or -errno. */
	int (*attach)(struct guest *g, const char *dir, void **priv);
	void (*detach)(struct guest *g, void *priv);
};

int guest_devices_start(struct guest *g);
void guest_devices_event(struct guest *g);
/* Detach every device (before power off). */
void guest_devices_stop(struct guest *g);

/* The watch tokens, one per watched path. */
#define GUEST_TOKEN_SHUTDOWN "shutdown"
#define GUEST_TOKEN_BALLOON "balloon"
#define GUEST_TOKEN_DEVICES "devices"

#endif
