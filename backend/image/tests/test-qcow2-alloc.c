/*
 * test-qcow2-alloc.c - the data-path contract of image.h as blkback uses
 * it: extents from img_map_write written by the caller itself, new
 * clusters invisible until img_write_done, two writes into one new
 * cluster, a failed write giving its cluster back, extents returned as
 * a prefix when the array is short, a discard racing a write in flight,
 * the syncs a flush costs, a bounded L2 cache, and the refusals
 * (read-only, bad ranges).
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CL 4096ull

static char path[256];
static struct tu_model model; /* only a sink for tu_write */

static struct img *fresh_image(const char *dir, const char *name,
			       const char *size, unsigned cache)
{
	snprintf(path, sizeof(path), "%s/%s.qcow2", dir, name);
	if (tu_run("qemu-img create -q -f qcow2 -o cluster_size=%llu '%s' %s",
		   CL, path, size))
		return NULL;
	return tu_open(path, IMG_FMT_QCOW2, 0, cache);
}

/* Write `len` bytes of pattern `tag` to the extents, as blkback would. */
static int write_extents(const struct img_extent *ext, int n, uint64_t off,
			 uint32_t tag)
{
	uint8_t buf[4 * CL];
	int i;

	for (i = 0; i < n; i++) {
		if (ext[i].kind != IMG_EXT_DATA || ext[i].len > sizeof(buf))
			return -EINVAL;
		tu_pattern(buf, off, ext[i].len, tag);
		if (pwrite(ext[i].fd, buf, ext[i].len, ext[i].host_off) !=
		    (ssize_t)ext[i].len)
			return -EIO;
		off += ext[i].len;
	}
	return 0;
}

static void must_flush(struct img *img)
{
	int err = img_flush(img);

	if (err)
		check_fatal("img_flush", -err);
}

static bool reads_zero(struct img *img, uint64_t off, uint64_t len)
{
	struct img_extent ext[4];
	int n = img_map_read(img, off, len, ext, 4);

	return n == 1 && ext[0].kind == IMG_EXT_ZERO && ext[0].len == len;
}

static bool holds_zeros(struct img *img, uint64_t off, uint64_t len)
{
	uint8_t got[CL], zero[CL] = { 0 };

	return len <= CL && !img_pread(img, got, off, len) &&
	       !memcmp(got, zero, len);
}

static bool reads_pattern(struct img *img, uint64_t off, uint64_t len,
			  uint32_t tag)
{
	uint8_t got[CL], want[CL];

	tu_pattern(want, off, len, tag);
	return len <= CL && !img_pread(img, got, off, len) &&
	       !memcmp(got, want, len);
}

static void test_invisible_until_done(struct img *img)
{
	struct img_extent ext[4], r[4];
	struct img_write w;
	int n;

	n = img_map_write(img, 0, CL, ext, 4, &w);
	check("map_write of a new cluster: one data extent",
	      n == 1 && ext[0].kind == IMG_EXT_DATA && ext[0].len == CL, NULL);
	check("written but not done: still reads as zeros",
	      !write_extents(ext, n, 0, 1) && reads_zero(img, 0, CL), NULL);
	check("write_done: 0", img_write_done(img, &w, 0) == 0, NULL);
	n = img_map_read(img, 0, CL, r, 4);
	check("done: the read maps to the written host extent",
	      n == 1 && r[0].kind == IMG_EXT_DATA &&
		      r[0].host_off == ext[0].host_off,
	      NULL);
	check("done: reads back", reads_pattern(img, 0, CL, 1), NULL);
}

