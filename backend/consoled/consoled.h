/*
 * consoled.h - xpv-consoled, dom0's console daemon (xenconsoled's part):
 * one process serving every domain's primary console (device console/0)
 * on the xenbus backend core. What its files share.
 *
 * Per console: the ring page of the frontend's ring-ref (a frame of the
 * guest's memory, foreign-mapped as xenconsoled maps it), its port bound
 * interdomain, a pty whose slave path is published in the frontend's
 * `tty` (what `xpv console` and `xl console` open), and a log file,
 * $XPV_LOGDIR/console/guest-<name>.log.
 */
#ifndef XPV_BACKEND_CONSOLED_CONSOLED_H
#define XPV_BACKEND_CONSOLED_CONSOLED_H

#include <stdbool.h>

#include "backend/xenbus.h"

struct cons;

/* What every console shares. */
struct consoled {
	struct hv *hv;
	int epfd; /* the daemon's; data.ptr: a struct cons_fd of a console */
	char logdir[4096];
};

/* What an epoll event of a console is about. */
struct cons_fd {
	struct cons *cons;
	bool is_pty; /* else the event channel */
};

/* The core's ops for class "console"; opaque is the struct consoled. */
extern const struct xpv_backend_ops consoled_ops;

/* An epoll event of one console: its ring, or its pty. */
void consoled_serve(struct cons_fd *f);

#endif
