/*
 * test-hv-gnttab - sim's grant table on its own (hv/sim/shared_gnttab.c):
 * the active-entry lock that dom0 processes and xpv-hv share, against a
 * holder that died inside it or stays stopped in it. No daemon, no guest:
 * the table and its active records are plain memory here, and a holder is
 * a child whose pid is written into the lock as act_lock records it.
 *
 * Found by a hostile-guest review: a dom0 process killed inside the lock
 * is a zombie until its parent reaps it, and kill(pid, 0) succeeds on a
 * zombie, so every later locker spun; and the lock was taken before the
 * entry was checked, so a guest naming any ref of any domain in a copy
 * made xpv-hv's one thread wait on such a lock (a stopped holder: for as
 * long as it stays stopped).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/sim/shared.h"
#include "tests/lib/check.h"

/* A case that would spin for ever fails by this alarm instead. */
#define CASE_SECONDS 10

static struct sim_grant_entry *table;
static struct sim_active *act;

static void on_alarm(int sig)
{
	static const char msg[] = "FAIL a lock waiter spun past the deadline\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

/* A child that exits at once and is left unreaped: a zombie. */
static pid_t make_zombie(void)
{
	siginfo_t si;
	pid_t pid = fork();

	if (pid < 0)
		check_fatal("fork", -errno);
	if (pid == 0)
		_exit(0);
	/* Wait until it is a zombie, without reaping it. */
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		check_fatal("waitid", -errno);
	return pid;
}

/* A child that stays stopped (a debugger, a frozen cgroup, SIGSTOP). */
static pid_t make_stopped(void)
{
	siginfo_t si;
	pid_t pid = fork();

	if (pid < 0)
		check_fatal("fork", -errno);
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOWAIT) < 0)
		check_fatal("waitid", -errno);
	return pid;
}

static int grant(hv_domid_t to, bool readonly)
{
	static uint32_t hint;
	int ref = sim_gnt_grant(table, &hint, to, 1, readonly);

	if (ref < 0)
		check_fatal("sim_gnt_grant", ref);
	return ref;
}

static void zombie_holder_taken_over(void)
{
	pid_t z = make_zombie();
	int ref = grant(5, false);
	uint32_t frame = 0;
	int err;

	act[ref].lock = (uint32_t)z;
	alarm(CASE_SECONDS);
	err = sim_gnt_acquire(table, act, (uint32_t)ref, 5, true, 16, &frame);
	alarm(0);
	check("a zombie's lock is taken over", err == 0 && frame == 1,
	      "err %d frame %u", err, frame);
	sim_gnt_release(table, act, (uint32_t)ref, true);
	check("and released after", act[ref].lock == 0 && act[ref].wpin == 0,
	      "lock %u wpin %u", act[ref].lock, act[ref].wpin);
	waitpid(z, NULL, 0);
}

/* Another domain's ref, locked by a holder that stays stopped: the
 * refusal comes without waiting for that lock. */
static void not_ours_refused_without_lock(pid_t stopped)
{
	int ref = grant(5, false), ro = grant(7, true);
	uint32_t frame = 0;
	int err1, err2, err3;

	act[ref].lock = (uint32_t)stopped;
	act[ro].lock = (uint32_t)stopped;
	alarm(CASE_SECONDS);
	err1 = sim_gnt_acquire(table, act, (uint32_t)ref, 7, false, 16, &frame);
	err2 = sim_gnt_acquire(table, act, (uint32_t)ro, 7, true, 16, &frame);
	err3 = sim_gnt_acquire(table, act, SIM_FIRST_FREE_GREF + 100, 7, false,
			       16, &frame);
	alarm(0);
	check("another domain's grant: EPERM, its lock untouched",
	      err1 == -EPERM && act[ref].lock == (uint32_t)stopped, "err %d",
	      err1);
	check("a write to a readonly grant: EPERM, its lock untouched",
	      err2 == -EPERM && act[ro].lock == (uint32_t)stopped, "err %d",
	      err2);
	check("an entry never granted: ENOENT", err3 == -ENOENT, "err %d",
	      err3);
	act[ref].lock = act[ro].lock = 0;
}

int main(void)
{
	pid_t stopped;

	table = calloc(SIM_NR_GREFS, sizeof(*table));
	act = calloc(SIM_NR_GREFS, sizeof(*act));
	if (!table || !act)
		check_fatal("calloc", -ENOMEM);
	signal(SIGALRM, on_alarm);
	zombie_holder_taken_over();
	stopped = make_stopped();
	not_ours_refused_without_lock(stopped);
	kill(stopped, SIGKILL);
	waitpid(stopped, NULL, 0);
	free(table);
	free(act);
	return check_done();
}
