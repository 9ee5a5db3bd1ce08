/*
 * loop.c - the event loop (see loop.h): one epoll set, level-triggered.
 *
 * Handlers are kept in a table indexed by fd. The epoll event carries the
 * fd and the handler's sequence number, so an event for an fd deleted (or
 * deleted and re-added for another object) earlier in the same batch is
 * recognised as stale and dropped.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "xenstored/loop.h"

#define MAX_EVENTS 64

struct handler {
	loop_cb *cb;
	void *arg;
	uint32_t seq; /* 0: slot free */
};

static int epfd = -1;
static struct handler *handlers;
static size_t nhandlers;
static uint32_t next_seq = 1;
static volatile sig_atomic_t stopping;
static bool (*pending)(void);

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

void loop_exit(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	free(handlers);
	handlers = NULL;
	nhandlers = 0;
}

static int grow(size_t fd)
{
	size_t n = nhandlers ? nhandlers : 64;
	struct handler *h;

	while (n <= fd)
		n *= 2;
	h = realloc(handlers, n * sizeof(*h));
	if (!h)
		return -ENOMEM;
	memset(h + nhandlers, 0, (n - nhandlers) * sizeof(*h));
	handlers = h;
	nhandlers = n;
	return 0;
}

static uint64_t pack(int fd, uint32_t seq)
{
	return ((uint64_t)seq << 32) | (uint32_t)fd;
}

int loop_add_fd(int fd, uint32_t events, loop_cb *cb, void *arg)
{
	struct epoll_event ev = { .events = events };
	int ret;

	if (fd < 0 || !cb)
		return -EINVAL;
	if ((size_t)fd >= nhandlers) {
		ret = grow(fd);
		if (ret)
			return ret;
	}
	if (handlers[fd].seq)
		return -EEXIST;
	if (++next_seq == 0)
		next_seq = 1;
	ev.data.u64 = pack(fd, next_seq);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	handlers[fd] = (struct handler){ cb, arg, next_seq };
	return 0;
}

int loop_mod_fd(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || (size_t)fd >= nhandlers || !handlers[fd].seq)
		return -ENOENT;
	ev.data.u64 = pack(fd, handlers[fd].seq);
	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int loop_del_fd(int fd)
{
	if (fd < 0 || (size_t)fd >= nhandlers || !handlers[fd].seq)
		return -ENOENT;
	handlers[fd].seq = 0;
	/* The fd may already be closed by its owner: nothing to undo then. */
	if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 && errno != EBADF)
		return -errno;
	return 0;
}

static void dispatch(const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t seq = (uint32_t)(ev->data.u64 >> 32);

	if ((size_t)fd >= nhandlers || handlers[fd].seq != seq)
		return;
	handlers[fd].cb(fd, ev->events, handlers[fd].arg);
}

void loop_set_pending(bool (*fn)(void))
{
	pending = fn;
}

int loop_run(void)
{
	struct epoll_event evs[MAX_EVENTS];
	bool more = false;
	int i, n;

	while (!stopping) {
		if (pending)
			more = pending();
		n = epoll_wait(epfd, evs, MAX_EVENTS, more ? 0 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n && !stopping; i++)
			dispatch(&evs[i]);
	}
	return 0;
}

void loop_stop(void)
{
	stopping = 1;
}
