/*
 * test-xenstore-guest.c - dom0's side of the xenstore guest test (run by
 * test-guest.sh, which starts xpv-hv and xpv-xenstored privately).
 *
 * With Debian's libxenstore as dom0's client, as xl would: create two sim
 * domains running xenstore-test-guest, give each its /local/domain/<id>
 * (owned by dom0, readable by the domain; data/ owned by the domain),
 * XS_INTRODUCE them with their start-info store frame and port, and check:
 *   - guest A's own reads/writes/watches/transactions through its ring
 *     (its results in data/result/, and dom0 reads what it wrote);
 *   - A gets EACCES on B's nodes and dom0's;
 *   - XS_RELEASE of A fires @releaseDomain and removes A's nodes;
 *   - guest B dies: VIRQ_DOM_EXC makes the daemon fire @releaseDomain,
 *     and once B is destroyed the daemon releases it by itself.
 * One line per case; exit 0 only if all pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "tests/lib/check.h"
#include "tests/lib/domain.h"

/* Every wait is for something that must come; the limit only guards
 * against a hang (a loaded machine under sanitizers can take seconds to
 * schedule a guest or the daemon). */
#define WAIT_MS 30000

static struct hv *hv;
static struct xs_handle *xs; /* requests */
static struct xs_handle *xw; /* watches of @releaseDomain */
static const char *guest_bin;

static char *dom_path(unsigned int domid, const char *sub)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "/local/domain/%u%s%s", domid,
		 *sub ? "/" : "", sub);
	return buf;
}

static char *read_node(unsigned int domid, const char *sub)
{
	return xs_read(xs, XBT_NULL, dom_path(domid, sub), NULL);
}

/* A node's value for a message: "missing" when there is none. Valid
 * until the next call. */
static const char *show(unsigned int domid, const char *sub)
{
	static char *last;

	free(last);
	last = read_node(domid, sub);
	return last ? last : "missing";
}

static bool gone(unsigned int domid, const char *sub)
{
	char *v = read_node(domid, sub);
	bool ret = !v && errno == ENOENT;

	free(v);
	return ret;
}

static bool node_is(unsigned int domid, const char *sub, const char *want)
{
	char *v = read_node(domid, sub);
	bool ok = v && !strcmp(v, want);

	free(v);
	return ok;
}

/* Poll until a node has a value (or is gone, want == NULL). */
static bool wait_node(unsigned int domid, const char *sub, const char *want)
{
	long long end = check_now_ms() + WAIT_MS;

	do {
		if (want ? node_is(domid, sub, want) : gone(domid, sub))
			return true;
		usleep(20000);
	} while (check_now_ms() < end);
	return false;
}

/* Events seen but not yet waited for, by token ("rel", "intro"). */
static unsigned int seen_rel, seen_intro;

static unsigned int *seen(const char *token)
{
	return !strcmp(token, "rel") ? &seen_rel : &seen_intro;
}

/* Wait for a watch event with this token on xw; others are counted for
 * their own wait. */
static bool wait_event(const char *token)
{
	struct pollfd pfd = { .fd = xs_fileno(xw), .events = POLLIN };
	long long end = check_now_ms() + WAIT_MS;
	char **ev;

	for (;;) {
		while ((ev = xs_check_watch(xw))) {
			(*seen(ev[XS_WATCH_TOKEN]))++;
			free(ev);
		}
		if (*seen(token)) {
			(*seen(token))--;
			return true;
		}
		if (check_now_ms() >= end ||
		    poll(&pfd, 1, (int)(end - check_now_ms())) <= 0)
			return false;
	}
}

static void drain_events(void)
{
	char **ev;

	while ((ev = xs_check_watch(xw)))
		free(ev);
	seen_rel = seen_intro = 0;
}

static unsigned int start_guest(char *const argv[], const char *log)
{
	int fds[3] = { -1, -1, -1 };
	hv_domid_t domid;
	char id[16];

	fds[1] = fds[2] = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	domid = test_domain_exec(hv, guest_bin, argv, fds);
	close(fds[1]);
	test_domain_home(xs, domid);
	snprintf(id, sizeof(id), "%u", domid);
	if (!xs_write(xs, XBT_NULL, dom_path(domid, "domid"), id, strlen(id)))
		check_fatal("making the domain's home", errno);
	test_domain_introduce(hv, xs, domid);
	return domid;
}

static void check_guest_results(unsigned int a)
{
	static const char *const names[] = {
		"get-domain-path",
		"write-relative",
		"read-relative",
		"write-absolute",
		"read-absolute",
		"mkdir",
		"directory",
		"rm",
		"read-removed",
		"set-perms",
		"get-perms",
		"transaction-start",
		"transaction-hidden",
		"transaction-commit",
		"transaction-visible",
		"other-read-eacces",
		"other-write-eacces",
		"dom0-write-eacces",
		"watch",
		"watch-initial",
		"watch-fired",
		"unwatch",
	};
	char sub[96];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(sub, sizeof(sub), "data/result/%s", names[i]);
		check(names[i], node_is(a, sub, "ok"), "guest reported %s",
		      show(a, sub));
	}
}

static void test_guest_a(unsigned int a, unsigned int b)
{
	char *v;

	check("A is introduced", xs_is_domain_introduced(xs, a), NULL);
	check("A reached the watch step", wait_node(a, "data/status", "ready"),
	      "no data/status=ready within %d ms", WAIT_MS);
	xs_write(xs, XBT_NULL, dom_path(a, "data/poke"), "1", 1);
	check("A finished", wait_node(a, "data/status", "done"),
	      "data/status is %s", show(a, "data/status"));
	check_guest_results(a);
	printf("     (guest A: %s reads/s through its ring)\n",
	       show(a, "data/reads-per-sec"));
	check("dom0 reads A's relative write",
	      node_is(a, "data/hello", "world"), NULL);
	check("dom0 reads A's transaction", node_is(a, "data/tx", "in"), NULL);
	v = xs_read(xs, XBT_NULL, dom_path(b, "data/evil"), NULL);
	check("A's write to B did not happen", !v, NULL);
	free(v);
}

