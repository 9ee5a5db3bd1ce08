/*
 * test-hv-xen-domu - the xen platform across two domains: a process in a
 * PV guest shares a page and allocates an unbound port for dom0, dom0 maps
 * the page, binds the port, and the two exchange a message each way.
 *
 * One program, two roles, chosen by hv_privileged():
 *   guest: publishes its grant and port under its xenstore home
 *          (data/xpv-ref, data/xpv-port), waits for dom0's message, answers,
 *          and checks what an unprivileged domain is refused;
 *   dom0:  XPV_TEST_DOMID names the guest; reads what it published, maps,
 *          writes, notifies, and waits for the answer; and is refused, each
 *          with its reason, the guest's read-only grant for writing, its
 *          grant for another domain, a ref never granted and one beyond
 *          its table.
 * Skips (77) outside Xen, or in dom0 without XPV_TEST_DOMID.
 * hv/xen/tests/domu-run.sh builds the guest and runs both sides.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "tests/lib/check.h"

#define TO_DOM0 "hello dom0, from the guest"
#define TO_GUEST "hello guest, from dom0"
#define ANSWER "answered"
#define READ_ONLY "granted read-only"
#define OTHER_DOMAIN 7 /* a grant for someone else */
#define UNUSED_GREF 500 /* in the table's first frame, never granted */
#define WAIT_MS 60000

