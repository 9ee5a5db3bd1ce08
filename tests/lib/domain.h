/*
 * tests/lib/domain.h - what the sim test drivers do, as dom0's toolstack,
 * to start a guest: create the domain and exec its program, make its home
 * in the store, and introduce it to xenstored. Each step that fails ends
 * the driver through check_fatal() (check.h): no test can go on without
 * its guest.
 */
#ifndef XPV_TESTS_LIB_DOMAIN_H
#define XPV_TESTS_LIB_DOMAIN_H

#include <xenstore.h>

#include "hv/hv.h"

/* A 16 MiB, one-vcpu domain running BIN in the minimal root with an
 * empty environment (argv; stdin/stdout/stderr from fds, -1: /dev/null:
 * descriptions made for the guest, never dom0's own, see struct hv_exec);
 * it stays paused until hv_domain_unpause. */
hv_domid_t test_domain_exec(struct hv *hv, const char *bin, char *const argv[],
			    const int fds[3]);

/* The domain's home, as xl's libxl__domain_make makes it, in short:
 * /local/domain/<id> owned by dom0 and readable by the domain, and
 * /local/domain/<id>/data owned by the domain. */
void test_domain_home(struct xs_handle *xs, unsigned int domid);

/* XS_INTRODUCE the domain with its start-info store frame and port. */
void test_domain_introduce(struct hv *hv, struct xs_handle *xs,
			   unsigned int domid);

#endif
