/*
 * evtchn-stall-guest.c - a sim guest that does its worst with the event
 * channel ends it holds, for test-evtchn-stall. One command per line on
 * stdin, one answer line on stdout ("ok ..." or "err N", N a negative
 * errno):
 *
 *   loopback           allocate a port for ourselves and bind a second
 *                      one to it (a loopback channel); notify both ends
 *                      once so that we hold both peers' sending ends
 *                      -> ok <first port> <second port>
 *   bind PORT          bind dom0's PORT; notify it once -> ok <our port>
 *   store              attach our start-info store port, notify dom0
 *                      once, map our xenstore ring page -> ok <port>
 *   poison             every fd we hold that is an event channel end (a
 *                      unix stream socket, or an eventfd, which is what
 *                      ports were once): clear O_NONBLOCK with F_SETFL,
 *                      shrink SO_SNDBUF, fill it to the brim (an eventfd
 *                      to 0xfffffffffffffffe), send urgent data, try to
 *                      pass an fd through it
 *                      -> ok <sockets> <eventfds> <fds passed>
 *   shutdown           shutdown(SHUT_RDWR) every event channel socket
 *                      -> ok <sockets>
 *   unbind PORT        hv_evtchn_unbind
 *   close              hv_evtchn_close (every port bound through it)
 *   storereq           one XS_READ request on our ring, and a notify
 *
 * It never reads a doorbell: a peer's notifications pile up unread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ring/xs_wire.h"

static struct hv *hv;
static struct hv_evtchn *ev;
static hv_port_t store_port;
static volatile struct xpv_xenstore_domain_interface *intf;

static void reply(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply(int err, const char *fmt, ...)
{
	va_list ap;

	if (err < 0) {
		printf("err %d\n", err);
	} else {
		printf("ok");
		if (fmt) {
			putchar(' ');
			va_start(ap, fmt);
			vprintf(fmt, ap);
			va_end(ap);
		}
		putchar('\n');
	}
	fflush(stdout);
}

static void cmd_loopback(void)
{
	int a = hv_evtchn_alloc_unbound(ev, HV_DOMID_SELF), b;

	if (a < 0) {
		reply(a, NULL);
		return;
	}
	b = hv_evtchn_bind_interdomain(ev, HV_DOMID_SELF, (hv_port_t)a);
	if (b < 0) {
		reply(b, NULL);
		return;
	}
	if (hv_evtchn_notify(ev, (hv_port_t)a) < 0 ||
	    hv_evtchn_notify(ev, (hv_port_t)b) < 0) {
		reply(-EIO, NULL);
		return;
	}
	reply(0, "%d %d", a, b);
}

static void cmd_bind(unsigned int port)
{
	int p = hv_evtchn_bind_interdomain(ev, 0, port);

	if (p >= 0 && hv_evtchn_notify(ev, (hv_port_t)p) < 0)
		p = -EIO;
	reply(p, "%d", p);
}

static void cmd_store(void)
{
	struct hv_start_info si;
	int r = hv_domain_start_info(hv, HV_DOMID_SELF, &si);

	if (r < 0) {
		reply(r, NULL);
		return;
	}
	r = hv_evtchn_bind_existing(ev, si.store_port);
	if (r < 0) {
		reply(r, NULL);
		return;
	}
	store_port = si.store_port;
	if (hv_evtchn_notify(ev, store_port) < 0) {
		reply(-EIO, NULL);
		return;
	}
	intf = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.store_frame, true);
	reply(intf ? 0 : -errno, "%u", store_port);
}

/* What /proc/self/fd/N points at, e.g. "anon_inode:[eventfd]". */
static void fd_target(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

static bool is_stream_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	       type == SOCK_STREAM;
}

/* Try to slip an fd of ours into the other end's queue. */
static bool passes_fd(int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int payload = 0; /* our stdin */

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &payload, sizeof(payload));
	return sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
}

