/*
 * daemon_domain.c - xpv-hv's domains: their memory, grant table, status
 * page and lifecycle.
 *
 * Lifecycle (flags as hv_dominfo reports them):
 *
 *   create -> PAUSED --unpause--> RUNNING --shutdown/init exits--> SHUTDOWN
 *                ^------pause------'                                  |
 *   any state --destroy--> DYING --> gone (slot generation cleared) <-'
 *
 * A domain's init exiting without a shutdown call is a crash (reason
 * crash). Shutdown, crash and destroy each fire VIRQ_DOM_EXC.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

struct domain *dom_get(hv_domid_t domid)
{
	return domid < SIM_MAX_DOMS ? hvd.doms[domid] : NULL;
}

struct domain *dom_target(struct conn *c, uint32_t domid, int *err)
{
	struct domain *d;

	if (domid == HV_DOMID_SELF)
		domid = c->domid;
	if (domid >= SIM_MAX_DOMS) {
		*err = -ERANGE;
		return NULL;
	}
	d = hvd.doms[domid];
	if (!d || d->dying) {
		*err = -ESRCH;
		return NULL;
	}
	if (c->domid != 0 && c->domid != domid) {
		*err = -EPERM;
		return NULL;
	}
	return d;
}

/*
 * A sealed memfd of `bytes`, mapped into *map when map != NULL. With
 * others_ro, F_SEAL_FUTURE_WRITE too, added after our own mapping: only
 * that mapping may write it. A read-only fd alone would not do, since
 * anyone holding it can reopen it writable through /proc/self/fd (a
 * memfd's mode is 0777).
 */
static int new_memfd(const char *name, uint64_t bytes, void **map,
		     bool others_ro)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	void *p = NULL;

	if (fd < 0)
		return -errno;
	if (others_ro)
		seals |= F_SEAL_FUTURE_WRITE;
	if (ftruncate(fd, (off_t)bytes) < 0)
		goto fail;
	if (map) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (p == MAP_FAILED) {
			p = NULL;
			goto fail;
		}
	}
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		goto fail;
	if (map)
		*map = p;
	return fd;
fail:
	if (p)
		munmap(p, bytes);
	close(fd);
	return -ENOMEM;
}

