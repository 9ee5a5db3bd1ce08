/*
 * bench-image.c - what the image layer costs a 4 KiB request, qcow2
 * against raw, measured in one run (make bench-image). Figures, never
 * pass/fail.
 *
 *   map        img_map_read of a random 4 KiB range
 *   map+done   img_map_write + img_write_done of an allocated range
 *   read I/O   the map, then a 4 KiB O_DIRECT pread of its extent
 *
 * Images: a raw file; a qcow2 with every cluster allocated (64 KiB
 * clusters, its L2 tables all in the default cache); a 64 GiB qcow2
 * whose 128 L2 tables do not fit the cache (random requests mostly
 * miss). The read I/O rows use 256 MiB images full of data.
 */
#include "backend/image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAP_OPS 1000000
#define IO_OPS 20000
#define BLK 4096

static char dir[] = "/var/tmp/bench-image-XXXXXX";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

static struct img *open_img(const char *name, enum img_format fmt,
			    unsigned flags)
{
	struct img_open_args args = { .format = fmt, .flags = flags };
	char path[256], why[256];
	struct img *img;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	img = img_open(path, &args, why, sizeof(why));
	if (!img) {
		fprintf(stderr, "bench-image: %s\n", why);
		exit(1);
	}
	return img;
}

static uint64_t *offsets(uint64_t size, unsigned n)
{
	uint64_t *o = malloc(n * sizeof(*o)), x = 88172645463325252ull;
	unsigned i;

	for (i = 0; o && i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		o[i] = x % (size / BLK) * BLK;
	}
	return o;
}

static double map_ns(struct img *img, const uint64_t *off, unsigned n)
{
	struct img_extent ext[4];
	double t = now_ns();
	unsigned i;

	for (i = 0; i < n; i++) {
		if (img_map_read(img, off[i], BLK, ext, 4) < 1)
			exit(2);
	}
	return (now_ns() - t) / n;
}

static double write_map_ns(struct img *img, const uint64_t *off, unsigned n)
{
	struct img_extent ext[4];
	struct img_write w;
	double t = now_ns();
	unsigned i;

	for (i = 0; i < n; i++) {
		if (img_map_write(img, off[i], BLK, ext, 4, &w) < 1 ||
		    img_write_done(img, &w, 0))
			exit(3);
	}
	return (now_ns() - t) / n;
}

static double read_io_ns(struct img *img, const uint64_t *off, unsigned n,
			 void *buf)
{
	struct img_extent ext[4];
	double t = now_ns();
	unsigned i;

	for (i = 0; i < n; i++) {
		if (img_map_read(img, off[i], BLK, ext, 4) != 1 ||
		    pread(ext[0].fd, buf, BLK, ext[0].host_off) != BLK)
			exit(4);
	}
	return (now_ns() - t) / n;
}

static void row(const char *what, double raw, double q, double big)
{
	printf("%-10s %10.0f %10.0f %10.0f   %8.2f %8.2f\n", what, raw, q, big,
	       q / raw, big / raw);
}

int main(void)
{
	uint64_t *off_small, *off_big, *off_io;
	struct img *raw, *q, *big;
	double r1, q1, b1, r2, q2, b2, r3, q3;
	void *buf;

	if (!mkdtemp(dir) || posix_memalign(&buf, BLK, BLK))
		return 1;
	if (sh("truncate -s 1G %s/raw.img && qemu-img create -q -f qcow2 -o "
	       "preallocation=metadata %s/q.qcow2 1G",
	       dir, dir) ||
	    sh("qemu-img create -q -f qcow2 -o preallocation=metadata "
	       "%s/big.qcow2 64G && head -c 256M /dev/urandom > %s/data.raw",
	       dir, dir) ||
	    sh("qemu-img convert -f raw -O qcow2 %s/data.raw %s/data.qcow2",
	       dir, dir) ||
	    sh("sync -f %s/data.raw%s", dir, "")) /* no dirty pages left */
		return 1;
	off_small = offsets(1ull << 30, MAP_OPS);
	off_big = offsets(64ull << 30, MAP_OPS);
	off_io = offsets(256ull << 20, IO_OPS + 2000);

	raw = open_img("raw.img", IMG_FMT_RAW, 0);
	q = open_img("q.qcow2", IMG_FMT_QCOW2, 0);
	big = open_img("big.qcow2", IMG_FMT_QCOW2, 0);
	map_ns(q, off_small, MAP_OPS); /* warm the cache */
	r1 = map_ns(raw, off_small, MAP_OPS);
	q1 = map_ns(q, off_small, MAP_OPS);
	b1 = map_ns(big, off_big, MAP_OPS / 10);
	r2 = write_map_ns(raw, off_small, MAP_OPS);
	q2 = write_map_ns(q, off_small, MAP_OPS);
	b2 = write_map_ns(big, off_big, MAP_OPS / 10);
	img_close(raw);
	img_close(q);
	img_close(big);

	raw = open_img("data.raw", IMG_FMT_RAW, IMG_DIRECT);
	q = open_img("data.qcow2", IMG_FMT_QCOW2, IMG_DIRECT);
	read_io_ns(raw, off_io, 2000, buf); /* warm */
	read_io_ns(q, off_io, 2000, buf);
	/* Interleaved halves, so a change in the machine's load hits both. */
	r3 = read_io_ns(raw, off_io + 2000, IO_OPS / 2, buf);
	q3 = read_io_ns(q, off_io + 2000, IO_OPS / 2, buf);
	r3 += read_io_ns(raw, off_io + 2000 + IO_OPS / 2, IO_OPS / 2, buf);
	q3 += read_io_ns(q, off_io + 2000 + IO_OPS / 2, IO_OPS / 2, buf);
	r3 /= 2;
	q3 /= 2;
	img_close(raw);
	img_close(q);

	printf("bench-image: ns per 4 KiB request (one thread)\n");
	printf("%-10s %10s %10s %10s   %8s %8s\n", "", "raw", "qcow2",
	       "qcow2-64G", "q/raw", "64G/raw");
	row("map", r1, q1, b1);
	row("map+done", r2, q2, b2);
	printf("%-10s %10.0f %10.0f %10s   %8.2f\n", "read I/O", r3, q3, "-",
	       q3 / r3);
	printf("(qcow2: 1 GiB, every L2 table cached; qcow2-64G: 128 L2 tables, "
	       "cache of 32; read I/O: O_DIRECT pread on 256 MiB of data)\n");
	sh("rm -rf %s%s", dir, "");
	free(off_small);
	free(off_big);
	free(off_io);
	free(buf);
	return 0;
}
