/*
 * console.c - one domain's console (consoled.h).
 *
 * Console 0 has no XenbusState handshake: its frontend directory
 * (/local/domain/N/console) is written by the toolstack with the ring's
 * frame (ring-ref) and an unbound port, as libxl does, and the guest
 * starts using the ring at once. So everything happens at probe: map the
 * ring, bind the port, make the pty, open the log, publish `tty`. The
 * core leaves the device in InitWait (the frontend never moves); remove
 * undoes it all when the toolstack removes the device.
 *
 * The ring is the guest's to write: ring/byte_ring.h reads each index
 * once and refuses an impossible pair (-EIO), which stops that console
 * only. A guest cannot make us wait or grow: out-ring bytes are logged
 * (at most LOG_MAX per console, and per file: to_log, rotate_log) and
 * offered to the pty without blocking
 * (dropped when no one reads); at most PASS_MAX bytes are moved per
 * event, so one chatty guest does not starve the others (epoll is
 * level-triggered: the rest is served next turn).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <xenstore.h>

#include "backend/consoled/consoled.h"
#include "hv/hv.h"
#include "ring/byte_ring.h"

#define LOG_MAX (4u << 20)
#define PASS_MAX 16384

struct cons {
	struct consoled *cd;
	struct xpv_backend_dev *dev;
	struct xpv_xencons_interface *page;
	struct xpv_byte_ring in, out;
	struct hv_evtchn *ev;
	int port;
	int master, slave; /* the pty; we keep the slave open too */
	int log;
	char *log_path; /* guest-<name>.log */
	unsigned long log_size; /* its bytes, those before us included */
	unsigned long logged; /* ours, in all its files */
	bool broken;
	struct cons_fd ev_fd, pty_fd;
	char in_pending[XPV_XENCONS_IN_SIZE]; /* typed, not yet in the ring */
	size_t npending;
};

/* --- Setting up ------------------------------------------------------------ */

static int map_ring(struct cons *c)
{
	unsigned long frame;
	hv_frame_t f;
	hv_port_t port;
	int ret;

	ret = xpv_backend_read_uint(c->dev, XPV_FRONTEND, "ring-ref",
				    UINT32_MAX, &frame);
	if (ret)
		return ret;
	f = frame;
	c->page = hv_foreign_map(c->cd->hv, xpv_backend_dev_domid(c->dev), 1,
				 &f, true);
	if (!c->page)
		return -errno;
	xpv_byte_ring_console_in(&c->in, c->page);
	xpv_byte_ring_console_out(&c->out, c->page);
	ret = xpv_backend_read_port(c->dev, NULL, "port", &port);
	if (ret)
		return ret;
	c->ev = hv_evtchn_open(c->cd->hv);
	if (!c->ev)
		return -errno;
	ret = hv_evtchn_bind_interdomain(c->ev, xpv_backend_dev_domid(c->dev),
					 port);
	if (ret < 0)
		return ret;
	c->port = ret;
	return 0;
}

/* A pty as a serial line: raw, so what the guest sends arrives as it is
 * sent (its own pty does the line discipline). */
static int make_pty(struct cons *c, char *name, size_t len)
{
	struct termios t;

	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (c->master < 0)
		return -errno;
	if (grantpt(c->master) || unlockpt(c->master) ||
	    ptsname_r(c->master, name, len))
		return -errno;
	c->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave < 0)
		return -errno;
	if (tcgetattr(c->slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(c->slave, TCSANOW, &t);
	}
	return 0;
}

/* The log file, appended to: the domain's earlier boots (and earlier
 * domains of its name) are in it. */
static int reopen_log(struct cons *c)
{
	struct stat st;

	if (c->log >= 0)
		close(c->log);
	c->log = open(c->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0640);
	if (c->log < 0 || fstat(c->log, &st))
		return -errno;
	c->log_size = (unsigned long)st.st_size;
	return 0;
}

/* The cap is per file, not per console: a guest that reboots (or is
 * re-created) gets a new console each time, appending to the same file.
 * A log that would pass LOG_MAX becomes guest-<name>.log.1 (replacing
 * the one before, as logrotate does) and a new one is started, so a
 * domain name has at most 2 * LOG_MAX on disk. */
