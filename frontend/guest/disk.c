/*
 * disk.c - one vbd served as a file the guest's programs use (vbd.h):
 * blkfront underneath, a FUSE file system on top whose root is a regular
 * file mounted on /dev/xvdX. mkfs, fsck, fuse2fs, fio and dd open it as
 * they would a disk; each read, write and fsync they make becomes
 * blkfront requests, so the bytes go blkfront -> ring -> the backend ->
 * the image.
 *
 * One thread, one poll loop over the FUSE device, blkfront's fds and the
 * control socket. A FUSE request becomes an op: its blkfront requests
 * (pieces of at most the largest the connection takes) are queued at
 * once, many in flight, and the op is answered when its last piece is.
 * An op blkfront has no room for waits at the head of a FIFO, and no new
 * FUSE request is read until it went out: memory stays bounded by what
 * blkfront holds plus one op. Requests are batched: every FUSE request
 * that is waiting is read before the backend is notified once.
 *
 * The file is opened with direct I/O (FOPEN_DIRECT_IO): no copy of the
 * disk sits in the guest's page cache, so what a program reads is what
 * the backend has, a write is answered once the backend answered it, and
 * fsync is a flush (BLKIF_OP_FLUSH_DISKCACHE), as on a real disk. Reads
 * and writes need not be sector-aligned: an unaligned write reads its
 * first and last sector and writes whole sectors back. fallocate is
 * refused (EOPNOTSUPP): a punched hole in a regular file must read back
 * as zeros (mke2fs relies on it and skips zeroing), which Xen's discard
 * does not promise. A truncate keeps the size, as a block device does.
 */
#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "frontend/blkfront.h"
#include "frontend/guest/vbd.h"
#include "frontend/xenbus.h"
#include "hv/hv.h"

#define SECTOR 512u
/* FUSE requests read per round before the backend is notified. */
#define BATCH 64
/* Largest read or write the kernel sends us (libfuse's buffer allows
 * 1 MiB, its FUSE_MAX_MAX_PAGES). */
#define MAX_IO (1u << 20)
/* Grant pool of the connection: 4 MiB of the guest's memory. */
#define POOL_PAGES 1024u

enum op_kind { OP_READ, OP_WRITE, OP_FLUSH, OP_RMW };

struct op {
	struct op *next;
	struct disk *d;
	fuse_req_t req;
	enum op_kind kind;
	uint64_t off; /* sector-aligned */
	size_t len; /* sector-aligned; 0 for a flush */
	size_t skip, want; /* the caller's bytes within [off, off + len) */
	uint8_t *buf; /* ours: what is read, or written (NULL: wsrc) */
	bool lent; /* buf is lent by blkfront's pool: read without a copy */
	const uint8_t *wsrc; /* a write's bytes in libfuse's buffer */
	uint8_t *patch; /* an RMW's bytes to write, want of them */
	size_t sent; /* bytes handed to blkfront (a flush: 1 once sent) */
	unsigned int pieces; /* in flight */
	bool queued; /* in the FIFO: not all of it handed out yet */
	bool writing; /* an RMW in its second half */
	int err;
};

struct disk {
	const struct disk_args *a;
	struct hv *hv;
	struct xenbus *xb;
	struct blkfront *bf;
	struct blkfront_info info;
	struct fuse_session *se;
	struct fuse_buf fbuf;
	struct stat attr;
	struct op *head, **tail; /* not yet wholly handed to blkfront */
	unsigned int ops; /* ops not answered */
	bool mounted;
};

static void say(const struct disk *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(const struct disk *d, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "xpv-guest: %s: %s\n", d->a->path, line);
}

/* --- ops ------------------------------------------------------------------ */

/* o->buf for o->len bytes: lent by blkfront's pool if it has room (the
 * backend's reads land in it, nothing copied: blkfront.h), else ours. */
