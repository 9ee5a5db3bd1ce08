/*
 * test-blkback-replay.c - a queue resumed after kill -9 (queue.c's
 * replays, resume.c's log) when a replayed request is answered at once:
 * each request the frontend waits for is answered exactly once, by the
 * right answer, across three daemons, and a fourth resumes the idle ring.
 *
 * Each daemon is a child process running the real queue code on a ring
 * and data pages in shared memory, a real raw image and a real resume
 * log; the parent is the frontend and ends a daemon with SIGKILL. Grants
 * are a table of those pages (a ref is granted unless revoked), whose
 * copy of one chosen ref never returns: the daemon is killed there, in
 * the middle of a request, with the others it took not yet answered.
 *
 * The bug this catches (found by a hostile-frontend review): a replay
 * answered at once (its grant revoked) put its record back at the head
 * of the free list, and the next replay took that record, not its own:
 * log entry and record drifted apart, so a later daemon replayed an
 * answered write and never answered a waiting read (or refused to resume
 * an idle ring).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/blkback/blkback.h"
#include "ring/blkif.h"
#include "tests/lib/check.h"

#define NPAGES 8
#define IMG_BYTES (1u << 20)
#define WAIT_MS 30000 /* a hang guard only */

struct shared {
	uint8_t ring[4096];
	uint8_t page[NPAGES][4096];
	int revoked[NPAGES];
	int blocked; /* a daemon reached the copy that never returns */
};

static struct shared *sh;
static int block_ref = -1; /* in a daemon: its copy of this ref blocks */
static char img_path[256], log_path[256];
static struct xpv_front_ring fr;
static int answers[8]; /* per request id: answers the frontend saw */
static int statuses[8];

static void *grant_map(struct blkback_grants *g, unsigned int count,
		       const hv_gref_t *refs, bool writable)
{
	(void)g;
	(void)writable;
	if (count != 1 || refs[0] >= NPAGES || sh->revoked[refs[0]]) {
		errno = ENOENT;
		return NULL;
	}
	return sh->page[refs[0]];
}

static int grant_unmap(struct blkback_grants *g, void *addr, unsigned int count)
{
	(void)g;
	(void)addr;
	(void)count;
	return 0;
}

static int grant_copy(struct blkback_grants *g, unsigned int count,
		      struct hv_copy_seg *segs)
{
	unsigned int i;

	(void)g;
	for (i = 0; i < count; i++) {
		struct hv_copy_seg *s = &segs[i];
		struct hv_copy_ptr *f = s->src.foreign ? &s->src : &s->dst;
		uint8_t *p;

		if ((int)f->ref == block_ref) {
			__atomic_store_n(&sh->blocked, 1, __ATOMIC_SEQ_CST);
			for (;;)
				pause(); /* killed here */
		}
		if (f->ref >= NPAGES || sh->revoked[f->ref]) {
			s->status = -ENOENT;
			continue;
		}
		p = sh->page[f->ref] + f->offset;
		if (s->src.foreign)
			memcpy(s->dst.local, p, s->len);
		else
			memcpy(p, s->src.local, s->len);
		s->status = 0;
	}
	return 0;
}

static void grant_destroy(struct blkback_grants *g)
{
	(void)g;
}

static const struct blkback_grant_ops grant_ops = { grant_map, grant_unmap,
						    grant_copy, grant_destroy };
static struct blkback_grants grants = { &grant_ops, 1 };

static void push(uint8_t op, uint64_t id, uint64_t sector, unsigned int ref)
{
	struct xpv_blkif_request r = {
		.operation = op,
		.nr_segments = 1,
		.id = id,
		.sector_number = sector,
		.seg[0] = { .gref = ref, .first_sect = 0, .last_sect = 0 },
	};

	memcpy(xpv_front_next_request(&fr), &r, sizeof(r));
	xpv_front_push_requests(&fr);
}

static void push_write(uint64_t id, uint64_t sector, unsigned int ref,
		       char fill)
{
	memset(sh->page[ref], fill, 512);
	push(XPV_BLKIF_OP_WRITE, id, sector, ref);
}

