/*
 * vbd.c - xpv-blkback's ops for the backend core: a vbd (or qdisk)
 * device's image and features at probe, its queues at connect, as Linux
 * xen-blkback's xenbus.c (blkif.h names every key; docs/block.md lists
 * them with who writes each and when).
 *
 * Threads: the ops run in the main thread (the core's). Each queue runs
 * in its own thread with its own hv handle and event channel handle; the
 * main thread only starts and stops it, and reads its counters.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/blkback/vbd.h"
#include "ring/blkif.h"

struct vbd_queue {
	struct vbd *v;
	struct hv_evtchn *ev; /* the queue thread's */
	int port; /* local, -1 when unbound */
	void *ring; /* mapped with the daemon's hv */
	unsigned int npages;
	struct blkback_queue *q;
	int broken; /* set by the queue thread */
	char why[128];
};

struct vbd {
	struct blkback *bb;
	struct xpv_backend_dev *dev;
	struct vbd_spec spec;
	struct img *img;
	struct img_info info;
	struct vbd_queue *queues;
	unsigned int nq;
	bool broken_reported;
	struct blkback_stats past; /* of the connections before this one */
	struct vbd *next; /* bb->devs */
};

static void sum_stats(const struct vbd *v, struct blkback_stats *sum);

/* --- the image ----------------------------------------------------------- */

static int open_image(struct vbd *v)
{
	struct img_open_args args = { .format = v->spec.format };
	char why[256];

	if (v->img)
		return 0;
	args.flags = (v->spec.readonly ? IMG_RDONLY : 0) |
		     (v->bb->direct ? IMG_DIRECT : 0);
	v->img = img_open(v->spec.path, &args, why, sizeof(why));
	if (!v->img) {
		int err = -errno;

		xpv_backend_error(v->dev, err, "opening %s: %s", v->spec.path,
				  why);
		return err;
	}
	img_get_info(v->img, &v->info);
	return 0;
}

/* --- probe and remove ----------------------------------------------------- */

static int publish_limits(struct vbd *v)
{
	char queues[16], order[16], segs[16];
	const struct xpv_backend_key keys[] = {
		{ "max-ring-page-order", order },
		{ "multi-queue-max-queues", queues },
		{ "feature-persistent", "1" },
		{ "feature-max-indirect-segments", segs },
	};

	snprintf(order, sizeof(order), "%u", BLKBACK_MAX_RING_PAGE_ORDER);
	snprintf(queues, sizeof(queues), "%u", v->bb->max_queues);
	snprintf(segs, sizeof(segs), "%u", BLKBACK_MAX_INDIRECT_SEGMENTS);
	return xpv_backend_write_keys(v->dev, keys, 4);
}

static int vbd_probe(struct xpv_backend_dev *dev)
{
	struct vbd *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	v->bb = xpv_backend_dev_opaque(dev);
	v->dev = dev;
	xpv_backend_dev_set_priv(dev, v);
	v->next = v->bb->devs;
	v->bb->devs = v;
	ret = blkback_read_spec(dev, &v->spec);
	if (ret) {
		xpv_backend_error(dev, ret, "reading params, mode and format");
		return ret;
	}
	/* a hotplug script may still be setting the device up: what fails
	 * now (reported in the error node) is tried again at connect */
	(void)open_image(v);
	return publish_limits(v);
}

static void unlink_vbd(struct vbd *v)
{
	struct vbd **link = &v->bb->devs;

	while (*link && *link != v)
		link = &(*link)->next;
	if (*link)
		*link = v->next;
}

int blkback_resume_log_path(const struct blkback *bb,
			    const struct xpv_backend_dev *dev, unsigned int qi,
			    char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/blkback-%s-%u-%u-q%u.log", bb->rundir,
			 xpv_backend_dev_class(dev), xpv_backend_dev_domid(dev),
			 xpv_backend_dev_devid(dev), qi);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The device is gone: so are its queues' logs. */
static void remove_logs(struct vbd *v)
{
	char path[512];
	unsigned int i;

	for (i = 0; i < BLKBACK_MAX_QUEUES; i++)
		if (!blkback_resume_log_path(v->bb, v->dev, i, path,
					     sizeof(path)))
			unlink(path);
}