static int op_alloc_buf(struct op *o)
{
	o->buf = blkfront_buffer_alloc(o->d->bf, o->len);
	o->lent = o->buf != NULL;
	if (!o->buf)
		o->buf = malloc(o->len);
	return o->buf ? 0 : -ENOMEM;
}

static void op_free_buf(struct op *o)
{
	if (o->lent)
		blkfront_buffer_free(o->d->bf, o->buf);
	else
		free(o->buf);
	o->buf = NULL;
}

static void op_answer(struct op *o)
{
	if (o->err)
		fuse_reply_err(o->req, -o->err);
	else if (o->kind == OP_READ)
		fuse_reply_buf(o->req, (char *)o->buf + o->skip, o->want);
	else if (o->kind == OP_FLUSH)
		fuse_reply_err(o->req, 0);
	else
		fuse_reply_write(o->req, o->want);
	o->d->ops--;
	op_free_buf(o);
	free(o->patch);
	free(o);
}

static void piece_done(void *arg, int status);

/* Hand blkfront the op's next pieces; -EBUSY when it has no room. */
static int op_send(struct op *o)
{
	struct disk *d = o->d;
	bool write = o->kind == OP_WRITE || o->writing;
	int ret;

	if (o->kind == OP_FLUSH && !o->sent) {
		ret = blkfront_flush(d->bf, piece_done, o);
		if (ret == -EBUSY)
			return ret;
		o->sent = 1;
		o->pieces += !ret;
		o->err = ret;
	}
	while (o->sent < o->len && !o->err) {
		size_t n = o->len - o->sent;
		const uint8_t *src = o->buf ? o->buf : o->wsrc;

		if (n > d->info.max_io)
			n = d->info.max_io;
		ret = write ? blkfront_write(d->bf, o->off + o->sent,
					     src + o->sent, n, piece_done, o) :
			      blkfront_read(d->bf, o->off + o->sent,
					    o->buf + o->sent, n, piece_done, o);
		if (ret == -EBUSY)
			return ret;
		if (ret)
			o->err = ret;
		else {
			o->sent += n;
			o->pieces++;
		}
	}
	return 0;
}

/* All of it handed out (or failed): answered once nothing is in flight. */
static void op_sent(struct op *o)
{
	o->queued = false;
	o->wsrc = NULL;
	if (!o->pieces)
		op_answer(o);
}

/* Into the FIFO. A write keeps its own copy of its bytes: libfuse's
 * buffer is reused by the next request. */
static void op_queue(struct disk *d, struct op *o)
{
	if (o->wsrc && !o->buf) {
		if (op_alloc_buf(o)) {
			o->err = -ENOMEM;
			op_sent(o);
			return;
		}
		memcpy(o->buf, o->wsrc, o->len);
	}
	o->wsrc = NULL;
	o->queued = true;
	o->next = NULL;
	*d->tail = o;
	d->tail = &o->next;
}

/* Send what waits, in order, as far as blkfront has room. */
static void pump(struct disk *d)
{
	struct op *o;

	while ((o = d->head)) {
		if (op_send(o) == -EBUSY)
			return;
		d->head = o->next;
		if (!d->head)
			d->tail = &d->head;
		op_sent(o);
	}
}

/* A new op: straight to blkfront when nothing waits before it. */
static void op_start(struct disk *d, struct op *o)
{
	d->ops++;
	if (!d->head && op_send(o) != -EBUSY)
		op_sent(o);
	else
		op_queue(d, o);
}

/* The read half of a read-modify-write is in: patch the sectors, then
 * the write half goes through the FIFO (we are inside blkfront's
 * completion; the main loop pumps next). */
static void rmw_second_half(struct op *o)
{
	memcpy(o->buf + o->skip, o->patch, o->want);
	o->writing = true;
	o->sent = 0;
	op_queue(o->d, o);
}

static void piece_done(void *arg, int status)
{
	struct op *o = arg;

	o->pieces--;
	if (status && !o->err)
		o->err = status == -EOPNOTSUPP ? -EOPNOTSUPP : -EIO;
	if (o->pieces || o->queued)
		return;
	if (o->kind == OP_RMW && !o->writing && !o->err)
		rmw_second_half(o);
	else
		op_answer(o);
}