/* Take every answer; false on an id the frontend never sent. */
static bool reap(void)
{
	struct xpv_blkif_response rsp;
	bool ok = true;

	while (xpv_front_peek_responses(&fr, NULL) > 0) {
		xpv_front_take_response(&fr, &rsp);
		if (rsp.id >= 8) {
			ok = false;
			continue;
		}
		answers[rsp.id]++;
		statuses[rsp.id] = rsp.status;
	}
	return ok;
}

/* The queue on the shared ring and img, with the resume log at log. */
static struct blkback_queue_config queue_config(struct img *img,
						const char *log, bool resume)
{
	struct blkback_queue_config c = {
		.grants = &grants,
		.img = img,
		.sring = (struct xpv_sring *)sh->ring,
		.max_indirect_segs = BLKBACK_MAX_INDIRECT_SEGMENTS,
		.evtchn_fd = -1,
		.resume_log = log,
		.resume = resume,
	};

	return c;
}

/* A daemon: the queue, resumed or fresh, served until killed. */
static void daemon_main(bool resume, int ready_fd)
{
	struct img_open_args a = { .format = IMG_FMT_RAW };
	struct img *img = img_open(img_path, &a, NULL, 0);
	struct blkback_queue_config c = queue_config(img, log_path, resume);
	struct blkback_queue *q;
	char ok;

	q = img ? blkback_queue_create(&c) : NULL;
	ok = q ? 'y' : 'n';
	if (write(ready_fd, &ok, 1) != 1 || !q)
		_exit(2);
	for (;;) {
		blkback_queue_poll(q, false);
		usleep(1000);
	}
}

/* A daemon whose copy of ref blk blocks (-1: none); false if its queue
 * could not be made (resumed). */
