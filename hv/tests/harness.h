/*
 * harness.h - what the hv tests share: a private xpv-hv for the test (sim
 * only), and a table-driven runner that prints one line per case. Cases
 * report through tests/lib/check.h: REQUIRE(cond, fmt, ...) fails the
 * case at once.
 */
#ifndef XPV_HV_TESTS_HARNESS_H
#define XPV_HV_TESTS_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "tests/lib/check.h"

struct test_case {
	const char *name;
	int (*fn)(void); /* 0 pass, 77 skip, else fail (after REQUIRE printed) */
	bool sim_only;
};

/*
 * Start xpv-hv in a fresh temporary XPV_RUNDIR (which it sets in the
 * environment) unless XPV_PLATFORM=xen; stopped and removed at exit, also
 * on a failing REQUIRE. 0 or -errno.
 */
int harness_start(void);
/* The same with extra options for xpv-hv (NULL-ended, at most 8). */
int harness_start_args(char *const extra[]);
/* Start xpv-hv again in the same run directory (after harness_signal),
 * with extra options; its log is appended to DIR/hv.log. 0 or -errno. */
int harness_spawn(char *const extra[]);
/* Send sig to xpv-hv and wait for it to end (up to 10 s, then SIGKILL);
 * its wait status (-1: none running), and in *ms (may be NULL) how long
 * it took to end. */
int harness_signal(int sig, long long *ms);
void harness_stop(void);
/* Stop xpv-hv at the end of the test: 1 if it did not exit cleanly
 * (crash, sanitizer report), its log then printed; else 0. */
int harness_finish(void);
pid_t harness_hv_pid(void);
const char *harness_rundir(void);
bool harness_xen(void);
/* Path of a program next to the test ($BIN, else our own directory). */
const char *harness_bin(const char *name);
/* The v1 cgroup directory of controller ctrl ("memory", "freezer", ...)
 * our xpv-hv made for domain id (daemon_cgroup.c's naming). */
void harness_cgroup_dir(const char *ctrl, unsigned int id, char *buf,
			size_t len);

/* Run each case, print "ok", "skip" or "FAIL" with its name; the exit
 * status for main. */
int harness_run(const struct test_case *cases, unsigned int n);

#endif /* XPV_HV_TESTS_HARNESS_H */