static void vbd_remove(struct xpv_backend_dev *dev)
{
	struct vbd *v = xpv_backend_dev_priv(dev);

	if (!v)
		return;
	/* a daemon that stops leaves them for the next one */
	if (v->bb->rundir && !v->bb->stopping)
		remove_logs(v);
	unlink_vbd(v);
	img_close(v->img);
	free(v);
	xpv_backend_dev_set_priv(dev, NULL);
}

/* --- a queue's callbacks (its own thread) ------------------------------- */

static void queue_broken(void *opaque, const char *why);

static void queue_notify(void *opaque)
{
	struct vbd_queue *vq = opaque;

	/* A notify fails only if the port is gone: the queue is being torn
	 * down, or xpv-hv with it; the frontend's own timeouts take over. */
	if (vq->ev && vq->port >= 0 &&
	    hv_evtchn_notify(vq->ev, (hv_port_t)vq->port) < 0)
		queue_broken(vq, "notifying the frontend failed");
}

/* The queue's handle has one port: one look takes its event (a second
 * would only cost a system call to say there is none; an event that
 * comes later wakes the queue's poll again). */
static void queue_on_evtchn(void *opaque)
{
	struct vbd_queue *vq = opaque;
	int port = hv_evtchn_pending(vq->ev);

	if (port >= 0 && hv_evtchn_unmask(vq->ev, (hv_port_t)port) < 0)
		queue_broken(vq, "re-arming the event channel failed");
}

static void queue_broken(void *opaque, const char *why)
{
	struct vbd_queue *vq = opaque;
	uint64_t one = 1;

	snprintf(vq->why, sizeof(vq->why), "%s", why);
	__atomic_store_n(&vq->broken, 1, __ATOMIC_RELEASE);
	if (write(vq->v->bb->wake_fd, &one, sizeof(one)) < 0) {
		/* an eventfd at its maximum is readable already */
	}
}

/* --- connect and disconnect ---------------------------------------------- */

/* Unbind the queue's port (closing its handle does it). */
static void close_port(struct vbd_queue *vq)
{
	if (vq->ev)
		hv_evtchn_close(vq->ev);
	vq->ev = NULL;
	vq->port = -1;
}

static void unmap_ring(struct vbd_queue *vq)
{
	if (vq->ring && hv_grant_unmap(vq->v->bb->hv, vq->ring, vq->npages))
		xpv_backend_log(vq->v->dev, "unmapping a ring failed");
	vq->ring = NULL;
}

/* Undo start_queue, for a queue that started. */
static void stop_queue(struct vbd_queue *vq)
{
	blkback_queue_stop(vq->q);
	close_port(vq);
	blkback_queue_destroy(vq->q); /* closes the queue's hv */
	vq->q = NULL;
	unmap_ring(vq);
}

static void free_queues(struct vbd *v)
{
	free(v->queues);
	v->queues = NULL;
	v->nq = 0;
}

static void vbd_disconnect(struct xpv_backend_dev *dev)
{
	struct vbd *v = xpv_backend_dev_priv(dev);
	unsigned int i;

	if (!v || !v->queues)
		return;
	for (i = 0; i < v->nq; i++)
		if (v->queues[i].q)
			blkback_queue_stop(v->queues[i].q);
	sum_stats(v, &v->past); /* the counters outlive the connection */
	v->past.inflight = v->past.pgrants = 0;
	for (i = 0; i < v->nq; i++)
		stop_queue(&v->queues[i]);
	free_queues(v);
	v->broken_reported = false;
}

static unsigned int order_of(unsigned int pages)
{
	return (unsigned int)__builtin_ctz(pages);
}

/* Map the ring, bind the port: what the queue runs on. On failure
 * nothing of it stays. */
