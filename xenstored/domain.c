/*
 * domain.c - the domain-ring transport of xenstored (see domain.h).
 *
 * Stub until the ring transport lands: every domain operation is refused
 * with -ENOSYS so the daemon links and its socket clients work.
 */
#include <errno.h>

#include "xenstored/domain.h"

int domain_init(struct hv *hv)
{
	return 0;
}

int domain_introduce(struct conn *caller, unsigned int domid, uint64_t frame,
		     unsigned int port)
{
	return -ENOSYS;
}

int domain_release(struct conn *caller, unsigned int domid)
{
	return -ENOSYS;
}

int domain_resume(struct conn *caller, unsigned int domid)
{
	return -ENOSYS;
}

bool domain_is_introduced(unsigned int domid)
{
	return false;
}

void domain_exit(void)
{
}
