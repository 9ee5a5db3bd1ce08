/*
 * test-qcow2-hostile.c - images that are malformed, hostile or use what
 * we do not implement are refused cleanly: img_open returns NULL with
 * the right errno and a sentence that names the problem (and the fix,
 * where there is one); what only a read-only open may accept (dirty or
 * corrupt bit, version 2, internal snapshots) opens read-only; corrupt
 * tables found later fail the request, not the process; a FIFO does not
 * hang the open; a refcount of 0 on the header cluster does not get the
 * header overwritten; unknown autoclear bits are cleared before writing.
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;
static char path[256];

/* One header field patched: offset, width in bytes (4 or 8), value. */
struct patch {
	unsigned off, width;
	uint64_t value;
};

struct header_case {
	const char *name;
	struct patch p[2];
	unsigned flags;
	int err;
	const char *says; /* in why */
};

#define U32(o, v)       \
	{               \
		o, 4, v \
	}
#define U64(o, v)       \
	{               \
		o, 8, v \
	}

static const struct header_case header_cases[] = {
	{ "bad magic", { U32(0, 0x51464900) }, 0, EINVAL, "not a qcow2" },
	{ "version 4", { U32(4, 4) }, 0, EOPNOTSUPP, "version 4" },
	{ "version 1", { U32(4, 1) }, 0, EINVAL, "version 1" },
	{ "cluster_bits 8", { U32(20, 8) }, 0, EINVAL, "cluster_bits" },
	{ "cluster_bits 22", { U32(20, 22) }, 0, EINVAL, "cluster_bits" },
	{ "cluster_bits ~0",
	  { U32(20, 0xffffffff) },
	  0,
	  EINVAL,
	  "cluster_bits" },
	{ "size 2^63", { U64(24, 1ull << 63) }, 0, EINVAL, "virtual size" },
	{ "size beyond the L1 table",
	  { U64(24, 1ull << 40) },
	  0,
	  EINVAL,
	  "L1 table" },
	{ "L1 of 2^31 entries",
	  { U32(36, 0x7fffffff) },
	  0,
	  EINVAL,
	  "too large" },
	{ "L1 offset unaligned",
	  { U64(40, 0x30008) },
	  0,
	  EINVAL,
	  "L1 table offset" },
	{ "L1 offset past the end",
	  { U64(40, 1ull << 40) },
	  0,
	  EINVAL,
	  "L1 table offset" },
	{ "refcount table offset 0",
	  { U64(48, 0) },
	  0,
	  EINVAL,
	  "refcount table offset" },
	{ "refcount table past the end",
	  { U64(48, 1ull << 50) },
	  0,
	  EINVAL,
	  "refcount table offset" },
	{ "refcount table of 0 clusters",
	  { U32(56, 0) },
	  0,
	  EINVAL,
	  "refcount table of 0" },
	{ "refcount table of 2^32-1 clusters",
	  { U32(56, 0xffffffff) },
	  0,
	  EINVAL,
	  "refcount table of" },
	{ "refcount_order 7", { U32(96, 7) }, 0, EINVAL, "refcount_order" },
	{ "header_length 100", { U32(100, 100) }, 0, EINVAL, "header_length" },
	{ "header_length 113", { U32(100, 113) }, 0, EINVAL, "header_length" },
	{ "header_length past the cluster",
	  { U32(100, 0x20000) },
	  0,
	  EINVAL,
	  "header_length" },
	{ "extension overrunning the header",
	  { U32(116, 0x10000) },
	  0,
	  EINVAL,
	  "overruns" },
	{ "unknown incompatible bit 9",
	  { U64(72, 1 << 9) },
	  0,
	  EOPNOTSUPP,
	  "bit 9" },
	{ "external data file",
	  { U64(72, 1 << 2) },
	  0,
	  EOPNOTSUPP,
	  "external data file" },
	{ "compression type",
	  { U64(72, 1 << 3) },
	  0,
	  EOPNOTSUPP,
	  "compression" },
	{ "extended L2 bit", { U64(72, 1 << 4) }, 0, EOPNOTSUPP, "extended L2" },
	{ "AES encryption", { U32(32, 1) }, 0, EOPNOTSUPP, "encrypted" },
	{ "LUKS encryption", { U32(32, 2) }, 0, EOPNOTSUPP, "encrypted" },
	{ "dirty bit, writable",
	  { U64(72, 1) },
	  0,
	  EROFS,
	  "qemu-img check -r all" },
	{ "corrupt bit, writable",
	  { U64(72, 2) },
	  0,
	  EROFS,
	  "qemu-img check -r all" },
	{ "dirty bit, read-only", { U64(72, 1) }, IMG_RDONLY, 0, NULL },
	{ "corrupt bit, read-only", { U64(72, 2) }, IMG_RDONLY, 0, NULL },
	{ "backing name of 2000 bytes",
	  { U64(8, 512), U32(16, 2000) },
	  0,
	  EINVAL,
	  "backing file name" },
	{ "backing name past the cluster",
	  { U64(8, 65530), U32(16, 100) },
	  0,
	  EINVAL,
	  "backing file name" },
	{ "backing name inside the header",
	  { U64(8, 16), U32(16, 8) },
	  0,
	  EINVAL,
	  "backing file name" },
};

