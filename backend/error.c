/*
 * backend/error.c - telling the operator and the toolstack what went wrong
 * with a device, as Linux's xenbus_dev_error / xenbus_dev_fatal do: one log
 * line, and "<errno> <message>" in the device's `error` node.
 *
 * A frontend decides how often its device fails (it can write a bad
 * ring-ref, close and retry in a loop), so every line about a device is
 * rate-limited per device: LOG_BURST lines per LOG_WINDOW_MS, then one
 * line saying how many were dropped. Logging never changes errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/core.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* May dev log one more line now? Reports what the last window dropped. */
static bool log_allowed(struct xpv_backend_dev *dev)
{
	struct log_budget *b = &dev->log;
	long long now = now_ms();

	if (b->used == 0 || now - b->window_start_ms >= LOG_WINDOW_MS) {
		if (b->dropped)
			fprintf(stderr, "%s: %s: %lu messages dropped\n",
				dev->be->name, dev->path, b->dropped);
		b->window_start_ms = now;
		b->used = 0;
		b->dropped = 0;
	}
	if (b->used >= LOG_BURST) {
		b->dropped++;
		return false;
	}
	b->used++;
	return true;
}

static void vlog_dev(struct xpv_backend_dev *dev, const char *fmt, va_list ap)
{
	int saved = errno;

	if (log_allowed(dev)) {
		fprintf(stderr, "%s: %s: ", dev->be->name, dev->path);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	errno = saved;
}

void log_dev(struct xpv_backend_dev *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_dev(dev, fmt, ap);
	va_end(ap);
}

void xpv_backend_log(struct xpv_backend_dev *dev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_dev(dev, fmt, ap);
	va_end(ap);
}

void log_core(struct xpv_backend *be, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", be->name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	errno = saved;
}

/* Log and publish "<errno> <message>"; the store write is best effort (the
 * device may be gone, which is no further error). */
static void report(struct xpv_backend_dev *dev, int err, const char *fmt,
		   va_list ap)
{
	char msg[XPV_BACKEND_VALUE_MAX - 16];
	int saved = errno, ret;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	dev->reported = true;
	log_dev(dev, "%s: %s", msg, strerror(err < 0 ? -err : err));
	ret = xpv_backend_printf(dev, "error", "%d %s", err < 0 ? -err : err,
				 msg);
	if (ret && ret != -ENOENT)
		log_dev(dev, "cannot write its error node: %s", strerror(-ret));
	errno = saved;
}

void xpv_backend_error(struct xpv_backend_dev *dev, int err, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
}

void error_close(struct xpv_backend_dev *dev)
{
	if (dev->state != XPV_XENBUS_STATE_CLOSING &&
	    dev->state != XPV_XENBUS_STATE_CLOSED &&
	    state_switch(dev, XPV_XENBUS_STATE_CLOSING))
		log_dev(dev, "cannot switch to Closing");
}

void xpv_backend_fatal(struct xpv_backend_dev *dev, int err, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
	error_close(dev);
}