static int attach_ring(struct vbd_queue *vq, const char *dir, struct hv *qhv)
{
	struct vbd *v = vq->v;
	unsigned int domid = xpv_backend_dev_domid(v->dev);
	hv_gref_t refs[1u << BLKBACK_MAX_RING_PAGE_ORDER];
	hv_port_t remote;
	int n, ret;

	n = xpv_backend_read_ring_refs(v->dev, dir, "ring-ref",
				       BLKBACK_MAX_RING_PAGE_ORDER, refs);
	if (n < 0) {
		xpv_backend_fatal(v->dev, n, "reading %s/ring-ref",
				  dir ? dir : ".");
		return n;
	}
	ret = xpv_backend_read_port(v->dev, dir, "event-channel", &remote);
	if (ret) {
		xpv_backend_fatal(v->dev, ret, "reading %s/event-channel",
				  dir ? dir : ".");
		return ret;
	}
	vq->ring = hv_grant_map(v->bb->hv, (hv_domid_t)domid, (unsigned int)n,
				refs, true);
	if (!vq->ring) {
		xpv_backend_fatal(v->dev, -errno, "mapping the ring");
		return -EIO;
	}
	vq->npages = (unsigned int)n;
	vq->ev = hv_evtchn_open(qhv);
	if (!vq->ev) {
		ret = -errno;
		goto unmap;
	}
	ret = hv_evtchn_bind_interdomain(vq->ev, (hv_domid_t)domid, remote);
	if (ret < 0) {
		xpv_backend_fatal(v->dev, ret, "binding event channel %u",
				  remote);
		goto close;
	}
	vq->port = ret;
	return 0;
close:
	close_port(vq);
unmap:
	unmap_ring(vq);
	return ret;
}

/* A queue's part of its device's requests in flight. */
static unsigned int queue_share(unsigned int nq)
{
	unsigned int share = BLKBACK_VBD_MAX_INFLIGHT / nq;

	return share < BLKBACK_QUEUE_MIN_INFLIGHT ? BLKBACK_QUEUE_MIN_INFLIGHT :
						    share;
}

/* A resume the queue's log refused: which queue, which log, which check
 * (the core then says the connection was not resumed, and the device
 * goes to InitWait). */
static void log_refused(struct vbd_queue *vq, unsigned int qi, const char *log,
			const char *why, int err)
{
	xpv_backend_log(vq->v->dev,
			"queue %u: not resuming from %s: %s (%s); waiting "
			"for the frontend to reconnect",
			qi, log ? log : "(no log)", why, strerror(-err));
}

/* The queue's ring, port, requests and thread (queue qi; resume: on the
 * ring a killed daemon served, from its log). On failure nothing of it
 * stays: start_queues unwinds only the queues that started. */
static int start_queue(struct vbd_queue *vq, unsigned int qi, const char *dir,
		       bool persistent, bool resume)
{
	struct blkback_queue_config c = { 0 };
	const char *refused = NULL;
	struct hv *qhv;
	char why[256], log[512];
	int ret = hv_open(&qhv, why, sizeof(why));

	if (ret)
		return ret;
	if (vq->v->bb->rundir && !blkback_resume_log_path(vq->v->bb, vq->v->dev,
							  qi, log, sizeof(log)))
		c.resume_log = log;
	c.resume = resume;
	c.resume_refused = &refused;
	c.grants = blkback_grants_hv(
		qhv, true, (hv_domid_t)xpv_backend_dev_domid(vq->v->dev));
	if (!c.grants) {
		hv_close(qhv);
		return -ENOMEM;
	}
	ret = attach_ring(vq, dir, qhv);
	if (ret)
		goto grants;
	c.img = vq->v->img;
	c.sring = vq->ring;
	c.ring_order = order_of(vq->npages);
	c.persistent = persistent;
	c.max_indirect_segs = BLKBACK_MAX_INDIRECT_SEGMENTS;
	c.max_inflight = queue_share(vq->v->nq);
	c.poll_us = vq->v->bb->poll_us;
	c.notify = queue_notify;
	c.evtchn_fd = hv_evtchn_fd(vq->ev);
	c.on_evtchn = queue_on_evtchn;
	c.broken = queue_broken;
	c.opaque = vq;
	vq->q = blkback_queue_create(&c);
	if (!vq->q) {
		ret = -errno;
		if (refused)
			log_refused(vq, qi, c.resume_log, refused, ret);
		goto detach;
	}
	ret = blkback_queue_start(vq->q);
	if (ret)
		goto destroy;
	return 0;
destroy:
	close_port(vq);
	blkback_queue_destroy(vq->q); /* and the grants, with qhv */
	vq->q = NULL;
	unmap_ring(vq);
	return ret;
detach:
	close_port(vq);
	unmap_ring(vq);
grants:
	blkback_grants_destroy(c.grants); /* closes qhv */
	return ret;
}

