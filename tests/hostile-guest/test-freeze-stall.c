/*
 * test-freeze-stall - a guest keeps one of its tasks where the cgroup
 * freezer cannot stop it (docs/hv.md, "Security"; the guest is
 * fd-stall-guest.c): a child faulting on a page of the guest's own FUSE
 * file, whose READ the guest's server holds, waits in the kernel in a wait
 * that is not freezable, so the domain's freezer stays FREEZING. xpv-hv
 * freezes a domain to pause it, when it shuts down, and to destroy it; it
 * used to wait for FROZEN up to a second each time (and pause then failed
 * with -ETIMEDOUT), its one thread serving no one meanwhile.
 *
 *   - dom0's pause succeeds and the domain is listed paused;
 *   - the guest's own shutdown: dom0 sees it shut down;
 *   - dom0's destroy succeeds;
 * each within DEADLINE_MS (a deadline: they take a few tens of ms).
 *
 * Root only (namespaces, cgroups). Exit 0 pass, 77 skip, else fail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "tests/hostile-guest/driver.h"

#define DEADLINE_MS 1000

static struct hv *hv;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The guest with its child stuck where the freezer cannot stop it. */
static int unfreezable(struct hg *g)
{
	struct hg_start s = { .program = "fd-stall-guest", .fuse = true };

	REQUIRE(hg_start(hv, g, &s) == 0, "starting the guest");
	REQUIRE(hg_cmd(g, "faultwrite") == 0, "faultwrite: %s", g->line);
	return 0;
}

static int pause_and_shutdown(struct hg *g)
{
	struct hv_dominfo info;
	long long t = now_ms();
	int err = hv_domain_pause(hv, g->id);

	t = now_ms() - t;
	printf("    pause: %lld ms\n", t);
	REQUIRE(err == 0, "pause: %s", strerror(-err));
	REQUIRE(t <= DEADLINE_MS, "pause took %lld ms", t);
	REQUIRE(hv_domain_info(hv, g->id, &info) == 0 &&
			(info.flags & HV_DOMINF_PAUSED),
		"not listed paused: 0x%x", info.flags);
	REQUIRE(hv_domain_unpause(hv, g->id) == 0, "unpause");
	/* No answer comes: its shutdown freezes the guest itself. */
	t = now_ms();
	REQUIRE(write(g->in, "shutdown\n", 9) == 9, "sending shutdown");
	do {
		err = hv_domain_info(hv, g->id, &info);
		REQUIRE(err == 0, "info: %s", strerror(-err));
	} while (!(info.flags & HV_DOMINF_SHUTDOWN) &&
		 now_ms() - t <= DEADLINE_MS && usleep(2000) == 0);
	t = now_ms() - t;
	printf("    its own shutdown seen by dom0: %lld ms\n", t);
	REQUIRE(info.flags & HV_DOMINF_SHUTDOWN, "not shut down in %lld ms", t);
	REQUIRE(t <= DEADLINE_MS, "its shutdown took %lld ms", t);
	return 0;
}

static int t_freeze(void)
{
	struct hg g = { .in = -1, .out = -1 };
	long long t;
	int r, err;

	r = unfreezable(&g) || pause_and_shutdown(&g);
	t = now_ms();
	err = g.id ? hv_domain_destroy(hv, g.id) : -ESRCH;
	t = now_ms() - t;
	g.id = 0;
	hg_stop(hv, &g);
	if (r)
		return r;
	printf("    destroy: %lld ms\n", t);
	REQUIRE(err == 0, "destroy: %s", strerror(-err));
	REQUIRE(t <= DEADLINE_MS, "destroy took %lld ms", t);
	return 0;
}

static const struct test_case cases[] = {
	{ "a task the freezer cannot stop: pause, shutdown, destroy do not "
	  "wait for it",
	  t_freeze, true },
};

int main(void)
{
	int r = hg_main_start(&hv);

	if (r)
		return r;
	return hg_main_finish(&hv, cases, sizeof(cases) / sizeof(cases[0]));
}