/* Free what the domain holds but its identity; idempotent. */
static void release_domain(struct domain *d)
{
	if (d->gnttab)
		munmap(d->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	if (d->active)
		munmap(d->active, SIM_NR_GREFS * sizeof(struct sim_active));
	if (d->status)
		munmap(d->status,
		       SIM_NR_PORTS * sizeof(struct sim_port_status));
	if (d->memfd >= 0)
		close(d->memfd);
	if (d->gtfd >= 0)
		close(d->gtfd);
	if (d->actfd >= 0)
		close(d->actfd);
	if (d->statfd >= 0)
		close(d->statfd);
	free(d->used);
	d->gnttab = NULL;
	d->active = NULL;
	d->status = NULL;
	d->used = NULL;
	d->memfd = d->gtfd = d->actfd = d->statfd = -1;
}

static void free_domain(struct domain *d)
{
	release_domain(d);
	free(d);
}

static struct domain *new_domain(hv_domid_t domid, uint32_t nr_pages, int *err)
{
	struct domain *d = calloc(1, sizeof(*d));
	unsigned int i;

	*err = -ENOMEM;
	if (!d)
		return NULL;
	d->domid = domid;
	d->nr_pages = nr_pages;
	d->gtfd = d->actfd = d->statfd = -1;
	for (i = 0; i < SIM_NR_PORTS; i++)
		d->ports[i].rx = d->ports[i].tx = d->ports[i].pagefd = -1;
	d->used = calloc((nr_pages + 63) / 64, sizeof(*d->used));
	d->memfd = new_memfd("xpv-mem", (uint64_t)nr_pages * HV_PAGE_SIZE, NULL,
			     false);
	if (!d->used || d->memfd < 0)
		goto fail;
	d->gtfd = new_memfd("xpv-gnttab", SIM_GNTTAB_PAGES * HV_PAGE_SIZE,
			    (void **)&d->gnttab, false);
	d->actfd = new_memfd("xpv-active",
			     SIM_NR_GREFS * sizeof(struct sim_active),
			     (void **)&d->active, false);
	/* The status page is the daemon's word on the ports: the domain
	 * only reads it. */
	d->statfd = new_memfd("xpv-evtchn",
			      SIM_NR_PORTS * sizeof(struct sim_port_status),
			      (void **)&d->status, true);
	if (d->gtfd < 0 || d->actfd < 0 || d->statfd < 0)
		goto fail;
	*err = 0;
	return d;
fail:
	free_domain(d);
	return NULL;
}

static void publish(struct domain *d)
{
	d->gen = ++hvd.next_gen ? hvd.next_gen : ++hvd.next_gen;
	hvd.domtab[d->domid].nr_pages = d->nr_pages;
	__atomic_store_n(&hvd.domtab[d->domid].gen, d->gen, __ATOMIC_RELEASE);
	hvd.doms[d->domid] = d;
}

int dom_create_dom0(void)
{
	struct domain *d;
	int err;

	d = new_domain(0, (uint32_t)hvd.dom0_pages, &err);
	if (!d)
		return err;
	d->max_kb = hvd.dom0_pages * 4;
	d->vcpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	publish(d);
	return 0;
}

void dom_fire_exc(void)
{
	evtchn_fire_virq();
}

/* --- frames --- */

/* The frame bitmap: bit f % 64 of word f / 64 set while frame f is
 * allocated. Ranges are handled a word at a time, so no request costs
 * the daemon a walk over millions of single frames. */

/* Bits [lo, hi) of a word, 0 <= lo < hi <= 64. */
static uint64_t bits(uint64_t lo, uint64_t hi)
{
	uint64_t below_hi = hi == 64 ? ~0ull : (1ull << hi) - 1;

	return below_hi & ~((1ull << lo) - 1);
}

/* One step over the frames [f, end): in *mask the bits of f's word that
 * lie in the range; returns the first frame after them. */
static uint64_t range_step(uint64_t f, uint64_t end, uint64_t *mask)
{
	uint64_t k = f / 64, hi = end - k * 64 < 64 ? end - k * 64 : 64;

	*mask = bits(f % 64, hi);
	return k * 64 + hi;
}

static void mark(struct domain *d, uint64_t first, uint64_t n, bool on)
{
	uint64_t f = first, next, m;

	for (; f < first + n; f = next) {
		next = range_step(f, first + n, &m);
		if (on)
			d->used[f / 64] |= m;
		else
			d->used[f / 64] &= ~m;
	}
}

static bool all_used(const struct domain *d, uint64_t first, uint64_t n)
{
	uint64_t f = first, next, m;

	for (; f < first + n; f = next) {
		next = range_step(f, first + n, &m);
		if ((d->used[f / 64] & m) != m)
			return false;
	}
	return true;
}

/* Word k of the bitmap, the frames beyond the memory reading as used. */
static uint64_t word(const struct domain *d, uint64_t k)
{
	uint64_t w = d->used[k], end = d->nr_pages - k * 64;

	return end < 64 ? w | ~0ull << end : w;
}

/* Bit i set iff frames i .. i+n-1 of the word are all free (n <= 64):
 * the free mask ANDed with itself shifted, doubling the run each step. */
static uint64_t runs_in(uint64_t w, uint64_t n)
{
	uint64_t m = ~w, have = 1;

	while (have < n) {
		uint64_t step = have < n - have ? have : n - have;

		m &= m >> step;
		have += step;
	}
	return m;
}

/*
 * First fit, a word at a time: a request the domain makes is answered in
 * time linear in words, not frames, whatever it asks (a guest asking for
 * a run that does not exist must not cost the daemon a bit-by-bit scan of
 * 16M frames). `run` counts the free frames that end the words seen.
 */
static int64_t find_run(const struct domain *d, uint64_t n)
{
	uint64_t words = (d->nr_pages + 63) / 64, k, run = 0;

	for (k = 0; k < words; k++) {
		uint64_t w = word(d, k), in;
		uint64_t low = w ? (uint64_t)__builtin_ctzll(w) : 64;

		if (run + low >= n)
			return (int64_t)(k * 64 - run);
		in = n <= 64 ? runs_in(w, n) : 0;
		if (in)
			return (int64_t)(k * 64 +
					 (uint64_t)__builtin_ctzll(in));
		run = w ? (uint64_t)__builtin_clzll(w) : run + 64;
	}
	return -ENOMEM;
}

int op_mem_alloc(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid);
	uint64_t n = rq->req->a;
	int64_t first;

	if (!d)
		return -ESRCH;
	if (n == 0 || n > d->nr_pages)
		return -ERANGE;
	first = find_run(d, n);
	if (first < 0)
		return (int)first;
	mark(d, (uint64_t)first, n, true);
	r->rep.v[0] = (uint64_t)first;
	return 0;
}