static bool start_daemon(bool resume, int blk, pid_t *pid)
{
	int p[2];
	char c = 'n';

	if (pipe(p))
		check_fatal("pipe", errno);
	fflush(stdout);
	sh->blocked = 0;
	*pid = fork();
	if (*pid < 0)
		check_fatal("fork", errno);
	if (*pid == 0) {
		block_ref = blk;
		close(p[0]);
		daemon_main(resume, p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		c = 'n';
	close(p[0]);
	return c == 'y';
}

static void kill9(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Until done() holds, looking every millisecond (WAIT_MS: a hang guard). */
static bool wait_until(bool (*done)(void))
{
	long long end = check_now_ms() + WAIT_MS;

	while (!done())
		if (check_now_ms() > end)
			return false;
		else
			usleep(1000);
	return true;
}

/* The daemon is stuck in its blocking copy. */
static bool blocked(void)
{
	return __atomic_load_n(&sh->blocked, __ATOMIC_SEQ_CST);
}

/* Requests 1..4 were each answered at least once. */
static bool all_answered(void)
{
	uint64_t id;

	reap();
	for (id = 1; id <= 4; id++)
		if (!answers[id])
			return false;
	return true;
}

static char sector_byte(uint64_t sector)
{
	char c = '?';
	int fd = open(img_path, O_RDONLY);

	if (fd < 0 || pread(fd, &c, 1, (off_t)sector * 512) != 1)
		c = '?';
	if (fd >= 0)
		close(fd);
	return c;
}

/*
 * Daemon 1 takes W1 (write, ref 1) and R2 (read, ref 2) and is killed in
 * R2's copy back. The frontend revokes ref 1 and sends W3 (ref 3) and R4
 * (ref 4). Daemon 2 replays W1 (answered at once: its grant is gone) and
 * R2, takes W3 and R4, and is killed in R4's copy back. Daemon 3 must
 * answer R2 (if daemon 2 did not), W3 and R4, once each, and never W1
 * again; daemon 4 must resume the idle ring with nothing to replay.
 */
static void case_replay_answered_at_once(void)
{
	pid_t d;
	uint64_t id;

	push_write(1, 0, 1, 'A');
	push(XPV_BLKIF_OP_READ, 2, 16, 2);
	if (!CHECK(start_daemon(false, 2, &d)))
		return;
	if (!CHECK(wait_until(blocked)))
		goto out;
	kill9(d);
	CHECK(reap());

	sh->revoked[1] = 1;
	push_write(3, 24, 3, 'N');
	push(XPV_BLKIF_OP_READ, 4, 32, 4);
	if (!CHECK(start_daemon(true, 4, &d)))
		return;
	if (!CHECK(wait_until(blocked)))
		goto out;
	kill9(d);
	CHECK(reap());

	sh->revoked[1] = 0; /* granted again, other bytes: must not be */
	memset(sh->page[1], 'Z', 512); /* written by a second W1 */
	if (!CHECK(start_daemon(true, -1, &d)))
		return;
	CHECK(wait_until(all_answered));
	usleep(100 * 1000); /* a second answer would come now */
	CHECK(reap());
	kill9(d);
	for (id = 1; id <= 4; id++)
		check_quiet(answers[id] == 1, "id %llu answered %d times",
			    (unsigned long long)id, answers[id]);
	CHECK(statuses[1] == XPV_BLKIF_RSP_ERROR);
	CHECK(statuses[2] == XPV_BLKIF_RSP_OKAY);
	CHECK(statuses[3] == XPV_BLKIF_RSP_OKAY);
	CHECK(statuses[4] == XPV_BLKIF_RSP_OKAY);
	/* daemon 1's W1 (whether its write was done at the kill or not),
	 * never run again with the page granted anew */
	CHECK(sector_byte(0) == 'A' || sector_byte(0) == 0);
	CHECK(sector_byte(24) == 'N');

	/* nothing in flight: the next daemon resumes, replaying nothing */
	d = 0;
	if (CHECK(start_daemon(true, -1, &d)))
		kill9(d);
	return;
out:
	kill9(d);
}

/* blkback_queue_create on resume, in this process; the reason it gives
 * for a refusal in *why (NULL when it made the queue). */
static int try_resume(const char *log, const char **why)
{
	struct img_open_args a = { .format = IMG_FMT_RAW };
	struct img *img = img_open(img_path, &a, NULL, 0);
	struct blkback_queue_config c = queue_config(img, log, true);
	struct blkback_queue *q;
	int err;

	if (!img)
		check_fatal(img_path, errno);
	*why = NULL;
	c.resume_refused = why;
	errno = 0;
	q = blkback_queue_create(&c);
	err = q ? 0 : errno;
	blkback_queue_destroy(q);
	img_close(img);
	return err;
}

static bool refused_as(int err, const char *why, int want_err,
		       const char *want_why)
{
	return check_quiet(err == want_err && why && !strcmp(why, want_why),
			   "resume: errno %d (%s), why \"%s\"; want %d, \"%s\"",
			   err, strerror(err), why ? why : "(null)", want_err,
			   want_why);
}

/*
 * A queue whose log is refused hands back which check refused it (what
 * vbd.c logs): the idle ring the case above left, its rsp_prod lowered by
 * one while no daemon serves it (the hostile-frontend review's move);
 * then its log gone; then no log kept.
 */
static void case_refusal_says_why(void)
{
	struct xpv_sring *s = (struct xpv_sring *)sh->ring;
	const char *why;
	int err;

	s->rsp_prod--;
	err = try_resume(log_path, &why);
	refused_as(err, why, EINVAL,
		   "the entries waiting are not req_cons - rsp_prod");
	s->rsp_prod++;
	unlink(log_path);
	err = try_resume(log_path, &why);
	refused_as(err, why, ENOENT, "no log");
	err = try_resume(NULL, &why);
	refused_as(err, why, EINVAL, "the daemon keeps no resume log");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[200];
	int fd;

	snprintf(dir, sizeof(dir), "%s/test-blkback-replay.%d",
		 tmp ? tmp : "/tmp", (int)getpid());
	if (mkdir(dir, 0700))
		check_fatal(dir, errno);
	snprintf(img_path, sizeof(img_path), "%s/disk.img", dir);
	snprintf(log_path, sizeof(log_path), "%s/q0.log", dir);
	fd = open(img_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, IMG_BYTES))
		check_fatal(img_path, errno);
	close(fd);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		check_fatal("mmap", errno);
	xpv_sring_init((struct xpv_sring *)sh->ring);
	xpv_blkif_front_attach(&fr, (struct xpv_sring *)sh->ring, 0);
	check_case("replay answered at once", case_replay_answered_at_once);
	check_case("refusal says why", case_refusal_says_why);
	unlink(img_path);
	unlink(log_path);
	rmdir(dir);
	return check_done();
}