static void write_field(int fd, const struct patch *p)
{
	uint32_t v32 = htobe32(p->value);
	uint64_t v64 = htobe64(p->value);
	const void *v = p->width == 4 ? (const void *)&v32 : (const void *)&v64;

	if (p->width && pwrite(fd, v, p->width, p->off) != p->width)
		check_fatal("patch", errno);
}

static void patch_file(const char *p, const struct patch *patches, unsigned n)
{
	int fd = open(p, O_RDWR | O_CLOEXEC);
	unsigned i;

	if (fd < 0)
		check_fatal(p, errno);
	for (i = 0; i < n; i++)
		write_field(fd, &patches[i]);
	close(fd);
}

static void fresh(const char *opts)
{
	snprintf(path, sizeof(path), "%s/h.qcow2", dir);
	if (tu_run("qemu-img create -q -f qcow2 %s '%s' 1M", opts, path))
		check_fatal("qemu-img create", EIO);
}

/* Open and expect: err 0 means success, else NULL with that errno and
 * `says` in why. */
static void expect_open(const char *name, const char *p, enum img_format fmt,
			unsigned flags, int err, const char *says)
{
	struct img_open_args args = { .format = fmt, .flags = flags };
	char why[512] = "";
	struct img *img = img_open(p, &args, why, sizeof(why));
	int got = img ? 0 : errno;

	check(name, got == err && (!says || strstr(why, says)),
	      "errno %d (%s), why \"%s\"", got, strerror(got), why);
	if (err == 0 && img) {
		snprintf(why, sizeof(why), "%s (and flushes)", name);
		check(why, img_flush(img) == 0, NULL);
	}
	img_close(img);
}

static void test_header_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *c = &header_cases[i];

		fresh("");
		patch_file(path, c->p, 2);
		expect_open(c->name, path, IMG_FMT_QCOW2, c->flags, c->err,
			    c->says);
	}
}

/* The image's own feature table names the unknown bit. */
static void test_feature_name(void)
{
	static const struct patch p[] = { U64(72, 1 << 5) };
	int fd;

	fresh("");
	patch_file(path, p, 1);
	fd = open(path, O_RDWR | O_CLOEXEC);
	/* The first entry of qemu-img's table (at 120): incompatible bit 0
	 * "dirty bit"; make it bit 5 "frobnicate". */
	if (fd < 0 || pwrite(fd,
			     "\0\x05"
			     "frobnicate",
			     13, 120) != 13)
		check_fatal("feature table", errno);
	close(fd);
	expect_open("unknown bit named by the image's feature table", path,
		    IMG_FMT_QCOW2, 0, EOPNOTSUPP, "'frobnicate'");
}

static void test_files(void)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/empty", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	close(fd);
	expect_open("an empty file", p, IMG_FMT_QCOW2, 0, EINVAL,
		    "not a qcow2");
	snprintf(p, sizeof(p), "%s/short", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "QFI\xfb\0\0\0\x03", 8) != 8)
		check_fatal("short", errno);
	close(fd);
	expect_open("a truncated header", p, IMG_FMT_QCOW2, 0, EINVAL,
		    "not a qcow2");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	mkfifo(p, 0600);
	expect_open("a FIFO is refused, not waited on", p, IMG_FMT_QCOW2, 0,
		    EINVAL, "not a regular file");
	snprintf(p, sizeof(p), "%s/missing.qcow2", dir);
	expect_open("a missing file", p, IMG_FMT_QCOW2, 0, ENOENT,
		    "cannot open");
	tu_run("qemu-img create -q -f raw '%s/r.raw' 1M", dir);
	snprintf(p, sizeof(p), "%s/r.raw", dir);
	expect_open("a raw file said to be qcow2", p, IMG_FMT_QCOW2, 0, EINVAL,
		    "format=raw");
	tu_run("qemu-img create -q -f qcow2 -o extended_l2=on '%s/e.qcow2' 1M",
	       dir);
	snprintf(p, sizeof(p), "%s/e.qcow2", dir);
	expect_open("extended L2 entries (qemu-img made)", p, IMG_FMT_QCOW2, 0,
		    EOPNOTSUPP, "extended_l2=off");
}