/* Whether [first, first+n) holds a start-info ring, which stays. */
static bool has_magic(const struct domain *d, uint64_t first, uint64_t n)
{
	return d->domid != 0 &&
	       ((d->si.store_frame >= first && d->si.store_frame - first < n) ||
		(d->si.console_frame >= first &&
		 d->si.console_frame - first < n));
}

int op_mem_free(struct request *rq, struct reply *r __attribute__((unused)))
{
	struct domain *d = dom_get(rq->c->domid);
	uint64_t first = rq->req->a, n = rq->req->b;

	if (!d)
		return -ESRCH;
	if (n == 0 || first >= d->nr_pages || n > d->nr_pages - first)
		return -ERANGE;
	if (!all_used(d, first, n) || has_magic(d, first, n))
		return -EINVAL;
	/* Freed pages read as zeros again and give their memory back. */
	fallocate(d->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(first * HV_PAGE_SIZE), (off_t)(n * HV_PAGE_SIZE));
	mark(d, first, n, false);
	return 0;
}

/* --- hello and fds --- */

int op_hello(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid);
	int st, tab = -1;

	if (!d || d->dying)
		return -ESRCH;
	st = reopen_ro(d->statfd);
	if (st < 0)
		return st;
	if (rq->c->domid == 0) {
		tab = reopen_ro(hvd.domtab_fd);
		if (tab < 0) {
			close(st);
			return tab;
		}
	}
	r->rep.v[0] = d->domid;
	r->rep.v[1] = d->domid == 0;
	r->rep.v[2] = d->nr_pages;
	r->fds[0] = d->memfd;
	r->fds[1] = d->gtfd;
	r->fds[2] = st;
	r->fds[3] = tab;
	r->close_fds[2] = r->close_fds[3] = true;
	return 0;
}

int op_dom_fds(struct request *rq, struct reply *r)
{
	int err;
	struct domain *d = dom_target(rq->c, rq->req->domid, &err);

	if (!d)
		return err;
	r->rep.v[0] = d->gen;
	r->rep.v[1] = d->nr_pages;
	r->fds[0] = d->memfd;
	r->fds[1] = d->gtfd;
	r->fds[2] = d->actfd;
	return 0;
}

/* --- create, exec, destroy --- */

static int pick_domid(uint32_t want)
{
	uint32_t id;

	if (want >= SIM_MAX_DOMS)
		return -ERANGE;
	if (want)
		return hvd.doms[want] ? -EEXIST : (int)want;
	for (id = 1; id < SIM_MAX_DOMS; id++)
		if (!hvd.doms[id])
			return (int)id;
	return -ENOSPC;
}

/* What a domain builder sets up: the two rings at the top of memory,
 * zeroed, each with a port allocated for dom0. */
static int build(struct domain *d)
{
	int sp, cp;

	d->si.domid = d->domid;
	d->si.nr_pages = d->nr_pages;
	d->si.store_frame = d->nr_pages - 1;
	d->si.console_frame = d->nr_pages - 2;
	mark(d, d->si.store_frame, 1, true);
	mark(d, d->si.console_frame, 1, true);
	sp = evtchn_alloc(d, 0, NULL);
	cp = evtchn_alloc(d, 0, NULL);
	if (sp < 0 || cp < 0)
		return -ENOSPC;
	d->ports[sp].builder = d->ports[cp].builder = true;
	d->si.store_port = (hv_port_t)sp;
	d->si.console_port = (hv_port_t)cp;
	return 0;
}

static int setup_cgroup(struct domain *d)
{
	int err;

	if (!hvd.use_cgroups)
		return 0;
	err = cg_create(d->domid);
	if (err)
		return err;
	d->has_cgroup = true;
	err = cg_set_memory(d->domid, d->max_kb * 1024 + SIM_CG_SLACK);
	if (!err)
		err = cg_set_pids(d->domid, SIM_MAX_PIDS);
	if (!err)
		err = cg_set_vcpus(d->domid, d->vcpus);
	if (!err)
		err = cg_freeze(d->domid, true);
	return err;
}

