/*
 * vbd.h - what vbd.c (the vbd driver of xpv-guest, in its main thread)
 * and disk.c (one disk's server, a thread of its own) share.
 *
 * A vbd's disk server connects blkfront over a relayed xenstore handle
 * and serves the disk as a FUSE file system whose root is a regular file
 * mounted on /dev/xvdX (docs/block.md, "The guest's disk on sim"). It
 * tells the driver how it went with one byte on its control socket
 * (DISK_READY or DISK_FAILED), stops when the driver writes DISK_STOP on
 * it (or closes it), and then closes everything it opened.
 */
#ifndef XPV_FRONTEND_GUEST_VBD_H
#define XPV_FRONTEND_GUEST_VBD_H

#include <stdbool.h>

#define DISK_READY 'r'
#define DISK_FAILED 'f'
#define DISK_STOP 'q'

struct disk_args {
	char dir[64]; /* "device/vbd/51712" */
	char path[32]; /* "/dev/xvda" */
	int xenbus_fd; /* its end of the relay: the thread owns it */
	int ctl_fd; /* its end of the control socket: the thread's too */
};

/* The thread: pthread_create(..., disk_main, args), args allocated
 * with malloc; from then on the thread's, which frees them at its end. */
void *disk_main(void *args);

#endif