static void test_two_writes_one_cluster(struct img *img)
{
	struct img_extent a[2], b[2];
	struct img_write wa, wb;
	int na, nb;

	na = img_map_write(img, 4 * CL + 512, 512, a, 2, &wa);
	nb = img_map_write(img, 4 * CL + 2048, 1024, b, 2, &wb);
	check("two writes into one new cluster share its host cluster",
	      na == 1 && nb == 1 && b[0].host_off - a[0].host_off == 2048 - 512,
	      NULL);
	write_extents(a, na, 4 * CL + 512, 2);
	write_extents(b, nb, 4 * CL + 2048, 3);
	img_write_done(img, &wa, 0);
	check("one of two done: still invisible", reads_zero(img, 4 * CL, CL),
	      NULL);
	img_write_done(img, &wb, 0);
	check("both done: both read back, the rest is zeros",
	      reads_pattern(img, 4 * CL + 512, 512, 2) &&
		      reads_pattern(img, 4 * CL + 2048, 1024, 3) &&
		      holds_zeros(img, 4 * CL, 512) &&
		      holds_zeros(img, 4 * CL + 1024, 1024),
	      NULL);
}

static void test_failed_write_gives_back(struct img *img)
{
	struct img_extent e1[2], e2[2];
	struct img_write w1, w2;
	int n;

	n = img_map_write(img, 8 * CL, CL, e1, 2, &w1);
	img_write_done(img, &w1, -EIO);
	check("a failed first write leaves the cluster unallocated",
	      n == 1 && reads_zero(img, 8 * CL, CL), NULL);
	n = img_map_write(img, 9 * CL, CL, e2, 2, &w2);
	check("and its host cluster is handed out again",
	      n == 1 && e2[0].host_off == e1[0].host_off, NULL);
	write_extents(e2, n, 9 * CL, 4);
	img_write_done(img, &w2, 0);
}

static void test_prefix(struct img *img)
{
	struct img_extent ext[2];
	struct img_write w;
	uint64_t covered;
	int n, i;

	/* Clusters 12..15 written in the order 15, 13, 14, 12: not
	 * contiguous on the host. */
	static const int order[] = { 15, 13, 14, 12 };
	for (i = 0; i < 4; i++) {
		n = img_map_write(img, order[i] * CL, CL, ext, 2, &w);
		write_extents(ext, n, order[i] * CL, 5);
		img_write_done(img, &w, 0);
	}
	n = img_map_read(img, 12 * CL, 4 * CL, ext, 2);
	covered = n == 2 ? ext[0].len + ext[1].len : 0;
	check("map_read with too few extents returns a prefix",
	      n == 2 && covered > 0 && covered < 4 * CL, NULL);
	n = img_map_write(img, 20 * CL, 3 * CL, ext, 1, &w);
	check("map_write with one extent maps a prefix",
	      n == 1 && ext[0].len >= CL && ext[0].len < 3 * CL, NULL);
	write_extents(ext, n, 20 * CL, 6);
	img_write_done(img, &w, 0);
	check("the rest of that write is still unmapped",
	      reads_zero(img, 20 * CL + ext[0].len, 3 * CL - ext[0].len), NULL);
}

/* A cluster discarded while a write into it is in flight must not be
 * reused until that write ended: it would land in someone else's data. */
static void test_discard_racing_write(struct img *img)
{
	struct img_extent ext[2], other[2];
	struct img_stats before, after;
	struct img_write w, w2;
	int n;

	tu_write(img, &model, 30 * CL, CL, 7);
	must_flush(img);
	n = img_map_write(img, 30 * CL, CL, ext, 2, &w);
	img_get_stats(img, &before);
	check("discard with a write in flight",
	      n == 1 && !img_discard(img, 30 * CL, CL) && !img_flush(img),
	      NULL);
	img_get_stats(img, &after);
	check("the discarded cluster is not freed while the write is in "
	      "flight",
	      after.clusters_freed == before.clusters_freed, NULL);
	n = img_map_write(img, 31 * CL, CL, other, 2, &w2);
	check("nor handed to another write",
	      n == 1 && other[0].host_off != ext[0].host_off, NULL);
	write_extents(other, n, 31 * CL, 10);
	img_write_done(img, &w2, 0);
	img_write_done(img, &w, 0);
	must_flush(img);
	img_get_stats(img, &after);
	check("once the write ended, the flush frees it",
	      after.clusters_freed == before.clusters_freed + 1, NULL);
}

