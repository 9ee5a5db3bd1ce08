/*
 * xenbus_fd.c - the xenbus client over a stream fd: a unix socket to
 * xenstored, or a Linux guest's /dev/xen/xenbus, whose driver
 * (drivers/xen/xenbus/xenbus_dev_frontend.c) takes whole wire messages on
 * write and hands back replies and watch events on read, so the same
 * framing serves both.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frontend/xenbus_priv.h"

struct fd_priv {
	int fd;
};

static ssize_t fd_read(void *priv, void *buf, size_t len)
{
	struct fd_priv *p = priv;
	ssize_t n = read(p->fd, buf, len);

	if (n > 0)
		return n;
	if (n == 0)
		return -EPIPE;
	if (errno == EINTR || errno == EWOULDBLOCK)
		return -EAGAIN;
	return -errno;
}

static ssize_t fd_write(void *priv, const void *buf, size_t len)
{
	struct fd_priv *p = priv;
	ssize_t n = send(p->fd, buf, len, MSG_NOSIGNAL);

	/* /dev/xen/xenbus is not a socket. */
	if (n < 0 && errno == ENOTSOCK)
		n = write(p->fd, buf, len);
	if (n >= 0)
		return n > 0 ? n : -EAGAIN;
	if (errno == EINTR || errno == EWOULDBLOCK)
		return -EAGAIN;
	return -errno;
}

static int fd_flush(void *priv __attribute__((unused)))
{
	return 0;
}

static int fd_wait(void *priv, bool want_write, int timeout_ms)
{
	struct fd_priv *p = priv;
	struct pollfd pfd = {
		.fd = p->fd,
		.events = POLLIN | (want_write ? POLLOUT : 0),
	};
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int fd_fd(void *priv)
{
	return ((struct fd_priv *)priv)->fd;
}

static void fd_close(void *priv)
{
	struct fd_priv *p = priv;

	close(p->fd);
	free(p);
}

static const struct xb_transport fd_transport = {
	.read = fd_read,
	.write = fd_write,
	.flush = fd_flush,
	.wait = fd_wait,
	.fd = fd_fd,
	.close = fd_close,
};

struct xenbus *xenbus_open_fd(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	struct fd_priv *p;
	int err;

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = errno;
		goto fail;
	}
	p = malloc(sizeof(*p));
	if (!p) {
		err = ENOMEM;
		goto fail;
	}
	p->fd = fd;
	return xenbus_new(&fd_transport, p);
fail:
	close(fd);
	errno = err;
	return NULL;
}

struct xenbus *xenbus_open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	return xenbus_open_fd(fd);
}