/* --- FUSE operations ------------------------------------------------------ */

static struct op *op_new(fuse_req_t req, enum op_kind kind)
{
	struct op *o = calloc(1, sizeof(*o));

	if (!o) {
		fuse_reply_err(req, ENOMEM);
		return NULL;
	}
	o->d = fuse_req_userdata(req);
	o->req = req;
	o->kind = kind;
	return o;
}

/* [off, off + size) clipped to the disk, widened to whole sectors. */
static bool op_range(struct op *o, uint64_t off, size_t size)
{
	uint64_t end, disk = (uint64_t)o->d->attr.st_size;

	if (off >= disk)
		size = 0;
	else if (size > disk - off)
		size = (size_t)(disk - off);
	end = (off + size + SECTOR - 1) & ~(uint64_t)(SECTOR - 1);
	o->off = off & ~(uint64_t)(SECTOR - 1);
	o->len = (size_t)(end - o->off);
	o->skip = (size_t)(off - o->off);
	o->want = size;
	return size > 0;
}

static void disk_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	struct op *o = op_new(req, OP_READ);

	(void)ino;
	(void)fi;
	if (!o)
		return;
	if (off < 0 || !op_range(o, (uint64_t)off, size)) {
		free(o);
		fuse_reply_buf(req, NULL, 0); /* at or past the end */
		return;
	}
	if (op_alloc_buf(o)) {
		free(o);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	op_start(o->d, o);
}

static void disk_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		       size_t size, off_t off, struct fuse_file_info *fi)
{
	struct op *o = op_new(req, OP_WRITE);

	(void)ino;
	(void)fi;
	if (!o)
		return;
	if (off < 0 || !op_range(o, (uint64_t)off, size) || o->want < size) {
		free(o);
		fuse_reply_err(req, ENOSPC); /* past the end of the disk */
		return;
	}
	if (o->skip || o->want != o->len) {
		o->kind = OP_RMW;
		o->patch = malloc(size);
		if (!o->patch || op_alloc_buf(o)) {
			op_free_buf(o);
			free(o->patch);
			free(o);
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(o->patch, buf, size);
	} else {
		o->wsrc = (const uint8_t *)buf;
	}
	op_start(o->d, o);
}

static void disk_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		       struct fuse_file_info *fi)
{
	struct op *o;

	(void)ino;
	(void)datasync;
	(void)fi;
	if (!((struct disk *)fuse_req_userdata(req))->info.flush) {
		fuse_reply_err(req, 0); /* writes are durable when answered */
		return;
	}
	o = op_new(req, OP_FLUSH);
	if (o)
		op_start(o->d, o);
}

static void disk_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct disk *d = fuse_req_userdata(req);

	(void)ino;
	(void)fi;
	fuse_reply_attr(req, &d->attr, 1.0);
}

/* Owner, mode and times are kept; the size is the disk's (a truncate of
 * a block device does nothing either). */
static void disk_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			 int to_set, struct fuse_file_info *fi)
{
	struct disk *d = fuse_req_userdata(req);

	(void)ino;
	(void)fi;
	if (to_set & FUSE_SET_ATTR_MODE)
		d->attr.st_mode = S_IFREG | (attr->st_mode & 07777);
	if (to_set & FUSE_SET_ATTR_UID)
		d->attr.st_uid = attr->st_uid;
	if (to_set & FUSE_SET_ATTR_GID)
		d->attr.st_gid = attr->st_gid;
	if (to_set & FUSE_SET_ATTR_MTIME)
		d->attr.st_mtim = attr->st_mtim;
	if (to_set & FUSE_SET_ATTR_ATIME)
		d->attr.st_atim = attr->st_atim;
	fuse_reply_attr(req, &d->attr, 1.0);
}

