/*
 * socket.h - the unix socket transport: dom0 clients (libxenstore, the
 * xenstore-* tools) connect here. Every socket client is domain 0; on the
 * read-only socket every change is refused with EROFS.
 *
 * int functions return 0 or -errno.
 */
#ifndef XPV_XENSTORED_SOCKET_H
#define XPV_XENSTORED_SOCKET_H

#include <stdbool.h>

/* Listen on path (its directory is created if missing, a stale socket
 * replaced) and accept clients through the event loop. -EADDRINUSE when
 * a daemon answers on path already, -EEXIST when path is not a socket. */
int socket_listen(const char *path, bool readonly);
/* Close the listeners and remove their socket files. */
void socket_exit(void);

#endif /* XPV_XENSTORED_SOCKET_H */
