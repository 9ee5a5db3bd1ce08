/*
 * daemon.h - xpv-hv, the embedded hypervisor: what its files share.
 *
 *   daemon.c         options, the socket, the event loop
 *   daemon_state.c   the global state, the log, the domain table
 *   daemon_conn.c    connections (made, closed), CLONE, the pin logs
 *   daemon_dispatch.c  requests: read, checked, dispatched, answered; turns
 *   daemon_domain.c  domains: create, destroy, lifecycle, memory, info
 *   daemon_evtchn.c  the port tables
 *   daemon_exec.c    starting a domain's init in its namespaces
 *   daemon_world.c   the file system a domain's init sees
 *   daemon_cgroup.c  the domain's cgroup (v1 or v2)
 *   daemon_copy.c    grant copy on behalf of unprivileged domains
 *   daemon_handover.c  devices dom0 makes for a domain (its netns, fds)
 *
 * One thread, one epoll loop; dom0's requests are served as they come,
 * the other domains' a turn at a time, each within a budget of work per
 * turn (daemon_dispatch.c). Every request is checked against the
 * connection it came on: the domain of a connection is fixed when it is
 * made (hv.sock: dom0; a domain's first connection: that domain; a clone:
 * the domain of the connection that asked for it).
 */
#ifndef XPV_HV_SIM_DAEMON_H
#define XPV_HV_SIM_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "hv/hv.h"
#include "hv/sim/proto.h"
#include "hv/sim/shared.h"

/* Memory a domain's cgroup allows beyond its RAM: its own processes. */
#define SIM_CG_SLACK (64ull << 20)
/* Limits on what a create may ask for. */
#define SIM_MAX_VCPUS 128u
#define SIM_MAX_MEMORY_KB (64ull << 20)
/* Connections one domain may hold open. */
#define SIM_MAX_CONNS 256u
/* Ports a domain other than dom0 may have open at once: xl's default
 * max_event_channels. Each is two sockets in the daemon (its doorbell),
 * so this bounds the fds a guest can make it hold. */
#define SIM_GUEST_MAX_PORTS 1023u
/* Tasks (processes and threads) one domain may have at once: its cgroup's
 * pids.max, so a guest's fork bomb stops inside the guest and destroy can
 * always kill it all. */
#define SIM_MAX_PIDS 4096u

/*
 * Log lines a guest can trigger at will go through a limiter, one per
 * domain (and one for whatever has no domain): at most HVD_LOG_BURST lines
 * per HVD_LOG_PERIOD seconds, then one line saying how many were dropped.
 */
#define HVD_LOG_BURST 10u
#define HVD_LOG_PERIOD 5

struct hvd_ratelimit {
	long start; /* CLOCK_MONOTONIC second the period began */
	unsigned int printed, suppressed;
};

struct conn {
	struct conn *next;
	int fd;
	hv_domid_t domid;
	bool root; /* a domain's first connection: SIM_OP_CLONE only */
	bool dead; /* closed; freed after the current loop iteration */
	struct sim_pinlog_entry *pinlog; /* dom0 handles: their grant pins */
};

struct port {
	uint16_t state; /* enum hv_evtchn_state */
	hv_domid_t rdom; /* unbound: who may bind; interdomain: the peer */
	uint32_t rport;
	int rx, tx; /* its doorbell (shared_evtchn.c), or -1 */
	int pagefd; /* interdomain: the binding's page (both ends' fd), or -1 */
	uint8_t word; /* which of the page's pending words is this port's */
	struct conn *owner; /* the handle's connection, NULL: the domain's */
	bool builder; /* a start-info port: survives its owner's close */
};

struct domain {
	hv_domid_t domid;
	uint32_t gen;
	uint32_t nr_pages;
	int memfd, gtfd, actfd, statfd;
	struct sim_grant_entry *gnttab;
	struct sim_active *active;
	struct sim_port_status *status;
	uint64_t *used; /* one bit per frame: allocated (daemon_domain.c) */
	struct port ports[SIM_NR_PORTS];
	unsigned int nports; /* ports not closed */
	pid_t init; /* 0: none running */
	bool paused, shutdown, dying, has_cgroup;
	uint32_t reason;
	uint64_t max_kb;
	uint32_t vcpus;
	uint32_t weight,
		cap; /* credit scheduler (daemon_sched.c); 0: default */
	struct hv_start_info si;
	struct hvd_ratelimit log_rl; /* the lines this domain can cause */
};

/* A reply being built: header, optional tail, fds to pass. Fds marked in
 * close_fds are closed once sent (read-only reopens and the like). */