static int rotate_log(struct cons *c)
{
	char old[PATH_MAX];

	if (snprintf(old, sizeof(old), "%s.1", c->log_path) >= (int)sizeof(old))
		return -ENAMETOOLONG;
	if (rename(c->log_path, old))
		return -errno;
	return reopen_log(c);
}

static int open_log(struct cons *c)
{
	char dir[4200], path[4600], name[XPV_BACKEND_VALUE_MAX];
	struct xs_handle *xs = xpv_backend_xs(xpv_backend_dev_core(c->dev));
	char home[64], *v;

	snprintf(home, sizeof(home), "/local/domain/%u/name",
		 xpv_backend_dev_domid(c->dev));
	v = xs_read(xs, XBT_NULL, home, NULL);
	/* The toolstack wrote the name; keep it a plain file name anyway. */
	snprintf(name, sizeof(name), "%s",
		 v && !strchr(v, '/') && *v != '.' ? v : "unnamed");
	free(v);
	snprintf(dir, sizeof(dir), "%s/console", c->cd->logdir);
	mkdir(dir, 0750);
	snprintf(path, sizeof(path), "%s/guest-%s.log", dir, name);
	c->log_path = strdup(path);
	if (!c->log_path)
		return -ENOMEM;
	return reopen_log(c);
}