static int publish_disk(struct vbd *v)
{
	char sectors[32], ss[16], pss[16], info[16], gran[16];
	bool rw = !v->info.read_only;
	bool discard = rw && v->info.discard_granularity > 0;
	const struct xpv_backend_key keys[] = {
		{ "sectors", sectors },
		{ "sector-size", ss },
		{ "physical-sector-size", pss },
		{ "info", info },
		{ "feature-flush-cache", rw ? "1" : "0" },
		{ "feature-barrier", rw ? "1" : "0" },
		{ "feature-discard", discard ? "1" : "0" },
		{ "discard-granularity", gran },
		{ "discard-alignment", "0" },
		{ "discard-secure", "0" },
	};

	snprintf(sectors, sizeof(sectors), "%llu",
		 (unsigned long long)(v->info.size >> 9));
	snprintf(ss, sizeof(ss), "%u", v->info.logical_block);
	snprintf(pss, sizeof(pss), "%u", v->info.physical_block);
	snprintf(info, sizeof(info), "%u",
		 (v->info.read_only ? XPV_VDISK_READONLY : 0) |
			 (v->spec.cdrom ? XPV_VDISK_CDROM : 0));
	snprintf(gran, sizeof(gran), "%u",
		 discard ? v->info.discard_granularity : 0);
	return xpv_backend_write_keys(v->dev, keys,
				      sizeof(keys) / sizeof(keys[0]));
}

/* The frontend's protocol: ours (x86_64) or absent. */
static int check_protocol(struct vbd *v)
{
	char proto[32];
	int ret = xpv_backend_read_str(v->dev, XPV_FRONTEND, "protocol", proto,
				       sizeof(proto));

	if (ret == -ENOENT)
		return 0;
	if (!ret && strcmp(proto, "x86_64-abi"))
		ret = -EOPNOTSUPP;
	if (ret)
		xpv_backend_fatal(v->dev, ret, "protocol '%s' not supported",
				  ret == -EOPNOTSUPP ? proto : "?");
	return ret;
}

/*
 * Start the n queues the frontend asked for, in order. A queue that
 * fails leaves nothing behind (start_queue), and the ones before it are
 * stopped here: on failure the device has no queue at all, so
 * vbd_disconnect only ever sees a fully started set.
 */
static int start_queues(struct vbd *v, bool persistent, bool resume)
{
	char dir[32];
	unsigned int i, n;
	int ret = xpv_backend_read_num_queues(v->dev, v->bb->max_queues);

	if (ret < 0) {
		xpv_backend_fatal(v->dev, ret,
				  "reading multi-queue-num-queues");
		return ret;
	}
	n = (unsigned int)ret;
	v->queues = calloc(n, sizeof(*v->queues));
	if (!v->queues)
		return -ENOMEM;
	v->nq = n;
	for (i = 0; i < n; i++) {
		v->queues[i].v = v;
		v->queues[i].port = -1;
		ret = n > 1 ? xpv_backend_queue_dir(i, dir, sizeof(dir)) : 0;
		if (!ret)
			ret = start_queue(&v->queues[i], (unsigned int)i,
					  n > 1 ? dir : NULL, persistent,
					  resume);
		if (ret)
			goto unwind;
	}
	return 0;
unwind:
	while (i-- > 0)
		stop_queue(&v->queues[i]);
	free_queues(v);
	return ret;
}

/* The frontend's rings, as it published them: on connect a fresh one,
 * on resume the one a killed daemon served. */
static int attach_frontend(struct vbd *v, bool resume)
{
	unsigned long persistent = 0;
	int ret = open_image(v);

	if (!ret)
		ret = check_protocol(v);
	if (ret)
		return ret;
	ret = xpv_backend_read_uint(v->dev, XPV_FRONTEND, "feature-persistent",
				    1, &persistent);
	if (ret && ret != -ENOENT) {
		xpv_backend_fatal(v->dev, ret, "reading feature-persistent");
		return ret;
	}
	return start_queues(v, persistent == 1, resume);
}

