/*
 * hv.h - the hypervisor interface: the one contract everything above hv/
 * (xenstored, backends, frontends, toolstack) is written against.
 *
 * Two platforms implement it, both always compiled, chosen at run time by
 * hv_open(): "sim", the embedded hypervisor (xpv-hv, hv/sim/), and "xen",
 * Debian's libxen* on a real Xen dom0 or domU (hv/xen/). XPV_PLATFORM=sim|xen
 * forces one; otherwise xen is chosen when /dev/xen/privcmd exists.
 *
 * The model is Xen's: grant tables v1 (xen/grant_table.h), event channels
 * (xen/event_channel.h), foreign memory for privileged tools, domain control
 * (xen/domctl.h). Where the two platforms cannot both do something, the call
 * returns -EOPNOTSUPP on the one that cannot, and says so below.
 *
 * Error convention, kept by every function here:
 *   - functions returning int return 0 (or the non-negative value stated) on
 *     success and -errno on failure;
 *   - functions returning a pointer return NULL and set errno;
 *   - nothing here prints, exits or aborts on bad input: every frame, port,
 *     gref, domid and count is checked and refused with -EINVAL (malformed),
 *     -ERANGE (out of range), -EPERM (not allowed), -ESRCH (no such domain),
 *     -ENOENT (no such grant/port), or -EBUSY (in use).
 *
 * Threads: an hv handle, and each hv_evtchn handle, may be used by one
 * thread at a time; open one per thread that needs its own.
 *
 * HV_MUST_CHECK marks every call whose result must be looked at: a
 * failure there leaves something not done that the caller relies on (a
 * grant still granted, a port not re-armed, a peer not woken, a domain
 * not destroyed), or the result is the answer itself. Not marked: what
 * tears down (hv_grant_unmap, hv_foreign_unmap, hv_mem_free,
 * hv_evtchn_unbind, the closes), which fails only on an argument that
 * names nothing and cannot be retried.
 */
#ifndef XPV_HV_H
#define XPV_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_MUST_CHECK __attribute__((warn_unused_result))

typedef uint16_t hv_domid_t;
typedef uint32_t hv_gref_t;
typedef uint32_t hv_port_t;
typedef uint64_t hv_frame_t;

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE (1u << HV_PAGE_SHIFT)

/* Domain ids as xen/xen.h numbers them. */
#define HV_DOMID_FIRST_RESERVED 0x7FF0u
#define HV_DOMID_SELF 0x7FF0u
#define HV_DOMID_INVALID 0x7FF4u

/* Virtual interrupts a handle may bind (xen/xen.h VIRQ_*). */
#define HV_VIRQ_DOM_EXC 3 /* some domain changed state: see hv_domain_list */

/* Shutdown reasons, as xen/sched.h SHUTDOWN_* */
enum hv_shutdown_reason {
	HV_SHUTDOWN_POWEROFF = 0,
	HV_SHUTDOWN_REBOOT = 1,
	HV_SHUTDOWN_SUSPEND = 2,
	HV_SHUTDOWN_CRASH = 3,
	HV_SHUTDOWN_WATCHDOG = 4,
};

enum hv_platform {
	HV_PLATFORM_SIM,
	HV_PLATFORM_XEN,
};

struct hv;

/* --- Opening --------------------------------------------------------- */

/*
 * Open the hypervisor for the calling domain. On sim, a process started as
 * a domain by xpv-hv finds its connection in XPV_HV_FD and is that domain;
 * any other process connects to $XPV_RUNDIR/hv.sock (default /run/xpv) as
 * domain 0. On failure returns -errno and writes one sentence saying what
 * went wrong and what to do into why (may be NULL).
 */
int hv_open(struct hv **hvp, char *why, size_t why_len) HV_MUST_CHECK;
void hv_close(struct hv *hv);

enum hv_platform hv_platform(const struct hv *hv);
const char *hv_platform_name(const struct hv *hv);
/* The caller's own domain id. */
hv_domid_t hv_self(const struct hv *hv);
/* True for the control domain (dom0), which may map foreign memory and
 * control domains. */
bool hv_privileged(const struct hv *hv);

/* --- Grant tables: the granting side ---------------------------------- */

/*
 * Allocate npages zeroed pages of the caller's own memory, mapped at the
 * returned address, their frame numbers in frames[]. Frames are what
 * hv_grant_access() grants. sim only (a guest's memory is its memfd); xen:
 * -EOPNOTSUPP, use hv_share_pages().
 */
