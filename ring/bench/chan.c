/*
 * chan.c - shared ring pages and an event channel between two processes,
 * through hv/hv.h or, raw, a memfd and eventfds. See chan.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ring/bench/chan.h"

/* What the front end tells the back end at setup. */
struct setup_msg {
	uint32_t npages;
	uint32_t port;
	hv_domid_t domid;
	hv_gref_t refs[CHAN_MAX_PAGES];
};

/* Send msg with up to 3 fds attached (nfds may be 0). */
static int send_setup(int sock, const struct setup_msg *msg, const int *fds,
		      int nfds)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (nfds > 0) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	if (sendmsg(sock, &mh, 0) != (ssize_t)sizeof(*msg))
		return errno ? -errno : -EIO;
	return 0;
}

static int recv_setup(int sock, struct setup_msg *msg, int *fds, int nfds)
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))];
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int i;

	for (i = 0; i < nfds; i++)
		fds[i] = -1;
	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*msg))
		return errno ? -errno : -EIO;
	cm = CMSG_FIRSTHDR(&mh);
	if (nfds > 0) {
		if (!cm || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len != CMSG_LEN(nfds * sizeof(int)))
			return -EPROTO;
		memcpy(fds, CMSG_DATA(cm), nfds * sizeof(int));
	}
	if (msg->npages == 0 || msg->npages > CHAN_MAX_PAGES)
		return -EPROTO;
	return 0;
}

bool chan_hv_available(char *why, size_t why_len)
{
	struct hv *hv;

	if (hv_open(&hv, why, why_len) < 0)
		return false;
	hv_close(hv);
	return true;
}

static int raw_front(struct chan *c, int sock)
{
	struct setup_msg msg = { .npages = c->npages };
	size_t len = (size_t)c->npages * HV_PAGE_SIZE;
	int fd, fds[3], err;

	fd = memfd_create("bench-ring", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	c->mine = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->peer = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->mine < 0 || c->peer < 0 || ftruncate(fd, len) < 0) {
		err = -errno;
		goto out;
	}
	c->ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c->ring == MAP_FAILED) {
		c->ring = NULL;
		err = -errno;
		goto out;
	}
	c->wait_fd = c->mine;
	/* the back end waits on what we kick, and kicks what we wait on */
	fds[0] = fd;
	fds[1] = c->peer;
	fds[2] = c->mine;
	err = send_setup(sock, &msg, fds, 3);
out:
	close(fd);
	return err;
}

static int raw_back(struct chan *c, int sock)
{
	struct setup_msg msg;
	int fds[3], err;

	err = recv_setup(sock, &msg, fds, 3);
	if (err)
		return err;
	c->npages = msg.npages;
	c->mine = fds[1];
	c->peer = fds[2];
	c->wait_fd = c->mine;
	c->ring = mmap(NULL, (size_t)c->npages * HV_PAGE_SIZE,
		       PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	err = c->ring == MAP_FAILED ? -errno : 0;
	if (c->ring == MAP_FAILED)
		c->ring = NULL;
	close(fds[0]);
	return err;
}

static int hv_setup(struct chan *c)
{
	int err = hv_open(&c->hv, NULL, 0);

	if (err)
		return err;
	c->ev = hv_evtchn_open(c->hv);
	if (!c->ev)
		return -errno;
	c->wait_fd = hv_evtchn_fd(c->ev);
	return 0;
}

static int hv_front(struct chan *c, int sock)
{
	struct setup_msg msg = { .npages = c->npages };
	int err = hv_setup(c);
	int port;

	if (err)
		return err;
	/* the back end is dom0, as a real one is */
	c->ring = hv_share_pages(c->hv, 0, c->npages, true, msg.refs);
	if (!c->ring)
		return -errno;
	port = hv_evtchn_alloc_unbound(c->ev, 0);
	if (port < 0)
		return port;
	c->port = (hv_port_t)port;
	msg.port = c->port;
	msg.domid = hv_self(c->hv);
	return send_setup(sock, &msg, NULL, 0);
}

static int hv_back(struct chan *c, int sock)
{
	struct setup_msg msg;
	int err = hv_setup(c);
	int port;

	if (err)
		return err;
	err = recv_setup(sock, &msg, NULL, 0);
	if (err)
		return err;
	c->npages = msg.npages;
	c->ring = hv_grant_map(c->hv, msg.domid, msg.npages, msg.refs, true);
	if (!c->ring)
		return -errno;
	port = hv_evtchn_bind_interdomain(c->ev, msg.domid, msg.port);
	if (port < 0)
		return port;
	c->port = (hv_port_t)port;
	return 0;
}

static void chan_init(struct chan *c, bool raw, unsigned int npages)
{
	memset(c, 0, sizeof(*c));
	c->raw = raw;
	c->npages = npages;
	c->wait_fd = c->mine = c->peer = -1;
}

int chan_front_open(struct chan *c, bool raw, unsigned int npages, int sock)
{
	int err;

	if (npages == 0 || npages > CHAN_MAX_PAGES)
		return -EINVAL;
	chan_init(c, raw, npages);
	c->front = true;
	err = raw ? raw_front(c, sock) : hv_front(c, sock);
	if (err)
		chan_close(c);
	return err;
}

int chan_back_open(struct chan *c, bool raw, int sock)
{
	int err;

	chan_init(c, raw, 0);
	err = raw ? raw_back(c, sock) : hv_back(c, sock);
	if (err)
		chan_close(c);
	return err;
}

/* Safe on a half-opened channel. */
void chan_close(struct chan *c)
{
	if (c->raw) {
		if (c->ring)
			munmap(c->ring, (size_t)c->npages * HV_PAGE_SIZE);
		if (c->mine >= 0)
			close(c->mine);
		if (c->peer >= 0)
			close(c->peer);
	} else if (c->hv) {
		/* the back end unmaps first, or the front end's unshare is
		 * refused (-EBUSY) and the pages go with its domain */
		if (c->ring && c->front &&
		    hv_unshare_pages(c->hv, c->ring, c->npages))
			fprintf(stderr, "bench-ring: the ring pages stay "
					"granted (the back end still maps "
					"them)\n");
		else if (c->ring)
			hv_grant_unmap(c->hv, c->ring, c->npages);
		if (c->ev)
			hv_evtchn_close(c->ev);
		hv_close(c->hv);
	}
	chan_init(c, c->raw, 0);
}

int chan_notify(struct chan *c)
{
	uint64_t one = 1;

	if (!c->raw)
		return hv_evtchn_notify(c->ev, c->port);
	if (write(c->peer, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

/* Sleep on the raw eventfd: poll, then read it. */
static int raw_wait(struct chan *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->wait_fd, .events = POLLIN };
	uint64_t v;
	int n;

	n = poll(&p, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	if (read(c->mine, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int chan_wait(struct chan *c, int timeout_ms)
{
	int n;

	if (c->raw)
		return raw_wait(c, timeout_ms);
	/* As a blocking xenevtchn_pending: sleep until the port fires and
	 * take it (one system call on sim), then unmask it. */
	n = hv_evtchn_wait(c->ev, timeout_ms);
	if (n == -EAGAIN)
		return -ETIMEDOUT;
	if (n < 0)
		return n;
	return hv_evtchn_unmask(c->ev, (hv_port_t)n);
}
