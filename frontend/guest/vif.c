/*
 * vif.c - the guest's vif driver: each device/vif/<N> becomes the guest's
 * NIC eth<N>, served by netfront (frontend/net/netfront.h) in a process of
 * its own, forked from xpv-guest. That process has its own hypervisor
 * connection and its own xenstore connection, relayed over the guest's
 * (guest_device_relay), so netfront runs as it does in xpv-netfront. The
 * NIC itself is the TAP dom0 made in the guest's network namespace and
 * handed in (docs/network.md): netfront takes it.
 *
 * The process writes only to its stderr (the kernel's log), never to the
 * console ring, which has one writer: xpv-guest. SIGTERM (detach) closes
 * the connection (Closing, Closed) and ends it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frontend/guest/guest.h"
#include "frontend/net/netfront.h"
#include "frontend/xenbus.h"

#define CONNECT_TIMEOUT_MS 10000
#define STOP_WAIT_MS 3000

struct vif_proc {
	struct hv *hv;
	struct xenbus *xb;
	struct netfront *nf;
	int epfd, sfd;
	char dir[64], ifname[16];
};

static char xenbus_mark, signal_mark;

static void say(const struct vif_proc *v, const char *what, int err)
{
	fprintf(stderr, "xpv-guest: %s (%s): %s%s%s\n", v->dir, v->ifname, what,
		err ? ": " : "", err ? strerror(-err) : "");
}

static int add_fd(int epfd, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* The connection's fds, into the epoll set (again after a reconnect). */
static void watch_netfront(struct vif_proc *v, int *fds, unsigned int *nfds)
{
	uint32_t events[1 + NETFRONT_MAX_QUEUES];
	void *ptrs[1 + NETFRONT_MAX_QUEUES];
	int i, n;

	for (i = 0; i < (int)*nfds; i++)
		epoll_ctl(v->epfd, EPOLL_CTL_DEL, fds[i], NULL);
	n = netfront_fds(v->nf, fds, events, ptrs, 1 + NETFRONT_MAX_QUEUES);
	*nfds = 0;
	for (i = 0; i < n; i++)
		if (!add_fd(v->epfd, fds[i], events[i], ptrs[i]))
			(*nfds)++;
}

static void on_xenbus(struct vif_proc *v, int *fds, unsigned int *nfds)
{
	char *path, *token;
	int ret;

	while (xenbus_read_event(v->xb, &path, &token) == 0) {
		if (!strcmp(token, netfront_token(v->nf))) {
			ret = netfront_backend_changed(v->nf,
						       CONNECT_TIMEOUT_MS);
			if (ret)
				say(v, "backend change", ret);
			watch_netfront(v, fds, nfds);
		}
		free(path);
	}
}

static int run(struct vif_proc *v)
{
	int fds[1 + NETFRONT_MAX_QUEUES];
	unsigned int nfds = 0;
	struct epoll_event evs[16];
	int i, n;

	watch_netfront(v, fds, &nfds);
	for (;;) {
		n = epoll_wait(v->epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &signal_mark)
				return 0;
			if (p == &xenbus_mark)
				on_xenbus(v, fds, &nfds);
			else
				netfront_event(v->nf, p);
		}
	}
}

static int bring_up(struct vif_proc *v, int xenbus_fd)
{
	struct netfront_config cfg = { .dir = v->dir, .ifname = v->ifname };
	char why[256];
	sigset_t set;
	int ret;

	ret = hv_open(&v->hv, why, sizeof(why));
	if (ret) {
		say(v, why, 0);
		return ret;
	}
	v->xb = xenbus_open_fd(xenbus_fd);
	if (!v->xb)
		return -errno;
	v->nf = netfront_open(v->hv, v->xb, &cfg);
	if (!v->nf)
		return -errno;
	ret = netfront_connect(v->nf, CONNECT_TIMEOUT_MS);
	if (ret)
		return ret;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	v->sfd = signalfd(-1, &set, SFD_CLOEXEC);
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (v->sfd < 0 || v->epfd < 0)
		return -errno;
	ret = add_fd(v->epfd, v->sfd, EPOLLIN, &signal_mark);
	return ret   ?:
		       add_fd(v->epfd, xenbus_event_fd(v->xb), EPOLLIN,
			      &xenbus_mark);
}

/* The forked process: it never returns. */
static void vif_main(const char *dir, int xenbus_fd)
{
	struct vif_proc v = { .epfd = -1, .sfd = -1 };
	sigset_t set;
	int ret;

	/* SIGTERM waits for the loop (blocked before anything can send it);
	 * SIGCHLD is xpv-guest's, not ours. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	snprintf(v.dir, sizeof(v.dir), "%s", dir);
	snprintf(v.ifname, sizeof(v.ifname), "eth%s", strrchr(dir, '/') + 1);
	/* Should the toolstack give up waiting, the kernel's log it shows
	 * tells a process that never ran from one that is still at it. */
	say(&v, "connecting", 0);
	ret = bring_up(&v, xenbus_fd);
	if (ret) {
		say(&v, "cannot connect", ret);
		_exit(1);
	}
	say(&v, "connected", 0);
	ret = run(&v);
	netfront_close(v.nf);
	xenbus_close(v.xb);
	hv_close(v.hv);
	_exit(ret ? 1 : 0);
}

static int vif_attach(struct guest *g, struct guest_device *d)
{
	int fd = guest_device_relay(g, d);
	pid_t pid;

	if (fd < 0)
		return fd;
	pid = fork();
	if (pid == 0) {
		close(g->sigfd);
		vif_main(d->dir, fd);
	}
	close(fd);
	if (pid < 0)
		return -errno;
	d->priv = (void *)(long)pid;
	return 0;
}

/* SIGTERM, and a bounded wait for it to close its connection. */
static void vif_detach(struct guest *g __attribute__((unused)),
		       struct guest_device *d)
{
	pid_t pid = (pid_t)(long)d->priv;
	int waited;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (waited = 0; waited < STOP_WAIT_MS; waited += 10) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
}

const struct guest_driver guest_vif_driver = {
	.class = "vif",
	.attach = vif_attach,
	.detach = vif_detach,
};
