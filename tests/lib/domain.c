/*
 * domain.c - starting a guest for the sim test drivers (contract in
 * domain.h).
 */
#include "tests/lib/domain.h"

#include <errno.h>
#include <stdio.h>

#include "tests/lib/check.h"

hv_domid_t test_domain_exec(struct hv *hv, const char *bin, char *const argv[],
			    const int fds[3])
{
	struct hv_domain_config cfg = { .memory_kb = 16 * 1024, .vcpus = 1 };
	hv_domid_t domid;
	int ret;

	ret = hv_domain_create(hv, &cfg, &domid);
	if (ret < 0)
		check_fatal("hv_domain_create", -ret);
	ret = hv_domain_exec(
		hv, domid,
		&(struct hv_exec){ .path = bin, .argv = argv, .stdio = fds });
	if (ret < 0)
		check_fatal("hv_domain_exec", -ret);
	return domid;
}

void test_domain_home(struct xs_handle *xs, unsigned int domid)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE },
					{ domid, XS_PERM_READ } };
	struct xs_permissions rw[1] = { { domid, XS_PERM_NONE } };
	char home[64], data[80];

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(data, sizeof(data), "%s/data", home);
	if (!xs_mkdir(xs, XBT_NULL, home) ||
	    !xs_set_permissions(xs, XBT_NULL, home, ro, 2) ||
	    !xs_mkdir(xs, XBT_NULL, data) ||
	    !xs_set_permissions(xs, XBT_NULL, data, rw, 1))
		check_fatal("making the domain's home", errno);
}

void test_domain_introduce(struct hv *hv, struct xs_handle *xs,
			   unsigned int domid)
{
	struct hv_start_info si;
	int ret;

	ret = hv_domain_start_info(hv, domid, &si);
	if (ret < 0)
		check_fatal("hv_domain_start_info", -ret);
	if (!xs_introduce_domain(xs, domid, si.store_frame, si.store_port))
		check_fatal("xs_introduce_domain", errno);
}
