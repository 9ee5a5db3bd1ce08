/*
 * frontend/net/main.c - xpv-netfront: a guest's network driver on sim (and
 * in a Linux guest's user space on xen): every vif of the domain becomes a
 * NIC of the guest, eth<N> for device/vif/<N>, until it is stopped.
 *
 *   xpv-netfront [--vif N[=IFNAME]]... [--queues Q] [--no-split]
 *                [--no-persistent] [--timeout MS]
 *
 * Without --vif it serves every device/vif/<N> of the domain, and those
 * attached later (it watches device/vif); a vif removed is let go. One
 * thread, one epoll set: the xenstore client's fd, and each vif's event
 * channel and TAP queues. It prints one line per vif connected, then
 * "xpv-netfront: ready" once every vif found at start is connected.
 * SIGTERM or SIGINT: each vif closes its connection (Closing, Closed),
 * statistics are printed, exit 0. SIGUSR1: statistics.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "frontend/net/netfront.h"
#include "frontend/xenbus.h"
#include "hv/hv.h"

#define NAME "xpv-netfront"
#define MAX_VIFS 16
#define WATCH_TOKEN "xpv-netfront-vifs"

struct vif {
	unsigned int devid;
	char ifname[16];
	struct netfront *nf;
	int fds[1 + NETFRONT_MAX_QUEUES];
	unsigned int nfds;
	bool seen; /* in the last listing of device/vif */
	bool busy; /* work left after its budget: run again before waiting */
};

struct prog {
	struct hv *hv;
	struct xenbus *xb;
	int epfd;
	struct vif vifs[MAX_VIFS];
	unsigned int nvifs;
	bool watch_all; /* no --vif: follow device/vif */
	unsigned int queues;
	bool no_split, no_persistent;
	int timeout_ms;
	int sfd;
};

static char xenbus_mark, signal_mark;

static void unwatch_fds(struct prog *p, struct vif *v)
{
	unsigned int i;

	for (i = 0; i < v->nfds; i++)
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, v->fds[i], NULL);
	v->nfds = 0;
}

