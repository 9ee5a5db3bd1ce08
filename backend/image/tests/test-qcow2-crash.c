/*
 * test-qcow2-crash.c - a writer killed at any moment leaves an image
 * `qemu-img check` accepts (leaked clusters at most) and that holds
 * every write it had flushed.
 *
 * A child process writes (and now and then discards) at random, flushes
 * every few operations and reports each flush that returned through a
 * pipe; the parent SIGKILLs it at a random moment, mid-write or
 * mid-flush. Every operation is known in advance (one seed), so the
 * parent replays those before the last reported flush into a model and
 * then checks the image sector by sector, read by qemu-img: each sector
 * holds its flushed value, or the value of an operation issued after
 * that flush (those may or may not have landed). Several rounds, two
 * geometries (one with caches of two tables, so evictions flush in the
 * middle of writes).
 */
#include "backend/image/tests/util.h"

#include "tests/lib/check.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIZE (16ull << 20)
#define SECTOR 512u
#define NOPS 20000
#define FLUSH_EVERY 8

struct op {
	bool discard;
	uint64_t off, len;
};

static struct op ops[NOPS];

static void plan_ops(uint64_t seed, unsigned cluster)
{
	unsigned i;

	tu_seed(seed);
	for (i = 0; i < NOPS; i++) {
		struct op *o = &ops[i];

		o->discard = tu_rand_below(12) == 0;
		o->off = tu_rand_below(SIZE / SECTOR) * SECTOR;
		o->len = SECTOR *
			 (1 + tu_rand_below(o->discard ? 4 * cluster / SECTOR :
							 2 * cluster / SECTOR));
		if (o->len > SIZE - o->off)
			o->len = SIZE - o->off;
	}
}

/* What a discard certainly frees: the whole clusters inside it. */
static void discarded(const struct op *o, unsigned cluster, uint64_t *start,
		      uint64_t *end)
{
	*start = (o->off + cluster - 1) / cluster * cluster;
	*end = (o->off + o->len) / cluster * cluster;
	if (*end < *start)
		*end = *start;
}

/* --- the child: write until killed ---------------------------------------------- */

static void child(const char *path, unsigned cache, int report)
{
	struct img *img = tu_open(path, IMG_FMT_QCOW2, 0, cache);
	uint8_t *buf = malloc(1 << 20);
	unsigned i;
	int err = 0;

	if (!img || !buf)
		_exit(2);
	for (i = 0; i < NOPS && !err; i++) {
		const struct op *o = &ops[i];

		if (o->discard) {
			err = img_discard(img, o->off, o->len);
		} else {
			tu_pattern(buf, o->off, o->len, i + 1);
			err = img_pwrite(img, buf, o->off, o->len);
		}
		if (!err && i % FLUSH_EVERY == FLUSH_EVERY - 1) {
			err = img_flush(img);
			if (!err && write(report, &i, sizeof(i)) != sizeof(i))
				err = -EIO;
		}
	}
	_exit(err ? 3 : 0);
}

/* --- the parent: kill, then judge ------------------------------------------------- */

static void apply(uint8_t *disk, const struct op *o, unsigned idx,
		  unsigned cluster)
{
	uint64_t s, e;

	if (!o->discard) {
		tu_pattern(disk + o->off, o->off, o->len, idx + 1);
		return;
	}
	discarded(o, cluster, &s, &e);
	memset(disk + s, 0, e - s);
}

/* May sector `at` hold `got` because of an operation after the flush? */
static bool later_op_explains(const uint8_t *got, uint64_t at, int last,
			      unsigned cluster)
{
	static const uint8_t zero[SECTOR];
	uint8_t want[SECTOR];
	uint64_t s, e;
	unsigned i;

	/* After the last flush it reported, the child finished at most one
	 * more flush (killed before reporting it) and began the batch after:
	 * later operations were never issued. */
	for (i = last + 1; i < NOPS && i <= (unsigned)last + 2 * FLUSH_EVERY;
	     i++) {
		const struct op *o = &ops[i];

		if (o->discard) {
			discarded(o, cluster, &s, &e);
			if (at >= s && at < e && !memcmp(got, zero, SECTOR))
				return true;
		} else if (at >= o->off && at < o->off + o->len) {
			tu_pattern(want, at, SECTOR, i + 1);
			if (!memcmp(got, want, SECTOR))
				return true;
		}
	}
	return false;
}

