/*
 * fd-stall-guest - a guest that tries to make xpv-hv, or a dom0 process,
 * close a file whose close never returns (test-fd-close-stall.c drives
 * it; docs/hv.md, "Security"). Closing a file runs its flush (every
 * close) and, for the last reference, its release; a guest can make both
 * wait as long as it likes:
 *
 *   - a TCP socket with SO_LINGER {1, INT_MAX} whose FIN can never leave
 *     (a connection over its own loopback whose receiver never reads and
 *     a full send queue): the last close waits for the FIN's ACK;
 *   - a file of a FUSE mount it serves itself (hv_exec.fuse), whose
 *     server never answers FLUSH: every close waits for the answer,
 *     uninterruptibly once a signal came.
 *
 * And a guest whose stdout write waits in a page fault it controls
 * (test-stdio-stall.c): a pipe's writer holds the pipe's mutex meanwhile;
 * the task waiting in that fault cannot be frozen (test-freeze-stall.c).
 *
 * It obeys one command per line on stdin and answers one line on stdout:
 * "ok ..." or "err N" (a negative errno):
 *
 *   linger              make the lingering TCP socket -> ok <fd>
 *   fuse                mount a FUSE file system of its own on /tmp/m
 *                       (served by a child that holds every FLUSH for
 *                       HOLD_SECS, so a regression ends) and open a file
 *                       of it -> ok <fd>
 *   every FD keep|drop  attach FD to a request (SIM_OP_HELLO) sent on
 *                       every AF_UNIX socket it holds: its connections
 *                       to xpv-hv (the first one, its hv handle's, its
 *                       event channel handle's), the doorbells of its
 *                       ports (dom0's sending end once bound) -> ok
 *                       <sockets> <sent> <refused with EPERM>; then drop
 *                       its own copy (so that a receiver's close would be
 *                       the last) or keep it
 *   park FD keep|drop   park FD in the queue of one end of a socket pair
 *                       of its own and give that end to xpv-hv with CLONE
 *                       (closing a socket releases the files queued in
 *                       it) -> ok <0 sent, else the send's -errno>
 *   bind DOM PORT       bind the port DOM offered it -> ok <local port>
 *   faultwrite          a child writes to its stdout from a page of its
 *                       FUSE file whose READ is held (mounting it first)
 *   ping                -> ok
 *   shutdown            shut its own domain down (poweroff)
 *
 * Dropping its own copy of the lingering socket would make the guest
 * wait in close() itself when nobody else holds it: a child of its own
 * closes it last.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/hostile-guest/guest-io.h"
#include "hv/sim/proto.h"

/* How long the FUSE server holds a FLUSH: far beyond any deadline of the
 * test, short enough that a daemon stuck on one is freed in the end. */
#define HOLD_SECS 60
#define MAX_FD 1024

static struct hv *hv;
static struct hv_evtchn *ev;
/* Socket pairs of our own (park's), which `every` leaves alone. */
static int own[64];
static unsigned int nown;

/* --- the lingering TCP socket ---------------------------------------- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

/* Write until the stream takes no more for a while: the receiver never
 * reads, so its window closes and the send queue stays full. */
static void fill(int fd)
{
	static char junk[65536];
	int idle = 0;

	while (idle < 5) {
		if (send(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) >
		    0) {
			idle = 0;
			continue;
		}
		idle++;
		usleep(20000);
	}
}

/* A TCP connection to ourselves whose sending end's last close waits for
 * ever; the accepted end is kept (never read). */
static int make_linger(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct linger lg = { 1, INT_MAX };
	socklen_t len = sizeof(sa);
	int small = 4096, l, c, a;

	if (lo_up() < 0)
		return -1;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 ||
	    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0 ||
	    connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0 || setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		return -1;
	fill(c);
	return c; /* l and a stay open, unread, to the end */
}

/* --- a FUSE file system that never answers FLUSH ---------------------- */

static void fuse_answer(int dev, uint64_t unique, int err, const void *body,
			size_t len)
{
	char buf[512];
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len),
				     .error = err,
				     .unique = unique };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	if (write(dev, buf, h.len) < 0 && errno == ENODEV)
		_exit(0);
}

