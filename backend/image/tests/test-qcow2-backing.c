/*
 * test-qcow2-backing.c - qcow2 over a read-only backing chain: partial
 * writes copy the rest of their cluster from the backing file (or
 * zeros past its end), reads fall through to the right level, a
 * relative backing name resolves against the image's directory (not
 * ours), a chain of three levels, a backing file smaller than the image
 * and ending inside a cluster, discard showing zeros rather than the
 * backing file's data, a backing file whose format is not recorded
 * (recognised by its magic). The backing files never change; qemu-img
 * judges every image.
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB (1ull << 20)

static const char *dir;

static void write_raw(const char *name, uint64_t size, uint32_t tag)
{
	char p[256];
	uint8_t *buf = malloc(size);
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	tu_pattern(buf, 0, size, tag);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
		check_fatal(p, errno);
	close(fd);
	free(buf);
}

static bool file_has_pattern(const char *name, uint64_t size, uint32_t tag)
{
	struct tu_model m;
	char p[256];
	uint8_t *want = malloc(size);
	bool ok;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	tu_model_init(&m, size);
	tu_pattern(want, 0, size, tag);
	ok = !tu_model_load(&m, p) && !memcmp(m.buf, want, size);
	tu_model_free(&m);
	free(want);
	return ok;
}

/* qemu-img create run inside dir, so the backing name stays relative. */
static int create_overlay(const char *name, const char *backing,
			  const char *bfmt, unsigned cluster, uint64_t size)
{
	return tu_run("cd '%s' && qemu-img create -q -f qcow2 -o "
		      "cluster_size=%u -b '%s' -F %s '%s' %llu",
		      dir, cluster, backing, bfmt, name,
		      (unsigned long long)size);
}

/* Writes that start or end inside clusters, so most of them copy. */
static bool partial_writes(struct img *img, struct tu_model *m,
			   unsigned cluster, unsigned n, uint32_t tag)
{
	uint64_t off, len;
	unsigned i;

	for (i = 0; i < n; i++) {
		off = tu_rand_below(m->size / 512) * 512;
		len = 512 * (1 + tu_rand_below(3 * cluster / 512));
		if (len > m->size - off)
			len = m->size - off;
		if (!tu_write(img, m, off, len, tag + i))
			return false;
	}
	return true;
}

/* Opened by a path relative to the parent of dir, from there: the
 * backing name "base.raw" must resolve to <dir>/base.raw. */
static struct img *open_relative(const char *name, unsigned flags)
{
	char copy[256], rel[256];
	struct img *img;
	char cwd[4096];

	snprintf(copy, sizeof(copy), "%s", dir);
	snprintf(rel, sizeof(rel), "%s/%s", basename(copy), name);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	snprintf(copy, sizeof(copy), "%s", dir);
	if (chdir(dirname(copy)))
		return NULL;
	img = tu_open(rel, IMG_FMT_QCOW2, flags, 0);
	if (chdir(cwd))
		check_fatal("chdir", errno);
	return img;
}

