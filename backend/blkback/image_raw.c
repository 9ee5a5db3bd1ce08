/*
 * image_raw.c - raw image files and block devices behind image.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/blkback/image.h"

static int open_fd(const char *path, bool readonly, bool *direct)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	int fd = -1;

	if (*direct)
		fd = open(path, flags | O_DIRECT);
	if (fd < 0 && (!*direct || errno == EINVAL)) {
		*direct = false; /* the file system has no O_DIRECT */
		fd = open(path, flags);
	}
	return fd < 0 ? -errno : fd;
}

static int blockdev_geometry(struct blkback_image *img)
{
	uint64_t bytes;
	int lbs, pbs;

	if (ioctl(img->fd, BLKGETSIZE64, &bytes) < 0 ||
	    ioctl(img->fd, BLKSSZGET, &lbs) < 0 ||
	    ioctl(img->fd, BLKPBSZGET, &pbs) < 0)
		return -errno;
	if (lbs < 512 || lbs > 4096 || (lbs & (lbs - 1)))
		return -EINVAL;
	img->size = bytes;
	img->sector_size = (unsigned int)lbs;
	img->physical_sector_size = pbs >= lbs ? (unsigned int)pbs : 0;
	img->discard_granularity = img->physical_sector_size;
	return 0;
}

static int file_geometry(struct blkback_image *img, const struct stat *st)
{
	img->size = (uint64_t)st->st_size;
	img->sector_size = 512;
	img->physical_sector_size = 512;
	/* a hole is punched in whole file-system blocks */
	img->discard_granularity = st->st_blksize > 0 ? st->st_blksize : 4096;
	return 0;
}

int blkback_image_open(struct blkback_image *img, const char *path,
		       bool readonly, bool direct)
{
	struct stat st;
	int ret;

	img->fd = open_fd(path, readonly, &direct);
	if (img->fd < 0)
		return img->fd;
	img->readonly = readonly;
	img->direct = direct;
	if (fstat(img->fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	img->blockdev = S_ISBLK(st.st_mode);
	if (!img->blockdev && !S_ISREG(st.st_mode)) {
		ret = -ENOTBLK;
		goto fail;
	}
	ret = img->blockdev ? blockdev_geometry(img) : file_geometry(img, &st);
	if (ret)
		goto fail;
	/* a trailing partial sector is not part of the disk */
	img->size -= img->size % img->sector_size;
	img->discard = !readonly;
	return 0;
fail:
	close(img->fd);
	img->fd = -1;
	return ret;
}

void blkback_image_close(struct blkback_image *img)
{
	if (img->fd >= 0)
		close(img->fd);
	img->fd = -1;
}

int blkback_image_map(struct blkback_image *img, uint64_t off, uint64_t len,
		      bool write, struct blkback_extent *ext, unsigned int max)
{
	if (max < 1)
		return -ENOSPC;
	if (write && img->readonly)
		return -EROFS;
	if (off > img->size || len > img->size - off)
		return -ERANGE;
	ext[0].fd = img->fd;
	ext[0].offset = off;
	ext[0].len = len;
	return 1;
}
