/*
 * test-blkback-resume.c - a queue's resume log (resume.c) across a kill
 * at each point of its protocol: a backend written here drives a real
 * ring in memory and the log in a real file exactly as queue.c does, is
 * "killed" (the log closed and kept, the ring as it was), and what
 * blkback_rlog_resume finds is checked: the requests the frontend still
 * waits for, each once, in ring order, with the indices to go on from;
 * and for each log it must refuse, the reason it gives (the refusals
 * table: one log that fits, spoiled one way per row).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/blkback/resume.h"
#include "tests/lib/check.h"

#define ORDER 0

static char path[256];

struct bed {
	struct xpv_sring *s;
	struct xpv_front_ring f;
	struct xpv_back_ring b;
	struct blkback_rlog *l;
	uint32_t nr;
};

static void bed_open(struct bed *t, xpv_ring_idx_t start)
{
	t->s = aligned_alloc(4096, 4096);
	if (!t->s)
		check_fatal("allocating a ring", -ENOMEM);
	xpv_sring_init(t->s);
	t->s->req_prod = t->s->rsp_prod = start;
	t->s->req_event = t->s->rsp_event = start + 1;
	if (xpv_blkif_front_attach(&t->f, t->s, ORDER) ||
	    xpv_blkif_back_attach(&t->b, t->s, ORDER))
		check_fatal("attaching the ring", -EINVAL);
	t->f.req_prod_pvt = t->f.rsp_cons = start;
	t->b.req_cons = t->b.rsp_prod_pvt = start;
	t->nr = t->b.nr_ents;
	t->l = blkback_rlog_create(path, t->nr, start);
	if (!t->l)
		check_fatal("creating the log", -errno);
}

/* The frontend, having taken the answers pushed so far: a write of one
 * sector at id's sector, id as its id. */
static void produce(struct bed *t, uint64_t id)
{
	t->f.rsp_cons = t->s->rsp_prod;
	struct xpv_blkif_request rq = { .operation = XPV_BLKIF_OP_WRITE,
					.nr_segments = 1,
					.id = id,
					.sector_number = id };

	memcpy(xpv_front_next_request(&t->f), &rq, sizeof(rq));
	xpv_front_push_requests(&t->f);
}

/* The backend, as queue.c: take into record e, answer record e, push. */
static uint64_t take(struct bed *t, uint32_t e)
{
	struct xpv_blkif_request rq;
	xpv_ring_idx_t idx = t->b.req_cons;

	xpv_back_take_request(&t->b, &rq);
	blkback_rlog_taken(t->l, e, idx, &rq);
	return rq.id;
}

static void answer(struct bed *t, uint32_t e, uint64_t id)
{
	struct xpv_blkif_response rsp = { .id = id,
					  .operation = XPV_BLKIF_OP_WRITE };

	memcpy(xpv_back_next_response(&t->b), &rsp, sizeof(rsp));
	blkback_rlog_answered(t->l, e, t->b.rsp_prod_pvt - 1);
}

static void push(struct bed *t)
{
	xpv_back_push_responses(&t->b);
	blkback_rlog_pushed(t->l);
}

/* The daemon dies: its log stays as it is. */
static void kill_backend(struct bed *t)
{
	blkback_rlog_close(t->l, false);
	t->l = NULL;
}

static void bed_close(struct bed *t)
{
	blkback_rlog_close(t->l, true);
	free(t->s);
}

/* Resume and compare the replayed ids with want (n of them). */
static void expect_replay(struct bed *t, const uint64_t *want, uint32_t n,
			  xpv_ring_idx_t req_cons)
{
	struct blkback_replay rp;
	const char *why;
	uint32_t i;

	t->l = blkback_rlog_resume(path, t->nr, t->s, &rp, &why);
	EXPECT(t->l, "resume: %s (%s)", why, strerror(errno));
	if (!t->l)
		return;
	EXPECT(rp.n == n, "%u requests replayed, want %u", rp.n, n);
	EXPECT(rp.req_cons == req_cons, "req_cons %u, want %u", rp.req_cons,
	       req_cons);
	EXPECT(rp.rsp_prod == t->s->rsp_prod, "rsp_prod %u, want %u",
	       rp.rsp_prod, t->s->rsp_prod);
	for (i = 0; i < rp.n && i < n; i++) {
		struct xpv_blkif_request rq;

		memcpy(&rq, blkback_rlog_request(t->l, i), sizeof(rq));
		EXPECT(rq.id == want[i], "replay %u is request %llu, want %llu",
		       i, (unsigned long long)rq.id,
		       (unsigned long long)want[i]);
	}
}