static void disk_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct disk *d = fuse_req_userdata(req);

	(void)ino;
	if (d->info.readonly && (fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EROFS);
		return;
	}
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fuse_reply_open(req, fi);
}

static void disk_release(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void disk_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off,
			   off_t len, struct fuse_file_info *fi)
{
	(void)ino;
	(void)mode;
	(void)off;
	(void)len;
	(void)fi;
	fuse_reply_err(req, EOPNOTSUPP);
}

static void disk_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	conn->max_write = MAX_IO;
	conn->max_background = 64;
	conn->congestion_threshold = 48;
	/* O_TRUNC comes with the open, which ignores it: a disk keeps its
	 * size. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (conn->capable & FUSE_CAP_ASYNC_DIO)
		conn->want |= FUSE_CAP_ASYNC_DIO;
}

static const struct fuse_lowlevel_ops disk_ops = {
	.init = disk_init,
	.getattr = disk_getattr,
	.setattr = disk_setattr,
	.open = disk_open,
	.read = disk_read,
	.write = disk_write,
	.fsync = disk_fsync,
	.release = disk_release,
	.fallocate = disk_fallocate,
};

/* --- the loop ------------------------------------------------------------ */

/* Read and process every FUSE request waiting (at most BATCH), while
 * nothing waits in the FIFO. */
static void take_requests(struct disk *d)
{
	int i, ret;

	for (i = 0; i < BATCH && !d->head; i++) {
		ret = fuse_session_receive_buf(d->se, &d->fbuf);
		if (ret == -EAGAIN || ret == -EINTR)
			return;
		if (ret <= 0 || fuse_session_exited(d->se)) {
			/* unmounted by the guest (ENODEV), or broken */
			if (!fuse_session_exited(d->se))
				fuse_session_exit(d->se);
			return;
		}
		fuse_session_process_buf(d->se, &d->fbuf);
	}
}

/* Until told to stop: 0; or -errno when blkfront lost its backend. */
static int serve(struct disk *d)
{
	enum { FUSE, EV, XB, CTL, N };
	struct pollfd p[N];
	int fds[2], ret;
	char c;

	for (;;) {
		blkfront_fds(d->bf, fds);
		p[FUSE] =
			(struct pollfd){ d->head || fuse_session_exited(d->se) ?
						 -1 :
						 fuse_session_fd(d->se),
					 POLLIN, 0 };
		p[EV] = (struct pollfd){ fds[0], POLLIN, 0 };
		p[XB] = (struct pollfd){ fds[1], POLLIN, 0 };
		p[CTL] = (struct pollfd){ d->a->ctl_fd, POLLIN, 0 };
		if (poll(p, N, -1) < 0 && errno != EINTR)
			return -errno;
		if (p[CTL].revents &&
		    (read(d->a->ctl_fd, &c, 1) != 1 || c == DISK_STOP))
			return 0;
		if (p[EV].revents || p[XB].revents) {
			ret = blkfront_poll(d->bf, 0);
			if (ret < 0)
				return ret;
			pump(d);
		}
		if (p[FUSE].revents)
			take_requests(d);
		blkfront_kick(d->bf);
	}
}

/* What is still in flight is answered (within blkfront's own time-out);
 * what never went out fails. */
static void drain(struct disk *d)
{
	long spins;

	for (spins = 0; d->ops && spins < 100; spins++) {
		pump(d);
		if (blkfront_poll(d->bf, 100) < 0)
			break;
	}
	while (d->head) {
		struct op *o = d->head;

		d->head = o->next;
		o->err = -EIO;
		o->queued = false;
		if (!o->pieces)
			op_answer(o);
	}
	d->tail = &d->head;
}

/* --- bringing it up ------------------------------------------------------ */