static bool sectors_explained(const char *path, int last, unsigned cluster)
{
	struct tu_model flushed, image;
	char raw[300];
	uint64_t at, bad = 0;
	int i;

	tu_model_init(&flushed, SIZE);
	tu_model_init(&image, SIZE);
	for (i = 0; i <= last; i++)
		apply(flushed.buf, &ops[i], i, cluster);
	snprintf(raw, sizeof(raw), "%s.raw", path);
	if (tu_run("qemu-img convert -f qcow2 -O raw '%s' '%s'", path, raw) ||
	    tu_model_load(&image, raw))
		bad = 1;
	for (at = 0; !bad && at < SIZE; at += SECTOR) {
		if (!memcmp(image.buf + at, flushed.buf + at, SECTOR) ||
		    later_op_explains(image.buf + at, at, last, cluster))
			continue;
		printf("sector at %llu holds neither its flushed value nor a "
		       "later write's\n",
		       (unsigned long long)at);
		bad++;
	}
	unlink(raw);
	tu_model_free(&flushed);
	tu_model_free(&image);
	return !bad;
}

/* Kill the child `ms` after its first flush; returns the last operation
 * it reported flushed (-1: none). */
static int run_and_kill(const char *path, unsigned cache, unsigned ms)
{
	struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };
	int pipefd[2], last = -1, st;
	unsigned got;
	pid_t pid;

	if (pipe(pipefd))
		check_fatal("pipe", errno);
	pid = fork();
	if (pid < 0)
		check_fatal("fork", errno);
	if (pid == 0) {
		close(pipefd[0]);
		child(path, cache, pipefd[1]);
	}
	close(pipefd[1]);
	/* The clock starts at the first flush, so that even a slow machine
	 * kills it with flushed writes behind it and more on the way. */
	if (read(pipefd[0], &got, sizeof(got)) == sizeof(got))
		last = got;
	nanosleep(&delay, NULL);
	kill(pid, SIGKILL);
	while (read(pipefd[0], &got, sizeof(got)) == sizeof(got))
		last = got;
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	if (!WIFSIGNALED(st))
		printf("the writer ended before the kill (status %d)\n", st);
	return last;
}

static void round_of(const char *dir, unsigned cluster, unsigned cache,
		     unsigned round)
{
	char path[256], name[160];
	int last, rc;

	snprintf(path, sizeof(path), "%s/crash-%u-%u.qcow2", dir, cluster,
		 round);
	tu_run("qemu-img create -q -f qcow2 -o cluster_size=%u '%s' %llu",
	       cluster, path, SIZE);
	plan_ops(1000 * cluster + round, cluster);
	last = run_and_kill(path, cache, 10 + tu_rand_below(250));
	printf("round %u: killed after %d operations were flushed\n", round,
	       last + 1);
	rc = tu_qemu_check(path);
	snprintf(name, sizeof(name),
		 "cluster %u round %u: qemu-img check accepts the image",
		 cluster, round);
	check(name, rc == 0 || rc == 3, "exit %d", rc);
	snprintf(name, sizeof(name),
		 "cluster %u round %u: every flushed write is there", cluster,
		 round);
	check(name, last >= 0 && sectors_explained(path, last, cluster), NULL);
	unlink(path);
}

int main(void)
{
	const char *dir = tu_setup(true);
	unsigned r;

	for (r = 0; r < 4; r++)
		round_of(dir, 4096, 2, r);
	for (r = 0; r < 4; r++)
		round_of(dir, 65536, 0, r);
	return check_failures ? 1 : 0;
}
