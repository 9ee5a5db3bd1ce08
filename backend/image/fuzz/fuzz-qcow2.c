/*
 * fuzz-qcow2.c - libFuzzer: any bytes as a qcow2 image file, opened
 * read-only and read, then opened writable and written, discarded,
 * flushed and read again. The layer must refuse or serve it, never
 * crash, hang or touch memory out of bounds (ASan/UBSan watch).
 *
 * The image lives in a memfd, opened by its /proc/self/fd path as any
 * image is. IMG_NO_BACKING: a fuzzed backing name must not make us open
 * host files (the image naming a backing file is refused instead).
 * Seeds: backend/image/fuzz/corpus/qcow2/ (make-seeds.sh).
 */
#include "backend/image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK 65536

static uint8_t buf[CHUNK];

/* Offsets spread over the disk, the last bytes of the input choosing. */
static uint64_t pick(const struct img_info *info, const uint8_t *data,
		     size_t size, unsigned i)
{
	uint64_t v = 0;
	unsigned k;

	for (k = 0; k < 8 && size > k + 8 * i; k++)
		v = v << 8 | data[size - 1 - k - 8 * i];
	return (v % info->size) & ~511ull;
}

static void read_some(struct img *img, const uint8_t *data, size_t size)
{
	struct img_extent ext[8];
	struct img_info info;
	uint64_t off, len;
	unsigned i;
	int n;

	img_get_info(img, &info);
	if (!info.size)
		return;
	for (i = 0; i < 4; i++) {
		off = i == 0 ? 0 : pick(&info, data, size, i);
		len = info.size - off < CHUNK ? info.size - off : CHUNK;
		(void)img_pread(img, buf, off, len);
		n = img_map_read(img, off, len, ext, 8);
		(void)n;
	}
}

static void write_some(struct img *img, const uint8_t *data, size_t size)
{
	struct img_info info;
	uint64_t off, len;
	unsigned i;

	img_get_info(img, &info);
	if (!info.size)
		return;
	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < 4; i++) {
		off = pick(&info, data, size, i + 4);
		len = info.size - off < 4096 + 512 * i ? info.size - off :
							 4096 + 512 * i;
		(void)img_pwrite(img, buf, off, len);
	}
	off = pick(&info, data, size, 9);
	(void)img_discard(img, off, info.size - off);
	(void)img_flush(img);
	read_some(img, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_open_args args = {
		.format = IMG_FMT_QCOW2,
		.flags = IMG_RDONLY | IMG_NO_BACKING,
		.l2_cache = 2,
		.rb_cache = 2,
	};
	char path[64], why[256];
	struct img *img;
	int fd = memfd_create("fuzz-qcow2", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	img = img_open(path, &args, why, sizeof(why));
	if (img)
		read_some(img, data, size);
	img_close(img);

	args.flags = IMG_NO_BACKING;
	img = img_open(path, &args, why, sizeof(why));
	if (img)
		write_some(img, data, size);
	img_close(img);
	close(fd);
	return 0;
}