static int connect_disk(struct disk *d)
{
	struct blkfront_opts opts = { .pool_pages = POOL_PAGES,
				      .ring_order = 1 };
	char why[256];
	int ret = hv_open(&d->hv, why, sizeof(why));

	if (ret) {
		say(d, "%s", why);
		return ret;
	}
	d->xb = xenbus_open_fd(d->a->xenbus_fd);
	if (!d->xb)
		return -errno;
	/* The main loop serves the relay; should it stop (the guest going
	 * down), a request fails rather than hang. */
	xenbus_set_timeout(d->xb, 20000);
	d->bf = blkfront_open(d->hv, d->xb, d->a->dir, &opts);
	if (!d->bf)
		return -errno;
	blkfront_get_info(d->bf, &d->info);
	return 0;
}

static void init_attr(struct disk *d)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	d->attr.st_ino = FUSE_ROOT_ID;
	d->attr.st_mode = S_IFREG | (d->info.readonly ? 0400 : 0600);
	d->attr.st_nlink = 1;
	d->attr.st_size = (off_t)(d->info.sectors * SECTOR);
	d->attr.st_blksize = 4096;
	d->attr.st_blocks = (blkcnt_t)d->info.sectors;
	d->attr.st_atim = d->attr.st_mtim = d->attr.st_ctim = now;
}

/* The file the disk is mounted on: a regular file (so its FUSE root is
 * one: rootmode), left in place when an earlier one was. */
static int make_mountpoint(const struct disk *d)
{
	int fd = open(d->a->path, O_WRONLY | O_CREAT | O_CLOEXEC,
		      d->info.readonly ? 0400 : 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int mount_disk(struct disk *d)
{
	char opts[128], *argv[] = { "xpv-guest", "-o", opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	int ret;

	/* The source names the vbd, not the file: mke2fs and e2fsck look
	 * for their device among mount sources. */
	snprintf(opts, sizeof(opts), "fsname=vbd-%s,subtype=xpv-vbd%s",
		 strrchr(d->a->dir, '/') + 1, d->info.readonly ? ",ro" : "");
	ret = make_mountpoint(d);
	if (ret)
		return ret;
	d->se = fuse_session_new(&args, &disk_ops, sizeof(disk_ops), d);
	fuse_opt_free_args(&args);
	if (!d->se)
		return -EINVAL;
	if (fuse_session_mount(d->se, d->a->path))
		return -EPERM;
	d->mounted = true;
	ret = fcntl(fuse_session_fd(d->se), F_GETFL);
	if (ret < 0 ||
	    fcntl(fuse_session_fd(d->se), F_SETFL, ret | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void tell(const struct disk *d, char c)
{
	if (send(d->a->ctl_fd, &c, 1, MSG_NOSIGNAL) != 1)
		say(d, "cannot tell xpv-guest: %s", strerror(errno));
}

static void take_down(struct disk *d)
{
	if (d->bf)
		drain(d);
	if (d->se) {
		if (d->mounted)
			fuse_session_unmount(d->se);
		fuse_session_destroy(d->se);
	}
	free(d->fbuf.mem);
	blkfront_close(d->bf);
	if (d->xb)
		xenbus_close(d->xb);
	else
		close(d->a->xenbus_fd);
	if (d->hv)
		hv_close(d->hv);
	if (d->mounted)
		unlink(d->a->path);
}

void *disk_main(void *arg)
{
	struct disk d = { .a = arg };
	int ret;

	d.tail = &d.head;
	ret = connect_disk(&d);
	if (!ret) {
		init_attr(&d);
		ret = mount_disk(&d);
	}
	if (ret) {
		say(&d, "cannot serve %s: %s", d.a->dir, strerror(-ret));
		tell(&d, DISK_FAILED);
	} else {
		say(&d, "%llu MiB%s, %s",
		    (unsigned long long)(d.info.sectors >> 11),
		    d.info.readonly ? ", read-only" : "",
		    d.info.persistent ? "persistent grants" : "grant copy");
		tell(&d, DISK_READY);
		ret = serve(&d);
		if (ret)
			say(&d, "lost its backend: %s", strerror(-ret));
	}
	take_down(&d);
	close(d.a->ctl_fd); /* the driver sees us gone */
	free(arg);
	return NULL;
}
