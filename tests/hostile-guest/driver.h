/*
 * driver.h - dom0's side of hostile-world-guest (world-guest.c), shared
 * by the tests of this directory: start it as a domain's init on a
 * private xpv-hv (hv/tests/harness.h), send it one command at a time and
 * read its one-line answer.
 */
#ifndef XPV_TESTS_HOSTILE_GUEST_DRIVER_H
#define XPV_TESTS_HOSTILE_GUEST_DRIVER_H

#include <stdbool.h>

#include "hv/hv.h"

#define HG_MEMORY_KB (16 * 1024) /* every guest's memory */
#define HG_UID_BASE 0x10000000u /* a domain's host uid: daemon_exec.c */

struct hg {
	hv_domid_t id;
	int in, out; /* its stdin (our end), its stdout (our end) */
	long in_ino, out_ino; /* the inodes of the guest's ends of those */
	char line[65536]; /* its last answer */
};

/* How a test wants its guest started (hv.h struct hv_exec). */
struct hg_start {
	const char *program; /* in $BIN; NULL: hostile-world-guest */
	hv_domid_t domid; /* 0: any */
	char *const *envp;
	const char *root;
	char *const *ro_dirs;
	bool paused; /* leave it paused: no "ready" is read */
	bool fuse; /* hv_exec.fuse: a /dev/fuse of its own */
};

/* Whether xpv-hv runs guests on this kernel: it needs sockets that refuse
 * files (SO_PASSRIGHTS, Linux 6.16; docs/hv.md). */
bool hg_guests_run(void);

/* --- A test's main() ----------------------------------------------------- */

struct test_case; /* hv/tests/harness.h */

/* 0 as root, else 77 with the reason printed: sim guests need
 * namespaces and cgroups. */
int hg_need_root(void);

/*
 * What a test of guests starts with: skip without root or where xpv-hv
 * runs no guest (hg_guests_run), start a private xpv-hv (harness_start)
 * and open hv into *hv. 0 to go on; else the exit status for main (77
 * skip, 1 fail), the reason printed.
 */
int hg_main_start(struct hv **hv);

/*
 * What it ends with: run the cases (harness_run), close *hv (hv may be
 * NULL; a case that closes it sets it NULL) and stop xpv-hv. The exit
 * status for main.
 */
int hg_main_finish(struct hv **hv, const struct test_case *cases,
		   unsigned int n);

/* The domain's host uid. */
static inline unsigned int hg_uid(hv_domid_t id)
{
	return HG_UID_BASE + 65536u * id;
}

/* Only the exec of an existing domain g->id, with these stdio fds. */
int hg_exec(struct hv *hv, struct hg *g, const struct hg_start *s, int in_fd,
	    int out_fd);
/* Create a 16 MiB domain, exec the guest, unpause it and read its
 * "ready"; 0, else 1 with the reason printed. */
int hg_start(struct hv *hv, struct hg *g, const struct hg_start *s);
/* Destroy it and close our ends; idempotent. */
void hg_stop(struct hv *hv, struct hg *g);
/* Send a command; 0 when the answer is "ok...", the guest's -errno for
 * "err N", -ETIMEDOUT/-EPIPE/-EPROTO otherwise. The answer is g->line. */
int hg_cmd(struct hg *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The i-th number after "ok" in the last answer. */
long hg_field(const struct hg *g, int i);
/* The host pids in domain id's cgroup (of our xpv-hv), at most max;
 * how many, 0 when it has no cgroup. */
int hg_cgroup_pids(hv_domid_t id, int *pids, int max);
/* How many of pids still run (zombies count as gone). */
int hg_alive(const int *pids, int n);

#endif
