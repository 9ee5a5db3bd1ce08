/*
 * harness.c - core set-up and tear-down for the fuzz targets (harness.h).
 *
 * Tear-down puts back every piece of global state an input can change
 * (limits set by CONTROL quota-set, per-domain accounting, special-path
 * permissions, SET_TARGET links), so each input runs as if alone.
 */
#include <stdbool.h>

#include "hv/hv.h"
#include "xenstored/conn.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/log.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/store.h"

/* The domids the targets speak as (fuzz-xs-wire, fuzz-xs-ring, the ring
 * transport test). */
static const unsigned int harness_domids[] = { 5, 7, 9 };

static struct quota defaults;

int fuzz_core_setup(void)
{
	static bool once;

	if (!once) {
		/* Inputs make the daemon log (CONTROL print, dropped
		 * messages): keep the fuzzer's own output readable. */
		log_open("/dev/null", NULL);
		defaults = quota;
		once = true;
	}
	return store_init();
}

void fuzz_core_teardown(void)
{
	unsigned int i;

	domain_exit();
	conn_destroy_all();
	store_exit();
	for (i = 0; i < HV_DOMID_FIRST_RESERVED; i++)
		quota_forget(i);
	for (i = 0; i < sizeof(harness_domids) / sizeof(harness_domids[0]); i++)
		perms_forget(harness_domids[i]);
	perms_exit();
	quota = defaults;
}
