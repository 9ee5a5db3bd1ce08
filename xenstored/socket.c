/*
 * socket.c - unix socket transport (see socket.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenstored/conn.h"
#include "xenstored/log.h"
#include "xenstored/loop.h"
#include "xenstored/socket.h"

#define MAX_LISTENERS 2

struct listener {
	int fd;
	bool readonly;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct client {
	int fd;
	struct conn *conn;
};

static struct listener listeners[MAX_LISTENERS];
static unsigned int nlisteners;
/* An fd kept in reserve: out of fds, we give it up to accept and close
 * the client at once, or its pending connection would wake us forever. */
static int spare_fd = -1;

static ssize_t sock_read(void *priv, void *buf, size_t len)
{
	struct client *cl = priv;
	ssize_t n;

	do {
		n = read(cl->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static ssize_t sock_write(void *priv, const void *buf, size_t len)
{
	struct client *cl = priv;
	ssize_t n;

	do {
		n = send(cl->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n;
}

static int sock_fd(void *priv)
{
	return ((struct client *)priv)->fd;
}

static void sock_want_output(void *priv, bool on)
{
	struct client *cl = priv;

	loop_mod_fd(cl->fd, EPOLLIN | (on ? EPOLLOUT : 0));
}

static void sock_close(void *priv)
{
	struct client *cl = priv;

	loop_del_fd(cl->fd);
	close(cl->fd);
	free(cl);
}

static const struct conn_transport sock_transport = {
	.name = "socket",
	.read = sock_read,
	.write = sock_write,
	.want_output = sock_want_output,
	.fd = sock_fd,
	.close = sock_close,
	.is_domain = false,
	.level_triggered = true,
};

static void client_event(int fd __attribute__((unused)), uint32_t events,
			 void *arg)
{
	struct client *cl = arg;

	/* Input first: it also writes any output still queued. */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_input_ready(cl->conn);
	else if (events & EPOLLOUT)
		conn_output_ready(cl->conn);
}

static void accept_one(struct listener *l)
{
	struct client *cl;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
			close(spare_fd);
			fd = accept(l->fd, NULL, NULL);
			if (fd >= 0)
				close(fd);
			spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			xs_log_rl("accept: out of file descriptors: client "
				  "refused");
			return;
		}
		if (errno != EAGAIN && errno != EINTR)
			xs_log_rl("accept: %s", strerror(errno));
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		goto fail;
	cl->fd = fd;
	cl->conn = conn_new(&sock_transport, cl, 0);
	if (!cl->conn)
		goto fail;
	conn_set_readonly(cl->conn, l->readonly);
	if (loop_add_fd(fd, EPOLLIN, client_event, cl)) {
		/* conn_destroy() closes fd and frees cl. */
		conn_destroy(cl->conn);
		return;
	}
	return;
fail:
	xs_log_rl("accept: out of memory");
	free(cl);
	close(fd);
}

static void listener_event(int fd __attribute__((unused)),
			   uint32_t events __attribute__((unused)), void *arg)
{
	accept_one(arg);
}

static int make_dir(const char *path)
{
	char dir[PATH_MAX], *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Make room for our socket at path: nothing there, or a socket nobody
 * listens on (a daemon that died: connect is refused), which is removed.
 * A daemon still answering there keeps its socket (-EADDRINUSE): removing
 * it would leave that daemon serving no new client, and on our exit the
 * path would be gone for both. Anything but a socket is not ours to remove
 * (-EEXIST).
 */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Non-blocking: a live daemon with a full backlog says EAGAIN. */
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno :
								      0;
	close(fd);
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return unlink(sa->sun_path) && errno != ENOENT ? -errno : 0;
	return ret == 0 || ret == -EAGAIN ? -EADDRINUSE : ret;
}

int socket_listen(const char *path, bool readonly)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct listener *l;
	int fd, ret;

	if (nlisteners == MAX_LISTENERS)
		return -ENOSPC;
	if (spare_fd < 0)
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	ret = make_dir(path);
	if (ret)
		return ret;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = clear_stale(&sa);
	if (ret) {
		close(fd);
		return ret;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 128))
		goto fail;
	l = &listeners[nlisteners];
	l->fd = fd;
	l->readonly = readonly;
	strcpy(l->path, path);
	ret = loop_add_fd(fd, EPOLLIN, listener_event, l);
	if (ret) {
		close(fd);
		unlink(path);
		return ret;
	}
	nlisteners++;
	return 0;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

void socket_exit(void)
{
	unsigned int i;

	for (i = 0; i < nlisteners; i++) {
		loop_del_fd(listeners[i].fd);
		close(listeners[i].fd);
		unlink(listeners[i].path);
	}
	nlisteners = 0;
	if (spare_fd >= 0)
		close(spare_fd);
	spare_fd = -1;
}
