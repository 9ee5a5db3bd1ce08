/*
 * test-hv-restart - xpv-hv itself under stress (docs/hv.md, "Security"):
 *
 *   - SIGKILLed with guests running, paused, and with processes that
 *     outlive their init: a new xpv-hv on the same run directory finds
 *     what its predecessor left (cgroups, processes, the socket), removes
 *     it, and the old domains are gone;
 *   - SIGTERMed while guests spin, flood it with requests and sit frozen:
 *     it ends cleanly within a bounded time (designed for a second; the
 *     deadline here is wider so a loaded machine does not fail it) and
 *     leaves no process and no cgroup behind.
 *
 * Root only (namespaces, cgroups). Exit 0 pass, 77 skip, else fail.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "tests/hostile-guest/driver.h"

/* The bound a SIGTERM must be acted on within (the design says one
 * second: see dom_destroy_all). */
#define TERM_DEADLINE_MS 3000

static struct hv *hv;

static int open_hv(void)
{
	char why[256];
	int err = hv_open(&hv, why, sizeof(why));

	REQUIRE(err == 0, "hv_open: %s", why);
	return 0;
}

static bool cgroup_exists(hv_domid_t id)
{
	char dir[PATH_MAX];

	harness_cgroup_dir("freezer", id, dir, sizeof(dir));
	return access(dir, F_OK) == 0;
}

/* Whether the run directory's hv.log holds the line a restarted xpv-hv
 * writes for a domain it removed. */