/* Answers out of order: one never answered, one answered but not pushed,
 * two pushed; and one the frontend produced that was never taken. */
static void case_out_of_order(void)
{
	static const uint64_t want[] = { 101, 103 };
	struct bed t;
	uint32_t e;

	bed_open(&t, 0);
	for (e = 0; e < 5; e++)
		produce(&t, 100 + e);
	for (e = 0; e < 4; e++)
		take(&t, e);
	answer(&t, 2, 102);
	answer(&t, 0, 100);
	push(&t);
	answer(&t, 3, 103);
	kill_backend(&t);
	expect_replay(&t, want, 2, 4);
	bed_close(&t);
}

/* Killed between copying a request into its entry and moving the log's
 * req_cons past it: the entry's own index says it was taken. */
static void case_kill_before_req_cons(void)
{
	static const uint64_t want[] = { 7, 8 };
	struct xpv_blkif_request rq;
	struct bed t;

	bed_open(&t, 0);
	produce(&t, 7);
	produce(&t, 8);
	take(&t, 0);
	/* take(&t, 1) cut short: the entry written, req_cons not */
	xpv_back_take_request(&t.b, &rq);
	blkback_rlog_taken(t.l, 1, 1, &rq);
	/* put back what the header said before */
	blkback_rlog_taken(t.l, 0, 0, blkback_rlog_request(t.l, 0));
	kill_backend(&t);
	expect_replay(&t, want, 2, 2);
	bed_close(&t);
}

/* Killed after the push, before the entries were marked done: pushed
 * answers are not replayed. */
static void case_kill_after_push(void)
{
	static const uint64_t want[] = { 2 };
	struct bed t;

	bed_open(&t, 0);
	produce(&t, 1);
	produce(&t, 2);
	take(&t, 0);
	take(&t, 1);
	answer(&t, 0, 1);
	xpv_back_push_responses(&t.b); /* no blkback_rlog_pushed */
	kill_backend(&t);
	expect_replay(&t, want, 1, 2);
	bed_close(&t);
}

/* A record reused after its answer was pushed holds its new request;
 * and the indices wrap around 2^32. */
static void case_reuse_and_wrap(void)
{
	static const uint64_t want[] = { 41, 42 };
	struct bed t;
	uint32_t i;

	bed_open(&t, 0xfffffff0u);
	for (i = 0; i < 40; i++) { /* record 0 over and over */
		produce(&t, i);
		take(&t, 0);
		answer(&t, 0, i);
		push(&t);
	}
	produce(&t, 40);
	produce(&t, 41);
	produce(&t, 42);
	take(&t, 0);
	take(&t, 1);
	take(&t, 2);
	answer(&t, 0, 40);
	push(&t);
	kill_backend(&t);
	expect_replay(&t, want, 2, 0xfffffff0u + 43);
	bed_close(&t);
}

/* One request waits while many times the ring's size of later ones are
 * taken, answered and pushed (answers go out of order: a slow write);
 * across the wrap of the indices. It is still owed an answer, so it is
 * replayed first, then the later ones still waiting. Refused before:
 * the log took a request more than a ring's size behind for garbage. */
static void case_laggard(void)
{
	static const uint64_t want[] = { 1000, 2000, 2001 };
	struct bed t;
	uint32_t i;

	bed_open(&t, 0xffffffe0u);
	produce(&t, 1000);
	take(&t, 0);
	for (i = 0; i < 3 * t.nr; i++) { /* record 1 over and over */
		produce(&t, i);
		take(&t, 1);
		answer(&t, 1, i);
		push(&t);
	}
	produce(&t, 2000);
	produce(&t, 2001);
	produce(&t, 2002);
	take(&t, 1);
	take(&t, 2);
	take(&t, 3);
	answer(&t, 3, 2002);
	push(&t);
	answer(&t, 2, 2001); /* not pushed: replayed */
	kill_backend(&t);
	expect_replay(&t, want, 3, 0xffffffe0u + 3 * t.nr + 4);
	bed_close(&t);
}