static void poison_socket(int fd, unsigned int *passed)
{
	int tiny = 1, fl = fcntl(fd, F_GETFL);
	char c = 'x';

	if (passes_fd(fd))
		(*passed)++;
	send(fd, &c, 1, MSG_OOB | MSG_DONTWAIT | MSG_NOSIGNAL);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &tiny, sizeof(tiny));
	while (send(fd, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
		;
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

/* Fill the counter so that the next write of 1 by anyone blocks. */
static void poison_eventfd(int fd)
{
	uint64_t v;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (read(fd, &v, sizeof(v)) < 0) {
		/* the counter was 0 already */
	}
	v = 0xfffffffffffffffeull;
	if (write(fd, &v, sizeof(v)) < 0) {
		/* someone wrote in between: it is nearly full anyway */
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
}

/* Apply fn to every event channel end we hold. */
static void each_end(void (*on_socket)(int fd, void *arg),
		     void (*on_eventfd)(int fd, void *arg), void *arg)
{
	char target[PATH_MAX];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		fd_target(fd, target, sizeof(target));
		if (strncmp(target, "socket:", 7) == 0 && is_stream_socket(fd))
			on_socket(fd, arg);
		else if (strcmp(target, "anon_inode:[eventfd]") == 0 &&
			 on_eventfd)
			on_eventfd(fd, arg);
	}
	if (d)
		closedir(d);
}

struct tally {
	unsigned int sockets, eventfds, passed;
};

static void tally_poison_socket(int fd, void *arg)
{
	struct tally *t = arg;

	poison_socket(fd, &t->passed);
	t->sockets++;
}

static void tally_poison_eventfd(int fd, void *arg)
{
	struct tally *t = arg;

	poison_eventfd(fd);
	t->eventfds++;
}

static void tally_shutdown(int fd, void *arg)
{
	struct tally *t = arg;

	shutdown(fd, SHUT_RDWR);
	t->sockets++;
}

static void cmd_poison(void)
{
	struct tally t = { 0 };

	each_end(tally_poison_socket, tally_poison_eventfd, &t);
	reply(0, "%u %u %u", t.sockets, t.eventfds, t.passed);
}

static void cmd_shutdown(void)
{
	struct tally t = { 0 };

	each_end(tally_shutdown, NULL, &t);
	reply(0, "%u", t.sockets);
}

static void put_req(const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		intf->req[xpv_mask_xenstore_idx(intf->req_prod + (uint32_t)i)] =
			p[i];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	intf->req_prod += (uint32_t)len;
}

static void cmd_storereq(void)
{
	static const char path[] = "/local\0";
	struct xpv_xsd_sockmsg h = { .type = XPV_XS_READ,
				     .len = sizeof(path) - 1 };

	if (!intf) {
		reply(-ENOENT, NULL);
		return;
	}
	put_req(&h, sizeof(h));
	put_req(path, sizeof(path) - 1);
	reply(hv_evtchn_notify(ev, store_port), NULL);
}

static void command(char *line)
{
	unsigned int n;

	if (!strcmp(line, "loopback"))
		cmd_loopback();
	else if (sscanf(line, "bind %u", &n) == 1)
		cmd_bind(n);
	else if (!strcmp(line, "store"))
		cmd_store();
	else if (!strcmp(line, "poison"))
		cmd_poison();
	else if (!strcmp(line, "shutdown"))
		cmd_shutdown();
	else if (sscanf(line, "unbind %u", &n) == 1)
		reply(hv_evtchn_unbind(ev, n), NULL);
	else if (!strcmp(line, "close")) {
		hv_evtchn_close(ev);
		ev = NULL;
		reply(0, NULL);
	} else if (!strcmp(line, "storereq"))
		cmd_storereq();
	else
		reply(-EINVAL, NULL);
}

int main(void)
{
	char line[256];
	int err = hv_open(&hv, NULL, 0);

	if (err < 0) {
		reply(err, NULL);
		return 1;
	}
	ev = hv_evtchn_open(hv);
	if (!ev) {
		reply(-errno, NULL);
		return 1;
	}
	reply(0, "ready");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		command(line);
	}
	return 0;
}
