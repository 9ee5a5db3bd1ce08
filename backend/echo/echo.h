/*
 * backend/echo/echo.h - the echo device's backend (protocol.h): the ops
 * table the backend core calls, and the service of a connected device's
 * ring from the daemon's epoll loop (main.c). It is the smallest complete
 * backend on the core, and the pattern blkback, netback and consoled
 * follow: probe publishes features, connect maps the ring and binds the
 * port, the data path runs from epoll, disconnect undoes connect.
 */
#ifndef XPV_BACKEND_ECHO_ECHO_H
#define XPV_BACKEND_ECHO_ECHO_H

#include "backend/xenbus.h"

struct echo_dev;

/* What every echo device shares: the daemon's hv handle and epoll set. */
struct echo_backend {
	struct hv *hv;
	/* The daemon's (backend/daemon.h): each connected device's event
	 * channel fd is in it, with data.ptr = its struct echo_dev. */
	int epfd;
	unsigned long served; /* requests answered, all devices */
};

/* The core's ops for class "echo"; opaque is the struct echo_backend. */
extern const struct xpv_backend_ops echo_backend_ops;

/* d's event channel fired: answer what its ring holds. */
void echo_backend_serve(struct echo_dev *d);

#endif /* XPV_BACKEND_ECHO_ECHO_H */