static void test_backing_refusals(void)
{
	char p[256], why[512];

	fresh("-u -b 'nbd://localhost:10809/x' -F raw");
	expect_open("a backing file behind a protocol", path, IMG_FMT_QCOW2, 0,
		    EOPNOTSUPP, "protocol");
	fresh("-u -b h.qcow2 -F qcow2");
	expect_open("an image that is its own backing file", path,
		    IMG_FMT_QCOW2, 0, ELOOP, "deeper than");
	fresh("-u -b nothere.raw -F raw");
	snprintf(why, sizeof(why), "%s/nothere.raw: cannot open", dir);
	expect_open("a missing backing file, named with its resolved path",
		    path, IMG_FMT_QCOW2, 0, ENOENT, why);
	fresh("-u -b nothere.raw -F vmdk");
	expect_open("a backing format we do not read", path, IMG_FMT_QCOW2, 0,
		    EOPNOTSUPP, "'vmdk'");
	snprintf(p, sizeof(p), "%s/base.raw", dir);
	tu_run("qemu-img create -q -f raw '%s' 1M", p);
	fresh("-b base.raw -F raw");
	expect_open("IMG_NO_BACKING refuses an image with a backing file", path,
		    IMG_FMT_QCOW2, IMG_NO_BACKING, EPERM, "refuses");
	expect_open("the same image opens without IMG_NO_BACKING", path,
		    IMG_FMT_QCOW2, 0, 0, NULL);
}

static void test_read_only_only(void)
{
	struct tu_model m;
	struct img *img;

	fresh("-o compat=0.10");
	expect_open("version 2, writable: refused with the upgrade command",
		    path, IMG_FMT_QCOW2, 0, EROFS, "compat=1.1");
	expect_open("version 2, read-only: opens", path, IMG_FMT_QCOW2,
		    IMG_RDONLY, 0, NULL);
	fresh("");
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	tu_model_init(&m, 1 << 20);
	tu_write(img, &m, 4096, 70000, 1);
	img_close(img);
	tu_run("qemu-img snapshot -c snap '%s'", path);
	expect_open("internal snapshots, writable: refused", path,
		    IMG_FMT_QCOW2, 0, EROFS, "snapshot");
	img = tu_open(path, IMG_FMT_QCOW2, IMG_RDONLY, 0);
	check("internal snapshots, read-only: reads the active state",
	      img && tu_img_matches(img, &m), NULL);
	img_close(img);
	tu_model_free(&m);
}

static uint64_t be64_at(int fd, uint64_t off)
{
	uint64_t v = 0;

	if (pread(fd, &v, 8, off) != 8)
		return 0;
	return be64toh(v);
}

static void put_be64(int fd, uint64_t off, uint64_t v)
{
	v = htobe64(v);
	if (pwrite(fd, &v, 8, off) != 8)
		check_fatal("put_be64", errno);
}

