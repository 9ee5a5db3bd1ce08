/*
 * client.c - opening the sim platform: find xpv-hv, say hello, map what it
 * shares with this domain; the ops table. The request helper the files it
 * points at use is in client_conn.c.
 *
 * A process started as a domain by xpv-hv has its domain's first
 * connection in XPV_HV_FD. That connection only accepts SIM_OP_CLONE: each
 * hv_open() (and each event channel handle) asks it for a connection of
 * its own, which xpv-hv makes and answers with, so processes of one
 * domain sharing the inherited fd never read each other's other replies
 * (one clone is as good as another). Any other process connects to
 * $XPV_RUNDIR/hv.sock and is dom0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv/sim/client.h"

#define DEFAULT_RUNDIR "/run/xpv"

static const char *rundir(void)
{
	const char *d = getenv("XPV_RUNDIR");

	return d && *d ? d : DEFAULT_RUNDIR;
}

static int connect_dom0(char *why, size_t why_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/hv.sock",
			     rundir()) >= sizeof(sa.sun_path)) {
		snprintf(why, why_len, "sim platform: XPV_RUNDIR too long");
		return -ENAMETOOLONG;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	err = -errno;
	close(fd);
	snprintf(why, why_len,
		 "sim platform: no hypervisor at %s: start build/bin/xpv-hv "
		 "(XPV_RUNDIR=%s)",
		 sa.sun_path, rundir());
	return err;
}

static int connect_domain(const char *env, char *why, size_t why_len)
{
	char *end;
	long fd = strtol(env, &end, 10);

	if (*end || fd < 0 || fd > INT32_MAX || fcntl((int)fd, F_GETFD) < 0) {
		snprintf(why, why_len,
			 "sim platform: XPV_HV_FD=%s is not an open fd", env);
		return -EBADF;
	}
	return sim_clone_conn((int)fd);
}

static void unmap_shared(struct sim_hv *s)
{
	if (s->gnttab)
		munmap(s->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	if (s->status)
		munmap((void *)s->status,
		       SIM_NR_PORTS * sizeof(struct sim_port_status));
	if (s->domtab)
		munmap((void *)s->domtab,
		       SIM_MAX_DOMS * sizeof(struct sim_domslot));
	if (s->pinlog)
		munmap(s->pinlog,
		       SIM_PINLOG_ENTRIES * sizeof(struct sim_pinlog_entry));
}

/* dom0: the log of our grant pins, which xpv-hv releases if we die. */
static int get_pinlog(struct sim_hv *s)
{
	struct sim_req req = { .op = SIM_OP_PINLOG };
	int fds[SIM_MSG_FDS], err;

	err = sim_rpc(s->sock, &req, NULL, 0, NULL, 0, NULL, NULL, 0, NULL,
		      fds);
	if (err)
		return err;
	if (fds[0] >= 0)
		s->pinlog = sim_map_fd(fds[0], 0,
				       SIM_PINLOG_ENTRIES *
					       sizeof(struct sim_pinlog_entry) /
					       HV_PAGE_SIZE,
				       true);
	sim_close_fds(fds, SIM_MSG_FDS);
	return s->pinlog ? 0 : -EPROTO;
}

static int hello(struct sim_hv *s)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	struct sim_rep rep;
	int fds[SIM_MSG_FDS], err;

	err = sim_rpc(s->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		      fds);
	if (err)
		return err;
	s->head.self = (hv_domid_t)rep.v[0];
	s->head.privileged = rep.v[1] != 0;
	s->nr_pages = (uint32_t)rep.v[2];
	s->memfd = fds[0];
	fds[0] = -1;
	err = -EPROTO;
	if (s->memfd < 0 || fds[1] < 0 || fds[2] < 0 ||
	    (s->head.privileged && fds[3] < 0))
		goto out;
	err = -errno;
	s->gnttab = sim_map_fd(fds[1], 0, SIM_GNTTAB_PAGES, true);
	s->status = sim_map_fd(fds[2], 0,
			       SIM_NR_PORTS * sizeof(struct sim_port_status) /
				       HV_PAGE_SIZE,
			       false);
	if (s->head.privileged)
		s->domtab =
			sim_map_fd(fds[3], 0,
				   SIM_MAX_DOMS * sizeof(struct sim_domslot) /
					   HV_PAGE_SIZE,
				   false);
	err = 0;
	if (!s->gnttab || !s->status || (s->head.privileged && !s->domtab))
		err = -ENOMEM;