struct reply {
	struct sim_rep rep;
	void *tail;
	size_t tail_len;
	bool free_tail;
	int fds[SIM_MSG_FDS];
	bool close_fds[SIM_MSG_FDS];
	/* What the request cost beyond its own receive and send, in the
	 * system calls it made (grant copy: its reads and writes of domain
	 * memory); charged to its domain's turn (daemon_dispatch.c). */
	unsigned int cost;
};

/* What a handler gets: the request, its tail, the fds that came with it
 * (a handler that keeps one sets its slot to -1; the rest are closed). */
struct request {
	struct conn *c;
	const struct sim_req *req;
	const uint8_t *tail;
	size_t tail_len;
	int *fds;
};

/*
 * Every op_* is a request handler: the request in rq (its fds: set a slot
 * to -1 to keep that fd), the reply to fill in r; returns 0 or the -errno
 * the client gets. Who may call it is checked before (daemon_dispatch.c's
 * table); each still checks every value of the request itself.
 */

struct hvd {
	char rundir[256];
	char sock_path[300];
	int epfd; /* dom0's connections, the socket, signals, guest_epfd */
	int guest_epfd; /* every other domain's connections */
	struct domain *doms[SIM_MAX_DOMS];
	struct sim_domslot *domtab;
	int domtab_fd;
	uint32_t next_gen;
	struct conn *conns;
	int ns_flags; /* CLONE_NEW* for a domain's init */
	bool use_cgroups;
	uint64_t dom0_pages;
	bool quiet; /* no log lines (the fuzzer) */
	/* The kernel lets our end of a connection refuse files
	 * (SO_PASSRIGHTS): without it no guest runs (daemon_conn.c). */
	bool fds_refusable;
	/* The fd limits we were started with, which a domain's init gets
	 * back (ours are raised; daemon.c). */
	struct rlimit guest_nofile;
	struct hvd_ratelimit log_rl; /* lines no domain is charged with */
};

extern struct hvd hvd;

/* daemon_state.c: log a line to stderr, keeping errno (rate-limited by rl
 * when the other side can cause it); the domain table */
