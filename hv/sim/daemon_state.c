/*
 * daemon_state.c - xpv-hv's global state, its log, and the table of
 * domain generations it publishes to dom0 processes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

struct hvd hvd;

void hvd_log(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (hvd.quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "xpv-hv: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	errno = saved;
}

int hvd_open_domtab(void)
{
	size_t len = SIM_MAX_DOMS * sizeof(struct sim_domslot);
	int fd = memfd_create("xpv-domains", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0)
		goto fail;
	hvd.domtab = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (hvd.domtab == MAP_FAILED)
		goto fail;
	hvd.domtab_fd = fd;
	return 0;
fail:
	close(fd);
	return -ENOMEM;
}
