/*
 * control.c - control/shutdown, as Linux's drivers/xen/manage.c: the
 * guest says what it honours (control/feature-poweroff, -reboot; not
 * suspend, which sim cannot do), watches control/shutdown, acknowledges a
 * request by writing "" back in the transaction that read it, stops every
 * process and tells the hypervisor the reason (SCHEDOP_shutdown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/guest/guest.h"
#include "frontend/xenbus.h"

#define SHUTDOWN_NODE "control/shutdown"

int guest_control_start(struct guest *g)
{
	int ret = xenbus_write_str(g->xb, XENBUS_TX_NONE,
				   "control/feature-poweroff", "1");

	ret = ret   ?:
		      xenbus_write_str(g->xb, XENBUS_TX_NONE,
				       "control/feature-reboot", "1");
	return ret ?: xenbus_watch(g->xb, SHUTDOWN_NODE, GUEST_TOKEN_SHUTDOWN);
}

/* The request, read and cleared in one transaction; NULL when none. */
static char *take_request(struct guest *g)
{
	xenbus_tx_t tx;
	char *v = NULL;
	int ret;

	do {
		free(v);
		v = NULL;
		ret = xenbus_transaction_start(g->xb, &tx);
		if (ret)
			return NULL;
		ret = xenbus_read(g->xb, tx, SHUTDOWN_NODE, &v, NULL);
		if (ret || !*v) {
			xenbus_transaction_end(g->xb, tx, false);
			free(v);
			return NULL;
		}
		ret = xenbus_write_str(g->xb, tx, SHUTDOWN_NODE, "");
		if (ret) {
			xenbus_transaction_end(g->xb, tx, false);
			free(v);
			return NULL;
		}
		ret = xenbus_transaction_end(g->xb, tx, true);
	} while (ret == -EAGAIN);
	if (ret) {
		free(v);
		return NULL;
	}
	return v;
}

void guest_control_event(struct guest *g)
{
	char *req = take_request(g);

	if (!req)
		return;
	if (!strcmp(req, "poweroff") || !strcmp(req, "halt")) {
		free(req);
		guest_shutdown(g, HV_SHUTDOWN_POWEROFF);
	}
	if (!strcmp(req, "reboot")) {
		free(req);
		guest_shutdown(g, HV_SHUTDOWN_REBOOT);
	}
	guest_log(g,
		  "ignoring shutdown request `%.32s' (poweroff, halt and "
		  "reboot are honoured)",
		  req);
	free(req);
}

void guest_shutdown(struct guest *g, enum hv_shutdown_reason reason)
{
	guest_log(g, "%s",
		  reason == HV_SHUTDOWN_REBOOT ? "rebooting" :
		  reason == HV_SHUTDOWN_CRASH  ? "crashed" :
						 "powering off");
	g->stopping = true;
	guest_kill_all(g);
	guest_devices_stop(g);
	guest_console_event(g); /* the last words out */
	if (hv_domain_shutdown(g->hv, HV_DOMID_SELF, reason) < 0)
		exit(1); /* init exiting is a crash: stopped all the same */
	/* The hypervisor stops us; should it not, there is nothing left. */
	for (;;)
		pause();
}
