/*
 * test-qcow2-discard.c - discard frees clusters: after discarding parts
 * of a full image, `qemu-img map` shows those ranges unallocated, the
 * file occupies less space, `qemu-img check` finds neither errors nor
 * leaks, only whole clusters inside a range go (the last, short cluster
 * of the disk counts as whole), and writing there again reuses the
 * freed clusters instead of growing the file.
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIB (1ull << 20)
#define CL 65536ull
#define SIZE (16 * MIB + 32768) /* ends inside a cluster */

struct range {
	uint64_t off, len;
};

/* Guest ranges discarded, and what of them must end up unallocated
 * (the whole clusters inside). */
static const struct range discards[] = {
	{ 0, 4 * MIB },
	{ 6 * MIB + 100, 2 * MIB - 200 },
	{ 12 * MIB, 1000 }, /* less than a cluster: nothing freed */
	{ 16 * MIB, 32768 }, /* the short last cluster */
};
static const struct range freed[] = {
	{ 0, 4 * MIB },
	{ 6 * MIB + CL, 2 * MIB - 2 * CL },
	{ 16 * MIB, 32768 },
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * `qemu-img map` lists the guest ranges that have data in the image
 * ("0x10000 0x30000 0x50000 /path" per line); none may overlap a freed
 * range, and every other range must be listed.
 */
static bool map_agrees(const char *path)
{
	char out[65536], *line, *save;
	uint64_t off, len, mapped = 0;
	size_t i;

	if (tu_capture(out, sizeof(out), "qemu-img map -f qcow2 '%s'", path))
		return false;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%" SCNx64 " %" SCNx64, &off, &len) != 2)
			continue;
		for (i = 0; i < sizeof(freed) / sizeof(freed[0]); i++) {
			if (overlaps(off, len, freed[i].off, freed[i].len)) {
				printf("still mapped: %s\n", line);
				return false;
			}
		}
		mapped += len;
	}
	for (i = 0; i < sizeof(freed) / sizeof(freed[0]); i++)
		mapped += freed[i].len;
	if (mapped != SIZE)
		printf("mapped + freed = %llu, size %llu\n",
		       (unsigned long long)mapped, (unsigned long long)SIZE);
	return mapped == SIZE;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

int main(void)
{
	const char *dir = tu_setup(true);
	uint64_t full, after, size_before, freed_bytes = 0;
	struct img_stats st;
	struct tu_model m;
	char path[256];
	struct img *img;
	bool ok;
	size_t i;

	tu_seed(777);
	snprintf(path, sizeof(path), "%s/discard.qcow2", dir);
	tu_run("qemu-img create -q -f qcow2 -o cluster_size=%llu '%s' %llu", CL,
	       path, (unsigned long long)SIZE);
	tu_model_init(&m, SIZE);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img != NULL;
	for (i = 0; ok && i * MIB < SIZE; i++)
		ok = tu_write(img, &m, i * MIB,
			      SIZE - i * MIB < MIB ? SIZE - i * MIB : MIB,
			      i + 1);
	img_close(img);
	full = tu_allocated(path);
	check("image written full", ok && tu_qemu_check(path) == 0, NULL);

	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	for (i = 0; img && i < sizeof(discards) / sizeof(discards[0]); i++)
		ok = ok && !img_discard(img, discards[i].off, discards[i].len);
	ok = ok && img && !img_flush(img);
	img_get_stats(img, &st);
	for (i = 0; i < sizeof(freed) / sizeof(freed[0]); i++) {
		memset(m.buf + freed[i].off, 0, freed[i].len);
		freed_bytes += freed[i].len;
	}
	check("discards and a flush succeed", ok, NULL);
	check("every whole cluster in the ranges freed, nothing else",
	      st.clusters_freed == (freed_bytes + CL - 1) / CL, "%llu freed",
	      (unsigned long long)st.clusters_freed);
	check("freed clusters read as zeros, the rest unchanged",
	      img && tu_img_matches(img, &m), NULL);
	img_close(img);

	after = tu_allocated(path);
	check("the file occupies less space",
	      after + freed_bytes * 9 / 10 <= full, "%llu -> %llu bytes",
	      (unsigned long long)full, (unsigned long long)after);
	check("qemu-img check: no errors, no leaks", tu_qemu_check(path) == 0,
	      NULL);
	check("qemu-img map: the freed ranges are unallocated",
	      map_agrees(path), NULL);
	check("qemu-img convert matches", tu_qemu_matches(path, "qcow2", &m),
	      NULL);

	size_before = file_size(path);
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img && tu_write(img, &m, 0, 4 * MIB, 99) &&
	     tu_write(img, &m, 6 * MIB, 2 * MIB, 98);
	img_close(img);
	check("writing there again reuses the freed clusters",
	      ok && file_size(path) == size_before, "%llu -> %llu",
	      (unsigned long long)size_before,
	      (unsigned long long)file_size(path));
	check("and the image stays right",
	      tu_qemu_check(path) == 0 && tu_qemu_matches(path, "qcow2", &m),
	      NULL);

	/* Closing right after a discard: the close's own flush frees the
	 * clusters, and their refcounts must still reach the disk. */
	img = tu_open(path, IMG_FMT_QCOW2, 0, 0);
	ok = img && !img_discard(img, 10 * MIB, MIB);
	img_close(img);
	memset(m.buf + 10 * MIB, 0, MIB);
	check("discard then close: no leak, image right",
	      ok && tu_qemu_check(path) == 0 &&
		      tu_qemu_matches(path, "qcow2", &m),
	      NULL);
	tu_model_free(&m);
	return check_failures ? 1 : 0;
}