static int vbd_connect(struct xpv_backend_dev *dev)
{
	struct vbd *v = xpv_backend_dev_priv(dev);
	int ret;

	/* A frontend still Connected on a ring that could not be resumed
	 * (no log: the daemon that served it predates them, or its log does
	 * not fit the ring): what was taken and not answered is unknown, so
	 * stay in InitWait until the frontend connects again (ours does,
	 * replaying what it has in flight; Linux's xen-blkfront does not). */
	if (xpv_backend_dev_frontend_state(dev) == XPV_XENBUS_STATE_CONNECTED) {
		xpv_backend_log(dev, "the frontend is connected to a ring we "
				     "did not set up; waiting for it to "
				     "reconnect");
		return -EAGAIN;
	}
	ret = attach_frontend(v, false);
	if (!ret)
		ret = publish_disk(v);
	return ret;
}

/* A daemon before us was killed with the frontend Connected: serve the
 * same ring, from where its queues' logs say it stopped. */
static int vbd_resume(struct xpv_backend_dev *dev)
{
	struct vbd *v = xpv_backend_dev_priv(dev);
	unsigned int i;
	int ret = attach_frontend(v, true);

	for (i = 0; !ret && i < v->nq; i++)
		xpv_backend_log(dev,
				"queue %u: %u requests the killed daemon took "
				"and did not answer, served again",
				i, blkback_queue_replays(v->queues[i].q));
	return ret;
}

void blkback_check_broken(struct blkback *bb)
{
	struct vbd *v;
	unsigned int i;

	for (v = bb->devs; v; v = v->next)
		for (i = 0; i < v->nq && !v->broken_reported; i++)
			if (__atomic_load_n(&v->queues[i].broken,
					    __ATOMIC_ACQUIRE)) {
				v->broken_reported = true;
				xpv_backend_fatal(v->dev, -EIO, "queue %u: %s",
						  i, v->queues[i].why);
			}
}

/* --- statistics ------------------------------------------------------------ */

/* Counters since the device was probed: past connections and this one. */
static void sum_stats(const struct vbd *v, struct blkback_stats *sum)
{
	struct blkback_stats st;
	unsigned int i;
	size_t k;

	*sum = v->past;
	for (i = 0; i < v->nq; i++) {
		if (!v->queues[i].q)
			continue;
		blkback_queue_stats(v->queues[i].q, &st);
		for (k = 0; k < sizeof(st) / sizeof(uint64_t); k++)
			((uint64_t *)sum)[k] += ((uint64_t *)&st)[k];
	}
}

static void stats_line(FILE *f, const struct vbd *v)
{
	struct blkback_stats s;

	sum_stats(v, &s);
	fprintf(f,
		"%s %u %u state=%d queues=%u rd_req=%llu rd_sect=%llu "
		"wr_req=%llu wr_sect=%llu flush_req=%llu discard_req=%llu "
		"errors=%llu unsupported=%llu inflight=%llu pgrants=%llu "
		"stalls=%llu path=%s\n",
		xpv_backend_dev_class(v->dev), xpv_backend_dev_domid(v->dev),
		xpv_backend_dev_devid(v->dev), xpv_backend_dev_state(v->dev),
		v->nq, (unsigned long long)s.rd_req,
		(unsigned long long)s.rd_sect, (unsigned long long)s.wr_req,
		(unsigned long long)s.wr_sect, (unsigned long long)s.flush_req,
		(unsigned long long)s.discard_req, (unsigned long long)s.errors,
		(unsigned long long)s.unsupported,
		(unsigned long long)s.inflight, (unsigned long long)s.pgrants,
		(unsigned long long)s.stalls, v->spec.path);
}

int blkback_write_stats(struct blkback *bb)
{
	char tmp[512];
	struct vbd *v;
	FILE *f;

	if (!bb->stats_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", bb->stats_path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	for (v = bb->devs; v; v = v->next)
		stats_line(f, v);
	if (fclose(f))
		return -errno;
	return rename(tmp, bb->stats_path) ? -errno : 0;
}

const struct xpv_backend_ops blkback_vbd_ops = {
	.probe = vbd_probe,
	.connect = vbd_connect,
	.resume = vbd_resume,
	.disconnect = vbd_disconnect,
	.remove = vbd_remove,
	.hotplug = XPV_HOTPLUG_IF_PRESENT,
};
