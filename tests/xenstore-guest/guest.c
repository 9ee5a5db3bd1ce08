/*
 * guest.c - the guest side of the xenstore guest test: a program run as a
 * sim domain's "kernel" that talks to xenstored only through its own ring
 * and event channel, with frontend/'s xenbus client.
 *
 *   xenstore-test-guest full OTHER   the whole client API on its own
 *                                    /local/domain/<self>, EACCES on
 *                                    domain OTHER's nodes, a watch fired by
 *                                    dom0; then waits to be released
 *   xenstore-test-guest exit         writes data/alive and exits (dies)
 *
 * Each check prints one line and writes data/result/<name> = ok | fail;
 * at the end data/status = done (or failed). The dom0 side
 * (test-xenstore-guest.c) reads them and checks from its side too.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"

static struct xenbus *xb;
static char home[64];
static int failures;

static void result(const char *name, int ok, const char *why)
{
	char path[128];

	printf("guest: %s %s%s%s\n", ok ? "ok  " : "FAIL", name,
	       why ? ": " : "", why ? why : "");
	fflush(stdout);
	snprintf(path, sizeof(path), "data/result/%s", name);
	xenbus_write_str(xb, XENBUS_TX_NONE, path, ok ? "ok" : "fail");
	failures += !ok;
}

static void expect(const char *name, int got, int want)
{
	char why[96];

	snprintf(why, sizeof(why), "got %d (%s), want %d", got,
		 got < 0 ? strerror(-got) : "ok", want);
	result(name, got == want, got == want ? NULL : why);
}

static int read_is(const char *path, const char *want)
{
	char *v;
	int ret = xenbus_read(xb, XENBUS_TX_NONE, path, &v, NULL);

	if (ret < 0)
		return ret;
	ret = strcmp(v, want) == 0 ? 0 : -EBADMSG;
	free(v);
	return ret;
}

/* Wait up to 10 s for a watch event whose path is `path`. */
static int wait_event(const char *path, const char *token)
{
	struct pollfd pfd = { .fd = xenbus_event_fd(xb), .events = POLLIN };
	char *p, *t;
	int ret;

	for (;;) {
		while ((ret = xenbus_read_event(xb, &p, &t)) == 0) {
			int match = !strcmp(p, path) && !strcmp(t, token);

			free(p);
			if (match)
				return 0;
		}
		if (ret != -EAGAIN)
			return ret;
		if (poll(&pfd, 1, 10000) != 1)
			return -ETIMEDOUT;
	}
}

static void check_home(unsigned int self)
{
	char *path = NULL;
	int ret = xenbus_get_domain_path(xb, self, &path);

	snprintf(home, sizeof(home), "/local/domain/%u", self);
	result("get-domain-path", ret == 0 && !strcmp(path, home), NULL);
	free(path);
}

static void check_nodes(void)
{
	char abs[128];
	unsigned int num;
	char **names;
	int ret;

	expect("write-relative",
	       xenbus_write_str(xb, XENBUS_TX_NONE, "data/hello", "world"), 0);
	expect("read-relative", read_is("data/hello", "world"), 0);
	snprintf(abs, sizeof(abs), "%s/data/abs", home);
	expect("write-absolute",
	       xenbus_write_str(xb, XENBUS_TX_NONE, abs, "olute"), 0);
	expect("read-absolute", read_is(abs, "olute"), 0);
	expect("mkdir", xenbus_mkdir(xb, XENBUS_TX_NONE, "data/dir"), 0);
	xenbus_write_str(xb, XENBUS_TX_NONE, "data/dir/x", "1");
	ret = xenbus_directory(xb, XENBUS_TX_NONE, "data/dir", &names, &num);
	result("directory", ret == 0 && num == 1 && !strcmp(names[0], "x"),
	       NULL);
	if (ret == 0)
		free(names);
	expect("rm", xenbus_rm(xb, XENBUS_TX_NONE, "data/dir"), 0);
	expect("read-removed", read_is("data/dir/x", "1"), -ENOENT);
}