static void test_flush_costs(struct img *img)
{
	struct img_stats a, b, c;

	must_flush(img);
	img_get_stats(img, &a);
	tu_write(img, &model, 40 * CL, CL, 8);
	must_flush(img);
	img_get_stats(img, &b);
	check("a flush after a first write into a cluster: two syncs",
	      b.syncs - a.syncs == 2, "%llu",
	      (unsigned long long)(b.syncs - a.syncs));
	tu_write(img, &model, 40 * CL, CL, 9);
	must_flush(img);
	img_get_stats(img, &c);
	check("a flush after an overwrite in place: one sync",
	      c.syncs - b.syncs == 1, "%llu",
	      (unsigned long long)(c.syncs - b.syncs));
}

static void test_refusals(const char *dir __attribute__((unused)))
{
	struct img_extent ext[2];
	struct img_info info;
	struct img_write w;
	struct img *img;
	int fds[4];

	img = tu_open(path, IMG_FMT_QCOW2, IMG_RDONLY, 0);
	check("read-only: map_write is -EROFS",
	      img && img_map_write(img, 0, 512, ext, 2, &w) == -EROFS, NULL);
	check("read-only: discard is -EROFS, flush 0",
	      img && img_discard(img, 0, CL) == -EROFS && !img_flush(img),
	      NULL);
	img_close(img);

	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("bad ranges are -EINVAL",
	      img && img_map_read(img, 1 << 20, 1, ext, 2) == -EINVAL &&
		      img_map_read(img, 0, 0, ext, 2) == -EINVAL &&
		      img_map_read(img, 512, UINT64_MAX, ext, 2) == -EINVAL &&
		      img_map_read(img, 0, 512, ext, 0) == -EINVAL &&
		      img_map_write(img, (1 << 20) - 512, 1024, ext, 2, &w) ==
			      -EINVAL &&
		      img_discard(img, UINT64_MAX - 1, 2) == -EINVAL,
	      NULL);
	check("qcow2 is not passthrough (flush and discard need the layer)",
	      img && (img_get_info(img, &info), !info.passthrough), NULL);
	check("img_files: the image alone, the fd extents name",
	      img && img_files(img, fds, 4) == 1 &&
		      img_map_read(img, 0, 512, ext, 2) == 1 &&
		      ext[0].fd == fds[0] && ext[0].file == 0,
	      NULL);
	img_close(img);
}

static void test_bounded_cache(const char *dir)
{
	struct img *img = fresh_image(dir, "cache", "64M", 2);
	struct img_stats st;
	uint64_t off;
	uint8_t buf[512];
	bool ok = img != NULL;

	/* With 4 KiB clusters an L2 table covers 2 MiB: touch 32 tables. */
	memset(buf, 0x11, sizeof(buf));
	for (off = 0; ok && off < (64 << 20); off += 1 << 20)
		ok = !img_pwrite(img, buf, off, sizeof(buf));
	for (off = 0; ok && off < (64 << 20); off += 1 << 20)
		ok = !img_pread(img, buf, off, sizeof(buf)) && buf[0] == 0x11;
	img_get_stats(img, &st);
	check("the L2 cache never holds more than its bound",
	      ok && st.l2_cached <= 2 && st.l2_misses >= 32, "cached %llu",
	      (unsigned long long)st.l2_cached);
	img_close(img);
	check("and the image stays consistent", tu_qemu_check(path) == 0, NULL);
}

int main(void)
{
	const char *dir = tu_setup(true);
	struct img *img = fresh_image(dir, "alloc", "1M", 0);

	if (!img)
		check_fatal("image", EIO);
	tu_model_init(&model, 1 << 20);
	test_invisible_until_done(img);
	test_two_writes_one_cluster(img);
	test_failed_write_gives_back(img);
	test_prefix(img);
	test_discard_racing_write(img);
	test_flush_costs(img);
	img_close(img);
	check("qemu-img check clean after all of it (no leak either)",
	      tu_qemu_check(path) == 0, NULL);
	test_refusals(dir);
	test_bounded_cache(dir);
	tu_model_free(&model);
	return check_failures ? 1 : 0;
}