int op_create(struct request *rq, struct reply *r)
{
	uint64_t kb = rq->req->a, vcpus = rq->req->b;
	struct domain *d;
	int id, err;

	if (kb == 0 || kb % 4 || kb / 4 < 4 || vcpus == 0)
		return -EINVAL;
	if (kb > SIM_MAX_MEMORY_KB || vcpus > SIM_MAX_VCPUS)
		return -ERANGE;
	id = pick_domid(rq->req->domid);
	if (id < 0)
		return id;
	d = new_domain((hv_domid_t)id, (uint32_t)(kb / 4), &err);
	if (!d)
		return err;
	d->max_kb = kb;
	d->vcpus = (uint32_t)vcpus;
	d->paused = true;
	err = build(d);
	if (!err)
		err = setup_cgroup(d);
	if (err) {
		evtchn_close_all(d);
		if (d->has_cgroup)
			cg_destroy(d->domid);
		free_domain(d);
		return err;
	}
	publish(d);
	r->rep.v[0] = d->domid;
	hvd_log("dom%u: created, %u pages, %u vcpus", d->domid, d->nr_pages,
		d->vcpus);
	return 0;
}

/*
 * Destroy in two steps. The first, at once: the domain is dying (every
 * map of it fails from now on), its processes are killed, its ports,
 * connections and memory are released. The second once every process of
 * it is gone: its cgroup is removed and its id freed. Until then the
 * domain stays in the table, listed as dying: its id, and with it its
 * host uid (daemon_exec.c), is handed to no new domain while anything of
 * the old one runs. Normally that is a few milliseconds, within the
 * destroy request; a process the kernel is slow to kill (stuck in an
 * uninterruptible sleep) is waited for by the event loop instead
 * (dom_reap_dying), so xpv-hv never stalls on a guest.
 */

/* How long a destroy request waits for the domain's processes to go. */
#define DESTROY_WAIT_MS 500
/* How long xpv-hv's exit waits for every domain's processes, in all. */
#define EXIT_WAIT_MS 700

/* Whether every process of a dying domain is gone (killing again what is
 * left): its init reaped (in its own pid namespace, the kernel reaps the
 * rest before init), its cgroup empty. */
static bool processes_gone(struct domain *d)
{
	int status;

	if (d->init && waitpid(d->init, &status, WNOHANG) == d->init)
		d->init = 0;
	if (d->init)
		kill(d->init, SIGKILL);
	return !d->init && (!d->has_cgroup || cg_empty(d->domid));
}

/* The second step: nothing of the domain is left. */
static void finish_destroy(struct domain *d)
{
	if (d->has_cgroup)
		cg_destroy(d->domid);
	hvd.doms[d->domid] = NULL;
	hvd_log("dom%u: destroyed", d->domid);
	free_domain(d);
}

/* Whether we are asked to stop: SIGTERM or SIGINT waits, unread, in the
 * signalfd (those signals are blocked, so they stay pending). */
static bool stop_pending(void)
{
	sigset_t set;

	return sigpending(&set) == 0 && (sigismember(&set, SIGTERM) == 1 ||
					 sigismember(&set, SIGINT) == 1);
}

/* Wait up to ms for each of the dying domains to be gone, finishing
 * those that are; true when all of them are. A SIGTERM ends the wait:
 * a guest whose processes cannot be killed must not delay our exit past
 * its own bound (the exit's wait, EXIT_WAIT_MS). */
static bool wait_gone(struct domain **ds, unsigned int n, long ms)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	unsigned int i, left;
	long waited;

	for (waited = 0;; waited += 2) {
		for (i = 0, left = 0; i < n; i++) {
			if (ds[i] && processes_gone(ds[i])) {
				finish_destroy(ds[i]);
				ds[i] = NULL;
			}
			left += ds[i] != NULL;
		}
		if (!left || waited >= ms || stop_pending())
			return !left;
		nanosleep(&ts, NULL);
	}
}

static void close_conns(hv_domid_t domid)
{
	struct conn *c, *next;

	for (c = hvd.conns; c; c = next) {
		next = c->next;
		if (c->domid == domid)
			conn_close(c);
	}
}

/* The first step. freeze: stop its processes forking while they are
 * killed (a destroy request; xpv-hv's exit kills without waiting). */
static void kill_domain(struct domain *d, bool freeze)
{
	d->dying = true;
	__atomic_store_n(&hvd.domtab[d->domid].gen, 0, __ATOMIC_RELEASE);
	if (d->init)
		kill(d->init, SIGKILL);
	if (d->has_cgroup) {
		/* Frozen, the domain cannot fork while its list is read and
		 * killed; the kills land as it thaws. */
		if (freeze)
			cg_freeze(d->domid, true);
		cg_kill_all(d->domid);
		cg_freeze(d->domid, false);
	}
	evtchn_close_all(d);
	close_conns(d->domid);
	release_domain(d);
}

