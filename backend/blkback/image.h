/*
 * image.h - the seam between the request path and the disk image: what
 * the queues need of an image (its size and sector sizes, and where the
 * bytes of a guest range live on the host), so that the data I/O itself
 * is submitted by the queue on its own io_uring.
 *
 * This is the raw-file/block-device form; the image layer of backend/image
 * (raw, qcow2) takes its place behind the same calls.
 */
#ifndef XPV_BLKBACK_IMAGE_H
#define XPV_BLKBACK_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

struct blkback_image {
	int fd;
	uint64_t size; /* bytes, a multiple of sector_size */
	unsigned int sector_size; /* logical ("sector-size") */
	unsigned int physical_sector_size;
	bool readonly;
	bool direct; /* opened O_DIRECT: buffers and offsets 512-aligned */
	bool blockdev;
	bool discard; /* holes can be punched */
	unsigned int discard_granularity;
};

/* A guest byte range's place on the host. */
struct blkback_extent {
	int fd;
	uint64_t offset; /* host offset */
	uint64_t len;
};

/*
 * Open a raw image file or a block device. readonly opens it so;
 * direct asks for O_DIRECT, which falls back to buffered I/O where the
 * file system refuses it (tmpfs), saying so in img->direct. 0 or -errno.
 */
int blkback_image_open(struct blkback_image *img, const char *path,
		       bool readonly, bool direct);
void blkback_image_close(struct blkback_image *img);

/*
 * Where guest bytes [off, off+len) live, for a read or a write; the range
 * was checked against img->size. Fills at most max extents and returns how
 * many, or -errno.
 */
int blkback_image_map(struct blkback_image *img, uint64_t off, uint64_t len,
		      bool write, struct blkback_extent *ext, unsigned int max);

#endif /* XPV_BLKBACK_IMAGE_H */