void *hv_mem_alloc(struct hv *hv, unsigned int npages,
		   hv_frame_t *frames) HV_MUST_CHECK;
int hv_mem_free(struct hv *hv, void *addr, unsigned int npages);

/*
 * Grant domain `to` access to one frame of the caller's memory: writes a
 * grant_entry_v1_t (GTF_permit_access, GTF_readonly if readonly). Returns
 * the grant reference in *ref. sim only; xen: -EOPNOTSUPP.
 */
int hv_grant_access(struct hv *hv, hv_domid_t to, hv_frame_t frame,
		    bool readonly, hv_gref_t *ref) HV_MUST_CHECK;
/*
 * Revoke a grant. -EBUSY while the grantee has it mapped or is copying
 * (GTF_reading/GTF_writing set), as Xen's gnttab_end_foreign_access_ref.
 */
int hv_grant_end(struct hv *hv, hv_gref_t ref) HV_MUST_CHECK;

/*
 * Allocate npages pages and grant each to `to` (refs[] out), as
 * xengntshr_share_pages. Works on both platforms; what frontends use.
 */
void *hv_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		     bool writable, hv_gref_t *refs) HV_MUST_CHECK;
/* End the grants and free the pages; -EBUSY if any is still mapped. */
int hv_unshare_pages(struct hv *hv, void *addr,
		     unsigned int npages) HV_MUST_CHECK;

/* --- Grant tables: the mapping side ----------------------------------- */

/*
 * Map count grants of domain `from` at consecutive pages of the returned
 * address, checking each entry as Xen does: permit_access, granted to the
 * caller's domid, not readonly when writable. All or nothing: on any
 * refusal nothing stays mapped and errno says why.
 * sim: dom0 (privileged) maps directly, the check done here on the shared
 * grant table with Xen's atomic flag updates, and no system call: grants
 * of consecutive frames come back as an address inside dom0's mapping of
 * the domain's whole memory (see hv_grant_unmap); an unprivileged domain
 * gets -EOPNOTSUPP (it may only grant copy: see docs/hv.md).
 */
void *hv_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		   const hv_gref_t *refs, bool writable) HV_MUST_CHECK;
/*
 * Undo one hv_grant_map (addr and count as it returned and was asked):
 * the grants are released, so the granter may end them and reuse the
 * frames. sim: an address inside the domain's whole-memory mapping stays
 * readable (writable, for a writable map) after unmap, until the domain
 * is gone: touching it after unmap is the caller's bug, and is not caught
 * as a fault would catch it (Xen, or sim's other maps).
 */
int hv_grant_unmap(struct hv *hv, void *addr, unsigned int count);

/* One side of a grant copy: a foreign grant, or local memory. */
struct hv_copy_ptr {
	bool foreign;
	hv_domid_t domid; /* foreign: the granting domain */
	hv_gref_t ref; /* foreign: the grant */
	uint16_t offset; /* foreign: byte offset in the granted page */
	void *local; /* !foreign: caller's memory */
};

struct hv_copy_seg {
	struct hv_copy_ptr src, dst;
	uint16_t len; /* offset + len must stay within the page */
	int16_t status; /* out: 0 or -errno for this segment */
};

/*
 * Copy each segment, as GNTTABOP_copy. Returns 0 when every segment was
 * attempted (check each status), or -errno when none could be.
 */
int hv_grant_copy(struct hv *hv, unsigned int count,
		  struct hv_copy_seg *segs) HV_MUST_CHECK;

/* --- Foreign memory (privileged) ------------------------------------- */

/*
 * Map frames of another domain's memory, as xenforeignmemory_map: used by
 * xenstored and consoled for a domain's magic pages. -EPERM unless
 * privileged, except that any domain may map its own frames (HV_DOMID_SELF),
 * as a guest maps its xenstore page; -ERANGE for a frame beyond the
 * domain's memory.
 */
void *hv_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		     const hv_frame_t *frames, bool writable) HV_MUST_CHECK;
int hv_foreign_unmap(struct hv *hv, void *addr, unsigned int count);

/*
 * dom0's own xenstore ring, as Xen gives it to the store daemon
 * (/proc/xen/xsd_kva, /proc/xen/xsd_port). xen only; sim: -EOPNOTSUPP
 * (there dom0's clients use the socket).
 */
