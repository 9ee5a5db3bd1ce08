/*
 * test-qcow2-rw.c - qcow2 read and write through the image layer, judged
 * by qemu-img: images made by `qemu-img create` in several geometries
 * (cluster sizes 512 B to 2 MiB, refcount widths 1 to 64 bits, caches of
 * one or two tables), written at random offsets and lengths (inside a
 * cluster, across clusters, unaligned bytes), read back through the
 * layer and through `qemu-img convert`, and `qemu-img check` clean after
 * every case. One case writes from several threads at once.
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct geometry {
	const char *name;
	unsigned cluster;
	unsigned refcount_bits;
	uint64_t size;
	unsigned cache; /* L2 and refcount blocks kept; 0: default */
	unsigned ops;
};

static const struct geometry geometries[] = {
	{ "64k", 65536, 16, 64 << 20, 0, 300 },
	/* One refcount-table cluster covers 4096 clusters (2 MiB): the
	 * table must grow, and a cache of two forces evictions. */
	{ "512b-refcount64", 512, 64, 8 << 20, 2, 400 },
	{ "4k-refcount1", 4096, 1, 32 << 20, 0, 300 },
	/* An L2 table covers 2 MiB: 32 tables through a cache of one. */
	{ "4k-l2cache1", 4096, 8, 64 << 20, 1, 300 },
	{ "2m", 2 << 20, 16, 64 << 20, 0, 100 },
	{ "32k-refcount2", 32768, 2, 16 << 20, 0, 200 },
};

/* An offset and length of one of the shapes that matter. */
static void pick_range(uint64_t size, unsigned cluster, uint64_t *off,
		       uint64_t *len)
{
	unsigned kind = tu_rand_below(8);
	uint64_t c;

	switch (kind) {
	case 0: /* ends just past a cluster boundary */
		c = (1 + tu_rand_below(size / cluster - 1)) * cluster;
		*off = c - 512 * (1 + tu_rand_below(4));
		*len = 512 * (1 + tu_rand_below(16));
		break;
	case 1: /* unaligned bytes */
		*off = tu_rand_below(size);
		*len = 1 + tu_rand_below(3 * cluster);
		break;
	case 2: /* several whole clusters */
		*off = tu_rand_below(size / cluster) * cluster;
		*len = cluster * (1 + tu_rand_below(4));
		break;
	case 3: /* big */
		*off = tu_rand_below(size / 512) * 512;
		*len = 512 * (1 + tu_rand_below(2048));
		break;
	default: /* a few sectors */
		*off = tu_rand_below(size / 512) * 512;
		*len = 512 * (1 + tu_rand_below(8));
	}
	if (*off >= size)
		*off = size - 512;
	if (*len > size - *off)
		*len = size - *off;
}

static bool read_matches(struct img *img, const struct tu_model *m,
			 uint64_t off, uint64_t len)
{
	uint8_t *buf = malloc(len);
	bool ok = buf && !img_pread(img, buf, off, len) &&
		  !memcmp(buf, m->buf + off, len);

	free(buf);
	return ok;
}

/* ops random writes, with reads, checks and flushes in between. */
static bool random_io(struct img *img, struct tu_model *m, unsigned cluster,
		      unsigned ops, uint32_t tag_base)
{
	uint64_t off, len;
	unsigned i;

	for (i = 0; i < ops; i++) {
		pick_range(m->size, cluster, &off, &len);
		if (!tu_write(img, m, off, len, tag_base + i))
			return false;
		pick_range(m->size, cluster, &off, &len);
		if (!read_matches(img, m, off, len)) {
			printf("read of [%llu, +%llu) after write %u differs\n",
			       (unsigned long long)off, (unsigned long long)len,
			       i);
			return false;
		}
		if (tu_rand_below(16) == 0 && img_flush(img)) {
			printf("img_flush failed\n");
			return false;
		}
	}
	return true;
}

