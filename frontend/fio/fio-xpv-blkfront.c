/*
 * fio-xpv-blkfront.c - an fio external ioengine on blkfront, so fio drives
 * a virtual disk from inside a domain:
 *
 *   fio --ioengine=external:build/lib/fio-xpv-blkfront.so \
 *       --filename=xvda --size=256m ...
 *
 * The disk is device/vbd/51712 unless XPV_BLKFRONT_DEV names another
 * frontend directory; XPV_BLKFRONT_OPTS takes blkfront's options, comma
 * separated: no-persistent, no-indirect, queues=N, order=N, pool=PAGES
 * (the data pages granted; 512 by default, enough for 2 MiB in
 * flight: give iodepth x bs / 4096 for large blocks), poll=US, copy. The
 * engine is
 * diskless to fio (the job's size= is the disk's usable size); reads,
 * writes, trims (discard) and syncs (flush) are asynchronous, completed
 * by blkfront's callbacks.
 *
 * No copy: the first time an io_u carries data, its buffer is moved into
 * blkfront's pool (blkfront_buffer_alloc, its contents copied once) and
 * io_u->buf points there from then on, so fio reads and writes the pool
 * pages themselves and blkfront copies nothing (fio sets xfer_buf from
 * buf before every I/O, and fills write buffers through buf). Without
 * room in the pool an io_u keeps its own buffer, copied per I/O as
 * before; `copy` keeps every buffer (to measure the difference). fio
 * frees its io_us, and the buffers it allocated (td->orig_buffer, not
 * io_u->buf), before the engine's cleanup closes blkfront and its pool.
 *
 * fio has no development package: the ABI below is fio 3.33's
 * (FIO_IOOPS_VERSION 31, Debian 12's fio), declared here as far as this
 * engine touches it: struct ioengine_ops whole, and struct io_u up to
 * the fields read or written. Another fio refuses the engine on the
 * version. State is per job thread (fio runs each job in a process or a
 * thread of its own).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/blkfront.h"
#include "frontend/xenbus.h"
#include "hv/hv.h"

/* fio calls every callback with its thread_data, which we do not need. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* --- fio 3.33's ABI -------------------------------------------------------- */

#define FIO_IOOPS_VERSION 31
#define FIO_DISKLESSIO (1 << 2)
#define FIO_NODISKUTIL (1 << 4)

enum fio_q_status { FIO_Q_COMPLETED = 0, FIO_Q_QUEUED = 1, FIO_Q_BUSY = 2 };
enum fio_ddir {
	DDIR_READ = 0,
	DDIR_WRITE = 1,
	DDIR_TRIM = 2,
	DDIR_SYNC = 3,
	DDIR_DATASYNC = 4,
};

struct thread_data;
struct fio_file;
struct flist_head {
	struct flist_head *next, *prev;
};

/* The leading fields of fio's struct io_u, in its order. */
struct io_u {
	struct timespec start_time;
	struct timespec issue_time;
	struct fio_file *file;
	unsigned int flags;
	enum fio_ddir ddir;
	enum fio_ddir acct_ddir;
	unsigned short numberio;
	unsigned short ioprio;
	unsigned short clat_prio_index;
	unsigned long long buflen;
	unsigned long long offset;
	unsigned long long verify_offset;
	void *buf;
	uint64_t rand_seed;
	void *xfer_buf;
	unsigned long long xfer_buflen;
	unsigned long long buf_filled_len;
	void *ipo;
	unsigned long long resid;
	unsigned int error;
};