static void attr_of(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino != FUSE_ROOT_ID) /* one page, which mmap can map */
		a->size = 4096;
}

static void fuse_op(int dev, const struct fuse_in_header *in, const void *arg)
{
	switch (in->opcode) {
	case FUSE_INIT: {
		const struct fuse_init_in *ii = arg;
		struct fuse_init_out o = {
			.major = FUSE_KERNEL_VERSION,
			.minor = FUSE_KERNEL_MINOR_VERSION,
			.max_readahead = ii->max_readahead,
			.max_write = 4096,
		};

		fuse_answer(dev, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_LOOKUP: {
		struct fuse_entry_out o = { .nodeid = 2, .generation = 1 };

		attr_of(2, &o.attr);
		fuse_answer(dev, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_GETATTR: {
		struct fuse_attr_out o = { 0 };

		attr_of(in->nodeid, &o.attr);
		fuse_answer(dev, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_OPEN: {
		struct fuse_open_out o = { .fh = 1 };

		fuse_answer(dev, in->unique, 0, &o, sizeof(o));
		break;
	}
	case FUSE_RELEASE:
		fuse_answer(dev, in->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;
	default:
		fuse_answer(dev, in->unique, -ENOSYS, NULL, 0);
	}
}

/* The server: every FLUSH and every READ is held HOLD_SECS, then
 * answered (a READ with an error). */
static void serve(int dev)
{
	static char buf[1 << 17] __attribute__((aligned(8)));
	uint64_t held[64];
	time_t since[64];
	int err[64];
	unsigned int nheld = 0, i;

	for (;;) {
		struct pollfd p = { .fd = dev, .events = POLLIN };
		const struct fuse_in_header *in = (const void *)buf;
		ssize_t n;

		for (i = 0; i < nheld; i++)
			if (time(NULL) - since[i] >= HOLD_SECS) {
				fuse_answer(dev, held[i], err[i], NULL, 0);
				--nheld;
				held[i] = held[nheld];
				since[i] = since[nheld];
				err[i--] = err[nheld];
			}
		if (poll(&p, 1, 200) != 1)
			continue;
		n = read(dev, buf, sizeof(buf));
		if (n < 0 && errno == ENODEV)
			_exit(0);
		if (n < (ssize_t)sizeof(*in))
			continue;
		if ((in->opcode == FUSE_FLUSH || in->opcode == FUSE_READ) &&
		    nheld < 64) {
			held[nheld] = in->unique;
			err[nheld] = in->opcode == FUSE_READ ? -EIO : 0;
			since[nheld++] = time(NULL);
		} else {
			fuse_op(dev, in, buf + sizeof(*in));
		}
	}
}

/* Mount, start the server (which alone keeps /dev/fuse: when it dies the
 * connection ends, and with it every wait on it), open a file. */
static int make_fuse(void)
{
	char opts[128];
	int dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	pid_t pid;

	if (dev < 0 || (mkdir("/tmp/m", 0755) < 0 && errno != EEXIST))
		return -1;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", dev);
	if (mount("fd-stall", "/tmp/m", "fuse", MS_NOSUID | MS_NODEV, opts))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(dev, 3);
		syscall(SYS_close_range, 4u, ~0u, 0u);
		serve(3);
	}
	close(dev);
	return open("/tmp/m/f", O_RDONLY | O_CLOEXEC);
}

/* A child of ours writes to our stdout from a page of our FUSE file,
 * whose READ the server holds: the write waits in the page fault. On a
 * pipe it would hold the pipe's mutex meanwhile, and dom0's read (and our
 * own next answer) would wait too. */
static void cmd_faultwrite(void)
{
	static int f = -1;
	void *page;

	if (f < 0)
		f = make_fuse();
	page = f < 0 ? MAP_FAILED :
		       mmap(NULL, 4096, PROT_READ, MAP_SHARED, f, 0);
	if (page == MAP_FAILED) {
		hg_reply("err %d", -errno);
		return;
	}
	if (fork() == 0) {
		if (write(1, page, 4096) < 0)
			_exit(1);
		_exit(0);
	}
	usleep(300000); /* let it get into the fault */
	hg_reply("ok");
}

/* --- giving files away ------------------------------------------------ */

/* Our copy of fd goes; if it is the last one, a child of ours waits in
 * its close, not us: we close first, then let the child close. */
static void drop(int fd)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	if (fork() == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) < 0)
			_exit(1);
		close(fd);
		_exit(0);
	}
	close(p[0]);
	close(fd);
	close(p[1]);
}

/* One datagram carrying fd on sock: 0 sent, else -errno. */
static int send_file(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static bool is_unix_socket(int fd)
{
	int dom = 0;
	socklen_t len = sizeof(dom);
	unsigned int i;

	for (i = 0; i < nown; i++)
		if (own[i] == fd)
			return false;
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 &&
	       dom == AF_UNIX;
}

static void cmd_every(int fd, bool keep)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	unsigned int sockets = 0, sent = 0, refused = 0;
	int s, err;

	for (s = 0; s < MAX_FD; s++) {
		if (s == fd || !is_unix_socket(s))
			continue;
		sockets++;
		err = send_file(s, &req, sizeof(req), fd);
		sent += err == 0;
		refused += err == -EPERM;
	}
	if (!keep)
		drop(fd);
	hg_reply("ok %u %u %u", sockets, sent, refused);
}

/* The pair stays open: closing it ourselves would release what it holds
 * in our own close. */
static void cmd_park(int fd, bool keep)
{
	struct sim_req req = { .op = SIM_OP_CLONE };
	int sv[2], err;

	if (nown + 2 > sizeof(own) / sizeof(own[0]) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		hg_reply("err %d", -EMFILE);
		return;
	}
	own[nown++] = sv[0];
	own[nown++] = sv[1];
	err = send_file(sv[0], "p", 1, fd);
	if (err) {
		hg_reply("err %d", err);
		return;
	}
	if (!keep)
		drop(fd);
	hg_reply("ok %d", send_file(atoi(getenv("XPV_HV_FD")), &req,
				    sizeof(req), sv[1]));
}

static void obey(char *line)
{
	char cmd[32] = "", how[16] = "";
	int a = -1, b = -1, n;

	n = sscanf(line, "%31s %d %15s", cmd, &a, how);
	if (n >= 2 && sscanf(how, "%d", &b) != 1)
		b = -1;
	if (!strcmp(cmd, "linger")) {
		a = make_linger();
		hg_reply(a < 0 ? "err %d" : "ok %d", a < 0 ? -errno : a);
	} else if (!strcmp(cmd, "ping")) {
		hg_reply("ok");
	} else if (!strcmp(cmd, "shutdown")) {
		a = hv_domain_shutdown(hv, HV_DOMID_SELF, HV_SHUTDOWN_POWEROFF);
		hg_reply(a < 0 ? "err %d" : "ok %d", a);
	} else if (!strcmp(cmd, "faultwrite")) {
		cmd_faultwrite();
	} else if (!strcmp(cmd, "fuse")) {
		a = make_fuse();
		hg_reply(a < 0 ? "err %d" : "ok %d", a < 0 ? -errno : a);
	} else if (!strcmp(cmd, "every") && n == 3) {
		cmd_every(a, !strcmp(how, "keep"));
	} else if (!strcmp(cmd, "park") && n == 3) {
		cmd_park(a, !strcmp(how, "keep"));
	} else if (!strcmp(cmd, "bind") && n == 3 && b > 0) {
		int p = hv_evtchn_bind_interdomain(ev, (hv_domid_t)a,
						   (hv_port_t)b);

		hg_reply(p < 0 ? "err %d" : "ok %d", p);
	} else {
		hg_reply("err %d", -EINVAL);
	}
}

int main(void)
{
	char why[256];

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* drop()'s closers reap themselves */
	if (hv_open(&hv, why, sizeof(why)) < 0) {
		hg_reply("hv_open: %s", why);
		return 1;
	}
	ev = hv_evtchn_open(hv);
	if (!ev) {
		hg_reply("hv_evtchn_open: %s", strerror(errno));
		return 1;
	}
	return hg_serve(obey);
}