int hv_xenstore_local_ring(struct hv *hv, void **ring,
			   hv_port_t *port) HV_MUST_CHECK;

/* --- Event channels --------------------------------------------------- */

struct hv_evtchn;

/*
 * An event channel handle, as xenevtchn_handle: ports bound through it are
 * its own and are unbound when it is closed. Its fd is readable while any
 * of its ports has fired; hv_evtchn_pending() says which.
 */
struct hv_evtchn *hv_evtchn_open(struct hv *hv) HV_MUST_CHECK;
void hv_evtchn_close(struct hv_evtchn *ev);
int hv_evtchn_fd(const struct hv_evtchn *ev);

/* Allocate a port for `remote` to bind to. Returns the local port. */
int hv_evtchn_alloc_unbound(struct hv_evtchn *ev,
			    hv_domid_t remote) HV_MUST_CHECK;
/* Bind to `remote_port` of `remote`, which must have been allocated for the
 * caller. Returns the local port. */
int hv_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
			       hv_port_t remote_port) HV_MUST_CHECK;
/* Bind a virtual interrupt (HV_VIRQ_*). Returns the local port. */
int hv_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq) HV_MUST_CHECK;
/*
 * Attach to this handle a port the domain builder allocated in the
 * caller's own domain (hv_start_info's store_port or console_port), so the
 * caller can wait on and notify it, as a guest kernel does with the ports
 * of its start info. The binding to dom0 is untouched; closing the handle
 * only detaches the port again. Returns the port. sim only; xen:
 * -EOPNOTSUPP (there the guest kernel owns those ports).
 */
int hv_evtchn_bind_existing(struct hv_evtchn *ev, hv_port_t port) HV_MUST_CHECK;
int hv_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port);
/* Signal the peer of an interdomain port. On sim one send() on the peer
 * port's doorbell, never waiting: no daemon on the path. */
int hv_evtchn_notify(struct hv_evtchn *ev, hv_port_t port) HV_MUST_CHECK;
/* The next port that fired, or -EAGAIN when none. The port stays masked
 * until hv_evtchn_unmask(), as xenevtchn_pending. */
int hv_evtchn_pending(struct hv_evtchn *ev) HV_MUST_CHECK;
/*
 * Wait up to timeout_ms (< 0: for ever) for a port to fire and return it
 * as hv_evtchn_pending does (masked); -EAGAIN when none fired in time,
 * -EINTR when a signal came. What a blocking xenevtchn_pending is, for a
 * caller that has nothing else to wait on: on sim the sleep is the one
 * system call of taking an event (poll() and then hv_evtchn_pending are
 * two).
 */
int hv_evtchn_wait(struct hv_evtchn *ev, int timeout_ms) HV_MUST_CHECK;
int hv_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port) HV_MUST_CHECK;

enum hv_evtchn_state {
	HV_EVTCHN_CLOSED = 0, /* not (or no longer) allocated */
	HV_EVTCHN_UNBOUND = 1, /* allocated, peer not bound, or peer gone */
	HV_EVTCHN_INTERDOMAIN = 2,
	HV_EVTCHN_VIRQ = 3,
};
/* State of a local port (EVTCHNOP_status); >= 0 is an hv_evtchn_state. */
int hv_evtchn_status(struct hv_evtchn *ev, hv_port_t port) HV_MUST_CHECK;

/* --- Domain control (privileged unless stated) ------------------------ */

#define HV_DOMINF_RUNNING (1u << 0)
#define HV_DOMINF_PAUSED (1u << 1)
#define HV_DOMINF_SHUTDOWN (1u << 2) /* see shutdown_reason */
#define HV_DOMINF_DYING (1u << 3)
#define HV_DOMINF_BLOCKED (1u << 4)

struct hv_dominfo {
	hv_domid_t domid;
	uint32_t flags; /* HV_DOMINF_* */
	uint32_t shutdown_reason; /* enum hv_shutdown_reason, when SHUTDOWN */
	uint64_t memory_kb; /* current allocation */
	uint64_t max_memory_kb;
	uint32_t vcpus;
	uint64_t cpu_time_ns;
};

struct hv_domain_config {
	hv_domid_t domid; /* 0: the hypervisor picks the lowest free id */
	uint64_t memory_kb; /* > 0, a multiple of 4 */
	uint32_t vcpus; /* >= 1 */
	/* xen only (sim: must be NULL, its kernel is hv_domain_exec's): the
	 * PV kernel (ELF or bzImage) built into the domain, its ramdisk
	 * and command line (both may be NULL). */
	const char *kernel, *ramdisk, *cmdline;
};