static int watch_fd(struct cons *c, int fd, struct cons_fd *f, bool is_pty)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = f };

	f->cons = c;
	f->is_pty = is_pty;
	return epoll_ctl(c->cd->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Publish the pty where xl console looks for it. */
static int publish_tty(struct cons *c, const char *name)
{
	struct xs_handle *xs = xpv_backend_xs(xpv_backend_dev_core(c->dev));
	char path[128];

	snprintf(path, sizeof(path), "%s/tty",
		 xpv_backend_dev_frontend(c->dev));
	return xs_write(xs, XBT_NULL, path, name, strlen(name)) ? 0 : -errno;
}

static void cons_free(struct cons *c)
{
	if (!c)
		return;
	if (c->ev)
		hv_evtchn_close(c->ev); /* also leaves the epoll set */
	if (c->page)
		hv_foreign_unmap(c->cd->hv, c->page, 1);
	if (c->master >= 0)
		close(c->master);
	if (c->slave >= 0)
		close(c->slave);
	if (c->log >= 0)
		close(c->log);
	free(c->log_path);
	free(c);
}

static int cons_probe(struct xpv_backend_dev *dev)
{
	struct cons *c = calloc(1, sizeof(*c));
	char name[64];
	int ret;

	if (!c)
		return -ENOMEM;
	*c = (struct cons){ .cd = xpv_backend_dev_opaque(dev),
			    .dev = dev,
			    .port = -1,
			    .master = -1,
			    .slave = -1,
			    .log = -1 };
	xpv_backend_dev_set_priv(dev, c);
	if (xpv_backend_dev_devid(dev) != 0) {
		xpv_backend_log(dev, "only console 0 is served");
		return -EOPNOTSUPP;
	}
	ret = map_ring(c);
	if (ret) {
		xpv_backend_fatal(dev, ret, "mapping the console ring");
		return ret;
	}
	ret = make_pty(c, name, sizeof(name));
	ret = ret ?: open_log(c);
	ret = ret ?: watch_fd(c, hv_evtchn_fd(c->ev), &c->ev_fd, false);
	ret = ret ?: watch_fd(c, c->master, &c->pty_fd, true);
	ret = ret ?: publish_tty(c, name);
	if (ret) {
		xpv_backend_fatal(dev, ret, "setting up the console");
		return ret;
	}
	/* What the guest wrote before we came. */
	consoled_serve(&c->ev_fd);
	return 0;
}

static void cons_remove(struct xpv_backend_dev *dev)
{
	struct cons *c = xpv_backend_dev_priv(dev);

	if (c && c->master >= 0)
		epoll_ctl(c->cd->epfd, EPOLL_CTL_DEL, c->master, NULL);
	cons_free(c);
	xpv_backend_dev_set_priv(dev, NULL);
}

/* Console 0 never reaches the handshake's connect: nothing to do. */
static int cons_connect(struct xpv_backend_dev *dev __attribute__((unused)))
{
	return 0;
}

static void cons_disconnect(struct xpv_backend_dev *dev __attribute__((unused)))
{
}

const struct xpv_backend_ops consoled_ops = {
	.probe = cons_probe,
	.connect = cons_connect,
	.disconnect = cons_disconnect,
	.remove = cons_remove,
	.hotplug = XPV_HOTPLUG_NONE,
};

/* --- The data path ---------------------------------------------------------- */

/* A broken console takes no more input: its pty leaves the epoll set, so
 * what is typed stays in the pty (the typist waits, as for a guest that
 * does not read its keyboard) rather than waking us for ever, since the
 * pty would stay readable with nowhere to put what it holds. */
static void broken(struct cons *c)
{
	if (c->broken)
		return;
	c->broken = true;
	epoll_ctl(c->cd->epfd, EPOLL_CTL_DEL, c->master, NULL);
	xpv_backend_log(c->dev, "the guest broke its console ring; "
				"console stopped");
}

/* Each console logs at most LOG_MAX bytes (a flooding guest costs us one
 * log's worth of writes per boot), into a file of at most LOG_MAX. */
static void to_log(struct cons *c, const char *buf, size_t n)
{
	ssize_t done;
	int ret;

	if (c->logged >= LOG_MAX)
		return;
	if (n > LOG_MAX - c->logged)
		n = LOG_MAX - c->logged;
	if (c->log_size + n > LOG_MAX) {
		ret = rotate_log(c);
		if (ret) {
			xpv_backend_log(c->dev,
					"cannot rotate %s: %s; the "
					"rest is not logged",
					c->log_path, strerror(-ret));
			c->logged = LOG_MAX;
			return;
		}
	}
	done = write(c->log, buf, n);
	if (done > 0) {
		c->logged += (size_t)done;
		c->log_size += (size_t)done;
	}
	if (c->logged >= LOG_MAX)
		xpv_backend_log(c->dev,
				"console log reached %u bytes: the "
				"rest is not logged",
				LOG_MAX);
}

/* The screen: out ring -> log and pty (dropped when no one reads). */
static int pull_out(struct cons *c)
{
	char buf[XPV_XENCONS_OUT_SIZE];
	int n, moved = 0;

	while (moved < PASS_MAX &&
	       (n = xpv_byte_ring_read(&c->out, buf, sizeof(buf))) > 0) {
		to_log(c, buf, n);
		if (write(c->master, buf, n) < 0 && errno != EAGAIN)
			break;
		moved += n;
	}
	if (n < 0)
		broken(c);
	return moved;
}

/* The keyboard: what was typed, into the in ring while it has room. */
static int push_in(struct cons *c)
{
	int n;

	if (!c->npending)
		return 0;
	n = xpv_byte_ring_write(&c->in, c->in_pending, c->npending);
	if (n < 0) {
		broken(c);
		return 0;
	}
	memmove(c->in_pending, c->in_pending + n, c->npending - n);
	c->npending -= n;
	return n;
}

/* Read the pty only while there is room for what it gives: when the
 * guest does not take its keyboard input, the pty holds the rest (and the
 * typist waits), not us. */
static void pty_wanted(struct cons *c)
{
	struct epoll_event ev = {
		.events = c->npending < sizeof(c->in_pending) ? EPOLLIN : 0,
		.data.ptr = &c->pty_fd,
	};

	epoll_ctl(c->cd->epfd, EPOLL_CTL_MOD, c->master, &ev);
}

static void read_pty(struct cons *c)
{
	ssize_t n;

	if (c->npending == sizeof(c->in_pending))
		return;
	n = read(c->master, c->in_pending + c->npending,
		 sizeof(c->in_pending) - c->npending);
	if (n > 0)
		c->npending += n;
}

void consoled_serve(struct cons_fd *f)
{
	struct cons *c = f->cons;
	int port, moved;

	if (!f->is_pty) {
		while ((port = hv_evtchn_pending(c->ev)) >= 0)
			if (hv_evtchn_unmask(c->ev, port) < 0)
				broken(c);
	} else {
		read_pty(c);
	}
	if (c->broken)
		return;
	moved = pull_out(c) + push_in(c);
	if (moved && hv_evtchn_notify(c->ev, c->port) < 0)
		broken(c);
	if (!c->broken)
		pty_wanted(c);
}
