/*
 * vbd.h - xpv-blkback's devices: what main.c and vbd.c share. Each vbd
 * (or qdisk) device the backend core finds gets a struct vbd: its image,
 * opened at probe, and at connect one queue per ring the frontend
 * offered (blkback.h), each with its own thread, hv handle and event
 * channel.
 */
#ifndef XPV_BLKBACK_VBD_H
#define XPV_BLKBACK_VBD_H

#include <stdbool.h>
#include <stdio.h>

#include "backend/blkback/blkback.h"
#include "backend/xenbus.h"

/* The daemon: one per process. */
struct blkback {
	struct hv *hv; /* the main thread's: ring maps, the ports' binding */
	struct xpv_backend *core;
	int wake_fd; /* eventfd: a queue reported a broken ring */
	unsigned int max_queues; /* multi-queue-max-queues */
	bool direct; /* O_DIRECT on image files */
	unsigned int poll_us; /* each queue's polling bound (blkback.h) */
	const char *stats_path; /* NULL: none */
	const char *rundir; /* the queues' resume logs (resume.h) */
	bool stopping; /* the daemon is ending: devices stay in the store */
	struct vbd *devs; /* every probed device, for statistics */
};

extern const struct xpv_backend_ops blkback_vbd_ops;

/* Where queue qi of dev keeps its resume log. 0 or -ENAMETOOLONG. */
int blkback_resume_log_path(const struct blkback *bb,
			    const struct xpv_backend_dev *dev, unsigned int qi,
			    char *buf, size_t size);

/* Report queues that found their ring broken: each device closes. Called
 * by the main loop when wake_fd is readable. */
void blkback_check_broken(struct blkback *bb);

/* Write the statistics file (one line a device; docs/block.md). */
int blkback_write_stats(struct blkback *bb);

/*
 * What the toolstack's keys say about the image (xl's disk spec as libxl
 * writes it): the path (params, without a "format:" prefix, or
 * physical-device-path when hotplug wrote one), the format ("format", a
 * params prefix, else raw), read-only ("mode" r or ro, "access"), a
 * cdrom ("device-type"). 0 or -errno (-EINVAL: a value we cannot use).
 */
struct vbd_spec {
	char path[XPV_BACKEND_VALUE_MAX];
	enum img_format format;
	bool readonly;
	bool cdrom;
};
int blkback_read_spec(struct xpv_backend_dev *dev, struct vbd_spec *spec);
/* The same from the values themselves (NULL: absent); for the tests. */
int blkback_parse_spec(const char *params, const char *format, const char *mode,
		       const char *device_type, const char *physical_path,
		       struct vbd_spec *spec);

#endif /* XPV_BLKBACK_VBD_H */
