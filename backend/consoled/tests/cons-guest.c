/*
 * cons-guest.c - xpv-consoled-test-guest, the "kernel" of the hostile
 * domains of test-consoled-hostile.sh: it maps its own console page (the
 * frame and port of its start info, as a guest kernel has them) and
 *
 *   CONS_MODE=break  puts out_prod 100000 bytes ahead of out_cons (an
 *                    impossible pair: xpv-consoled stops this console),
 *                    rings once, says "CONS BROKEN" and sleeps;
 *   CONS_MODE=ring   says "CONS RINGING" and rings its console port
 *                    without pause, so that its event is ready whenever
 *                    xpv-consoled looks (then a removal of the console
 *                    and its event come in one epoll batch), until a
 *                    notification fails ("CONS RUNG OUT"), then sleeps.
 *
 * It says what it does on stdout (the toolstack's log of the domain, not
 * the console ring).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ring/console.h"

static int say(const char *what)
{
	printf("CONS %s\n", what);
	fflush(stdout);
	return 1;
}

static void break_ring(struct xpv_xencons_interface *c)
{
	uint32_t cons = __atomic_load_n(&c->out_cons, __ATOMIC_ACQUIRE);

	__atomic_store_n(&c->out_prod, cons + 100000u, __ATOMIC_RELEASE);
}

int main(void)
{
	const char *mode = getenv("CONS_MODE");
	struct xpv_xencons_interface *c;
	struct hv_start_info si;
	struct hv_evtchn *ev;
	char why[256];
	struct hv *hv;
	int port;

	if (!mode || (strcmp(mode, "break") && strcmp(mode, "ring")))
		return say("FAIL CONS_MODE must be break or ring");
	if (hv_open(&hv, why, sizeof(why)))
		return say("FAIL hv_open");
	if (hv_domain_start_info(hv, HV_DOMID_SELF, &si))
		return say("FAIL start info");
	c = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.console_frame, true);
	ev = hv_evtchn_open(hv);
	port = ev ? hv_evtchn_bind_existing(ev, si.console_port) : -1;
	if (!c || port < 0)
		return say("FAIL mapping the console");
	if (!strcmp(mode, "break")) {
		break_ring(c);
		if (hv_evtchn_notify(ev, (hv_port_t)port) < 0)
			return say("FAIL notifying the console");
		say("BROKEN");
		for (;;)
			pause();
	}
	say("RINGING");
	/* Until the console is gone (the port's peer with it). */
	while (hv_evtchn_notify(ev, (hv_port_t)port) == 0)
		;
	say("RUNG OUT");
	for (;;)
		pause();
}
