/*
 * console-hostile-guest.c - a guest kernel that abuses its console ring,
 * for test-console-hostile.sh (run by `xpv create` with kernel = this):
 *
 *   console-hostile-guest -- break   publishes an impossible out_prod
 *   console-hostile-guest -- flood   writes its ring full, as fast as the
 *                                    console daemon drains it, for ever
 *
 * It reaches dom0 as any guest: its start info's console frame and port.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ring/byte_ring.h"

static int open_console(struct hv *hv, struct xpv_xencons_interface **page,
			struct hv_evtchn **ev, int *port)
{
	struct hv_start_info si;
	int ret = hv_domain_start_info(hv, HV_DOMID_SELF, &si);

	if (ret)
		return ret;
	*page = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.console_frame, true);
	*ev = hv_evtchn_open(hv);
	if (!*page || !*ev)
		return -errno;
	*port = hv_evtchn_bind_existing(*ev, si.console_port);
	return *port < 0 ? *port : 0;
}

static void flood(struct xpv_xencons_interface *page, struct hv_evtchn *ev,
		  int port)
{
	struct xpv_byte_ring out;
	struct pollfd p = { .fd = hv_evtchn_fd(ev), .events = POLLIN };
	char line[] = "flood flood flood flood flood flood flood flood\r\n";
	int n;

	xpv_byte_ring_console_out(&out, page);
	for (;;) {
		while ((n = xpv_byte_ring_write(&out, line, sizeof(line) - 1)) >
		       0)
			;
		if (hv_evtchn_notify(ev, port) < 0)
			exit(1); /* dom0's side is gone */
		poll(&p, 1, 100);
		while ((n = hv_evtchn_pending(ev)) >= 0)
			if (hv_evtchn_unmask(ev, n) < 0)
				exit(1);
	}
}

int main(int argc, char **argv)
{
	struct xpv_xencons_interface *page;
	struct hv_evtchn *ev;
	struct hv *hv;
	char why[256];
	int port = -1;

	if (argc != 3 || hv_open(&hv, why, sizeof(why)) ||
	    open_console(hv, &page, &ev, &port))
		return 1;
	if (!strcmp(argv[2], "flood"))
		flood(page, ev, port);
	/* break: more unread bytes than the ring holds */
	__atomic_store_n(&page->out_prod, page->out_cons + 100000,
			 __ATOMIC_RELEASE);
	if (hv_evtchn_notify(ev, port) < 0)
		return 1;
	for (;;)
		pause();
}