/*
 * Create a paused domain: its memory, grant table and event channel
 * table, and the magic pages a domain builder sets up (xenstore and
 * console rings, each with an unbound port for dom0); see
 * hv_domain_start_info. Returns the id in *domid. On sim an empty domain
 * with its cgroup, whose kernel hv_domain_exec starts (cfg->kernel set:
 * -EINVAL). On xen a PV guest built from cfg->kernel as libxl builds one
 * (libxenguest; hv/xen/build.c): no kernel, -EOPNOTSUPP (an empty Xen
 * domain is no guest); an unreadable kernel or ramdisk -ENOENT, one
 * libxenguest cannot load -ENOEXEC.
 */
int hv_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		     hv_domid_t *domid) HV_MUST_CHECK;
/* At most this many host directories in hv_exec.ro_dirs. */
#define HV_EXEC_MAX_RO_DIRS 8

/*
 * What a domain's "kernel" is on sim, and the world it runs in
 * (hv_domain_exec). Zero-initialise it and set what you need: every
 * default is the closed one.
 *
 * - path: the program, opened by the hypervisor with dom0's view of the
 *   file system (it need not be reachable from the guest's root). A #!
 *   script runs too, its interpreter looked up in the guest's root.
 * - argv: its arguments, argv[0] included (required).
 * - envp: its whole environment, NULL-ended (NULL: empty). Nothing of the
 *   hypervisor's or the caller's environment is added, but XPV_HV_FD=3
 *   (its hv connection), which replaces any XPV_HV_FD given.
 * - stdio: [3] fds for its stdin, stdout and stderr (NULL, or -1 in a
 *   slot: the guest's own /dev/null). The guest gets these open file
 *   descriptions themselves: it can change their flags (O_NONBLOCK,
 *   O_APPEND), reopen them read-only or write-only through
 *   /proc/self/fd, and, on a terminal, change its settings. So pass only
 *   descriptions made for the guest and never one dom0 itself reads or
 *   writes: the guest's end of hv_stdio_pair() is right; dom0's own
 *   stdin/stdout/stderr, its log file or its terminal are not, and
 *   neither is a pipe (see hv_stdio_pair). A file opened for the guest
 *   alone is right too (the guest may read it back). Nothing else of
 *   dom0 is inherited: the init has exactly these three fds and its
 *   connection (3).
 * - root: NULL for the minimal read-only root: an empty file system with
 *   the host's /usr (and /bin, /sbin, /lib* as the host has them, links
 *   or directories) and /etc/ld.so.cache read-only, so dynamically linked
 *   programs and #! scripts run. Otherwise a directory that becomes the
 *   guest's root, with its submounts, no set-uid and no device files
 *   (nosuid, nodev), writable wherever its host permissions let the
 *   domain's host uid write; it must hold the directories proc, dev and
 *   tmp (else -ENOENT) and stays the caller's after destroy.
 * - ro_dirs: host directories (NULL-ended, at most HV_EXEC_MAX_RO_DIRS)
 *   the minimal root shows read-only at the same path, e.g. a build tree
 *   whose programs the init runs; -EINVAL with a named root.
 *   Both root and ro_dirs are absolute paths without . or .. components,
 *   and not "/" itself (else -EINVAL).
 *
 * - fuse: give the guest a /dev/fuse of its own (a node owned by its
 *   root, mode 0600), so that its kernel (xpv-guest) can make each of
 *   its disks a file its programs use (docs/block.md): FUSE mounts in
 *   its own mount namespace, which nothing of dom0 enters. false: none.
 *
 * Either way the guest has its own /proc (its pid namespace), /dev (null,
 * zero, full, random, urandom, tty, its own devpts with ptmx, /dev/fd),
 * /tmp and /dev/shm (tmpfs, each at most the domain's memory), all gone
 * with the domain. docs/hv.md says what else a guest can still reach.
 */
struct hv_exec {
	const char *path;
	char *const *argv;
	char *const *envp;
	const int *stdio;
	const char *root;
	char *const *ro_dirs;
	bool fuse;
};