/* Tables that turn out corrupt fail the request that meets them. */
static void test_corrupt_tables(void)
{
	struct tu_model m;
	struct img *img;
	uint8_t buf[4096];
	uint64_t l1, l2;
	int fd;

	fresh("");
	tu_model_init(&m, 1 << 20);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	tu_write(img, &m, 0, 4096, 2);
	img_close(img);
	fd = open(path, O_RDWR | O_CLOEXEC);
	l1 = be64_at(fd, 40);
	l2 = be64_at(fd, l1) & 0x00fffffffffffe00ull;
	put_be64(fd, l2, be64_at(fd, l2) | 0x200); /* unaligned data cluster */
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("an unaligned data cluster: read is -EIO",
	      img && img_pread(img, buf, 0, 4096) == -EIO, NULL);
	check("and the rest of the disk still reads",
	      img && img_pread(img, buf, 1 << 19, 4096) == 0, NULL);
	img_close(img);
	put_be64(fd, l1, (1ull << 40) | (1ull << 63)); /* L2 past the end */
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("an L2 table past the end of the file: read is -EIO",
	      img && img_pread(img, buf, 0, 4096) == -EIO, NULL);
	img_close(img);
	put_be64(fd, l1, 0x300 | (1ull << 63)); /* unaligned L2 */
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("an unaligned L2 table: read and write are -EIO",
	      img && img_pread(img, buf, 0, 4096) == -EIO &&
		      img_pwrite(img, buf, 0, 4096) == -EIO,
	      NULL);
	img_close(img);
	close(fd);
	tu_model_free(&m);

	fresh("");
	fd = open(path, O_RDWR | O_CLOEXEC);
	put_be64(fd, be64_at(fd, 48), 0x10001); /* refcount block unaligned */
	close(fd);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("a corrupt refcount table entry: allocating write is -EIO",
	      img && img_pwrite(img, buf, 0, 4096) == -EIO, NULL);
	img_close(img);
}

/* The refcount of the header cluster says free: we must still never
 * allocate it (nor the L1 or refcount table). */
static void test_header_refcount_zero(void)
{
	struct tu_model m;
	struct img *img;
	uint64_t rb;
	int fd;
	bool ok;

	fresh("-o cluster_size=4096");
	fd = open(path, O_RDWR | O_CLOEXEC);
	rb = be64_at(fd, be64_at(fd, 48));
	if (pwrite(fd, "\0\0\0\0\0\0\0\0", 8, rb) != 8) /* clusters 0-3 */
		check_fatal("refblock", errno);
	close(fd);
	tu_model_init(&m, 1 << 20);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img && tu_write(img, &m, 0, 64 << 10, 3);
	img_close(img);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("header, L1 and refcount table refcounted 0: not overwritten",
	      ok && img && tu_img_matches(img, &m), NULL);
	img_close(img);
	tu_model_free(&m);
}

static void test_compressed(void)
{
	char src[256];
	uint8_t buf[4096];
	struct img *img;
	int fd;

	snprintf(src, sizeof(src), "%s/plain.raw", dir);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	memset(buf, 'x', sizeof(buf));
	if (fd < 0 || pwrite(fd, buf, 4096, 0) != 4096 ||
	    ftruncate(fd, 1 << 20))
		check_fatal(src, errno);
	close(fd);
	snprintf(path, sizeof(path), "%s/c.qcow2", dir);
	tu_run("qemu-img convert -c -f raw -O qcow2 '%s' '%s'", src, path);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	check("a compressed cluster: read is -EOPNOTSUPP",
	      img && img_pread(img, buf, 0, 4096) == -EOPNOTSUPP, NULL);
	check("a compressed cluster: write is -EOPNOTSUPP",
	      img && img_pwrite(img, buf, 0, 512) == -EOPNOTSUPP, NULL);
	check("the uncompressed rest reads and writes",
	      img && !img_pread(img, buf, 1 << 19, 4096) &&
		      !img_pwrite(img, buf, 1 << 19, 4096),
	      NULL);
	img_close(img);
	check("and qemu-img check stays clean", tu_qemu_check(path) == 0, NULL);
}

static void test_autoclear(void)
{
	static const struct patch p[] = { U64(88, 0x8000) };
	struct img *img;
	uint64_t v;
	int fd;

	fresh("");
	patch_file(path, p, 1);
	img = tu_open(path, IMG_FMT_QCOW2, IMG_RDONLY, 0);
	img_close(img);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	v = be64_at(fd, 88);
	close(fd);
	check("unknown autoclear bits: a read-only open leaves them",
	      v == 0x8000, NULL);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	img_close(img);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	v = be64_at(fd, 88);
	close(fd);
	check("unknown autoclear bits: a writable open clears them", v == 0,
	      NULL);
}

int main(void)
{
	dir = tu_setup(true);
	test_header_cases();
	test_feature_name();
	test_files();
	test_backing_refusals();
	test_read_only_only();
	test_corrupt_tables();
	test_header_refcount_zero();
	test_compressed();
	test_autoclear();
	return check_failures ? 1 : 0;
}
