/*
 * harness.c - core set-up and tear-down for the fuzz targets (harness.h).
 *
 * Tear-down puts back every piece of global state an input can change
 * (limits set by CONTROL quota-set, per-domain accounting, special-path
 * permissions, SET_TARGET links), so each input runs as if alone.
 */
#include <stdbool.h>

#include "xenstored/conn.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/log.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/store.h"
#include "xenstored/watch.h"

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
	domain_exit();
	conn_destroy_all();
	watch_exit();
	store_exit();
	perms_exit();
	quota_exit();
	quota = defaults;
}
