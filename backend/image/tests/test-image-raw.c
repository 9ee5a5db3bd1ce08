/*
 * test-image-raw.c - raw image files and host block devices: one extent
 * per request at the guest's own offset, random writes read back through
 * the layer and straight from the file, discard punching holes (the
 * file occupies less), O_DIRECT on request; and a loop device (as root)
 * through the block-device path: O_DIRECT always, size from
 * BLKGETSIZE64, sector sizes from BLKSSZGET/BLKPBSZGET (a 4096-byte
 * logical sector here), discard passed down, qcow2 refused on it.
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1ull << 20)
#define SIZE (8 * MIB)

static const char *dir;
static char loopdev[64];

static void detach_loop(void)
{
	if (loopdev[0])
		tu_run("losetup -d %s", loopdev);
}

static bool file_matches(const char *path, const struct tu_model *m)
{
	struct tu_model f;
	bool ok;

	tu_model_init(&f, m->size);
	ok = !tu_model_load(&f, path) && !memcmp(f.buf, m->buf, m->size);
	tu_model_free(&f);
	return ok;
}

/* Writes of `align`-multiples from an aligned buffer (O_DIRECT). */
static bool random_writes(struct img *img, struct tu_model *m, unsigned align,
			  unsigned n)
{
	uint8_t *buf;
	uint64_t off, len;
	unsigned i;
	bool ok = true;

	if (posix_memalign((void **)&buf, 4096, 1 * MIB))
		return false;
	for (i = 0; ok && i < n; i++) {
		off = tu_rand_below(m->size / align) * align;
		len = align * (1 + tu_rand_below(MIB / align / 4));
		if (len > m->size - off)
			len = m->size - off;
		tu_pattern(buf, off, len, i + 1);
		ok = !img_pwrite(img, buf, off, len);
		memcpy(m->buf + off, buf, len);
		if (ok && (i % 7) == 0) {
			off = tu_rand_below(m->size / align) * align;
			len = len > m->size - off ? m->size - off : len;
			ok = !img_pread(img, buf, off, len) &&
			     !memcmp(buf, m->buf + off, len);
		}
	}
	free(buf);
	return ok;
}

static bool has_o_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_DIRECT);
}

static void test_raw_file(void)
{
	struct img_extent ext[2];
	struct img_info info;
	struct tu_model m;
	struct img_write w;
	char path[256];
	uint64_t before;
	struct img *img;
	bool ok;

	snprintf(path, sizeof(path), "%s/disk.raw", dir);
	tu_run("truncate -s %llu '%s'", SIZE, path);
	tu_model_init(&m, SIZE);
	img = tu_open(path, IMG_FMT_RAW, 0, 0);
	img_get_info(img, &info);
	check("raw: size, 512-byte sectors, discard in fs blocks",
	      img && info.size == SIZE && info.logical_block == 512 &&
		      info.discard_granularity >= 512 && !info.block_device &&
		      info.dio_align == 1 && info.passthrough,
	      NULL);
	check("raw: a write maps to one extent at the guest offset",
	      img && img_map_write(img, 12345, 7000, ext, 2, &w) == 1 &&
		      ext[0].host_off == 12345 && ext[0].len == 7000 &&
		      ext[0].kind == IMG_EXT_DATA &&
		      !img_write_done(img, &w, 0),
	      NULL);
	ok = img && random_writes(img, &m, 512, 300) && !img_flush(img);
	check("raw: random writes read back", ok && tu_img_matches(img, &m),
	      NULL);
	check("raw: the file holds them", file_matches(path, &m), NULL);
	before = tu_allocated(path);
	ok = img && !img_discard(img, MIB, 4 * MIB) && !img_flush(img);
	memset(m.buf + MIB, 0, 4 * MIB);
	check("raw: discard punches a hole (reads zeros, space returned)",
	      ok && tu_img_matches(img, &m) &&
		      tu_allocated(path) + 3 * MIB < before,
	      "%llu -> %llu bytes", (unsigned long long)before,
	      (unsigned long long)tu_allocated(path));
	img_close(img);

	img = tu_open(path, IMG_FMT_RAW, IMG_DIRECT, 0);
	img_get_info(img, &info);
	check("raw with IMG_DIRECT: O_DIRECT fd, its alignment reported",
	      img && info.dio_align >= 512 &&
		      img_map_read(img, 0, 4096, ext, 2) == 1 &&
		      has_o_direct(ext[0].fd),
	      NULL);
	ok = img && random_writes(img, &m, 4096, 100);
	check("raw with IMG_DIRECT: aligned writes read back",
	      ok && tu_img_matches_aligned(img, &m, 4096), NULL);
	img_close(img);
	check("raw with IMG_DIRECT: the file holds them",
	      file_matches(path, &m), NULL);
	tu_model_free(&m);
}

