/*
 * harness.c - core set-up and tear-down for the fuzz targets (harness.h).
 */
#include <stdbool.h>

#include "xenstored/conn.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/log.h"
#include "xenstored/store.h"

int fuzz_core_setup(void)
{
	static bool quiet;

	/* Inputs make the daemon log (CONTROL print, dropped messages):
	 * keep the fuzzer's own output readable. */
	if (!quiet && log_open("/dev/null", NULL) == 0)
		quiet = true;
	return store_init();
}

void fuzz_core_teardown(void)
{
	domain_exit();
	conn_destroy_all();
	store_exit();
}
