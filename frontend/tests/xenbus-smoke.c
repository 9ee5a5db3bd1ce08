/*
 * xenbus-smoke.c - the xenbus client's whole API against a live xenstore,
 * one line per step, exit 0 when all pass:
 *
 *   xenbus-smoke            the calling domain's own store: on xen
 *                           /dev/xen/xenbus (dom0 or a guest), on sim the
 *                           domain's ring (run it as a sim domain)
 *   xenbus-smoke SOCKET     a unix socket (dom0 on any platform)
 *
 * It works under data/xenbus-smoke of its domain's home (relative paths),
 * so a guest needs write access there; dom0 always has it. The real-Xen
 * test bed can run it in dom0 (XEN_RUN=/xpv/bin/xenbus-smoke), which also
 * takes the kernel's xenbus through xenstored's dom0 ring.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"
#include "tests/lib/check.h"

static struct xenbus *xb;

static void step(const char *name, int ret)
{
	check(name, ret == 0, "%s", strerror(-ret));
}

static int read_is(xenbus_tx_t tx, const char *path, const char *want)
{
	char *v;
	int ret = xenbus_read(xb, tx, path, &v, NULL);

	if (ret < 0)
		return ret;
	ret = strcmp(v, want) ? -EBADMSG : 0;
	free(v);
	return ret;
}

static int check_directory(void)
{
	unsigned int n;
	char **names;
	int ret;

	xenbus_write_str(xb, 0, "data/xenbus-smoke/d/a", "1");
	xenbus_write_str(xb, 0, "data/xenbus-smoke/d/b", "2");
	ret = xenbus_directory(xb, 0, "data/xenbus-smoke/d", &names, &n);
	if (ret < 0)
		return ret;
	ret = n == 2 ? 0 : -EBADMSG;
	free(names);
	return ret;
}

static int check_transaction(void)
{
	xenbus_tx_t tx;
	int ret;

	do {
		ret = xenbus_transaction_start(xb, &tx);
		if (ret < 0)
			return ret;
		xenbus_write_str(xb, tx, "data/xenbus-smoke/tx", "in");
		ret = xenbus_transaction_end(xb, tx, true);
	} while (ret == -EAGAIN);
	return ret < 0 ? ret : read_is(0, "data/xenbus-smoke/tx", "in");
}

static int wait_event(const char *token)
{
	struct pollfd pfd = { .fd = xenbus_event_fd(xb), .events = POLLIN };
	char *path, *tok;
	int ret;

	for (;;) {
		while ((ret = xenbus_read_event(xb, &path, &tok)) == 0) {
			ret = strcmp(tok, token);
			free(path);
			if (ret == 0)
				return 0;
		}
		if (ret != -EAGAIN)
			return ret;
		if (poll(&pfd, 1, 5000) != 1)
			return -ETIMEDOUT;
	}
}

static int check_watch(void)
{
	int ret = xenbus_watch(xb, "data/xenbus-smoke/w", "smoke");

	if (ret == 0)
		ret = wait_event("smoke"); /* the initial fire */
	if (ret == 0)
		ret = xenbus_write_str(xb, 0, "data/xenbus-smoke/w/x", "1");
	if (ret == 0)
		ret = wait_event("smoke");
	if (ret == 0)
		ret = xenbus_unwatch(xb, "data/xenbus-smoke/w", "smoke");
	return ret;
}

static int check_perms(void)
{
	struct xenbus_perm *p;
	unsigned int n;
	int ret = xenbus_get_perms(xb, 0, "data/xenbus-smoke", &p, &n);

	if (ret < 0)
		return ret;
	ret = n >= 1 ? 0 : -EBADMSG;
	if (ret == 0)
		ret = xenbus_set_perms(xb, 0, "data/xenbus-smoke", p, n);
	free(p);
	return ret;
}

static struct xenbus *open_store(int argc, char **argv)
{
	char why[256];
	struct hv *hv;

	if (argc > 1)
		return xenbus_open_socket(argv[1]);
	if (hv_open(&hv, why, sizeof(why)) < 0) {
		fprintf(stderr, "xenbus-smoke: %s\n", why);
		errno = ENODEV;
		return NULL;
	}
	/* hv stays open for the ring's lifetime; the process exits after. */
	return xenbus_open(hv);
}

int main(int argc, char **argv)
{
	char *home;

	xb = open_store(argc, argv);
	if (!xb)
		check_fatal("xenbus open", errno);
	xenbus_set_timeout(xb, 10000);
	step("write", xenbus_write_str(xb, 0, "data/xenbus-smoke/v", "hello"));
	step("read", read_is(0, "data/xenbus-smoke/v", "hello"));
	step("mkdir", xenbus_mkdir(xb, 0, "data/xenbus-smoke/m"));
	step("directory", check_directory());
	step("perms", check_perms());
	step("transaction", check_transaction());
	step("watch", check_watch());
	step("missing node is ENOENT",
	     read_is(0, "data/xenbus-smoke/none", "") == -ENOENT ? 0 : -EIO);
	step("rm", xenbus_rm(xb, 0, "data/xenbus-smoke"));
	if (xenbus_get_domain_path(xb, 0, &home) == 0) {
		step("get_domain_path",
		     strcmp(home, "/local/domain/0") ? -EBADMSG : 0);
		free(home);
	} else {
		step("get_domain_path", -EIO);
	}
	xenbus_close(xb);
	return check_done();
}
