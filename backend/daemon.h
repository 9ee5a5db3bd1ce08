/*
 * backend/daemon.h - the skeleton every backend daemon's main() shares:
 * the hypervisor handle, one epoll set, a signalfd for SIGTERM and SIGINT,
 * the backend core (xenbus.h) in that set, and the event loop that
 * dispatches the core after every other event of a batch. A daemon keeps
 * its own arguments, its own state and its data path; the skeleton holds
 * what is the same in all of them.
 *
 *   struct xpv_daemon d;
 *
 *   if (xpv_daemon_open(&d, "xpv-echoback"))
 *           return 1;
 *   my.hv = d.hv;                      the daemon's state shares them
 *   my.epfd = d.epfd;
 *   ret = xpv_backend_add_class(d.core, "echo", &echo_ops, &my);
 *   if (!ret)
 *           ret = xpv_daemon_run(&d, &(struct xpv_daemon_loop){
 *                   .event = my_event, .opaque = &my });
 *   return xpv_daemon_close(&d, ret);
 *
 * The epoll set is the daemon's too: it adds each device's fds with a
 * data.ptr of its own (epoll_ctl, or xpv_daemon_watch), and the loop hands
 * every such event to loop->event. The skeleton's two fds carry tags that
 * point into struct xpv_daemon, so no data.ptr of the daemon's (NULL
 * included) is taken for them.
 *
 * SIGTERM or SIGINT ends the loop with 0 and xpv_daemon_close() leaves
 * every device as it is in the store (xpv_backend_close), so that a new
 * daemon reconnects to the same rings. SIGPIPE is ignored: a daemon
 * writes to ptys, TAPs and sockets whose peer may go at any time, and
 * handles EPIPE where it writes.
 *
 * Error convention: int functions return 0 or -errno; failures are logged
 * as "<name>: ..." on stderr before they are returned.
 */
#ifndef XPV_BACKEND_DAEMON_H
#define XPV_BACKEND_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/xenbus.h"
#include "hv/hv.h"

/* Owned by the skeleton; the daemon reads hv, epfd and core. */
struct xpv_daemon {
	const char *name; /* "xpv-netback": the log prefix, not copied */
	struct hv *hv;
	int epfd;
	struct xpv_backend *core; /* NULL once xpv_daemon_close_core() ran */
	int signal_fd;
};

/* What the loop calls besides the core. */
struct xpv_daemon_loop {
	/* An event of an fd the daemon added: tag is its data.ptr, events
	 * its epoll events. Required. */
	void (*event)(void *opaque, void *tag, uint32_t events);
	/* Optional: after each dispatch of the core (statistics). */
	void (*dispatched)(void *opaque);
	/* Optional: after each batch; true when work is left, so the next
	 * epoll_wait does not block (a data path that used its budget). */
	bool (*busy)(void *opaque);
	void *opaque;
};

/*
 * Open the hypervisor (hv_open), the epoll set, the signalfd (SIGTERM and
 * SIGINT blocked first, so every thread started later has them blocked
 * too) and the core (xpv_backend_open as hv_self), with both fds in the
 * set. name must outlive d. On failure everything is closed again and the
 * reason logged ("is XENSTORED_PATH set?").
 */
int xpv_daemon_open(struct xpv_daemon *d, const char *name) XPV_BACKEND_WUR;

/* Add fd to the epoll set for EPOLLIN (level-triggered) with tag as its
 * data.ptr. */
int xpv_daemon_watch(struct xpv_daemon *d, int fd, void *tag) XPV_BACKEND_WUR;

/*
 * Wait and dispatch until a signal (0) or until the core cannot go on
 * (its -errno). Each epoll_wait batch: loop->event for every event of the
 * daemon's in order, then, if the core's fd was in the batch,
 * xpv_backend_dispatch() and loop->dispatched, then loop->busy. The core
 * comes last because its disconnect and remove free what later events of
 * the batch point at (xpv_backend_dispatch). A signal ends the loop at
 * once, the rest of its batch unhandled; it is consumed, so that a later
 * run waits for the next one.
 */
int xpv_daemon_run(struct xpv_daemon *d,
		   const struct xpv_daemon_loop *loop) XPV_BACKEND_WUR;

/*
 * Disconnect and remove every device (xpv_backend_close), the store
 * untouched. For a daemon whose own state must go after its devices but
 * before the epoll set and hv; xpv_daemon_close() does it otherwise.
 */
void xpv_daemon_close_core(struct xpv_daemon *d);

/*
 * Close the core (if still open), the signalfd, the epoll set and hv, in
 * that order. ret is the run's result: when it is -errno it is logged.
 * Returns the process's exit status, 0 or 1 (ret != 0).
 */
int xpv_daemon_close(struct xpv_daemon *d, int ret);

#endif /* XPV_BACKEND_DAEMON_H */