/*
 * XS_INTRODUCE of A again: with a port A never allocated, binding fails
 * and the caller hears it (A stays introduced); with A's own port it
 * succeeds, the old binding given up first.
 */
static void test_reintroduce_a(unsigned int a)
{
	struct hv_start_info si;
	int ret;

	ret = hv_domain_start_info(hv, a, &si);
	if (ret < 0)
		check_fatal("hv_domain_start_info", -ret);
	check("XS_INTRODUCE again with a port A never made fails",
	      !xs_introduce_domain(xs, a, si.store_frame, si.store_port + 100),
	      NULL);
	check("A still introduced after it", xs_is_domain_introduced(xs, a),
	      NULL);
	check("XS_INTRODUCE again with A's port",
	      xs_introduce_domain(xs, a, si.store_frame, si.store_port), "%s",
	      strerror(errno));
}

/* Does a line of the file at path hold needle? */
static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) >= 0)
		found = strstr(line, needle) != NULL;
	free(line);
	fclose(f);
	return found;
}

/*
 * XS_INTRODUCE of a domain the hypervisor does not have: refused, and the
 * daemon's log gives both causes, the reserved grant's and the frame's.
 */
static void test_introduce_missing(const char *logdir)
{
	char log[512];

	snprintf(log, sizeof(log), "%s/xpv-xenstored.log", logdir);
	check("XS_INTRODUCE of a domain that does not exist fails",
	      !xs_introduce_domain(xs, 4000, 0x5, 7), NULL);
	check("its log line names the grant's error",
	      file_has(log, "domain 4000: store page: grant 1: "), NULL);
	check("and the frame's", file_has(log, "; frame 0x5: "), NULL);
}

static void test_release_a(unsigned int a)
{
	char id[16];

	snprintf(id, sizeof(id), "%u", a);
	drain_events();
	check("XS_RELEASE of A", xs_release_domain(xs, a), "%s",
	      strerror(errno));
	check("@releaseDomain fired on release", wait_event("rel"), NULL);
	check("A no longer introduced", !xs_is_domain_introduced(xs, a), NULL);
	check("A's nodes are gone", gone(a, "data"), NULL);
	check("dom0's nodes of A stay", node_is(a, "domid", id), NULL);
}

static void test_death_b(unsigned int b)
{
	int ret;

	check("B wrote through its ring", wait_node(b, "data/alive", "1"),
	      NULL);
	/* B's program exited: on sim its domain is now crashed. */
	check("@releaseDomain fired on B's death", wait_event("rel"), NULL);
	check("B still introduced while not destroyed",
	      xs_is_domain_introduced(xs, b), NULL);
	drain_events();
	ret = hv_domain_destroy(hv, b);
	if (ret < 0)
		check_fatal("hv_domain_destroy", -ret);
	check("@releaseDomain fired on B's destruction", wait_event("rel"),
	      NULL);
	check("daemon released B by itself", !xs_is_domain_introduced(xs, b),
	      NULL);
	check("B's nodes are gone", wait_node(b, "data", NULL), NULL);
}

int main(int argc, char **argv)
{
	char why[256], other[16], log[512];
	unsigned int a, b;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: %s GUEST-BINARY LOGDIR\n", argv[0]);
		return 2;
	}
	guest_bin = argv[1];
	ret = hv_open(&hv, why, sizeof(why));
	if (ret < 0)
		check_fatal(why, -ret);
	xs = xs_open(0);
	xw = xs_open(0);
	if (!xs || !xw)
		check_fatal("xs_open", errno);
	if (!xs_watch(xw, "@releaseDomain", "rel") ||
	    !xs_watch(xw, "@introduceDomain", "intro"))
		check_fatal("xs_watch of the special paths", errno);
	wait_event("rel"); /* the initial fires */
	wait_event("intro");

	snprintf(log, sizeof(log), "%s/guest-b.log", argv[2]);
	b = start_guest((char *[]){ "xenstore-test-guest", "exit", NULL }, log);
	check("@introduceDomain fired on introduction", wait_event("intro"),
	      NULL);
	snprintf(other, sizeof(other), "%u", b);
	snprintf(log, sizeof(log), "%s/guest-a.log", argv[2]);
	a = start_guest(
		(char *[]){ "xenstore-test-guest", "full", other, NULL }, log);
	/* B's secret: only B may read it. */
	xs_write(xs, XBT_NULL, dom_path(b, "data/secret"), "s", 1);
	xs_set_permissions(xs, XBT_NULL, dom_path(b, "data/secret"),
			   (struct xs_permissions[]){ { b, XS_PERM_NONE } }, 1);
	if (hv_domain_unpause(hv, a) < 0)
		check_fatal("unpausing A", EIO);

	test_guest_a(a, b);
	test_introduce_missing(argv[2]);
	test_reintroduce_a(a);
	test_release_a(a);
	check("A destroyed", hv_domain_destroy(hv, a) == 0, NULL);
	drain_events();
	if (hv_domain_unpause(hv, b) < 0)
		check_fatal("unpausing B", EIO);
	test_death_b(b);

	printf("%d failed\n", check_failures);
	xs_close(xw);
	xs_close(xs);
	hv_close(hv);
	return check_failures ? 1 : 0;
}