/* The resumed daemon killed again before it answered anything: the
 * rewritten log replays the same requests; then it answers one. */
static void case_resume_twice(void)
{
	static const uint64_t want[] = { 5, 6 }, after[] = { 6 };
	struct blkback_replay rp;
	const char *why;
	struct bed t;

	bed_open(&t, 0);
	produce(&t, 5);
	produce(&t, 6);
	take(&t, 0);
	take(&t, 1);
	kill_backend(&t);
	expect_replay(&t, want, 2, 2);
	kill_backend(&t);
	t.l = blkback_rlog_resume(path, t.nr, t.s, &rp, &why);
	CHECK(t.l && rp.n == 2);
	if (!t.l)
		return;
	t.b.req_cons = rp.req_cons;
	t.b.rsp_prod_pvt = rp.rsp_prod;
	answer(&t, 0, 5); /* record 0 is the first replay */
	push(&t);
	kill_backend(&t);
	expect_replay(&t, after, 1, 2);
	bed_close(&t);
}

/* --- Logs it must refuse, and the reason it gives -------------------------- */

/* Write v at offset off of the log file (its header). */
static void poke32(off_t off, uint32_t v)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || pwrite(fd, &v, sizeof(v), off) != (ssize_t)sizeof(v))
		check_fatal("writing into the log", errno ? errno : EIO);
	close(fd);
}

static void spoil_nothing(struct bed *t)
{
	(void)t;
}

static void spoil_no_log(struct bed *t)
{
	(void)t;
	unlink(path);
}

static void spoil_symlink(struct bed *t)
{
	(void)t;
	unlink(path);
	if (symlink("/dev/null", path))
		check_fatal("symlink", errno);
}

static void spoil_directory(struct bed *t)
{
	(void)t;
	unlink(path);
	if (mkdir(path, 0700))
		check_fatal("mkdir", errno);
}

/* A FIFO: opened without O_NONBLOCK it would wait for a writer for
 * ever (the restarted daemon hung); it is refused like any non-file. */
static void spoil_fifo(struct bed *t)
{
	(void)t;
	unlink(path);
	if (mkfifo(path, 0600))
		check_fatal("mkfifo", errno);
}

static void spoil_ring_size(struct bed *t)
{
	t->nr *= 2;
}

static void spoil_no_slots(struct bed *t)
{
	t->nr = 0;
}

static void spoil_magic(struct bed *t)
{
	(void)t;
	poke32(0, 0x21444142); /* "BAD!" */
}

static void spoil_version(struct bed *t)
{
	(void)t;
	poke32(4, 2);
}

static void spoil_hdr_nr_ents(struct bed *t)
{
	poke32(8, t->nr * 2);
}

static void spoil_hdr_req_bytes(struct bed *t)
{
	(void)t;
	poke32(12, 64);
}

/* Entry 1 taken at index idx, then the log's req_cons put back to 1
 * (request 0 taken again into entry 0). */
static void take_also(struct bed *t, xpv_ring_idx_t idx)
{
	struct xpv_blkif_request rq;

	memcpy(&rq, blkback_rlog_request(t->l, 0), sizeof(rq));
	blkback_rlog_taken(t->l, 1, idx, &rq);
	blkback_rlog_taken(t->l, 0, 0, &rq);
}

/* Entry 1 also says it holds request 0. */
static void spoil_duplicate(struct bed *t)
{
	take_also(t, 0);
}

/* Entry 1 waits for index 1 + nr: a ring past the log's req_cons (1). */
static void spoil_not_taken(struct bed *t)
{
	take_also(t, 1 + t->nr);
}

/* An answer the log never gave: 1 waiting, req_cons - rsp_prod = 0. */
static void spoil_rsp_prod(struct bed *t)
{
	t->s->rsp_prod = 1;
}

static void spoil_req_prod_cons(struct bed *t)
{
	t->s->req_prod = 1 + t->nr + 1;
}

