/*
 * os/uring.h - batched socket writes through one io_uring: the sends of
 * every connection with output after a round of the event loop go to the
 * kernel in one system call instead of one each. It plugs into the core
 * with conn_set_batch_writer(); it sits apart (and alone links liburing)
 * so that the core links without it in tests and fuzz targets.
 *
 * Each send is non-blocking (MSG_DONTWAIT): it completes at once with the
 * bytes written or -EAGAIN, so a batch is done when uring_send() returns
 * and no buffer outlives it. Without io_uring (an old kernel, a seccomp
 * filter) uring_init() fails and callers write one by one.
 */
#ifndef XPV_XENSTORED_OS_URING_H
#define XPV_XENSTORED_OS_URING_H

#include <stdbool.h>

#include "xenstored/conn.h"

/* 0, or -errno if io_uring cannot be used. */
int uring_init(unsigned int entries);
void uring_exit(void);
bool uring_ready(void);
/* Send each v[i]; fills v[i].res. Returns 0, or -errno when the batch
 * could not be submitted at all (then nothing was sent). */
int uring_send(struct conn_batch_write *v, unsigned int n);

#endif /* XPV_XENSTORED_OS_URING_H */
