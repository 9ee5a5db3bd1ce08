/*
 * backend/image/image.h - the disk image layer: raw image files, qcow2
 * (version 3, with a read-only backing chain) and host block devices,
 * behind one interface that maps guest byte ranges to host extents.
 *
 * The layer does no data I/O on the caller's behalf. A reader asks
 * img_map_read() where a guest range lives and gets host extents (a file
 * descriptor, an offset and a length, or "reads as zeros"); a writer asks
 * img_map_write(), which allocates what the range needs, and gets the
 * extents to write. The caller submits the data I/O itself (blkback: on
 * io_uring, no system call per request besides io_uring's own) and tells
 * the layer when a write is done. Only allocation, copy-on-write of a
 * partly written new cluster, discard and flush do I/O of their own,
 * synchronously; the mapping of an allocated range is a lookup in
 * memory.
 *
 * Errors: int functions return 0 (or the stated non-negative value) or
 * -errno; img_open() returns NULL, sets errno and writes a sentence for
 * the administrator (what is wrong and what to do) into its `why`.
 *
 * Threads: every function may be called from several threads on one
 * struct img at once (blkback serves the queues of one device from
 * several threads), except img_close(), which must be the last call
 * with no other call running. A qcow2 image serialises its calls on one
 * mutex (a mapping holds it for a few tens of nanoseconds; img_flush()
 * holds it for its disk syncs); raw images and block devices take no lock
 * on the mapping path. The caller's I/O on returned extents needs no
 * lock.
 *
 * Durability: img_flush() returns once every write whose img_write_done()
 * returned before img_flush() was called is on stable storage, with the
 * metadata that makes it visible; a crash at any moment leaves an image
 * that `qemu-img check` accepts (leaked clusters at most) and that holds
 * every flushed write. The ordering rule is written at the top of
 * qcow2.c and in docs/block.md.
 */
#ifndef XPV_BACKEND_IMAGE_IMAGE_H
#define XPV_BACKEND_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct img;

/* --- opening ------------------------------------------------------------ */

/*
 * The format is always stated by the caller (xl's format=raw|qcow2),
 * never probed: a guest can write anything into a raw image, a qcow2
 * header naming a host file as its backing file included.
 */
enum img_format {
	IMG_FMT_RAW,
	IMG_FMT_QCOW2,
};

/* "raw" (also "aio", xl's old name) or "qcow2": 0, else -EINVAL. */
int img_format_parse(const char *name, enum img_format *fmt)
	__attribute__((warn_unused_result));
const char *img_format_name(enum img_format fmt);

enum {
	IMG_RDONLY = 1u << 0, /* refuse writes and discards */
	IMG_DIRECT = 1u << 1, /* O_DIRECT for the extents' fds of image
				     files (block devices always have it);
				     buffered where the file system has no
				     O_DIRECT (tmpfs): dio_align is then 1 */
	IMG_NO_BACKING = 1u << 2, /* refuse an image that names a backing
				     file (opens nothing the image names) */
};

struct img_open_args {
	enum img_format format;
	unsigned flags; /* IMG_* above */
	unsigned l2_cache; /* qcow2: L2 tables kept in memory, a bound
			      never exceeded; 0: 2 MiB of them (32 with
			      64 KiB clusters: 16 GiB of guest space) */
	unsigned rb_cache; /* qcow2: refcount blocks kept; 0: default (8) */
};

/*
 * Open the image at `path`. A block device (S_ISBLK) is served raw with
 * O_DIRECT whatever the format says ("raw" required). A qcow2 image's
 * backing file is opened read-only, its name resolved as QEMU does
 * (relative to the directory of the image that names it), its format
 * taken from the image's backing-format extension or, when that is
 * absent, recognised by its magic as QEMU does; at most 16 levels.
 *
 * Returns the image or NULL with errno set (ENOENT, EACCES, EINVAL for a
 * malformed image, EOPNOTSUPP for a feature this layer does not
 * implement, EROFS for an image that may only be opened read-only, ELOOP
 * for too deep a backing chain, ...) and a one-line explanation in
 * why[why_len] (may be NULL). The caller frees the image with
 * img_close().
 */
struct img *img_open(const char *path, const struct img_open_args *args,
		     char *why, size_t why_len);

/* Flush (when writable), close every file, free. NULL is ignored. */
void img_close(struct img *img);

struct img_info {
	uint64_t size; /* virtual size in bytes */
	uint32_t logical_block; /* bytes: blkif sector-size */
	uint32_t physical_block; /* bytes: blkif physical-sector-size */
	uint32_t discard_granularity; /* bytes; 0 when discard does nothing */
	uint32_t dio_align; /* offset/length/buffer alignment the
				       extents' fds need (1: buffered) */
	enum img_format format;
	bool read_only;
	bool block_device;
	/* Raw file or block device: guest offset = host offset in file 0,
	 * img_flush() is fdatasync of it and img_discard() a hole punched
	 * (FALLOC_FL_PUNCH_HOLE | KEEP_SIZE) or BLKDISCARD: the caller may
	 * issue those on its own io_uring instead. */
	bool passthrough;
	unsigned nfiles; /* entries img_files() returns */
};

void img_get_info(const struct img *img, struct img_info *info);