void hvd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hvd_log_limited(struct hvd_ratelimit *rl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int hvd_open_domtab(void);

/* daemon_conn.c */
/* Whether this kernel lets a socket refuse SCM_RIGHTS (Linux 6.16). */
bool conn_fds_refusable(void);
/* A socket pair for a new connection of domid: *mine (to conn_add) refuses
 * files, *theirs goes to the client. 0, or -errno (-ENOPROTOOPT: the
 * kernel cannot refuse files, for a domain other than dom0). */
int conn_socketpair(hv_domid_t domid, int *mine, int *theirs);
/* Serve fd as a connection of domid (root: a domain's first, CLONE only);
 * the connection owns fd. NULL (errno set) on failure, fd left open. */
struct conn *conn_add(int fd, hv_domid_t domid, bool root);
/* Close c and release what it held (its ports, its pins); idempotent. The
 * struct stays valid until conn_reap(), as epoll may still name it. */
void conn_close(struct conn *c);
void conn_reap(void);
unsigned int conn_count(hv_domid_t domid);
/* The limiter of the lines a connection's domain can cause. */
struct hvd_ratelimit *conn_log_rl(hv_domid_t domid);
/* A read-only reopen of fd (the caller closes it), or -errno. */
int reopen_ro(int fd);
int op_clone(struct request *rq, struct reply *r);
int op_pinlog(struct request *rq, struct reply *r);

/* daemon_dispatch.c: read one datagram of c, handle it, answer it; a
 * transport error or a datagram that is no request closes c. Returns what
 * it cost (the system calls it made us do). */
unsigned int conn_input(struct conn *c);
/* Serve one turn of the domains' (not dom0's) ready connections, each
 * domain within its budget of the turn. */
void conn_serve_domains(void);

/* daemon_domain.c */
/* The domain of that id, or NULL (none, or out of range). */
struct domain *dom_get(hv_domid_t domid);
/* The domain a request names: HV_DOMID_SELF is the caller's; a domain
 * other than dom0 may name only itself. NULL with *err -ERANGE, -ESRCH
 * (none, or dying) or -EPERM. */
struct domain *dom_target(struct conn *c, uint32_t domid, int *err);
int dom_create_dom0(void);
/* xpv-hv is stopping: kill every domain, wait for them a bounded time. */
void dom_destroy_all(void);
/* Finish destroying the domains whose processes are now gone; true while
 * some are still waited for (the event loop then calls again soon). */
bool dom_reap_dying(void);
void dom_child_exited(pid_t pid, int status);
void dom_fire_exc(void);
int op_hello(struct request *rq, struct reply *r);
int op_mem_alloc(struct request *rq, struct reply *r);
int op_mem_free(struct request *rq, struct reply *r);
int op_dom_fds(struct request *rq, struct reply *r);
int op_create(struct request *rq, struct reply *r);
int op_destroy(struct request *rq, struct reply *r);
int op_pause(struct request *rq, struct reply *r);
int op_unpause(struct request *rq, struct reply *r);
int op_shutdown(struct request *rq, struct reply *r);
int op_set_maxmem(struct request *rq, struct reply *r);
int op_set_vcpus(struct request *rq, struct reply *r);
int op_sched_get(struct request *rq, struct reply *r);
int op_sched_set(struct request *rq, struct reply *r);
int op_pin(struct request *rq, struct reply *r);
int sched_set_cpu_limit(struct domain *d, uint32_t vcpus);
int op_list(struct request *rq, struct reply *r);
int op_info(struct request *rq, struct reply *r);
int op_start_info(struct request *rq, struct reply *r);

/* daemon_evtchn.c */
/* A new unbound port of d that remote may bind, owned by owner (NULL: the
 * domain's own); the port, or -ENOSPC (table or guest limit) / -errno. */
int evtchn_alloc(struct domain *d, hv_domid_t remote, struct conn *owner);
/* Close a port; an interdomain peer goes back to unbound and is woken. */
void evtchn_close_port(struct domain *d, uint32_t port);
/* c closed: close the ports bound through it, detach start-info ones. */
void evtchn_conn_gone(struct domain *d, struct conn *c);
void evtchn_close_all(struct domain *d);
void evtchn_fire_virq(void);
int op_evtchn_alloc(struct request *rq, struct reply *r);
int op_evtchn_bind(struct request *rq, struct reply *r);
int op_evtchn_virq(struct request *rq, struct reply *r);
int op_evtchn_adopt(struct request *rq, struct reply *r);
int op_evtchn_unbind(struct request *rq, struct reply *r);
int op_evtchn_peer(struct request *rq, struct reply *r);

/* daemon_exec.c: SIM_OP_DOM_EXEC, a domain's init in its namespaces. */
int op_exec(struct request *rq, struct reply *r);

/* daemon_world.c: the file system a domain's init sees. */
#define WORLD_MAX_PTYS 16u /* its devpts instance's max */
#define WORLD_TMPFS_INODES 16384u /* files in its /tmp, and in /dev/shm */

struct world {
	const char *root; /* a directory named at exec, NULL: the minimal root */
	char *const *ro_dirs; /* host directories shown read-only, or NULL */
	uint64_t tmpfs_bytes; /* the size of /tmp, and of /dev/shm */
	uid_t uid; /* the guest's root on the host: owns /tmp and /dev/shm */
	const char *stage; /* an existing directory to assemble it on */
	bool proc; /* mount a /proc: we are in a new pid namespace */
	bool fuse; /* a /dev/fuse of its own (hv_exec.fuse) */
};

struct world_error {
	char what[160]; /* the step that failed, for the log */
};

/* Called in the init's process, still the host's root, just cloned into
 * a new mount namespace: build the world and make it the root. 0, or
 * -errno with e->what naming the step that failed. */
int world_build(const struct world *w, struct world_error *e);

/* daemon_copy.c */
int op_grant_copy(struct request *rq, struct reply *r);

/* daemon_cgroup.c: all -errno; a no-op returning 0 without cgroups. */
int cg_init(const char *rundir);
/* What a killed xpv-hv of our run directory left (we hold its lock):
 * kill the processes left in its domains' cgroups, remove them. */
void cg_remove_leftovers(void);
int cg_create(hv_domid_t domid);
int cg_destroy(hv_domid_t domid);
void cg_exit(void);
int cg_attach(hv_domid_t domid, pid_t pid);
int cg_freeze(hv_domid_t domid, bool frozen);
int cg_set_memory(hv_domid_t domid, uint64_t bytes);
int cg_set_vcpus(hv_domid_t domid, uint32_t vcpus);
/* Write val into a file of the domain's cgroup (ctrl: the v1 controller;
 * ignored on v2); cg_v2: the host has cgroup v2. */
int cg_write(hv_domid_t domid, const char *ctrl, const char *file,
	     const char *val);
bool cg_v2(void);
int cg_set_pids(hv_domid_t domid, uint32_t max);
int cg_kill_all(hv_domid_t domid);
bool cg_empty(hv_domid_t domid);
uint64_t cg_cpu_ns(hv_domid_t domid);
/* The cgroup directory of a controller ("memory", "freezer", ...). */
int cg_path(hv_domid_t domid, const char *ctrl, char *buf, size_t len);

/* daemon_handover.c */
int op_ns_fd(struct request *rq, struct reply *r);
int op_give_fd(struct request *rq, struct reply *r);
int op_take_fd(struct request *rq, struct reply *r);

#endif /* XPV_HV_SIM_DAEMON_H */