static void check_perms(void)
{
	struct xenbus_perm set[2] = { { 0, XENBUS_PERM_NONE },
				      { 0, XENBUS_PERM_READ } };
	struct xenbus_perm *got;
	unsigned int self, n;
	int ret;

	sscanf(home, "/local/domain/%u", &self);
	set[0].domid = self;
	xenbus_write_str(xb, XENBUS_TX_NONE, "data/perm", "p");
	expect("set-perms",
	       xenbus_set_perms(xb, XENBUS_TX_NONE, "data/perm", set, 2), 0);
	ret = xenbus_get_perms(xb, XENBUS_TX_NONE, "data/perm", &got, &n);
	result("get-perms",
	       ret == 0 && n == 2 && got[0].domid == self &&
		       got[1].domid == 0 && got[1].mode == XENBUS_PERM_READ,
	       NULL);
	if (ret == 0)
		free(got);
}

static void check_transaction(void)
{
	xenbus_tx_t tx;
	int ret;

	ret = xenbus_transaction_start(xb, &tx);
	expect("transaction-start", ret, 0);
	if (ret < 0)
		return;
	xenbus_write_str(xb, tx, "data/tx", "in");
	expect("transaction-hidden", read_is("data/tx", "in"), -ENOENT);
	expect("transaction-commit", xenbus_transaction_end(xb, tx, true), 0);
	expect("transaction-visible", read_is("data/tx", "in"), 0);
}

static void check_other(unsigned int other)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/%u/data/secret", other);
	expect("other-read-eacces", read_is(path, "x"), -EACCES);
	snprintf(path, sizeof(path), "/local/domain/%u/data/evil", other);
	expect("other-write-eacces",
	       xenbus_write_str(xb, XENBUS_TX_NONE, path, "x"), -EACCES);
	expect("dom0-write-eacces",
	       xenbus_write_str(xb, XENBUS_TX_NONE, "/local/domain/0/evil",
				"x"),
	       -EACCES);
}

/* dom0 writes data/poke once it sees status=ready; our watch fires. */
static void check_watch(void)
{
	int ret = xenbus_watch(xb, "data/poke", "pk");

	expect("watch", ret, 0);
	if (ret < 0)
		return;
	/* The initial fire, on registration; relative path as given. */
	expect("watch-initial", wait_event("data/poke", "pk"), 0);
	xenbus_write_str(xb, XENBUS_TX_NONE, "data/status", "ready");
	expect("watch-fired", wait_event("data/poke", "pk"), 0);
	expect("unwatch", xenbus_unwatch(xb, "data/poke", "pk"), 0);
}

/* Round trips through the ring, for the log: reads of one node. */
static void measure(void)
{
	struct timespec t0, t1;
	char rate[32], *v;
	double secs;
	int i, n = 2000;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (xenbus_read(xb, XENBUS_TX_NONE, "data/hello", &v, NULL) < 0)
			return;
		free(v);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	snprintf(rate, sizeof(rate), "%.0f", n / secs);
	printf("guest: %s reads/s through the ring\n", rate);
	xenbus_write_str(xb, XENBUS_TX_NONE, "data/reads-per-sec", rate);
}

static void __attribute__((noreturn))
run_full(unsigned int self, unsigned int other)
{
	check_home(self);
	check_nodes();
	check_perms();
	check_transaction();
	check_other(other);
	check_watch();
	measure();
	xenbus_write_str(xb, XENBUS_TX_NONE, "data/status",
			 failures ? "failed" : "done");
	/* Stay until dom0 releases and destroys us. */
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	char why[256];
	struct hv *hv;
	int ret;

	ret = hv_open(&hv, why, sizeof(why));
	if (ret < 0) {
		fprintf(stderr, "guest: hv_open: %s\n", why);
		return 2;
	}
	xb = xenbus_open(hv);
	if (!xb) {
		fprintf(stderr, "guest: xenbus_open: %s\n", strerror(errno));
		return 2;
	}
	xenbus_set_timeout(xb, 10000);
	if (argc == 3 && !strcmp(argv[1], "full"))
		run_full(hv_self(hv), (unsigned int)atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "exit")) {
		ret = xenbus_write_str(xb, XENBUS_TX_NONE, "data/alive", "1");
		printf("guest: wrote data/alive: %d\n", ret);
		return ret < 0 ? 1 : 0;
	}
	fprintf(stderr, "usage: %s full OTHER | exit\n", argv[0]);
	return 2;
}