/*
 * The file descriptors extents may name, in the order of their `file`
 * index (0: the image itself, then its backing chain), e.g. to register
 * them with io_uring. Fills up to `max`, returns how many there are. The
 * fds belong to the image: valid until img_close(), never to be closed
 * or have their flags changed by the caller.
 */
unsigned img_files(const struct img *img, int *fds, unsigned max);

/* --- the data path ------------------------------------------------------- */

enum img_extent_kind {
	IMG_EXT_DATA, /* read or write len bytes at host_off of fd */
	IMG_EXT_ZERO, /* reads as zeros: no I/O (read extents only) */
};

struct img_extent {
	uint64_t host_off;
	uint64_t len;
	int fd; /* IMG_EXT_DATA: the file; -1 otherwise */
	uint16_t file; /* IMG_EXT_DATA: fd's index in img_files() */
	uint16_t kind; /* enum img_extent_kind */
};

/*
 * Where the guest bytes [off, off + len) are. Fills ext[0..max) with
 * extents in guest order, adjacent ones merged, and returns how many
 * (>= 1). They cover the whole range, or a prefix of it when `max`
 * was not enough: the caller maps the rest with another call. Extents
 * may name backing files (file index > 0). A range must lie within the
 * virtual size, len > 0.
 *
 * -EINVAL bad range or max == 0; -EIO corrupt metadata or a failed
 * metadata read; -EOPNOTSUPP a compressed cluster.
 */
int img_map_read(struct img *img, uint64_t off, uint64_t len,
		 struct img_extent *ext, unsigned max)
	__attribute__((warn_unused_result));

/*
 * A write in flight: caller-owned storage the layer fills in
 * img_map_write() and releases in img_write_done(). Its fields are the
 * layer's; the caller only keeps it alive in between.
 */
struct img_write {
	struct img_write *prev, *next;
	uint64_t seq;
	void *allocs;
};

/*
 * Make the guest range [off, off + len) writable and say where to write
 * it: allocates clusters the range needs (copying the untouched part of
 * a new cluster from the backing chain, or zeroing it) and returns the
 * IMG_EXT_DATA extents to write, in guest order, covering the range or
 * a prefix of it as img_map_read() does. A new cluster becomes visible
 * to readers only once img_write_done() was called for it, so a read
 * racing a first write sees the old contents, never uninitialised space.
 *
 * On success (>= 1) the caller writes the extents, then calls
 * img_write_done(img, w, result) exactly once, whatever the I/O's
 * outcome; on failure (< 0) it must not. One struct img_write per call.
 *
 * -EINVAL bad range; -EROFS read-only image; -ENOSPC/-EFBIG no room for
 * metadata; -EIO corrupt image or failed metadata I/O; -EOPNOTSUPP a
 * compressed cluster.
 */
int img_map_write(struct img *img, uint64_t off, uint64_t len,
		  struct img_extent *ext, unsigned max, struct img_write *w)
	__attribute__((warn_unused_result));

/*
 * The caller's I/O on the extents of `w` has ended; `io_result` is < 0
 * if any of it failed. Clusters `w` allocated become visible (or, when
 * every write into one failed, are given back). Returns 0, or -EIO when
 * metadata needed to record the allocation could not be read (the write
 * is then lost and must be reported failed).
 */
int img_write_done(struct img *img, struct img_write *w, int io_result);

/*
 * The guest no longer needs [off, off + len): on qcow2 every whole
 * cluster inside the range is freed (it reads as zeros afterwards, also
 * when a backing file has data there) and its space returned to the
 * file system at the next img_flush(); on a raw file the range is
 * punched out (FALLOC_FL_PUNCH_HOLE); on a block device it is passed
 * down (BLKDISCARD). Parts of clusters are left as they are. 0, or
 * -EINVAL bad range, -EROFS read-only, -EIO.
 */
int img_discard(struct img *img, uint64_t off, uint64_t len);

/*
 * Make every write completed (img_write_done returned) before this call
 * durable, with its metadata, in crash-safe order. Blocks for the disk
 * syncs (one fdatasync when no metadata changed, two in the common case,
 * up to four when tables grew). 0 or -EIO.
 */
int img_flush(struct img *img) __attribute__((warn_unused_result));

/* --- synchronous convenience (tools, tests, fuzzing) -------------------- */

/*
 * Read or write [off, off + len) with pread/pwrite through the mapping
 * above. With IMG_DIRECT (or a block device) buf, off and len must be
 * aligned to dio_align. 0 or -errno.
 */
int img_pread(struct img *img, void *buf, uint64_t off, uint64_t len)
	__attribute__((warn_unused_result));
int img_pwrite(struct img *img, const void *buf, uint64_t off, uint64_t len)
	__attribute__((warn_unused_result));

/* --- statistics ---------------------------------------------------------- */

struct img_stats {
	uint64_t clusters_allocated; /* data clusters allocated on write */
	uint64_t cow_bytes; /* bytes copied or zeroed for them */
	uint64_t clusters_freed; /* by discard, once flushed */
	uint64_t l2_hits, l2_misses; /* L2 cache */
	uint64_t l2_cached; /* L2 tables in memory now */
	uint64_t flushes, syncs; /* img_flush calls, fdatasync calls */
};

/* Counters of this image (not of its backing files); zeros for raw. */
void img_get_stats(struct img *img, struct img_stats *st);

#endif