static void test_geometry(const char *dir, const struct geometry *g)
{
	char path[256], name[128];
	struct tu_model m;
	struct img *img;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s.qcow2", dir, g->name);
	tu_model_init(&m, g->size);
	ok = !tu_run("qemu-img create -q -f qcow2 -o "
		     "cluster_size=%u,refcount_bits=%u '%s' %llu",
		     g->cluster, g->refcount_bits, path,
		     (unsigned long long)g->size);
	img = ok ? tu_open(path, IMG_FMT_QCOW2, 0, g->cache) : NULL;
	snprintf(name, sizeof(name), "%s: random writes read back", g->name);
	ok = img && random_io(img, &m, g->cluster, g->ops, 1);
	check(name, ok && tu_img_matches(img, &m), NULL);
	img_close(img);

	snprintf(name, sizeof(name), "%s: qemu-img check clean", g->name);
	check(name, tu_qemu_check(path) == 0, NULL);
	snprintf(name, sizeof(name), "%s: qemu-img convert matches", g->name);
	check(name, tu_qemu_matches(path, "qcow2", &m), NULL);

	/* Reopened, with the default caches: what is on disk is right. */
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img && tu_img_matches(img, &m);
	ok = ok && random_io(img, &m, g->cluster, g->ops / 4, 100000);
	img_close(img);
	snprintf(name, sizeof(name), "%s: reopened, rewritten, still right",
		 g->name);
	check(name,
	      ok && tu_qemu_check(path) == 0 &&
		      tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

/* --- several threads, one image ----------------------------------------------- */

#define THREADS 4

struct worker {
	struct img *img;
	struct tu_model *m;
	unsigned index;
	bool ok;
};

/* Each thread owns a stripe of the disk; the stripes share L2 tables and
 * refcount blocks, so the lock is what keeps them apart. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t stripe = w->m->size / THREADS, base = stripe * w->index;
	uint64_t seed = 0x9e37 + w->index, off, len;
	uint8_t *buf = malloc(256 << 10);
	unsigned i;

	w->ok = buf != NULL;
	for (i = 0; w->ok && i < 400; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		off = base + ((seed >> 20) % (stripe / 512)) * 512;
		len = 512 * (1 + (seed >> 50) % 256);
		if (off + len > base + stripe)
			len = base + stripe - off;
		tu_pattern(buf, off, len, 7000 + w->index * 1000 + i);
		w->ok = !img_pwrite(w->img, buf, off, len);
		memcpy(w->m->buf + off, buf, len);
		if (w->ok && i % 50 == 49)
			w->ok = !img_flush(w->img);
	}
	free(buf);
	return NULL;
}

static void test_threads(const char *dir)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	char path[256];
	struct tu_model m;
	struct img *img;
	bool ok = true;
	unsigned i;

	snprintf(path, sizeof(path), "%s/threads.qcow2", dir);
	tu_model_init(&m, 64 << 20);
	tu_run("qemu-img create -q -f qcow2 -o cluster_size=4096 '%s' 64M",
	       path);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 4);
	for (i = 0; img && i < THREADS; i++) {
		w[i] = (struct worker){ .img = img, .m = &m, .index = i };
		pthread_create(&t[i], NULL, worker_main, &w[i]);
	}
	for (i = 0; img && i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ok = ok && w[i].ok;
	}
	check("threads: four writers at once read back",
	      img && ok && tu_img_matches(img, &m), NULL);
	img_close(img);
	check("threads: qemu-img check clean, convert matches",
	      tu_qemu_check(path) == 0 && tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
}

int main(void)
{
	const char *dir = tu_setup(true);
	size_t i;

	tu_seed(20261205);
	for (i = 0; i < sizeof(geometries) / sizeof(geometries[0]); i++)
		test_geometry(dir, &geometries[i]);
	test_threads(dir);
	return check_failures ? 1 : 0;
}