/* Whether some domain waits for dom_reap_dying. */
static bool some_dying;

static void destroy(struct domain *d)
{
	hv_domid_t domid = d->domid;

	kill_domain(d, true);
	if (wait_gone(&d, 1, DESTROY_WAIT_MS))
		return;
	some_dying = true;
	hvd_log("dom%u: processes still alive after %d ms: its id stays "
		"taken until they are gone",
		domid, DESTROY_WAIT_MS);
}

int op_destroy(struct request *rq, struct reply *r __attribute__((unused)))
{
	struct domain *d;
	int err;

	if (rq->req->domid == 0 || rq->req->domid == HV_DOMID_SELF)
		return -ERANGE;
	d = dom_target(rq->c, rq->req->domid, &err);
	if (!d)
		return err;
	destroy(d);
	dom_fire_exc();
	return 0;
}

bool dom_reap_dying(void)
{
	unsigned int i;
	bool left = false;

	if (!some_dying)
		return false;
	for (i = 1; i < SIM_MAX_DOMS; i++) {
		struct domain *d = hvd.doms[i];

		if (!d || !d->dying)
			continue;
		if (processes_gone(d))
			finish_destroy(d);
		else
			left = true;
	}
	some_dying = left;
	return left;
}

/* xpv-hv is stopping: kill every domain at once, then wait for all of
 * them together, a bounded time (SIGTERM is acted on within a second
 * whatever the guests do). What is still alive then is killed by the
 * kernel as we exit (its init's parent-death signal), and its cgroup is
 * removed by the next xpv-hv started on this run directory. */
void dom_destroy_all(void)
{
	struct domain *ds[SIM_MAX_DOMS];
	unsigned int i, n = 0;

	for (i = 1; i < SIM_MAX_DOMS; i++) {
		if (!hvd.doms[i])
			continue;
		if (!hvd.doms[i]->dying)
			kill_domain(hvd.doms[i], false);
		ds[n++] = hvd.doms[i];
	}
	if (!wait_gone(ds, n, EXIT_WAIT_MS))
		hvd_log("exiting with processes of some domains alive");
	for (i = 0; i < n; i++) {
		if (!ds[i])
			continue;
		hvd.doms[ds[i]->domid] = NULL;
		free_domain(ds[i]);
	}
}

/* SIGCHLD: an init that exits without having shut down crashed. */
void dom_child_exited(pid_t pid, int status)
{
	unsigned int i;

	for (i = 1; i < SIM_MAX_DOMS; i++) {
		struct domain *d = hvd.doms[i];

		if (!d || d->init != pid)
			continue;
		d->init = 0;
		if (d->dying || d->shutdown)
			return;
		d->shutdown = true;
		d->reason = HV_SHUTDOWN_CRASH;
		if (d->has_cgroup)
			cg_freeze(d->domid, true);
		hvd_log("dom%u: init exited (status 0x%x): crashed", d->domid,
			status);
		dom_fire_exc();
		return;
	}
}

/* --- control --- */

/* A domain other than dom0 named by a dom0 request. */
static struct domain *guest(struct request *rq, int *err)
{
	if (rq->req->domid == 0 || rq->req->domid == HV_DOMID_SELF) {
		*err = -ERANGE;
		return NULL;
	}
	return dom_target(rq->c, rq->req->domid, err);
}

int op_pause(struct request *rq, struct reply *r __attribute__((unused)))
{
	int err;
	struct domain *d = guest(rq, &err);

	if (!d)
		return err;
	if (!d->has_cgroup)
		return -EOPNOTSUPP;
	err = cg_freeze(d->domid, true);
	if (!err)
		d->paused = true;
	return err;
}

int op_unpause(struct request *rq, struct reply *r __attribute__((unused)))
{
	int err;
	struct domain *d = guest(rq, &err);

	if (!d)
		return err;
	if (!d->has_cgroup)
		return -EOPNOTSUPP;
	d->paused = false;
	/* A domain that shut down stays stopped until destroyed. */
	return d->shutdown ? 0 : cg_freeze(d->domid, false);
}