/*
 * On a file system without O_DIRECT (tmpfs before Linux 6.6) IMG_DIRECT
 * opens buffered and says so with dio_align 1; where tmpfs has it, the
 * fd is O_DIRECT and dio_align says its alignment. Either way they agree
 * and the image works.
 */
static void test_tmpfs(void)
{
	struct img_extent ext[2];
	struct img_info info;
	struct tu_model m;
	char path[64];
	struct img *img;
	bool direct;
	int fd;

	snprintf(path, sizeof(path), "/dev/shm/xpv-image-%d.raw", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, MIB)) {
		printf("no /dev/shm: the tmpfs case is skipped\n");
		return;
	}
	close(fd);
	tu_model_init(&m, MIB);
	img = tu_open(path, IMG_FMT_RAW, IMG_DIRECT, 0);
	img_get_info(img, &info);
	direct = img && img_map_read(img, 0, 512, ext, 2) == 1 &&
		 has_o_direct(ext[0].fd);
	printf("tmpfs %s O_DIRECT\n", direct ? "has" : "has no");
	check("IMG_DIRECT on tmpfs: dio_align 1 exactly when buffered",
	      img && (info.dio_align == 1) == !direct, NULL);
	check("IMG_DIRECT on tmpfs: the image works",
	      img && tu_write(img, &m, 0, 4096, 1) &&
		      tu_img_matches_aligned(img, &m, 4096),
	      NULL);
	img_close(img);
	unlink(path);
	tu_model_free(&m);
}

static void test_block_device(void)
{
	struct img_extent ext[2];
	struct img_info info;
	struct tu_model m;
	char path[256];
	struct img *img;
	bool ok;

	snprintf(path, sizeof(path), "%s/loop.raw", dir);
	tu_run("truncate -s %llu '%s'", SIZE, path);
	if (getuid() != 0 ||
	    tu_capture(loopdev, sizeof(loopdev),
		       "losetup -f --show --sector-size 4096 '%s'", path)) {
		loopdev[0] = '\0';
		printf("block device: skipped (needs root and a free loop "
		       "device)\n");
		return;
	}
	loopdev[strcspn(loopdev, "\n")] = '\0';
	atexit(detach_loop);
	tu_model_init(&m, SIZE);
	img = tu_open(loopdev, IMG_FMT_RAW, 0, 0);
	img_get_info(img, &info);
	check("block device: size by BLKGETSIZE64, 4096-byte sectors",
	      img && info.block_device && info.size == SIZE &&
		      info.logical_block == 4096 &&
		      info.physical_block >= 4096 && info.dio_align == 4096,
	      "size %llu, logical %u, physical %u, dio %u",
	      (unsigned long long)info.size, info.logical_block,
	      info.physical_block, info.dio_align);
	check("block device: extents name an O_DIRECT fd",
	      img && img_map_read(img, 0, 4096, ext, 2) == 1 &&
		      has_o_direct(ext[0].fd),
	      NULL);
	ok = img && random_writes(img, &m, 4096, 150) && !img_flush(img);
	check("block device: aligned writes read back",
	      ok && tu_img_matches_aligned(img, &m, 4096), NULL);
	if (img && info.discard_granularity) {
		ok = !img_discard(img, MIB, 2 * MIB) && !img_flush(img);
		memset(m.buf + MIB, 0, 2 * MIB);
		check("block device: discard passed down (reads zeros)",
		      ok && tu_img_matches_aligned(img, &m, 4096), NULL);
	}
	img_close(img);
	tu_run("losetup -d %s", loopdev);
	loopdev[0] = '\0';
	check("block device: the bytes are in the file under the loop",
	      file_matches(path, &m), NULL);

	if (!tu_capture(loopdev, sizeof(loopdev), "losetup -f --show '%s'",
			path)) {
		struct img_open_args args = { .format = IMG_FMT_QCOW2 };
		char why[256] = "";

		loopdev[strcspn(loopdev, "\n")] = '\0';
		img = img_open(loopdev, &args, why, sizeof(why));
		check("block device: qcow2 on it refused",
		      !img && errno == EINVAL && strstr(why, "served raw"),
		      "%s", why);
		img_close(img);
		tu_run("losetup -d %s", loopdev);
		loopdev[0] = '\0';
	}
	tu_model_free(&m);
}

int main(void)
{
	dir = tu_setup(false);
	tu_seed(31337);
	test_raw_file();
	test_tmpfs();
	test_block_device();
	return check_failures ? 1 : 0;
}
