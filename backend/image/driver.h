/*
 * backend/image/driver.h - what image.c shares with the formats (raw.c,
 * qcow2*.c): the struct img every format fills, the ops table it
 * implements, and the helpers image.c offers them.
 *
 * An image is a chain of levels: the image opened, then its backing
 * file, and so on. Each level is a struct img with its own driver; the
 * top one also holds the list of every level's files, so an extent
 * names its file by one index valid across the chain.
 */
#ifndef XPV_BACKEND_IMAGE_DRIVER_H
#define XPV_BACKEND_IMAGE_DRIVER_H

#include "backend/image/image.h"

#include <stdarg.h>
#include <sys/types.h>

/* Levels in a chain, the image itself included. */
#define IMG_MAX_CHAIN 16

struct img_driver {
	int (*map_read)(struct img *img, uint64_t off, uint64_t len,
			struct img_extent *ext, unsigned max);
	int (*map_write)(struct img *img, uint64_t off, uint64_t len,
			 struct img_extent *ext, unsigned max,
			 struct img_write *w);
	int (*write_done)(struct img *img, struct img_write *w, int result);
	int (*discard)(struct img *img, uint64_t off, uint64_t len);
	int (*flush)(struct img *img);
	void (*stats)(struct img *img, struct img_stats *st);
	/* Frees what the format allocated; image.c closes the fds. */
	void (*close)(struct img *img);
};

struct img_chain {
	unsigned n;
	int fds[IMG_MAX_CHAIN]; /* what extents name */
	int meta_fds[IMG_MAX_CHAIN]; /* the same files, never O_DIRECT */
};

struct img {
	const struct img_driver *drv;
	struct img_info info;
	char *path; /* as given (relative backing names resolve
			    against it) */
	int fd; /* the fd extents name (O_DIRECT if asked) */
	int meta_fd; /* the same file without O_DIRECT (== fd when
			    fd is buffered): the layer's own I/O */
	uint16_t file; /* this level's index in chain->fds */
	unsigned depth; /* 0 for the image opened */
	unsigned flags; /* IMG_* the level was opened with */
	struct img *backing;
	struct img_chain *chain; /* owned by the top level */
	void *priv; /* the format's state */
};

/* --- formats -------------------------------------------------------------- */

/* Fill img (fds open, info.read_only and flags set) or return -errno
 * with a sentence in why. */
int raw_open(struct img *img, char *why, size_t why_len);
int qcow2_open(struct img *img, const struct img_open_args *args, char *why,
	       size_t why_len);

/* --- helpers image.c offers the formats ----------------------------------- */

/*
 * Open `path` as the backing file of `parent` (read-only, the parent's
 * IMG_DIRECT) in the given format and store it in parent->backing.
 * -errno with why filled.
 */
int img_open_backing(struct img *parent, const char *path, enum img_format fmt,
		     char *why, size_t why_len);

/*
 * Read guest bytes [off, off + len) of `img` (any level of a chain) into
 * buf through its mapping, with the chain's buffered fds: for the
 * layer's own copies, whatever the alignment. Bytes past the level's
 * virtual size read as zeros. *all_zero (may be NULL) tells whether
 * every byte came from a zero extent. 0 or -errno.
 */
int img_read_level(struct img *img, void *buf, uint64_t off, uint64_t len,
		   bool *all_zero);

/* pread/pwrite until done; a short read past the end of file is -EIO. */
int img_pread_full(int fd, void *buf, size_t len, uint64_t off);
int img_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);

/* A number from /sys/dev/block/MAJ:MIN/queue/NAME (or the queue of the
 * disk a partition is on); fallback when there is none. */
uint32_t img_sysfs_queue(dev_t dev, const char *name, uint32_t fallback);

/* snprintf into why (NULL-safe), prefixed with the image's path. */
void img_why(char *why, size_t why_len, const struct img *img, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));

/*
 * Append an extent to ext[0..*n), merging it into the last one when it
 * continues it. false when there is no room (nothing appended).
 */
bool img_emit(struct img_extent *ext, unsigned max, unsigned *n,
	      enum img_extent_kind kind, int fd, uint16_t file,
	      uint64_t host_off, uint64_t len);

/* True when [off, off + len) is a non-empty range inside `size`. */
static inline bool img_range_ok(uint64_t size, uint64_t off, uint64_t len)
{
	return len > 0 && off < size && len <= size - off;
}

#endif