static void test_raw_backing(void)
{
	char path[256];
	struct tu_model m;
	struct img_stats st;
	struct img *img;
	bool ok;

	write_raw("base.raw", 8 * MIB, 100);
	create_overlay("over.qcow2", "base.raw", "raw", 65536, 8 * MIB);
	snprintf(path, sizeof(path), "%s/over.qcow2", dir);
	tu_model_init(&m, 8 * MIB);
	tu_pattern(m.buf, 0, m.size, 100);
	img = open_relative("over.qcow2", 0);
	check("raw backing: opened by a relative path from elsewhere",
	      img != NULL, NULL);
	check("raw backing: unwritten areas read the backing file",
	      img && tu_img_matches(img, &m), NULL);
	ok = img && partial_writes(img, &m, 65536, 200, 200);
	img_get_stats(img, &st);
	check("raw backing: partial writes read back",
	      ok && tu_img_matches(img, &m), NULL);
	check("raw backing: the writes copied from the backing file",
	      st.cow_bytes > 0, NULL);
	img_close(img);
	check("raw backing: qemu-img check clean, convert matches",
	      tu_qemu_check(path) == 0 && tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	check("raw backing: the backing file is unchanged",
	      file_has_pattern("base.raw", 8 * MIB, 100), NULL);
	tu_model_free(&m);
}

static void test_chain_of_three(void)
{
	char mid[256], top[256];
	struct img_extent ext[4];
	struct tu_model m;
	struct img *img;
	int fds[4];
	bool ok;

	write_raw("chain-base.raw", 4 * MIB, 300);
	create_overlay("chain-mid.qcow2", "chain-base.raw", "raw", 4096,
		       4 * MIB);
	create_overlay("chain-top.qcow2", "chain-mid.qcow2", "qcow2", 16384,
		       4 * MIB);
	snprintf(mid, sizeof(mid), "%s/chain-mid.qcow2", dir);
	snprintf(top, sizeof(top), "%s/chain-top.qcow2", dir);
	tu_model_init(&m, 4 * MIB);
	tu_pattern(m.buf, 0, m.size, 300);

	img = tu_open(mid, IMG_FMT_QCOW2, 0, 0);
	ok = img && partial_writes(img, &m, 4096, 100, 400);
	img_close(img);
	img = tu_open(top, IMG_FMT_QCOW2, 0, 0);
	check("chain: three files, in order",
	      img && img_files(img, fds, 4) == 3, NULL);
	check("chain: untouched bytes come from the raw base (file 2)",
	      img && img_map_read(img, 4 * MIB - 512, 512, ext, 4) >= 1 &&
		      ext[0].kind == IMG_EXT_DATA && ext[0].file == 2,
	      NULL);
	ok = ok && img && partial_writes(img, &m, 16384, 150, 600);
	check("chain: writes on top of writes in the middle read back",
	      ok && tu_img_matches(img, &m), NULL);
	img_close(img);
	check("chain: qemu-img check clean (both), convert matches",
	      tu_qemu_check(mid) == 0 && tu_qemu_check(top) == 0 &&
		      tu_qemu_matches(top, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

/* A backing file of 3 MiB + 1000 bytes under a 6 MiB image: the cluster
 * holding its end copies part data, part zeros. */
static void test_short_backing(void)
{
	uint64_t bsize = 3 * MIB + 1000, end;
	char path[256];
	struct tu_model m;
	struct img *img;
	bool ok;

	write_raw("short.raw", bsize, 700);
	create_overlay("short.qcow2", "short.raw", "raw", 65536, 6 * MIB);
	snprintf(path, sizeof(path), "%s/short.qcow2", dir);
	tu_model_init(&m, 6 * MIB);
	tu_pattern(m.buf, 0, bsize, 700);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("short backing: reads past its end are zeros",
	      img && tu_img_matches(img, &m), NULL);
	end = bsize / 65536 * 65536;
	ok = img && tu_write(img, &m, end + 512, 512, 800) &&
	     tu_write(img, &m, end - 1024, 4096, 801) &&
	     partial_writes(img, &m, 65536, 100, 900);
	check("short backing: writes around its end read back",
	      ok && tu_img_matches(img, &m), NULL);
	img_close(img);
	check("short backing: qemu-img check clean, convert matches",
	      tu_qemu_check(path) == 0 && tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

static void test_discard_over_backing(void)
{
	char path[256];
	struct tu_model m;
	struct img *img;
	bool ok;

	write_raw("dbase.raw", 4 * MIB, 1000);
	create_overlay("dover.qcow2", "dbase.raw", "raw", 65536, 4 * MIB);
	snprintf(path, sizeof(path), "%s/dover.qcow2", dir);
	tu_model_init(&m, 4 * MIB);
	tu_pattern(m.buf, 0, m.size, 1000);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img && tu_write(img, &m, 0, 2 * MIB, 1100);
	ok = ok && !img_discard(img, 0, MIB) && !img_flush(img);
	memset(m.buf, 0, MIB);
	check("discard over a backing file reads zeros, not the backing "
	      "file",
	      ok && tu_img_matches(img, &m), NULL);
	img_close(img);
	check("discard over a backing file: check clean, convert matches",
	      tu_qemu_check(path) == 0 && tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

/* Turn the backing-format extension into an unknown one (which readers
 * skip): the format must then be recognised from the file. */
static bool forget_backing_format(const char *path)
{
	uint8_t buf[4096];
	int fd = open(path, O_RDWR | O_CLOEXEC);
	static const uint8_t type[4] = { 0xe2, 0x79, 0x2a, 0xca };
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf), 0);
	ssize_t i;
	bool done = false;

	for (i = 104; i + 4 <= n && !done; i += 4) {
		if (!memcmp(buf + i, type, 4))
			done = pwrite(fd, "\x0b\xad\xf0\x0d", 4, i) == 4;
	}
	if (fd >= 0)
		close(fd);
	return done;
}

static void test_unrecorded_format(void)
{
	char top[256], mid[256];
	struct tu_model m;
	struct img *img;

	write_raw("u-base.raw", 2 * MIB, 1200);
	create_overlay("u-mid.qcow2", "u-base.raw", "raw", 65536, 2 * MIB);
	create_overlay("u-top.qcow2", "u-mid.qcow2", "qcow2", 65536, 2 * MIB);
	snprintf(mid, sizeof(mid), "%s/u-mid.qcow2", dir);
	snprintf(top, sizeof(top), "%s/u-top.qcow2", dir);
	check("backing formats removed from the headers",
	      forget_backing_format(mid) && forget_backing_format(top), NULL);
	tu_model_init(&m, 2 * MIB);
	tu_pattern(m.buf, 0, m.size, 1200);
	img = tu_open(top, IMG_FMT_QCOW2, 0, 0);
	check("unrecorded backing formats recognised (qcow2, then raw)",
	      img && tu_write(img, &m, 1000, 70000, 1300) &&
		      tu_img_matches(img, &m),
	      NULL);
	img_close(img);
	check("and qemu-img agrees",
	      tu_qemu_check(top) == 0 && tu_qemu_matches(top, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

int main(void)
{
	dir = tu_setup(true);
	tu_seed(4242);
	test_raw_backing();
	test_chain_of_three();
	test_short_backing();
	test_discard_over_backing();
	test_unrecorded_format();
	return check_failures ? 1 : 0;
}