static bool logged_removed(hv_domid_t id)
{
	char path[PATH_MAX], want[96], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/hv.log", harness_rundir());
	snprintf(want, sizeof(want),
		 "dom%u: left by an xpv-hv that was killed: gone", id);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

/* Without a pid namespace a guest's processes outlive its init; paused,
 * even the init outlives xpv-hv (a frozen task dies only once thawed). */
static char *no_pid_ns[] = { "--namespaces", "user,mount,uts,ipc,net", NULL };

/* The processes the killed xpv-hv's domains left. */
static int left_pids[128], nleft;

/* What is left after the SIGKILL, before the restart. */
static int leftovers_there(hv_domid_t a, hv_domid_t b)
{
	char sock[PATH_MAX];
	int na, nb;

	snprintf(sock, sizeof(sock), "%s/hv.sock", harness_rundir());
	REQUIRE(access(sock, F_OK) == 0, "no stale socket to find");
	REQUIRE(cgroup_exists(a) && cgroup_exists(b), "no cgroups left");
	na = hg_cgroup_pids(a, left_pids, 64);
	nb = hg_cgroup_pids(b, left_pids + na, 64);
	nleft = na + nb;
	REQUIRE(hg_alive(left_pids, na) >= 1,
		"the running guest's child did not outlive xpv-hv");
	REQUIRE(hg_alive(left_pids + na, nb) >= 1,
		"the paused guest's init did not outlive xpv-hv");
	return 0;
}

/* What the restarted xpv-hv must have done. */
static int leftovers_gone(hv_domid_t a, hv_domid_t b)
{
	struct hv_dominfo info[8];
	int n = hv_domain_list(hv, info, 8);

	REQUIRE(n == 1 && info[0].domid == 0, "domains listed: %d", n);
	REQUIRE(hv_domain_info(hv, a, info) == -ESRCH, "domain %u still there",
		a);
	REQUIRE(!cgroup_exists(a) && !cgroup_exists(b), "cgroups still there");
	REQUIRE(hg_alive(left_pids, nleft) == 0,
		"processes of the old domains still run");
	REQUIRE(logged_removed(a) && logged_removed(b),
		"hv.log does not report both domains gone");
	return 0;
}

static int t_restart_after_kill(void)
{
	struct hg a, b, again;
	struct hg_start running = { 0 }, paused = { .paused = true };
	int r;

	if (open_hv())
		return 1;
	r = hg_start(hv, &a, &running);
	if (!r)
		r = hg_cmd(&a, "spawn") ? 1 : 0;
	if (!r)
		r = hg_start(hv, &b, &paused);
	REQUIRE(r == 0, "starting the guests: %s", a.line);
	harness_signal(SIGKILL, NULL);
	hv_close(hv);
	r = leftovers_there(a.id, b.id);
	if (!r) {
		r = harness_spawn(no_pid_ns);
		REQUIRE(r == 0, "restart: %s", strerror(-r));
		r = open_hv() || leftovers_gone(a.id, b.id);
	}
	/* The old ids are free again, and work. */
	if (!r) {
		struct hg_start same = { .domid = a.id };

		r = hg_start(hv, &again, &same);
		hg_stop(hv, &again);
	}
	a.id = b.id = 0; /* gone with their hypervisor */
	hg_stop(hv, &a);
	hg_stop(hv, &b);
	hv_close(hv);
	return r;
}

/* The guests' misbehaviour while SIGTERM comes. */
static int misbehave(struct hg *spin, struct hg *flood, struct hg *frozen)
{
	struct hg_start run = { 0 }, paused = { .paused = true };

	REQUIRE(hg_start(hv, spin, &run) == 0 && hg_cmd(spin, "spin 50") == 0,
		"spinning guest: %s", spin->line);
	REQUIRE(hg_start(hv, flood, &run) == 0 && hg_cmd(flood, "flood 8") == 0,
		"flooding guest: %s", flood->line);
	REQUIRE(hg_start(hv, frozen, &paused) == 0, "paused guest");
	return 0;
}

static int t_sigterm(void)
{
	struct hg spin = { .in = -1, .out = -1 }, flood = spin, frozen = spin;
	int pids[512], n = 0, st, r, i;
	hv_domid_t ids[3];
	long long ms = 0;

	harness_signal(SIGTERM, NULL);
	r = harness_spawn(NULL);
	REQUIRE(r == 0, "starting xpv-hv: %s", strerror(-r));
	r = open_hv() || misbehave(&spin, &flood, &frozen);
	ids[0] = spin.id;
	ids[1] = flood.id;
	ids[2] = frozen.id;
	for (i = 0; i < 3; i++)
		n += hg_cgroup_pids(ids[i], pids + n, 170);
	/* Ours is one more connection it serves meanwhile. */
	hv_close(hv);
	st = harness_signal(SIGTERM, &ms);
	printf("    xpv-hv ended %lld ms after SIGTERM\n", ms);
	spin.id = flood.id = frozen.id = 0;
	hg_stop(hv, &spin);
	hg_stop(hv, &flood);
	hg_stop(hv, &frozen);
	if (r)
		return r;
	REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "xpv-hv's status 0x%x",
		st);
	REQUIRE(ms <= TERM_DEADLINE_MS, "SIGTERM took %lld ms", ms);
	REQUIRE(n >= 50 + 8 + 3, "the guests' processes: %d", n);
	REQUIRE(hg_alive(pids, n) == 0, "%d of their %d processes remain",
		hg_alive(pids, n), n);
	for (i = 0; i < 3; i++)
		REQUIRE(!cgroup_exists(ids[i]), "domain %u's cgroup remains",
			ids[i]);
	return 0;
}

static const struct test_case cases[] = {
	{ "a restarted xpv-hv removes what a SIGKILLed one left",
	  t_restart_after_kill, true },
	{ "SIGTERM ends xpv-hv promptly whatever its guests do", t_sigterm,
	  true },
};

int main(void)
{
	int err, r;

	r = hg_need_root();
	if (r)
		return r;
	err = harness_start_args(no_pid_ns);
	if (err) {
		printf("FAIL: starting xpv-hv: %s\n", strerror(-err));
		return 1;
	}
	/* Its cases close hv themselves. */
	return hg_main_finish(NULL, cases, sizeof(cases) / sizeof(cases[0]));
}