/*
 * Start the domain's "kernel": on sim, x->path exec'd inside the domain's
 * namespaces and cgroup, in the world struct hv_exec describes. The domain
 * stays paused until hv_domain_unpause. -ENOENT/-EACCES: the program (or
 * the root) cannot be opened; -EBUSY: it has an init already;
 * -EOPNOTSUPP on sim when the kernel cannot make a socket refuse files
 * (SO_PASSRIGHTS, Linux 6.16: without it a guest could make the
 * hypervisor wait, docs/hv.md). xen: -EOPNOTSUPP (the guest's kernel is
 * built into it by hv_domain_create).
 */
int hv_domain_exec(struct hv *hv, hv_domid_t domid,
		   const struct hv_exec *x) HV_MUST_CHECK;
/*
 * A channel for a guest's stdin, stdout or stderr (hv_exec.stdio) that
 * the guest cannot turn against dom0: *guest to pass (close it once
 * hv_domain_exec returned), *dom0 to read the guest's output or write its
 * input. An AF_UNIX stream socket pair, both ends close-on-exec, whose
 * dom0 end refuses files (SO_PASSRIGHTS, Linux 6.16), so the guest cannot
 * queue for dom0 a file whose close never returns (docs/hv.md, "Who is
 * who"). Not a pipe: a pipe's reader and writer hold one mutex while
 * they copy to or from their own memory, so a guest writing from (or
 * reading into) a page that faults slowly, a page of its own FUSE file,
 * makes dom0's read or write of the other end wait, uninterruptibly, as
 * long as it likes (test-stdio-stall). A socket's sender copies before it
 * takes any lock of the receiver. Any platform; 0 or -errno.
 */
int hv_stdio_pair(int *dom0, int *guest) HV_MUST_CHECK;
/* Kill every process of the domain and free all it had: memory, grants,
 * mappings of its memory by others (they fail from then on), its ports
 * (peers see HV_EVTCHN_UNBOUND). Fires VIRQ_DOM_EXC. */
int hv_domain_destroy(struct hv *hv, hv_domid_t domid) HV_MUST_CHECK;
int hv_domain_pause(struct hv *hv, hv_domid_t domid) HV_MUST_CHECK;
int hv_domain_unpause(struct hv *hv, hv_domid_t domid) HV_MUST_CHECK;
/*
 * Mark a domain shut down with reason (SCHEDOP_shutdown /
 * XEN_DOMCTL_shutdown): any domain may do it to itself with HV_DOMID_SELF,
 * dom0 to any. Fires VIRQ_DOM_EXC; the toolstack then destroys or restarts
 * it. The domain's processes are stopped, not killed. xen: to oneself
 * -EOPNOTSUPP (only the guest's kernel issues SCHEDOP_shutdown).
 */
int hv_domain_shutdown(struct hv *hv, hv_domid_t domid,
		       enum hv_shutdown_reason reason) HV_MUST_CHECK;
int hv_domain_set_max_memory(struct hv *hv, hv_domid_t domid,
			     uint64_t max_kb) HV_MUST_CHECK;
/* xen: -EOPNOTSUPP (max_vcpus is fixed at creation; a PV guest onlines
 * vcpus itself), -ESRCH for a domain that does not exist. */
int hv_domain_set_vcpus(struct hv *hv, hv_domid_t domid,
			uint32_t vcpus) HV_MUST_CHECK;

/*
 * Credit scheduler parameters of a guest (XEN_DOMCTL_SCHEDOP_putinfo /
 * getinfo for sched_credit): weight 1..65535, a share relative to other
 * domains' (default 256); cap in percent of one cpu, 0: no cap. Both
 * apply to the whole domain. sim: the domain's cgroup (docs/hv.md:
 * cpu.shares = weight * 4; the cap and the vcpus together give
 * cpu.cfs_quota_us, the lower of the two). dom0: -ERANGE. -EINVAL: a
 * weight of 0 or above 65535, a cap above HV_SCHED_CAP_MAX (128 cpus).
 * xen: the scheduler of the domain's cpupool, credit or credit2 (both
 * have a weight and a cap); another scheduler: -EOPNOTSUPP.
 */
#define HV_SCHED_WEIGHT_DEFAULT 256u
#define HV_SCHED_WEIGHT_MAX 65535u
#define HV_SCHED_CAP_MAX 12800u
struct hv_sched_credit {
	uint32_t weight;
	uint32_t cap;
};
int hv_domain_sched_get(struct hv *hv, hv_domid_t domid,
			struct hv_sched_credit *s) HV_MUST_CHECK;