struct ioengine_ops {
	struct flist_head list;
	const char *name;
	int version;
	int flags;
	void *dlhandle;
	int (*setup)(struct thread_data *);
	int (*init)(struct thread_data *);
	int (*post_init)(struct thread_data *);
	int (*prep)(struct thread_data *, struct io_u *);
	enum fio_q_status (*queue)(struct thread_data *, struct io_u *);
	int (*commit)(struct thread_data *);
	int (*getevents)(struct thread_data *, unsigned int, unsigned int,
			 const struct timespec *);
	struct io_u *(*event)(struct thread_data *, int);
	char *(*errdetails)(struct io_u *);
	int (*cancel)(struct thread_data *, struct io_u *);
	void (*cleanup)(struct thread_data *);
	int (*open_file)(struct thread_data *, struct fio_file *);
	int (*close_file)(struct thread_data *, struct fio_file *);
	int (*invalidate)(struct thread_data *, struct fio_file *);
	int (*unlink_file)(struct thread_data *, struct fio_file *);
	int (*get_file_size)(struct thread_data *, struct fio_file *);
	int (*prepopulate_file)(struct thread_data *, struct fio_file *);
	void (*terminate)(struct thread_data *);
	int (*iomem_alloc)(struct thread_data *, size_t);
	void (*iomem_free)(struct thread_data *);
	int (*io_u_init)(struct thread_data *, struct io_u *);
	void (*io_u_free)(struct thread_data *, struct io_u *);
	void *get_zoned_model, *report_zones, *reset_wp, *get_max_open_zones;
	int option_struct_size;
	void *options;
};

/* --- the engine -------------------------------------------------------------- */

#define MAX_DONE 4096
struct engine {
	struct hv *hv;
	struct xenbus *xb;
	struct blkfront *bf;
	struct io_u *done[MAX_DONE]; /* completed, not yet reaped */
	unsigned int ndone;
	struct io_u *events[MAX_DONE]; /* handed to fio by getevents */
	bool copy; /* never move buffers into the pool */
};

static __thread struct engine *eng;

static void parse_opts(struct blkfront_opts *o, bool *copy)
{
	const char *env = getenv("XPV_BLKFRONT_OPTS");
	char buf[256], *tok, *save;

	if (!env)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "no-persistent"))
			o->no_persistent = true;
		else if (!strcmp(tok, "no-indirect"))
			o->no_indirect = true;
		else if (!strncmp(tok, "queues=", 7))
			o->queues = (unsigned int)atoi(tok + 7);
		else if (!strncmp(tok, "order=", 6))
			o->ring_order = (unsigned int)atoi(tok + 6);
		else if (!strncmp(tok, "pool=", 5))
			o->pool_pages = (unsigned int)atoi(tok + 5);
		else if (!strncmp(tok, "poll=", 5)) /* us; 0: never */
			o->poll_us = (unsigned int)atoi(tok + 5);
		else if (!strcmp(tok, "copy"))
			*copy = true;
	}
}

