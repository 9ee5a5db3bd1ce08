/*
 * harness.c - core set-up and tear-down for the fuzz targets (harness.h).
 */
#include "xenstored/conn.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/store.h"

int fuzz_core_setup(void)
{
	return store_init();
}

void fuzz_core_teardown(void)
{
	domain_exit();
	conn_destroy_all();
	store_exit();
}
