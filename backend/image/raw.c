/*
 * raw.c - raw image files and host block devices: guest offset = host
 * offset, so the mapping is one extent and takes no lock.
 *
 * A block device is always opened O_DIRECT (image.c); its size comes from
 * BLKGETSIZE64, its logical and physical sector sizes from BLKSSZGET and
 * BLKPBSZGET, its discard granularity from sysfs (0: no discard). A raw
 * file discards by punching a hole, which gives the space back to the
 * file system.
 */
#include "backend/image/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int blockdev_info(struct img *img, char *why, size_t why_len)
{
	struct img_info *info = &img->info;
	uint64_t size;
	int lbs, pbs;
	struct stat st;

	if (ioctl(img->fd, BLKGETSIZE64, &size) < 0 ||
	    ioctl(img->fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(img->fd, BLKPBSZGET, &pbs) < 0 || fstat(img->fd, &st) < 0) {
		img_why(why, why_len, img, "block device ioctl: %s",
			strerror(errno));
		return -errno;
	}
	if (lbs < 512 || (lbs & (lbs - 1))) {
		img_why(why, why_len, img, "odd logical sector size %d", lbs);
		return -EINVAL;
	}
	info->size = size;
	info->logical_block = lbs;
	info->physical_block = pbs >= lbs ? (uint32_t)pbs : (uint32_t)lbs;
	info->dio_align = lbs;
	info->discard_granularity =
		img_sysfs_queue(st.st_rdev, "discard_granularity", 0);
	return 0;
}

/* A file: 512-byte sectors, holes punched in file system blocks. */
static int file_info(struct img *img, char *why, size_t why_len)
{
	struct img_info *info = &img->info;
	struct stat st;

	if (fstat(img->fd, &st) < 0) {
		img_why(why, why_len, img, "fstat: %s", strerror(errno));
		return -errno;
	}
	info->size = st.st_size;
	info->logical_block = 512;
	info->physical_block = st.st_blksize >= 512 && st.st_blksize <= 65536 ?
				       (uint32_t)st.st_blksize :
				       4096;
	info->discard_granularity = info->physical_block;
	return 0;
}

static int raw_map(struct img *img, uint64_t off, uint64_t len,
		   struct img_extent *ext, unsigned max __attribute__((unused)))
{
	ext[0] = (struct img_extent){
		.host_off = off,
		.len = len,
		.fd = img->fd,
		.file = img->file,
		.kind = IMG_EXT_DATA,
	};
	return 1;
}

static int raw_map_write(struct img *img, uint64_t off, uint64_t len,
			 struct img_extent *ext, unsigned max,
			 struct img_write *w)
{
	w->allocs = NULL;
	return raw_map(img, off, len, ext, max);
}

static int discard_blockdev(struct img *img, uint64_t off, uint64_t len)
{
	uint64_t lbs = img->info.logical_block;
	uint64_t start = (off + lbs - 1) / lbs * lbs;
	uint64_t end = (off + len) / lbs * lbs;
	uint64_t range[2] = { start, end - start };

	if (!img->info.discard_granularity || end <= start)
		return 0;
	if (ioctl(img->fd, BLKDISCARD, range) < 0 && errno != EOPNOTSUPP)
		return -EIO;
	return 0;
}

static int raw_discard(struct img *img, uint64_t off, uint64_t len)
{
	if (img->info.block_device)
		return discard_blockdev(img, off, len);
	if (fallocate(img->meta_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      off, len) < 0 &&
	    errno != EOPNOTSUPP)
		return -EIO;
	return 0;
}

static int raw_flush(struct img *img)
{
	return fdatasync(img->fd) < 0 ? -EIO : 0;
}

static const struct img_driver raw_driver = {
	.map_read = raw_map,
	.map_write = raw_map_write,
	.discard = raw_discard,
	.flush = raw_flush,
};

int raw_open(struct img *img, char *why, size_t why_len)
{
	img->drv = &raw_driver;
	img->info.passthrough = true;
	return img->info.block_device ? blockdev_info(img, why, why_len) :
					file_info(img, why, why_len);
}
