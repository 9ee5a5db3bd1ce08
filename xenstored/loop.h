/*
 * loop.h - xenstored's one event loop (epoll, level-triggered).
 *
 * Every transport registers its fds here: the unix sockets, and each
 * domain's event channel fd. Callbacks run on the loop's only thread; a
 * callback may add or delete any fd, including its own, and an fd deleted
 * during a batch gets no further callback in that batch.
 *
 * int functions return 0 or -errno.
 */
#ifndef XPV_XENSTORED_LOOP_H
#define XPV_XENSTORED_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* events are EPOLLIN / EPOLLOUT / EPOLLERR / EPOLLHUP bits. */
typedef void loop_cb(int fd, uint32_t events, void *arg);

int loop_init(void);
void loop_exit(void);

/* Watch fd for events (EPOLLIN, EPOLLOUT); cb(fd, events, arg) on each. */
int loop_add_fd(int fd, uint32_t events, loop_cb *cb, void *arg);
/* Change the events wanted for an fd already added. */
int loop_mod_fd(int fd, uint32_t events);
/* Stop watching fd (the caller still owns and closes it). */
int loop_del_fd(int fd);

/*
 * Work left over from a callback that stopped early to be fair to others:
 * fn is called once per loop iteration before waiting, and while it
 * returns true the loop only polls (does not sleep).
 */
void loop_set_pending(bool (*fn)(void));

/* Run until loop_stop(); returns 0, or -errno if epoll itself failed. */
int loop_run(void);
/* Make loop_run() return after the current batch (signal-safe). */
void loop_stop(void);

#endif /* XPV_XENSTORED_LOOP_H */
