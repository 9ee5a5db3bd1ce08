/*
 * image.c - opening an image and its backing chain, the calls every
 * format shares, and the helpers the formats use (contract in image.h,
 * driver.h).
 */
#include "backend/image/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *const format_names[] = {
	[IMG_FMT_RAW] = "raw",
	[IMG_FMT_QCOW2] = "qcow2",
};

int img_format_parse(const char *name, enum img_format *fmt)
{
	if (!strcmp(name, "raw") || !strcmp(name, "aio")) {
		*fmt = IMG_FMT_RAW;
		return 0;
	}
	if (!strcmp(name, "qcow2")) {
		*fmt = IMG_FMT_QCOW2;
		return 0;
	}
	return -EINVAL;
}

const char *img_format_name(enum img_format fmt)
{
	return (unsigned)fmt < 2 ? format_names[fmt] : "unknown";
}

void img_why(char *why, size_t why_len, const struct img *img, const char *fmt,
	     ...)
{
	va_list ap;
	int saved = errno;
	int n;

	if (!why || !why_len)
		return;
	n = snprintf(why, why_len, "%s: ", img->path);
	if (n < 0 || (size_t)n >= why_len)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(why + n, why_len - n, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A value from /sys/dev/block/MAJ:MIN/queue/NAME (a partition's queue is
 * its disk's: ../queue); `fallback` when there is none. */
uint32_t img_sysfs_queue(dev_t dev, const char *name, uint32_t fallback)
{
	static const char *const dirs[] = { "queue", "../queue" };
	char path[128];
	unsigned long v;
	unsigned i;
	FILE *f;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s/%s",
			 major(dev), minor(dev), dirs[i], name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lu", &v) != 1)
			v = fallback;
		fclose(f);
		return v > UINT32_MAX ? fallback : (uint32_t)v;
	}
	return fallback;
}

/* --- opening ---------------------------------------------------------------- */

/*
 * O_NONBLOCK first, so that a FIFO named as an image (or as a backing
 * file) cannot block the daemon in open(); only regular files and block
 * devices are accepted, then the flag is cleared.
 */
static int open_file(const char *path, int flags, struct stat *st)
{
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (fcntl(fd, F_SETFL, flags & O_DIRECT) < 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

/* The fds of a level: meta_fd always buffered, fd O_DIRECT when asked
 * (always on a block device). */
static int open_fds(struct img *img, char *why, size_t why_len)
{
	int acc = img->info.read_only ? O_RDONLY : O_RDWR;
	struct stat st;
	bool direct;

	img->meta_fd = open_file(img->path, acc, &st);
	if (img->meta_fd < 0) {
		img_why(why, why_len, img, "cannot open: %s%s",
			strerror(-img->meta_fd),
			img->meta_fd == -EINVAL ?
				" (not a regular file or block device)" :
				"");
		return img->meta_fd;
	}
	img->info.block_device = S_ISBLK(st.st_mode);
	direct = img->info.block_device || (img->flags & IMG_DIRECT);
	if (!direct) {
		img->fd = img->meta_fd;
		return 0;
	}
	img->fd = open_file(img->path, acc | O_DIRECT, &st);
	if (img->fd == -EINVAL && !img->info.block_device) {
		/* No O_DIRECT on this file system (tmpfs): buffered, and
		 * info.dio_align says so. */
		img->fd = img->meta_fd;
		return 0;
	}
	if (img->fd < 0) {
		img_why(why, why_len, img, "cannot open with O_DIRECT: %s",
			strerror(-img->fd));
		return img->fd;
	}
	return 0;
}

static int register_files(struct img *img, char *why, size_t why_len)
{
	struct img_chain *c = img->chain;

	if (c->n >= IMG_MAX_CHAIN) {
		img_why(why, why_len, img,
			"backing chain deeper than %d images (a loop?)",
			IMG_MAX_CHAIN);
		return -ELOOP;
	}
	img->file = c->n;
	c->fds[c->n] = img->fd;
	c->meta_fds[c->n] = img->meta_fd;
	c->n++;
	return 0;
}

/* An image file opened O_DIRECT needs the alignment of the device its
 * file system sits on; a block device's was set by raw.c. */
static void set_dio_align(struct img *img)
{
	struct stat st;

	if (img->info.block_device)
		return;
	img->info.dio_align = 1;
	if (img->fd != img->meta_fd && !fstat(img->fd, &st))
		img->info.dio_align =
			img_sysfs_queue(st.st_dev, "logical_block_size", 512);
}

static void close_level(struct img *img)
{
	if (!img)
		return;
	close_level(img->backing);
	if (img->drv && img->drv->close)
		img->drv->close(img);
	if (img->fd >= 0 && img->fd != img->meta_fd)
		close(img->fd);
	if (img->meta_fd >= 0)
		close(img->meta_fd);
	free(img->path);
	free(img);
}

static struct img *open_level(const char *path,
			      const struct img_open_args *args,
			      struct img_chain *chain, unsigned depth,
			      char *why, size_t why_len)
{
	struct img *img = calloc(1, sizeof(*img));
	int err = -ENOMEM;

	if (!img)
		goto fail_nomem;
	img->fd = img->meta_fd = -1;
	img->chain = chain;
	img->depth = depth;
	img->flags = args->flags;
	img->info.read_only = args->flags & IMG_RDONLY;
	img->info.format = args->format;
	img->path = strdup(path);
	if (!img->path)
		goto fail_nomem;
	err = open_fds(img, why, why_len);
	if (!err)
		err = register_files(img, why, why_len);
	if (err)
		goto fail;
	if (img->info.block_device && args->format != IMG_FMT_RAW) {
		img_why(why, why_len, img,
			"a block device is served raw (format=raw), not %s",
			img_format_name(args->format));
		err = -EINVAL;
		goto fail;
	}
	err = args->format == IMG_FMT_QCOW2 ?
		      qcow2_open(img, args, why, why_len) :
		      raw_open(img, why, why_len);
	if (err)
		goto fail;
	set_dio_align(img);
	img->info.nfiles = chain->n - img->file;
	return img;

fail_nomem:
	if (why && why_len)
		snprintf(why, why_len, "%s: out of memory", path);
fail:
	close_level(img);
	errno = -err;
	return NULL;
}

struct img *img_open(const char *path, const struct img_open_args *args,
		     char *why, size_t why_len)
{
	struct img_chain *chain = calloc(1, sizeof(*chain));
	struct img *img;

	if (why && why_len)
		why[0] = '\0';
	if (!chain) {
		errno = ENOMEM;
		return NULL;
	}
	if ((unsigned)args->format > IMG_FMT_QCOW2) {
		free(chain);
		if (why && why_len)
			snprintf(why, why_len, "%s: unknown format", path);
		errno = EINVAL;
		return NULL;
	}
	img = open_level(path, args, chain, 0, why, why_len);
	if (!img)
		free(chain);
	return img;
}

int img_open_backing(struct img *parent, const char *path, enum img_format fmt,
		     char *why, size_t why_len)
{
	struct img_open_args args = {
		.format = fmt,
		.flags = IMG_RDONLY | (parent->flags & IMG_DIRECT),
	};

	if (parent->depth + 1 >= IMG_MAX_CHAIN) {
		img_why(why, why_len, parent,
			"backing chain deeper than %d images (a loop?)",
			IMG_MAX_CHAIN);
		return -ELOOP;
	}
	parent->backing = open_level(path, &args, parent->chain,
				     parent->depth + 1, why, why_len);
	return parent->backing ? 0 : -errno;
}

/* The chain belongs to the top level's caller: img_open, img_close. */
void img_close(struct img *img)
{
	struct img_chain *chain;

	if (!img)
		return;
	chain = img->chain;
	if (!img->info.read_only)
		(void)img->drv->flush(img);
	close_level(img);
	free(chain);
}

void img_get_info(const struct img *img, struct img_info *info)
{
	*info = img->info;
}

unsigned img_files(const struct img *img, int *fds, unsigned max)
{
	const struct img_chain *c = img->chain;
	unsigned i;

	for (i = 0; i < c->n && i < max; i++)
		fds[i] = c->fds[i];
	return c->n;
}

void img_get_stats(struct img *img, struct img_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (img->drv->stats)
		img->drv->stats(img, st);
}

/* --- the data path: checks, then the format ------------------------------- */

int img_map_read(struct img *img, uint64_t off, uint64_t len,
		 struct img_extent *ext, unsigned max)
{
	if (!img_range_ok(img->info.size, off, len) || !max)
		return -EINVAL;
	return img->drv->map_read(img, off, len, ext, max);
}

int img_map_write(struct img *img, uint64_t off, uint64_t len,
		  struct img_extent *ext, unsigned max, struct img_write *w)
{
	if (img->info.read_only)
		return -EROFS;
	if (!img_range_ok(img->info.size, off, len) || !max)
		return -EINVAL;
	return img->drv->map_write(img, off, len, ext, max, w);
}

int img_write_done(struct img *img, struct img_write *w, int io_result)
{
	return img->drv->write_done ? img->drv->write_done(img, w, io_result) :
				      0;
}

int img_discard(struct img *img, uint64_t off, uint64_t len)
{
	if (img->info.read_only)
		return -EROFS;
	if (!img_range_ok(img->info.size, off, len))
		return -EINVAL;
	return img->drv->discard(img, off, len);
}

int img_flush(struct img *img)
{
	if (img->info.read_only)
		return 0;
	return img->drv->flush(img);
}

/* --- helpers --------------------------------------------------------------- */

bool img_emit(struct img_extent *ext, unsigned max, unsigned *n,
	      enum img_extent_kind kind, int fd, uint16_t file,
	      uint64_t host_off, uint64_t len)
{
	struct img_extent *last = *n ? &ext[*n - 1] : NULL;

	if (last && last->kind == kind &&
	    (kind == IMG_EXT_ZERO ||
	     (last->file == file && last->host_off + last->len == host_off))) {
		last->len += len;
		return true;
	}
	if (*n >= max)
		return false;
	ext[*n] = (struct img_extent){
		.host_off = kind == IMG_EXT_DATA ? host_off : 0,
		.len = len,
		.fd = kind == IMG_EXT_DATA ? fd : -1,
		.file = kind == IMG_EXT_DATA ? file : 0,
		.kind = kind,
	};
	(*n)++;
	return true;
}

int img_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t r = pread(fd, p, len, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		off += r;
		len -= r;
	}
	return 0;
}

int img_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		p += r;
		off += r;
		len -= r;
	}
	return 0;
}

#define EXT_BATCH 16

/* Do the I/O of read extents; which fd of each file is the caller's
 * choice (fds: the chain's data or buffered fds). */
static int read_extents(const int *fds, const struct img_extent *ext,
			unsigned n, char *buf, uint64_t *done, bool *all_zero)
{
	unsigned i;
	int err;

	for (i = 0; i < n; i++) {
		if (ext[i].kind == IMG_EXT_ZERO) {
			memset(buf + *done, 0, ext[i].len);
		} else {
			err = img_pread_full(fds[ext[i].file], buf + *done,
					     ext[i].len, ext[i].host_off);
			if (err)
				return err;
			if (all_zero)
				*all_zero = false;
		}
		*done += ext[i].len;
	}
	return 0;
}

static int read_mapped(struct img *img, const int *fds, char *buf, uint64_t off,
		       uint64_t len, bool *all_zero)
{
	struct img_extent ext[EXT_BATCH];
	uint64_t done = 0, before;
	int n, err;

	while (done < len) {
		n = img->drv->map_read(img, off + done, len - done, ext,
				       EXT_BATCH);
		if (n < 0)
			return n;
		before = done;
		err = read_extents(fds, ext, n, buf, &done, all_zero);
		if (err)
			return err;
		if (done == before)
			return -EIO;
	}
	return 0;
}

int img_read_level(struct img *img, void *buf, uint64_t off, uint64_t len,
		   bool *all_zero)
{
	uint64_t inside = 0;

	if (all_zero)
		*all_zero = true;
	if (off < img->info.size)
		inside = len < img->info.size - off ? len :
						      img->info.size - off;
	memset((char *)buf + inside, 0, len - inside);
	if (!inside)
		return 0;
	return read_mapped(img, img->chain->meta_fds, buf, off, inside,
			   all_zero);
}

int img_pread(struct img *img, void *buf, uint64_t off, uint64_t len)
{
	if (!img_range_ok(img->info.size, off, len))
		return -EINVAL;
	return read_mapped(img, img->chain->fds, buf, off, len, NULL);
}

static int write_extents(const struct img_extent *ext, unsigned n,
			 const char *buf, uint64_t *done)
{
	unsigned i;
	int err;

	for (i = 0; i < n; i++) {
		err = img_pwrite_full(ext[i].fd, buf + *done, ext[i].len,
				      ext[i].host_off);
		if (err)
			return err;
		*done += ext[i].len;
	}
	return 0;
}

int img_pwrite(struct img *img, const void *buf, uint64_t off, uint64_t len)
{
	struct img_extent ext[EXT_BATCH];
	struct img_write w;
	uint64_t done = 0;
	int n, err, derr;

	while (done < len) {
		n = img_map_write(img, off + done, len - done, ext, EXT_BATCH,
				  &w);
		if (n < 0)
			return n;
		err = write_extents(ext, n, buf, &done);
		derr = img_write_done(img, &w, err);
		if (err)
			return err;
		if (derr)
			return derr;
	}
	return 0;
}
