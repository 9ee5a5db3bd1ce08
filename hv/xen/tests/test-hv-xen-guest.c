/*
 * test-hv-xen-guest - the xen platform against a real PV guest, from dom0:
 * domain info, list, pause/unpause, max memory, the guest's xenstore page
 * reached both by its reserved grant (GNTTAB_RESERVED_XENSTORE, seeded by
 * the domain builder for dom0) and by foreign map of its frame, an unbound
 * port for it, shutdown with a reason, destroy.
 *
 * The guest must exist already and nobody else may act on its shutdown
 * (`xl create -e`): XPV_TEST_DOMID names it, XPV_TEST_STORE_FRAME is its
 * store frame (xenstore /local/domain/N/store/ring-ref). Without them the
 * test skips (77). See docs/hv-xen.md for the command that runs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/lib/check.h"

#define RESERVED_XENSTORE_GREF 1 /* xen/grant_table.h */
#define SPARE_OFFSET 4000 /* past xs_wire.h's ring fields, unused */

static void test_info(struct hv *hv, hv_domid_t d)
{
	struct hv_dominfo info, list[16];
	int n, i, found = 0, rc;

	EXPECT(hv_domain_info(hv, d, &info) == 0, "info");
	printf("guest %u: flags %#x mem %llu kB max %llu kB vcpus %u\n", d,
	       info.flags, (unsigned long long)info.memory_kb,
	       (unsigned long long)info.max_memory_kb, info.vcpus);
	EXPECT(info.domid == d && info.vcpus == 1, "guest info");
	EXPECT(info.memory_kb >= 16 * 1024 &&
		       info.max_memory_kb >= info.memory_kb,
	       "guest memory %llu kB, max %llu kB",
	       (unsigned long long)info.memory_kb,
	       (unsigned long long)info.max_memory_kb);
	n = hv_domain_list(hv, list, 16);
	for (i = 0; i < n; i++)
		found += list[i].domid == d;
	EXPECT(n >= 2 && found == 1, "list: %d domains, guest found %d", n,
	       found);

	EXPECT(hv_domain_pause(hv, d) == 0, "pause");
	EXPECT(hv_domain_info(hv, d, &info) == 0 &&
		       (info.flags & HV_DOMINF_PAUSED),
	       "paused flag: %#x", info.flags);
	EXPECT(hv_domain_unpause(hv, d) == 0, "unpause");
	EXPECT(hv_domain_info(hv, d, &info) == 0 &&
		       !(info.flags & HV_DOMINF_PAUSED),
	       "unpaused flag: %#x", info.flags);
	rc = hv_domain_set_vcpus(hv, d, 1);
	EXPECT(rc == -EOPNOTSUPP, "set_vcpus of a guest: %d", rc);
	rc = hv_domain_set_max_memory(hv, d, 256 * 1024);
	EXPECT(rc == 0, "set max memory: %d", rc);
	EXPECT(hv_domain_info(hv, d, &info) == 0 &&
		       info.max_memory_kb == 256 * 1024,
	       "max memory now %llu kB",
	       (unsigned long long)info.max_memory_kb);
}

static void test_store_page(struct hv *hv, hv_domid_t d, hv_frame_t frame)
{
	hv_gref_t ref = RESERVED_XENSTORE_GREF, unused = 500;
	volatile uint8_t *g, *f;

	errno = 0;
	g = hv_grant_map(hv, d, 1, &unused, false);
	EXPECT(!g && errno == ENOENT, "map of a never granted ref: %s",
	       g ? "mapped" : strerror(errno));
	g = hv_grant_map(hv, d, 1, &ref, true);
	EXPECT(g != NULL, "map guest's xenstore grant: %s", strerror(errno));
	f = hv_foreign_map(hv, d, 1, &frame, true);
	EXPECT(f != NULL, "foreign map of store frame %#llx: %s",
	       (unsigned long long)frame, strerror(errno));
	if (g && f) {
		f[SPARE_OFFSET] = 0x5a;
		EXPECT(g[SPARE_OFFSET] == 0x5a,
		       "grant and foreign map are not the same page");
		g[SPARE_OFFSET] = 0;
		EXPECT(f[SPARE_OFFSET] == 0, "write back not seen");
	}
	if (g)
		EXPECT(hv_grant_unmap(hv, (void *)g, 1) == 0, "grant unmap");
	if (f)
		EXPECT(hv_foreign_unmap(hv, (void *)f, 1) == 0,
		       "foreign unmap");
}

static void test_port(struct hv *hv, hv_domid_t d)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int p;

	EXPECT(ev != NULL, "evtchn open");
	if (!ev)
		return;
	p = hv_evtchn_alloc_unbound(ev, d);
	EXPECT(p > 0, "unbound port for the guest: %d", p);
	if (p > 0) {
		EXPECT(hv_evtchn_status(ev, p) == HV_EVTCHN_UNBOUND,
		       "status of the port");
		EXPECT(hv_evtchn_unbind(ev, p) == 0, "unbind");
	}
	hv_evtchn_close(ev);
}

static void test_end(struct hv *hv, hv_domid_t d)
{
	struct hv_start_info si;
	struct hv_dominfo info;
	int i, rc;

	EXPECT(hv_domain_start_info(hv, d, &si) == -EOPNOTSUPP,
	       "start info of a PV guest");
	EXPECT(hv_domain_shutdown(hv, d, HV_SHUTDOWN_REBOOT) == 0, "shutdown");
	EXPECT(hv_domain_info(hv, d, &info) == 0 &&
		       (info.flags & HV_DOMINF_SHUTDOWN) &&
		       info.shutdown_reason == HV_SHUTDOWN_REBOOT,
	       "shutdown flags %#x reason %u", info.flags,
	       info.shutdown_reason);
	EXPECT(hv_domain_destroy(hv, d) == 0, "destroy");
	for (i = 0; i < 50; i++) {
		rc = hv_domain_info(hv, d, &info);
		if (rc == -ESRCH)
			break;
		usleep(100 * 1000);
	}
	EXPECT(rc == -ESRCH, "guest still there after destroy: %d flags %#x",
	       rc, info.flags);
}

int main(void)
{
	const char *ds = getenv("XPV_TEST_DOMID");
	const char *fs = getenv("XPV_TEST_STORE_FRAME");
	char why[256];
	struct hv *hv;
	hv_domid_t d;
	int rc;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!ds || !fs) {
		printf("skip: needs a PV guest made with `xl create -e`, named "
		       "by XPV_TEST_DOMID and XPV_TEST_STORE_FRAME\n");
		return 77;
	}
	d = (hv_domid_t)strtoul(ds, NULL, 10);
	if (d == 0 || d >= HV_DOMID_FIRST_RESERVED || !*fs) {
		printf("FAIL: XPV_TEST_DOMID='%s' XPV_TEST_STORE_FRAME='%s' "
		       "name no guest\n",
		       ds, fs);
		return 1;
	}
	rc = hv_open(&hv, why, sizeof(why));
	if (rc) {
		printf("FAIL: hv_open: %s\n", why);
		return 1;
	}
	test_info(hv, d);
	test_store_page(hv, d, strtoull(fs, NULL, 0));
	test_port(hv, d);
	test_end(hv, d);
	hv_close(hv);
	return check_done();
}