static int xpv_init(struct thread_data *td)
{
	const char *dev = getenv("XPV_BLKFRONT_DEV");
	struct blkfront_opts o = { 0 };
	char why[256];

	eng = calloc(1, sizeof(*eng));
	if (!eng)
		return 1;
	parse_opts(&o, &eng->copy);
	if (hv_open(&eng->hv, why, sizeof(why))) {
		fprintf(stderr, "fio-xpv-blkfront: %s\n", why);
		return 1;
	}
	eng->xb = xenbus_open(eng->hv);
	if (eng->xb)
		eng->bf = blkfront_open(eng->hv, eng->xb,
					dev ? dev : "device/vbd/51712", &o);
	if (!eng->bf) {
		fprintf(stderr, "fio-xpv-blkfront: connecting the disk: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

static void xpv_cleanup(struct thread_data *td)
{
	if (!eng)
		return;
	blkfront_close(eng->bf);
	if (eng->xb)
		xenbus_close(eng->xb);
	if (eng->hv)
		hv_close(eng->hv);
	free(eng);
	eng = NULL;
}

static void completed(void *arg, int status)
{
	struct io_u *io_u = arg;

	io_u->error = status < 0 ? (unsigned int)-status : 0;
	io_u->resid = 0;
	eng->done[eng->ndone++] = io_u;
}

/*
 * io_u's buffer in the pool, if it is not yet and there is room: io_u->buf
 * holds at least buflen bytes (fio sized it for its largest block; a
 * larger block later finds the pool buffer too short and moves again).
 */
static void move_into_pool(struct io_u *io_u)
{
	struct blkfront *bf = eng->bf;
	size_t at = (size_t)((uint8_t *)io_u->xfer_buf - (uint8_t *)io_u->buf);
	size_t need = io_u->buflen, have = blkfront_buffer_len(bf, io_u->buf);
	void *p;

	if (eng->copy || have >= need || need == 0)
		return;
	p = blkfront_buffer_alloc(bf, need);
	if (!p)
		return; /* copied per I/O instead */
	memcpy(p, io_u->buf, have ? have : need);
	if (have)
		blkfront_buffer_free(bf,
				     io_u->buf); /* too short: moved again */
	io_u->buf = p;
	io_u->xfer_buf = (uint8_t *)p + at;
}

static enum fio_q_status xpv_queue(struct thread_data *td, struct io_u *io_u)
{
	struct blkfront *bf = eng->bf;
	int ret;

	if (eng->ndone >= MAX_DONE)
		return FIO_Q_BUSY;
	if (io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE)
		move_into_pool(io_u);
	switch (io_u->ddir) {
	case DDIR_READ:
		ret = blkfront_read(bf, io_u->offset, io_u->xfer_buf,
				    io_u->xfer_buflen, completed, io_u);
		break;
	case DDIR_WRITE:
		ret = blkfront_write(bf, io_u->offset, io_u->xfer_buf,
				     io_u->xfer_buflen, completed, io_u);
		break;
	case DDIR_TRIM:
		ret = blkfront_discard(bf, io_u->offset, io_u->xfer_buflen,
				       completed, io_u);
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		ret = blkfront_flush(bf, completed, io_u);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret == -EBUSY)
		return FIO_Q_BUSY;
	if (ret) {
		io_u->error = (unsigned int)-ret;
		return FIO_Q_COMPLETED;
	}
	return FIO_Q_QUEUED;
}

/*
 * fio commits after every queued I/O and then asks for one event at a
 * time (iodepth_batch_submit and iodepth_batch_complete_max are 1 unless
 * a job says otherwise). Publishing there would cost a notify, and a wake
 * of the backend's queue, per request. So what fio queued stays in the
 * ring's private part until xpv_getevents has no event left to hand back
 * or must wait: then one push and at most one notify carry all of it.
 * fio reaps every I/O through getevents (a rate or thinktime pause waits
 * for what is in flight first), so nothing it queued waits for ever.
 */
static int xpv_commit(struct thread_data *td)
{
	return 0;
}

static int ms_of(const struct timespec *t)
{
	return t ? (int)(t->tv_sec * 1000 + t->tv_nsec / 1000000) : -1;
}

static int xpv_getevents(struct thread_data *td, unsigned int min,
			 unsigned int max, const struct timespec *t)
{
	unsigned int n, i;
	int ret;

	if (eng->ndone < min || eng->ndone == 0) { /* see xpv_commit */
		ret = blkfront_kick(eng->bf);
		if (ret < 0)
			return ret;
	}
	while (eng->ndone < min) {
		ret = blkfront_poll(eng->bf, ms_of(t));
		if (ret < 0)
			return ret;
		if (ret == 0 && t)
			break;
	}
	if (!eng->ndone) /* what is ready, without waiting */
		blkfront_poll(eng->bf, 0);
	n = eng->ndone < max ? eng->ndone : max;
	memcpy(eng->events, eng->done, n * sizeof(eng->done[0]));
	for (i = n; i < eng->ndone; i++)
		eng->done[i - n] = eng->done[i];
	eng->ndone -= n;
	return (int)n;
}

static struct io_u *xpv_event(struct thread_data *td, int i)
{
	return eng->events[i];
}

static int xpv_open_file(struct thread_data *td, struct fio_file *f)
{
	return 0;
}

struct ioengine_ops ioengine = {
	.name = "xpv-blkfront",
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_DISKLESSIO | FIO_NODISKUTIL,
	.init = xpv_init,
	.queue = xpv_queue,
	.commit = xpv_commit,
	.getevents = xpv_getevents,
	.event = xpv_event,
	.cleanup = xpv_cleanup,
	.open_file = xpv_open_file,
	.close_file = xpv_open_file,
};
