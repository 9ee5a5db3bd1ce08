/*
 * test-guest-nic.c - dom0 making a guest's NIC on its behalf, on sim
 * (net/guest_nic.h over hv.h's hv_domain_ns_fd, hv_domain_give_fd,
 * hv_take_fd): the TAP is made inside the guest's network namespace, not
 * dom0's, with its MAC, its queues and a virtio-net header, and the guest
 * takes exactly the fds left for it; the calls refuse what they must (a
 * guest asking for a namespace or giving, a bad tag, a domain that does
 * not exist, more than HV_HANDOVER_MAX waiting); what waits for a domain
 * that is destroyed is closed.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "net/guest_nic.h"

static struct hv *hv;

struct guest {
	hv_domid_t id;
	int in, out; /* our ends of its stdin and stdout */
};

static int start_guest(struct guest *g)
{
	struct hv_domain_config cfg = { .memory_kb = 16 * 1024, .vcpus = 1 };
	char *argv[] = { "guest-nic-guest", NULL };
	int in[2], out[2], stdio[3], err;

	if (pipe(in) || pipe(out))
		return -errno;
	err = hv_domain_create(hv, &cfg, &g->id);
	if (err)
		return err;
	stdio[0] = in[0];
	stdio[1] = out[1];
	stdio[2] = out[1];
	err = hv_domain_exec(
		hv, g->id,
		&(struct hv_exec){ .path = harness_bin("guest-nic-guest"),
				   .argv = argv,
				   .stdio = stdio });
	close(in[0]);
	close(out[1]);
	g->in = in[1];
	g->out = out[0];
	return err;
}

/* The guest's whole report (it says OTHER last). */
static void read_report(struct guest *g, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && !strstr(buf, "OTHER")) {
		n = read(g->out, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
	}
}

static int test_handover(void)
{
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
	struct guest a, b;
	char report[1024] = "";
	struct stat own, theirs;
	int nsfd, p[2], i, err;

	REQUIRE(start_guest(&a) == 0, "guest a");
	REQUIRE(start_guest(&b) == 0, "guest b");

	nsfd = hv_domain_ns_fd(hv, a.id, "net");
	REQUIRE(nsfd >= 0, "ns fd: %s", strerror(-nsfd));
	REQUIRE(stat("/proc/self/ns/net", &own) == 0 &&
			fstat(nsfd, &theirs) == 0,
		"stat");
	REQUIRE(own.st_ino != theirs.st_ino, "the guest's netns is not ours");
	close(nsfd);
	REQUIRE(hv_domain_ns_fd(hv, a.id, "mnt") == -EINVAL, "only net");
	REQUIRE(hv_domain_ns_fd(hv, 999, "net") == -ESRCH, "no domain 999");

	err = net_guest_nic_give(hv, a.id, "xnic0", mac, 2, "device/vif/0");
	REQUIRE(err == 0, "give: %s", strerror(-err));
	REQUIRE(if_nametoindex("xnic0") == 0, "no xnic0 in dom0's namespace");

	/* Refusals, and b's mailbox filled up with the read end of a pipe
	 * among what waits. */
	REQUIRE(pipe(p) == 0, "pipe");
	REQUIRE(hv_domain_give_fd(hv, b.id, "", p[0]) == -EINVAL, "empty tag");
	REQUIRE(hv_domain_give_fd(hv, b.id, "a b", p[0]) == -EINVAL,
		"a tag with a blank");
	REQUIRE(hv_domain_give_fd(hv, b.id,
				  "0123456789012345678901234567890123456789"
				  "012345678901234567890123",
				  p[0]) == -EINVAL,
		"a 64-byte tag");
	REQUIRE(hv_domain_give_fd(hv, 999, "x", p[0]) == -ESRCH, "no domain");
	REQUIRE(hv_take_fd(hv, "device/vif/0") == -ENOENT, "dom0 has none");
	for (i = 0; i < HV_HANDOVER_MAX; i++)
		REQUIRE(hv_domain_give_fd(hv, b.id, "other", p[0]) == 0,
			"give %d", i);
	REQUIRE(hv_domain_give_fd(hv, b.id, "other", p[0]) == -ENOSPC,
		"more than HV_HANDOVER_MAX wait");
	close(p[0]);

	REQUIRE(hv_domain_unpause(hv, a.id) == 0, "unpause");
	read_report(&a, report, sizeof(report));
	REQUIRE(strstr(report, "TAKEN 2 xnic0 00:16:3e:12:34:56 vnet=1 mq=1 "
			       "index="),
		"the guest took its NIC: %s", report);
	REQUIRE(!strstr(report, "index=0"), "xnic0 in its namespace: %s",
		report);
	REQUIRE(strstr(report, "AGAIN 2\n"), "nothing more for it: %s", report);
	REQUIRE(strstr(report, "NSFD 1\n"),
		"a guest gets no namespace (EPERM): "
		"%s",
		report);
	REQUIRE(strstr(report, "GIVE 1\n"), "a guest gives nothing (EPERM): %s",
		report);
	REQUIRE(strstr(report, "OTHER 2\n"), "b's fds are not a's: %s", report);

	/* b goes with 16 fds waiting: they are closed (at the next give or
	 * take), so the pipe has no reader left. */
	REQUIRE(hv_domain_destroy(hv, b.id) == 0, "destroy b");
	REQUIRE(hv_take_fd(hv, "x") == -ENOENT, "a take that sweeps");
	REQUIRE(write(p[1], "x", 1) < 0 && errno == EPIPE,
		"what waited for b was closed");
	close(p[1]);
	REQUIRE(hv_domain_destroy(hv, a.id) == 0, "destroy a");
	return 0;
}

static const struct test_case cases[] = {
	{ "a guest's NIC made in its namespace and handed in", test_handover,
	  true },
};

int main(void)
{
	char why[256];
	int ret;

	signal(SIGPIPE, SIG_IGN);
	if (harness_xen()) {
		printf("skip: sim only (a PV guest's kernel has its own "
		       "devices)\n");
		return 77;
	}
	if (geteuid() != 0) {
		printf("skip: needs root (xpv-hv with cgroups)\n");
		return 77;
	}
	if (harness_start())
		return 1;
	if (hv_open(&hv, why, sizeof(why))) {
		printf("FAIL hv_open: %s\n", why);
		return 1;
	}
	ret = harness_run(cases, sizeof(cases) / sizeof(cases[0]));
	hv_close(hv);
	return ret | harness_finish();
}