int op_shutdown(struct request *rq, struct reply *r __attribute__((unused)))
{
	uint64_t reason = rq->req->a;
	struct domain *d;
	int err;

	if (reason > HV_SHUTDOWN_WATCHDOG)
		return -EINVAL;
	if (rq->req->domid == 0 ||
	    (rq->req->domid == HV_DOMID_SELF && rq->c->domid == 0))
		return -EPERM; /* dom0 is the host */
	d = dom_target(rq->c, rq->req->domid, &err);
	if (!d)
		return err;
	if (d->shutdown)
		return 0;
	d->shutdown = true;
	d->reason = (uint32_t)reason;
	if (d->has_cgroup)
		cg_freeze(d->domid, true);
	hvd_log("dom%u: shut down, reason %u", d->domid, d->reason);
	dom_fire_exc();
	return 0;
}

int op_set_maxmem(struct request *rq, struct reply *r __attribute__((unused)))
{
	uint64_t kb = rq->req->a;
	int err;
	struct domain *d = guest(rq, &err);

	if (!d)
		return err;
	if (kb == 0 || kb % 4)
		return -EINVAL;
	if (kb > SIM_MAX_MEMORY_KB)
		return -ERANGE;
	if (d->has_cgroup) {
		err = cg_set_memory(d->domid, kb * 1024 + SIM_CG_SLACK);
		if (err)
			return err;
	}
	d->max_kb = kb;
	return 0;
}

int op_set_vcpus(struct request *rq, struct reply *r __attribute__((unused)))
{
	uint64_t n = rq->req->a;
	int err;
	struct domain *d = guest(rq, &err);

	if (!d)
		return err;
	if (n == 0)
		return -EINVAL;
	if (n > SIM_MAX_VCPUS)
		return -ERANGE;
	if (d->has_cgroup) {
		err = sched_set_cpu_limit(d, (uint32_t)n);
		if (err)
			return err;
	}
	d->vcpus = (uint32_t)n;
	return 0;
}

/* --- information --- */

static void fill_info(const struct domain *d, struct hv_dominfo *info)
{
	memset(info, 0, sizeof(*info));
	info->domid = d->domid;
	if (d->dying)
		info->flags |= HV_DOMINF_DYING;
	if (d->shutdown) {
		info->flags |= HV_DOMINF_SHUTDOWN;
		info->shutdown_reason = d->reason;
	}
	if (d->paused)
		info->flags |= HV_DOMINF_PAUSED;
	if (!d->paused && !d->shutdown && !d->dying)
		info->flags |= HV_DOMINF_RUNNING;
	info->memory_kb = (uint64_t)d->nr_pages * 4;
	info->max_memory_kb = d->max_kb;
	info->vcpus = d->vcpus;
	if (d->has_cgroup)
		info->cpu_time_ns = cg_cpu_ns(d->domid);
	if (d->domid == 0) {
		struct sysinfo si;

		/* dom0 is the host: its figures are the host's. */
		if (sysinfo(&si) == 0)
			info->memory_kb = info->max_memory_kb =
				(uint64_t)si.totalram * si.mem_unit / 1024;
	}
}

int op_list(struct request *rq, struct reply *r)
{
	uint64_t max = rq->req->a, n = 0;
	struct hv_dominfo *info;
	unsigned int i;

	if (max == 0)
		return -EINVAL;
	if (max > SIM_MAX_DOMS)
		max = SIM_MAX_DOMS;
	info = calloc(max, sizeof(*info));
	if (!info)
		return -ENOMEM;
	for (i = 0; i < SIM_MAX_DOMS && n < max; i++)
		if (hvd.doms[i])
			fill_info(hvd.doms[i], &info[n++]);
	r->tail = info;
	r->tail_len = n * sizeof(*info);
	r->free_tail = true;
	r->rep.v[0] = n;
	return 0;
}

int op_info(struct request *rq, struct reply *r)
{
	static struct hv_dominfo info;
	int err;
	struct domain *d = dom_target(rq->c, rq->req->domid, &err);

	if (!d)
		return err;
	fill_info(d, &info);
	r->tail = &info;
	r->tail_len = sizeof(info);
	return 0;
}

int op_start_info(struct request *rq, struct reply *r)
{
	int err;
	struct domain *d = dom_target(rq->c, rq->req->domid, &err);

	if (!d)
		return err;
	if (d->domid == 0)
		return -ENOENT; /* dom0 was not built by us */
	r->tail = &d->si;
	r->tail_len = sizeof(d->si);
	return 0;
}