/* req_prod a ring past req_cons (allowed), one more past rsp_prod. */
static void spoil_req_prod_rsp(struct bed *t)
{
	t->s->req_prod = 1 + t->nr;
}

/* The log cannot be rewritten: a directory where its new copy goes. */
static void spoil_rewrite(struct bed *t)
{
	char tmp[300];

	(void)t;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (mkdir(tmp, 0700))
		check_fatal("mkdir", errno);
}

static const struct refusal {
	const char *name;
	void (*spoil)(struct bed *t);
	int err; /* 0: accepted */
	const char *why;
} refusals[] = {
	{ "untouched", spoil_nothing, 0, NULL },
	{ "no log", spoil_no_log, ENOENT, "no log" },
	{ "symlink", spoil_symlink, ELOOP, "a symbolic link, not a log" },
	{ "directory", spoil_directory, EINVAL, "not a regular file" },
	{ "fifo", spoil_fifo, EINVAL, "not a regular file" },
	{ "ring size", spoil_ring_size, EINVAL,
	  "not the size of a log for this ring" },
	{ "no slots", spoil_no_slots, EINVAL, "a ring of no slots" },
	{ "magic", spoil_magic, EINVAL, "bad magic: not a resume log" },
	{ "version", spoil_version, EINVAL, "another version of the log" },
	{ "header nr_ents", spoil_hdr_nr_ents, EINVAL,
	  "its header's nr_ents is not the ring's" },
	{ "header req_bytes", spoil_hdr_req_bytes, EINVAL,
	  "its header's req_bytes is not ours" },
	{ "duplicate index", spoil_duplicate, EINVAL,
	  "two entries for one index" },
	{ "not before req_cons", spoil_not_taken, EINVAL,
	  "an entry waits that is not before req_cons" },
	{ "waiting count", spoil_rsp_prod, EINVAL,
	  "the entries waiting are not req_cons - rsp_prod" },
	{ "req_prod past req_cons", spoil_req_prod_cons, EINVAL,
	  "req_prod is more than the ring past req_cons" },
	{ "req_prod past rsp_prod", spoil_req_prod_rsp, EINVAL,
	  "req_prod is more than the ring past rsp_prod" },
	{ "rewrite", spoil_rewrite, EISDIR, "cannot write the log anew" },
};

/* What a refused resume returns: errno and the reason, nothing else. */
static bool refused_as(const struct refusal *r, const struct blkback_rlog *l,
		       const char *why, int err)
{
	if (!r->err)
		return l && !why;
	return !l && err == r->err && why && !strcmp(why, r->why);
}

/* One request taken and not answered (a log that fits: "untouched"),
 * spoiled as r says, then resumed. */
static void try_refusal(const struct refusal *r)
{
	char name[80], tmp[300];
	struct blkback_replay rp;
	const char *why = "(not set)";
	struct bed t;
	int err;

	bed_open(&t, 0);
	produce(&t, 1);
	take(&t, 0);
	r->spoil(&t);
	kill_backend(&t);
	errno = 0;
	t.l = blkback_rlog_resume(path, t.nr, t.s, &rp, &why);
	err = errno;
	snprintf(name, sizeof(name), "%s: %s", r->err ? "refused" : "accepted",
		 r->name);
	check(name, refused_as(r, t.l, why, err), "%s, errno %d (%s): \"%s\"",
	      t.l ? "accepted" : "refused", err, strerror(err),
	      why ? why : "(null)");
	bed_close(&t);
	/* what a spoil left where the log goes */
	unlink(path);
	rmdir(path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	rmdir(tmp);
}

static void check_refusals(void)
{
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		try_refusal(&refusals[i]);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/test-blkback-resume.%d.log",
		 tmp ? tmp : "/tmp", (int)getpid());
	check_case("out-of-order", case_out_of_order);
	check_case("kill-before-req-cons", case_kill_before_req_cons);
	check_case("kill-after-push", case_kill_after_push);
	check_case("reuse-and-wrap", case_reuse_and_wrap);
	check_case("laggard", case_laggard);
	check_case("resume-twice", case_resume_twice);
	check_refusals();
	unlink(path);
	return check_done();
}
