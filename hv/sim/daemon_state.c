/*
 * daemon_state.c - xpv-hv's global state, its log, and the table of
 * domain generations it publishes to dom0 processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

struct hvd hvd;

static void vlog(const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "xpv-hv: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = saved;
}

void hvd_log(const char *fmt, ...)
{
	va_list ap;

	if (hvd.quiet)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

/* Whether rl lets one more line out now; a new period first reports what
 * the last one suppressed. */
static bool rl_allow(struct hvd_ratelimit *rl)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - rl->start >= HVD_LOG_PERIOD) {
		if (rl->suppressed)
			hvd_log("%u log lines suppressed", rl->suppressed);
		rl->start = now.tv_sec;
		rl->printed = rl->suppressed = 0;
	}
	if (rl->printed >= HVD_LOG_BURST) {
		rl->suppressed++;
		return false;
	}
	rl->printed++;
	return true;
}

void hvd_log_limited(struct hvd_ratelimit *rl, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (hvd.quiet || !rl_allow(rl)) {
		errno = saved;
		return;
	}
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

int hvd_open_domtab(void)
{
	size_t len = SIM_MAX_DOMS * sizeof(struct sim_domslot);
	int fd = memfd_create("xpv-domains", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *p;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len) < 0)
		goto fail;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	/* Only our mapping writes it: the fds dom0 processes get are
	 * read-only, and the seal keeps them so even reopened. */
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE |
			  F_SEAL_SEAL) < 0) {
		munmap(p, len);
		goto fail;
	}
	hvd.domtab = p;
	hvd.domtab_fd = fd;
	return 0;
fail:
	close(fd);
	return -ENOMEM;
}