int hv_domain_sched_set(struct hv *hv, hv_domid_t domid,
			const struct hv_sched_credit *s) HV_MUST_CHECK;
/*
 * Pin every vcpu of a guest to the cpus in cpumask (bit i: cpu i), as
 * xc_vcpu_setaffinity of each vcpu would. -EINVAL: an empty mask or one
 * the host cannot run (a cpu offline or not ours). sim: the domain's
 * cpuset.cpus, which the kernel applies to every process of it at once.
 * xen: xc_vcpu_setaffinity (hard) of each vcpu (check-xen xpv-pin reads
 * it back with xl vcpu-list).
 */
int hv_domain_pin(struct hv *hv, hv_domid_t domid,
		  uint64_t cpumask) HV_MUST_CHECK;
/*
 * How many cpus guests run on: cpus 0 .. n-1 may be named to
 * hv_domain_pin. sim: the machine's; xen: the hypervisor's
 * (xc_get_max_cpus), not dom0's vcpus, which may be fewer
 * (dom0_max_vcpus). Returns n > 0, or -errno.
 */
int hv_host_cpus(struct hv *hv) HV_MUST_CHECK;
/*
 * The scheduler guests run under, named as `xl info`'s xen_scheduler
 * line names it. xen: the hypervisor's default scheduler, cpupool 0's
 * (XEN_SYSCTL_sched_id, which xl reads): "credit", "credit2", "rtds",
 * "arinc653", "null", else "unknown". sim: "sim-cgroup", the host
 * kernel's scheduler over each domain's cgroup (cpu shares from the
 * weight, a cfs quota from the cap: docs/hv.md "cgroups"). A static
 * string; NULL with errno set on failure.
 */
const char *hv_scheduler_name(struct hv *hv);
/* Fill info[0..max) with domains in domid order, dom0 included. Returns
 * how many were filled. */
int hv_domain_list(struct hv *hv, struct hv_dominfo *info,
		   unsigned int max) HV_MUST_CHECK;
int hv_domain_info(struct hv *hv, hv_domid_t domid,
		   struct hv_dominfo *info) HV_MUST_CHECK;

/*
 * What the domain builder gave a domain (Xen's start_info): its xenstore
 * and console ring frames and the ports, allocated unbound for dom0, that
 * go with them. A domain may ask for its own with HV_DOMID_SELF. xen:
 * HVM/PVH domains' from their HVM params; a PV domain's when this handle
 * built it (hv_domain_create), else -EOPNOTSUPP (only its builder knows
 * them).
 */
struct hv_start_info {
	hv_domid_t domid;
	uint64_t nr_pages;
	hv_frame_t store_frame;
	hv_port_t store_port;
	hv_frame_t console_frame;
	hv_port_t console_port;
};
int hv_domain_start_info(struct hv *hv, hv_domid_t domid,
			 struct hv_start_info *si) HV_MUST_CHECK;

/* --- Devices made for a domain (sim) ------------------------------------ */

/*
 * What dom0 does for a guest that may not do it itself: on sim a guest's
 * /dev has no /dev/net/tun, so the TAP that is its NIC is made by dom0
 * inside the guest's network namespace and handed in (docs/network.md).
 * xen: all -EOPNOTSUPP (a PV guest's kernel has its own devices).
 */

/* Fds one domain may have waiting for it under hv_domain_give_fd. */
#define HV_HANDOVER_MAX 16
/* The longest tag of a handed-in fd, without its NUL. */
#define HV_HANDOVER_TAG_MAX 63

/*
 * An fd (>= 0, close-on-exec, the caller's) of domain domid's namespace
 * ns; only "net" is served. Privileged. -ESRCH while the domain has no
 * init running.
 */
int hv_domain_ns_fd(struct hv *hv, hv_domid_t domid, const char *ns);
/*
 * Leave a duplicate of fd for domain domid under tag (1 to
 * HV_HANDOVER_TAG_MAX printable characters); the caller keeps, and
 * should close, its own. Privileged. -ENOSPC when HV_HANDOVER_MAX wait
 * already. What is not taken goes with the domain.
 */
int hv_domain_give_fd(struct hv *hv, hv_domid_t domid, const char *tag, int fd);
/* The oldest fd left for the caller's own domain under tag (>= 0, the
 * caller's, close-on-exec), or -ENOENT. */
int hv_take_fd(struct hv *hv, const char *tag);

#endif /* XPV_HV_H */