static void watch_fds(struct prog *p, struct vif *v)
{
	int fds[1 + NETFRONT_MAX_QUEUES];
	uint32_t events[1 + NETFRONT_MAX_QUEUES];
	void *ptrs[1 + NETFRONT_MAX_QUEUES];
	int n, i;

	unwatch_fds(p, v);
	n = netfront_fds(v->nf, fds, events, ptrs, 1 + NETFRONT_MAX_QUEUES);
	for (i = 0; i < n; i++) {
		struct epoll_event ev = { .events = events[i],
					  .data.ptr = ptrs[i] };

		if (!epoll_ctl(p->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			v->fds[v->nfds++] = fds[i];
	}
}

static void report(struct vif *v)
{
	struct netfront_stats s;

	netfront_stats(v->nf, &s);
	printf(NAME ": %s: tx %llu packets %llu bytes %llu dropped; rx %llu "
		    "packets %llu bytes %llu dropped %llu errors; %llu "
		    "reconnects\n",
	       v->ifname, (unsigned long long)s.tx_packets,
	       (unsigned long long)s.tx_bytes, (unsigned long long)s.tx_dropped,
	       (unsigned long long)s.rx_packets, (unsigned long long)s.rx_bytes,
	       (unsigned long long)s.rx_dropped,
	       (unsigned long long)s.rx_errors,
	       (unsigned long long)s.reconnects);
	fflush(stdout);
}

static int start_vif(struct prog *p, struct vif *v)
{
	char dir[32];
	struct netfront_config cfg = { .dir = dir,
				       .ifname = v->ifname,
				       .queues = p->queues,
				       .no_split = p->no_split,
				       .no_persistent = p->no_persistent };
	int err;

	snprintf(dir, sizeof(dir), "device/vif/%u", v->devid);
	v->nf = netfront_open(p->hv, p->xb, &cfg);
	if (!v->nf) {
		fprintf(stderr, NAME ": %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	err = netfront_connect(v->nf, p->timeout_ms);
	if (err) {
		fprintf(stderr, NAME ": %s: connecting: %s\n", dir,
			strerror(-err));
		netfront_close(v->nf);
		v->nf = NULL;
		return err;
	}
	watch_fds(p, v);
	printf(NAME ": %s: %s connected\n", dir, v->ifname);
	fflush(stdout);
	return 0;
}

static void stop_vif(struct prog *p, struct vif *v)
{
	if (!v->nf)
		return;
	unwatch_fds(p, v);
	report(v);
	netfront_close(v->nf);
	v->nf = NULL;
}

static struct vif *find_vif(struct prog *p, unsigned int devid)
{
	unsigned int i;

	for (i = 0; i < p->nvifs; i++)
		if (p->vifs[i].devid == devid)
			return &p->vifs[i];
	return NULL;
}

static struct vif *add_vif(struct prog *p, unsigned int devid,
			   const char *ifname)
{
	struct vif *v;

	if (p->nvifs == MAX_VIFS)
		return NULL;
	v = &p->vifs[p->nvifs++];
	memset(v, 0, sizeof(*v));
	v->devid = devid;
	if (ifname)
		snprintf(v->ifname, sizeof(v->ifname), "%s", ifname);
	else
		snprintf(v->ifname, sizeof(v->ifname), "eth%u", devid);
	return v;
}

/* device/vif now: start the new ones, stop the ones gone. */
static void rescan(struct prog *p)
{
	char **names = NULL;
	unsigned int num = 0, i;
	char *end;

	if (xenbus_directory(p->xb, XENBUS_TX_NONE, "device/vif", &names, &num))
		num = 0;
	for (i = 0; i < p->nvifs; i++)
		p->vifs[i].seen = false;
	for (i = 0; i < num; i++) {
		unsigned long id = strtoul(names[i], &end, 10);
		struct vif *v;

		if (*end || end == names[i] || id > 9999)
			continue;
		v = find_vif(p, (unsigned int)id);
		if (!v)
			v = add_vif(p, (unsigned int)id, NULL);
		if (!v)
			continue;
		v->seen = true;
		if (!v->nf)
			start_vif(p, v);
	}
	for (i = 0; i < p->nvifs; i++)
		if (!p->vifs[i].seen && p->vifs[i].nf)
			stop_vif(p, &p->vifs[i]);
	free(names);
}

static void on_xenbus(struct prog *p)
{
	char *path, *token;
	unsigned int i;

	while (xenbus_read_event(p->xb, &path, &token) == 0) {
		bool all = !strcmp(token, WATCH_TOKEN);

		for (i = 0; !all && i < p->nvifs; i++) {
			struct vif *v = &p->vifs[i];

			if (!v->nf || strcmp(token, netfront_token(v->nf)))
				continue;
			if (netfront_backend_changed(v->nf, p->timeout_ms) > 0)
				watch_fds(p, v);
		}
		free(path);
		if (all && p->watch_all)
			rescan(p);
	}
}

static void on_data(struct prog *p, void *ptr)
{
	unsigned int i, j;

	for (i = 0; i < p->nvifs; i++) {
		struct vif *v = &p->vifs[i];
		int fds[1 + NETFRONT_MAX_QUEUES];
		uint32_t ev[1 + NETFRONT_MAX_QUEUES];
		void *ptrs[1 + NETFRONT_MAX_QUEUES];
		int n;

		if (!v->nf)
			continue;
		n = netfront_fds(v->nf, fds, ev, ptrs, 1 + NETFRONT_MAX_QUEUES);
		for (j = 0; j < (unsigned int)n; j++) {
			int r;

			if (ptrs[j] != ptr)
				continue;
			r = netfront_event(v->nf, ptr);
			if (r < 0) {
				unwatch_fds(p, v);
				v->busy = false;
			} else if (r > 0) {
				/* Only set: a TAP event ran one queue, and
				 * another left busy by an earlier turn (its
				 * budget out, no event armed for it) would
				 * otherwise wait for an event that never
				 * comes. run_busy clears it. */
				v->busy = true;
			}
			return;
		}
	}
}

/* SIGUSR1: statistics; false for a signal to stop. */
static bool on_signal(struct prog *p)
{
	struct signalfd_siginfo si;
	unsigned int i;

	if (read(p->sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if (si.ssi_signo != SIGUSR1)
		return false;
	for (i = 0; i < p->nvifs; i++)
		if (p->vifs[i].nf)
			report(&p->vifs[i]);
	return true;
}

/* Give each busy vif another turn; true while any is still busy. */
static bool run_busy(struct prog *p)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < p->nvifs; i++) {
		struct vif *v = &p->vifs[i];
		int r;

		if (!v->busy || !v->nf)
			continue;
		r = netfront_run(v->nf);
		if (r < 0)
			unwatch_fds(p, v);
		v->busy = r > 0;
		any |= v->busy;
	}
	return any;
}

static int run(struct prog *p)
{
	struct epoll_event evs[32];
	bool busy = false;
	int n, i;

	for (;;) {
		n = epoll_wait(p->epfd, evs, 32, busy ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			void *ptr = evs[i].data.ptr;

			if (ptr == &signal_mark) {
				if (!on_signal(p))
					return 0;
				continue;
			}
			if (ptr == &xenbus_mark)
				on_xenbus(p);
			else
				on_data(p, ptr);
		}
		busy = run_busy(p);
	}
}

static int parse_vif(struct prog *p, const char *arg)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 10);

	if (end == arg || id > 9999 || (*end && *end != '='))
		return -EINVAL;
	if (*end == '=' && (!end[1] || strlen(end + 1) >= 16))
		return -EINVAL;
	return add_vif(p, (unsigned int)id, *end ? end + 1 : NULL) ? 0 :
								     -ENOSPC;
}

static int usage(void)
{
	fprintf(stderr, "usage: " NAME " [--vif N[=IFNAME]]... [--queues Q] "
			"[--no-split] [--no-persistent] [--timeout MS]\n");
	return 2;
}

static int parse_args(struct prog *p, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vif", required_argument, NULL, 'v' },
		{ "queues", required_argument, NULL, 'q' },
		{ "no-split", no_argument, NULL, 's' },
		{ "no-persistent", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	p->queues = 1;
	p->timeout_ms = 20000;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (parse_vif(p, optarg))
				return -1;
			break;
		case 'q':
			p->queues = (unsigned int)atoi(optarg);
			if (p->queues < 1 || p->queues > NETFRONT_MAX_QUEUES)
				return -1;
			break;
		case 's':
			p->no_split = true;
			break;
		case 'p':
			p->no_persistent = true;
			break;
		case 't':
			p->timeout_ms = atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	p->watch_all = p->nvifs == 0;
	return optind == argc ? 0 : -1;
}

static int add_fd(int epfd, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void start_all(struct prog *p)
{
	unsigned int i;

	if (p->watch_all) {
		if (xenbus_watch(p->xb, "device/vif", WATCH_TOKEN))
			fprintf(stderr, NAME ": cannot watch device/vif\n");
		rescan(p);
	} else {
		for (i = 0; i < p->nvifs; i++)
			start_vif(p, &p->vifs[i]);
	}
	printf(NAME ": ready\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct prog p = { .epfd = -1 };
	char why[256];
	unsigned int i;
	int ret;

	if (parse_args(&p, argc, argv))
		return usage();
	signal(SIGPIPE, SIG_IGN);
	ret = hv_open(&p.hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, NAME ": %s\n", why);
		return 1;
	}
	p.xb = xenbus_open(p.hv);
	p.epfd = epoll_create1(EPOLL_CLOEXEC);
	p.sfd = open_signals();
	if (!p.xb || p.epfd < 0 || p.sfd < 0 ||
	    add_fd(p.epfd, xenbus_event_fd(p.xb), &xenbus_mark) ||
	    add_fd(p.epfd, p.sfd, &signal_mark)) {
		fprintf(stderr, NAME ": cannot start: %s\n", strerror(errno));
		return 1;
	}
	start_all(&p);
	ret = run(&p);
	for (i = 0; i < p.nvifs; i++)
		stop_vif(&p, &p.vifs[i]);
	xenbus_close(p.xb);
	hv_close(p.hv);
	return ret ? 1 : 0;
}