/* Wait for an event on the handle, then unmask it. Returns the port. */
static int wait_event(struct hv_evtchn *ev, int ms)
{
	struct pollfd p = { .fd = hv_evtchn_fd(ev), .events = POLLIN };
	int port;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	port = hv_evtchn_pending(ev);
	if (port > 0 && hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
		return -EIO;
	return port;
}

/* Wait until the page holds `want` at offset 0, draining events. */
static bool wait_text(struct hv_evtchn *ev, volatile char *page,
		      const char *want)
{
	int waited;

	for (waited = 0; waited < WAIT_MS; waited += 500) {
		if (memcmp((const char *)page, want, strlen(want) + 1) == 0)
			return true;
		wait_event(ev, 500);
	}
	return false;
}

static int xs_put(struct xs_handle *xs, const char *key, unsigned long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%lu", v);
	return xs_write(xs, XBT_NULL, key, val, strlen(val)) ? 0 : -EIO;
}

static void guest_refusals(struct hv *hv)
{
	struct hv_dominfo info;
	hv_frame_t f = 1;

	EXPECT(hv_domain_pause(hv, 1) == -EPERM, "pause from a domU");
	EXPECT(hv_foreign_map(hv, 0, 1, &f, false) == NULL && errno == EPERM,
	       "foreign map of dom0 from a domU");
	EXPECT(hv_domain_info(hv, 0, &info) < 0, "domain info from a domU");
}

/*
 * Linux refuses privcmd hypercalls in a domU unless xen-privcmd was loaded
 * with unrestricted=1 (docs/hv-xen.md). The parameter is not readable in
 * sysfs, so domu-run.sh says on the guest's command line how it loaded it.
 */
static bool privcmd_restricted(void)
{
	char line[1024] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	return !strstr(line, "xpv_privcmd=unrestricted=1");
}

static int guest(struct hv *hv)
{
	struct xs_handle *xs = xs_open(0);
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	volatile char *page;
	char *ro, *other;
	hv_gref_t ref, ro_ref, other_ref;
	int port, st;

	printf("guest: self %u, privileged %d\n", hv_self(hv),
	       hv_privileged(hv));
	EXPECT(hv_self(hv) != 0 && hv_self(hv) < HV_DOMID_FIRST_RESERVED,
	       "self %u", hv_self(hv));
	EXPECT(xs && ev, "xs_open / evtchn_open");
	if (!xs || !ev)
		return 1;
	page = hv_share_pages(hv, 0, 1, true, &ref);
	EXPECT(page != NULL, "share with dom0: %s", strerror(errno));
	port = hv_evtchn_alloc_unbound(ev, 0);
	EXPECT(port > 0, "unbound port for dom0: %d", port);
	if (!page || port <= 0)
		return 1;
	strcpy((char *)page, TO_DOM0);
	ro = hv_share_pages(hv, 0, 1, false, &ro_ref);
	other = hv_share_pages(hv, OTHER_DOMAIN, 1, true, &other_ref);
	EXPECT(ro && other, "extra shares: %s", strerror(errno));
	if (!ro || !other)
		return 1;
	strcpy(ro, READ_ONLY);
	EXPECT(xs_put(xs, "data/xpv-ro", ro_ref) == 0 &&
		       xs_put(xs, "data/xpv-other", other_ref) == 0,
	       "publish the extra grants");
	EXPECT(xs_put(xs, "data/xpv-ref", ref) == 0 &&
		       xs_put(xs, "data/xpv-port", (unsigned long)port) == 0,
	       "publish in xenstore");
	EXPECT(wait_text(ev, page, TO_GUEST), "no message from dom0");
	st = hv_evtchn_status(ev, (hv_port_t)port);
	if (privcmd_restricted())
		EXPECT(st == -EPERM, "status with privcmd restricted: %d", st);
	else
		EXPECT(st == HV_EVTCHN_INTERDOMAIN,
		       "port status %d, not interdomain", st);
	printf("guest: privcmd %s, port status %d\n",
	       privcmd_restricted() ? "restricted" : "unrestricted", st);
	strcpy((char *)page, ANSWER);
	EXPECT(hv_evtchn_notify(ev, (hv_port_t)port) == 0, "notify dom0");
	guest_refusals(hv);
	/* dom0 unmaps before the guest ends the grant */
	sleep(2);
	EXPECT(hv_unshare_pages(hv, (void *)page, 1) == 0, "unshare");
	EXPECT(hv_unshare_pages(hv, ro, 1) == 0 &&
		       hv_unshare_pages(hv, other, 1) == 0,
	       "unshare the extra grants");
	hv_evtchn_close(ev);
	xs_close(xs);
	return 0;
}

static long xs_get(struct xs_handle *xs, hv_domid_t d, const char *key)
{
	char path[64], *val;
	unsigned int len;
	long v = -1;

	snprintf(path, sizeof(path), "/local/domain/%u/data/%s", d, key);
	val = xs_read(xs, XBT_NULL, path, &len);
	if (val)
		v = strtol(val, NULL, 10);
	free(val);
	return v;
}

/* dom0 maps the guest's other grants: each refused with its reason. */
static void dom0_refusals(struct hv *hv, struct xs_handle *xs, hv_domid_t d)
{
	hv_gref_t ro = (hv_gref_t)xs_get(xs, d, "xpv-ro");
	hv_gref_t other = (hv_gref_t)xs_get(xs, d, "xpv-other");
	hv_gref_t unused = UNUSED_GREF, huge = 1u << 30;
	char *m;

	errno = 0;
	m = hv_grant_map(hv, d, 1, &ro, true);
	EXPECT(!m && errno == EPERM, "writable map of a read-only grant: %s",
	       m ? "mapped" : strerror(errno));
	m = hv_grant_map(hv, d, 1, &ro, false);
	EXPECT(m && strcmp(m, READ_ONLY) == 0, "read-only map: %s",
	       m ? m : strerror(errno));
	if (m)
		hv_grant_unmap(hv, m, 1);
	errno = 0;
	m = hv_grant_map(hv, d, 1, &other, false);
	EXPECT(!m && errno == EPERM, "map of a grant for domain %d: %s",
	       OTHER_DOMAIN, m ? "mapped" : strerror(errno));
	errno = 0;
	m = hv_grant_map(hv, d, 1, &unused, false);
	EXPECT(!m && errno == ENOENT, "map of a never granted ref: %s",
	       m ? "mapped" : strerror(errno));
	errno = 0;
	m = hv_grant_map(hv, d, 1, &huge, false);
	EXPECT(!m && errno == ERANGE, "map of a ref beyond the table: %s",
	       m ? "mapped" : strerror(errno));
}

static int dom0(struct hv *hv, hv_domid_t d)
{
	struct xs_handle *xs = xs_open(0);
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	long ref = -1, port = -1;
	volatile char *page;
	hv_gref_t gref;
	int waited, local;

	EXPECT(xs && ev, "xs_open / evtchn_open");
	if (!xs || !ev)
		return 1;
	for (waited = 0; waited < WAIT_MS && port < 0; waited += 250) {
		ref = xs_get(xs, d, "xpv-ref");
		port = ref < 0 ? -1 : xs_get(xs, d, "xpv-port");
		if (port < 0)
			usleep(250 * 1000);
	}
	EXPECT(ref >= 0 && port > 0, "the guest published nothing");
	if (ref < 0 || port <= 0)
		return 1;
	printf("dom0: guest %u shares gref %ld, port %ld\n", d, ref, port);
	gref = (hv_gref_t)ref;
	page = hv_grant_map(hv, d, 1, &gref, true);
	EXPECT(page != NULL, "map the guest's grant: %s", strerror(errno));
	local = hv_evtchn_bind_interdomain(ev, d, (hv_port_t)port);
	EXPECT(local > 0, "bind to the guest's port: %d", local);
	if (!page || local <= 0)
		return 1;
	EXPECT(strcmp((const char *)page, TO_DOM0) == 0, "page holds \"%.40s\"",
	       (const char *)page);
	dom0_refusals(hv, xs, d);
	strcpy((char *)page, TO_GUEST);
	EXPECT(hv_evtchn_notify(ev, (hv_port_t)local) == 0, "notify guest");
	EXPECT(wait_text(ev, page, ANSWER), "no answer from the guest");
	EXPECT(hv_grant_unmap(hv, (void *)page, 1) == 0, "unmap");
	hv_evtchn_close(ev);
	xs_close(xs);
	return 0;
}

int main(void)
{
	const char *ds = getenv("XPV_TEST_DOMID");
	char why[256];
	struct hv *hv;
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (access("/dev/xen/privcmd", F_OK) != 0) {
		printf("skip: not a Xen domain (no /dev/xen/privcmd)\n");
		return 77;
	}
	rc = hv_open(&hv, why, sizeof(why));
	if (rc) {
		printf("FAIL: hv_open: %s\n", why);
		return 1;
	}
	if (hv_privileged(hv) && !ds) {
		hv_close(hv);
		printf("skip: in dom0 this needs a guest running it "
		       "(XPV_TEST_DOMID; see hv/xen/tests/domu-run.sh)\n");
		return 77;
	}
	if (hv_privileged(hv))
		rc = dom0(hv, (hv_domid_t)strtoul(ds, NULL, 10));
	else
		rc = guest(hv);
	hv_close(hv);
	printf("%s:\n", ds ? "dom0" : "guest");
	return check_done() || rc ? 1 : 0;
}