out:
	sim_close_fds(fds, SIM_MSG_FDS);
	return err;
}

static void sim_close(struct hv *hv)
{
	struct sim_hv *s = to_sim(hv);

	sim_unmap_all(s);
	sim_free_allocs(s);
	sim_fdom_drop_all(s);
	unmap_shared(s);
	if (s->memfd >= 0)
		close(s->memfd);
	if (s->sock >= 0)
		close(s->sock);
	free(s);
}

static int sim_xenstore_local_ring(struct hv *hv __attribute__((unused)),
				   void **ring __attribute__((unused)),
				   hv_port_t *port __attribute__((unused)))
{
	return -EOPNOTSUPP;
}

static const struct hv_ops sim_ops = {
	.name = "sim",
	.close = sim_close,
	.mem_alloc = sim_mem_alloc,
	.mem_free = sim_mem_free,
	.grant_access = sim_grant_access,
	.grant_end = sim_grant_end,
	.share_pages = sim_share_pages,
	.unshare_pages = sim_unshare_pages,
	.grant_map = sim_grant_map,
	.grant_unmap = sim_grant_unmap,
	.grant_copy = sim_grant_copy,
	.foreign_map = sim_foreign_map,
	.foreign_unmap = sim_foreign_unmap,
	.xenstore_local_ring = sim_xenstore_local_ring,
	.evtchn_open = sim_evtchn_open,
	.evtchn_close = sim_evtchn_close,
	.evtchn_alloc_unbound = sim_evtchn_alloc_unbound,
	.evtchn_bind_interdomain = sim_evtchn_bind_interdomain,
	.evtchn_bind_virq = sim_evtchn_bind_virq,
	.evtchn_unbind = sim_evtchn_unbind,
	.evtchn_notify = sim_evtchn_notify,
	.evtchn_pending = sim_evtchn_pending,
	.evtchn_unmask = sim_evtchn_unmask,
	.evtchn_status = sim_evtchn_status,
	.domain_create = sim_domain_create,
	.domain_exec = sim_domain_exec,
	.domain_destroy = sim_domain_destroy,
	.domain_pause = sim_domain_pause,
	.domain_unpause = sim_domain_unpause,
	.domain_shutdown = sim_domain_shutdown,
	.domain_set_max_memory = sim_domain_set_max_memory,
	.domain_set_vcpus = sim_domain_set_vcpus,
	.domain_list = sim_domain_list,
	.domain_info = sim_domain_info,
	.domain_start_info = sim_domain_start_info,
	.evtchn_bind_existing = sim_evtchn_bind_existing,
	.evtchn_wait = sim_evtchn_wait,
	.domain_ns_fd = sim_domain_ns_fd,
	.domain_give_fd = sim_domain_give_fd,
	.take_fd = sim_take_fd,
	.domain_sched_get = sim_domain_sched_get,
	.domain_sched_set = sim_domain_sched_set,
	.domain_pin = sim_domain_pin,
	.scheduler_name = sim_scheduler_name,
	.host_cpus = sim_host_cpus,
};

int hv_sim_open(struct hv **hvp, char *why, size_t why_len)
{
	const char *env = getenv("XPV_HV_FD");
	struct sim_hv *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->head.ops = &sim_ops;
	s->head.platform = HV_PLATFORM_SIM;
	s->memfd = -1;
	s->sock = env && *env ? connect_domain(env, why, why_len) :
				connect_dom0(why, why_len);
	if (s->sock < 0) {
		err = s->sock;
		s->sock = -1;
		goto fail;
	}
	err = hello(s);
	if (!err && s->head.privileged)
		err = get_pinlog(s);
	if (err) {
		snprintf(why, why_len,
			 "sim platform: xpv-hv refused the connection: %s",
			 strerror(-err));
		goto fail;
	}
	*hvp = &s->head;
	return 0;
fail:
	sim_close(&s->head);
	return err;
}
