/*
 * resume.c - a queue's resume log (resume.h says why and in which order
 * it is written).
 *
 * The file: a header, then one entry per ring slot (entry e belongs to
 * the queue's request record e, which holds at most one request at a
 * time). What a restart makes of the entries:
 *
 *   FREE, DONE                     nothing
 *   TAKEN                          replayed (never answered)
 *   ANSWERED, rsp_idx >= rsp_prod  replayed (its answer was not pushed)
 *   ANSWERED, rsp_idx <  rsp_prod  nothing (pushed, not yet marked DONE)
 *
 * and the ring's own indices must agree: the requests replayed are
 * exactly the req_cons - rsp_prod the frontend still waits for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/blkback/resume.h"

#define RLOG_MAGIC 0x52425058u /* "XPBR" */
#define RLOG_VERSION 1u
#define RLOG_REQ_BYTES sizeof(struct xpv_blkif_request)

enum rlog_state {
	ENT_FREE,
	ENT_TAKEN,
	ENT_ANSWERED,
	ENT_DONE,
};

struct rlog_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t nr_ents;
	uint32_t req_bytes;
	xpv_ring_idx_t req_cons;
	uint32_t pad[3];
};

struct rlog_ent {
	uint32_t state;
	xpv_ring_idx_t req_idx;
	xpv_ring_idx_t rsp_idx;
	uint32_t pad;
	uint8_t req[RLOG_REQ_BYTES];
};

struct blkback_rlog {
	char *path;
	struct rlog_hdr *hdr; /* the shared file mapping */
	struct rlog_ent *ents;
	size_t size;
	uint32_t nr_ents;
	uint32_t *answered; /* entries answered since the last push */
	uint32_t nanswered;
};

static size_t rlog_size(uint32_t nr_ents)
{
	return sizeof(struct rlog_hdr) +
	       (size_t)nr_ents * sizeof(struct rlog_ent);
}

static struct rlog_ent *entries_of(void *image)
{
	return (struct rlog_ent *)((struct rlog_hdr *)image + 1);
}

/* --- Writing (the queue's thread) ------------------------------------------ */

static void set_state(struct rlog_ent *ent, enum rlog_state s)
{
	/* release: what the entry holds is stored before its state */
	__atomic_store_n(&ent->state, (uint32_t)s, __ATOMIC_RELEASE);
}

void blkback_rlog_taken(struct blkback_rlog *l, uint32_t e, xpv_ring_idx_t idx,
			const void *req)
{
	struct rlog_ent *ent = &l->ents[e];

	memcpy(ent->req, req, RLOG_REQ_BYTES);
	ent->req_idx = idx;
	set_state(ent, ENT_TAKEN);
	__atomic_store_n(&l->hdr->req_cons, idx + 1, __ATOMIC_RELEASE);
}

void blkback_rlog_answered(struct blkback_rlog *l, uint32_t e,
			   xpv_ring_idx_t rsp_idx)
{
	struct rlog_ent *ent = &l->ents[e];

	ent->rsp_idx = rsp_idx;
	set_state(ent, ENT_ANSWERED);
	if (l->nanswered < l->nr_ents) /* each entry once between pushes */
		l->answered[l->nanswered++] = e;
}

void blkback_rlog_pushed(struct blkback_rlog *l)
{
	uint32_t i;

	for (i = 0; i < l->nanswered; i++)
		set_state(&l->ents[l->answered[i]], ENT_DONE);
	l->nanswered = 0;
}

bool blkback_rlog_unpushed(const struct blkback_rlog *l, uint32_t e)
{
	return l->ents[e].state == ENT_ANSWERED;
}

const void *blkback_rlog_request(const struct blkback_rlog *l, uint32_t e)
{
	return l->ents[e].req;
}

/* --- Making and opening ---------------------------------------------------- */

static struct blkback_rlog *rlog_alloc(const char *path, uint32_t nr_ents)
{
	struct blkback_rlog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->path = strdup(path);
	l->answered = calloc(nr_ents, sizeof(*l->answered));
	l->nr_ents = nr_ents;
	l->size = rlog_size(nr_ents);
	if (!l->path || !l->answered) {
		free(l->path);
		free(l->answered);
		free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

static void rlog_free(struct blkback_rlog *l)
{
	if (l->hdr)
		munmap(l->hdr, l->size);
	free(l->path);
	free(l->answered);
	free(l);
}

/*
 * Write image (l->size bytes) to a new file next to l->path, rename it
 * over l->path (a kill never leaves half a log under the name) and map
 * it. 0 or -errno.
 */
static int rlog_install(struct blkback_rlog *l, const void *image)
{
	char tmp[4096];
	void *map;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", l->path) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, image, l->size, 0) != (ssize_t)l->size)
		ret = errno ? -errno : -EIO;
	if (!ret && rename(tmp, l->path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		close(fd);
		return ret;
	}
	map = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	l->hdr = map;
	l->ents = (struct rlog_ent *)(l->hdr + 1);
	return 0;
}

static void init_hdr(struct rlog_hdr *h, uint32_t nr_ents, xpv_ring_idx_t start)
{
	h->magic = RLOG_MAGIC;
	h->version = RLOG_VERSION;
	h->nr_ents = nr_ents;
	h->req_bytes = RLOG_REQ_BYTES;
	h->req_cons = start;
}

static struct blkback_rlog *rlog_make(const char *path, uint32_t nr_ents,
				      const void *image)
{
	struct blkback_rlog *l = rlog_alloc(path, nr_ents);
	int ret;

	if (!l)
		return NULL;
	ret = rlog_install(l, image);
	if (ret) {
		rlog_free(l);
		errno = -ret;
		return NULL;
	}
	return l;
}

struct blkback_rlog *blkback_rlog_create(const char *path, uint32_t nr_ents,
					 xpv_ring_idx_t start)
{
	struct blkback_rlog *l;
	void *image;

	if (nr_ents == 0) {
		errno = EINVAL;
		return NULL;
	}
	image = calloc(1, rlog_size(nr_ents));
	if (!image)
		return NULL;
	init_hdr(image, nr_ents, start);
	l = rlog_make(path, nr_ents, image);
	free(image);
	return l;
}

/* --- Resuming ----------------------------------------------------------------- */

/*
 * The refusals below: -EINVAL, and which check refused the log in *why
 * (docs/block.md lists them; an administrator reads them in the log of
 * the daemon that could not resume).
 */
static int refuse(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

/* Opening the old log failed with err (an errno): -err and why. */
static int open_failed(const char **why, int err)
{
	if (err == ENOENT)
		*why = "no log";
	else if (err == ELOOP)
		*why = "a symbolic link, not a log";
	else
		*why = "cannot open the log";
	return -err;
}

static int check_hdr(const struct rlog_hdr *h, uint32_t nr_ents,
		     const char **why)
{
	if (h->magic != RLOG_MAGIC)
		return refuse(why, "bad magic: not a resume log");
	if (h->version != RLOG_VERSION)
		return refuse(why, "another version of the log");
	if (h->nr_ents != nr_ents)
		return refuse(why, "its header's nr_ents is not the ring's");
	if (h->req_bytes != RLOG_REQ_BYTES)
		return refuse(why, "its header's req_bytes is not ours");
	return 0;
}

/* The old log, whole, checked against this ring's size. -errno.
 * O_NONBLOCK: a FIFO at the path would otherwise wait for a writer for
 * ever; opened at once, it is refused as not a regular file. */
static int read_old(const char *path, uint32_t nr_ents, void *image,
		    const char **why)
{
	size_t size = rlog_size(nr_ents);
	struct stat st;
	int ret = 0, fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return open_failed(why, errno);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		ret = refuse(why, "not a regular file");
	else if ((size_t)st.st_size != size)
		ret = refuse(why, "not the size of a log for this ring");
	else if (pread(fd, image, size, 0) != (ssize_t)size)
		ret = refuse(why, "shorter when read than its size");
	close(fd);
	return ret ?: check_hdr(image, nr_ents, why);
}

static bool pending(const struct rlog_ent *e, xpv_ring_idx_t rsp_prod,
		    uint32_t nr_ents)
{
	if (e->state == ENT_TAKEN)
		return true;
	/* answered at or past rsp_prod: never pushed */
	return e->state == ENT_ANSWERED &&
	       (uint32_t)(e->rsp_idx - rsp_prod) < nr_ents;
}

/* The log's req_cons, or past an entry taken after it was last written
 * (a kill between the two stores). */
static xpv_ring_idx_t taken_end(const struct rlog_hdr *h,
				const struct rlog_ent *ents)
{
	xpv_ring_idx_t cons = h->req_cons;
	uint32_t i;

	for (i = 0; i < h->nr_ents; i++)
		if ((ents[i].state == ENT_TAKEN ||
		     ents[i].state == ENT_ANSWERED) &&
		    (int32_t)(ents[i].req_idx - cons) >= 0 &&
		    (uint32_t)(ents[i].req_idx - cons) < h->nr_ents)
			cons = ents[i].req_idx + 1;
	return cons;
}

/*
 * Whether request index idx was taken, i.e. is before cons. Not "at most
 * nr_ents before": answers go out of order, so a request may wait while
 * any number of later ones are taken and answered. The ring bounds how
 * many wait (the caller checks that), not for how long: under load a
 * write was seen still waiting 100 requests after it was taken, and the
 * restart refused the log (test-blkback-resume, "laggard"). Half the
 * index space keeps ring order defined.
 */
static bool taken_before(xpv_ring_idx_t idx, xpv_ring_idx_t cons)
{
	return (int32_t)(cons - idx) > 0;
}

/*
 * Into new (zeroed): the entries to replay, in ring order, as TAKEN.
 * Returns how many, or -EINVAL (and why) when they do not fit the ring.
 */
static int collect(const struct rlog_hdr *h, const struct rlog_ent *ents,
		   xpv_ring_idx_t cons, xpv_ring_idx_t rsp_prod,
		   struct rlog_ent *out, const char **why)
{
	uint32_t n = 0, i, j, nr = h->nr_ents;

	for (i = 0; i < nr; i++) {
		const struct rlog_ent *e = &ents[i];

		if (!pending(e, rsp_prod, nr))
			continue;
		if (!taken_before(e->req_idx, cons))
			return refuse(why, "an entry waits that is not before "
					   "req_cons");
		/* insertion into ring order: few entries, once */
		for (j = n; j > 0 && (uint32_t)(cons - out[j - 1].req_idx) <
					     (uint32_t)(cons - e->req_idx);
		     j--)
			out[j] = out[j - 1];
		out[j] = *e;
		out[j].state = ENT_TAKEN;
		n++;
	}
	for (i = 1; i < n; i++) /* two entries for one index: not ours */
		if (out[i].req_idx == out[i - 1].req_idx)
			return refuse(why, "two entries for one index");
	return (int)n;
}

/*
 * The ring's indices against the log's: what waits is what was taken and
 * not pushed, and no more was taken than the frontend produced.
 */
static int check_indices(xpv_ring_idx_t cons, xpv_ring_idx_t rsp_prod,
			 xpv_ring_idx_t req_prod, uint32_t n, uint32_t nr_ents,
			 const char **why)
{
	if ((uint32_t)(cons - rsp_prod) != n)
		return refuse(why, "the entries waiting are not "
				   "req_cons - rsp_prod");
	if ((uint32_t)(req_prod - cons) > nr_ents)
		return refuse(why, "req_prod is more than the ring past "
				   "req_cons");
	if ((uint32_t)(req_prod - rsp_prod) > nr_ents)
		return refuse(why, "req_prod is more than the ring past "
				   "rsp_prod");
	return 0;
}

/* The log read, checked and rewritten; *out says where the queue goes
 * on from. -errno and why. */
static int resume_from(struct blkback_rlog **l, const char *path,
		       uint32_t nr_ents, const struct xpv_sring *sring,
		       struct blkback_replay *out, const char **why)
{
	size_t size = rlog_size(nr_ents);
	void *old = malloc(size), *new = calloc(1, size);
	xpv_ring_idx_t cons, rsp_prod, req_prod;
	int n, ret = -ENOMEM;

	if (!old || !new) {
		*why = "no memory to read the log";
		goto out;
	}
	ret = read_old(path, nr_ents, old, why);
	if (ret)
		goto out;
	rsp_prod = __atomic_load_n(&sring->rsp_prod, __ATOMIC_ACQUIRE);
	req_prod = __atomic_load_n(&sring->req_prod, __ATOMIC_ACQUIRE);
	cons = taken_end(old, entries_of(old));
	n = collect(old, entries_of(old), cons, rsp_prod, entries_of(new), why);
	ret = n < 0 ? n :
		      check_indices(cons, rsp_prod, req_prod, (uint32_t)n,
				    nr_ents, why);
	if (ret)
		goto out;
	init_hdr(new, nr_ents, cons);
	*l = rlog_make(path, nr_ents, new);
	if (!*l) {
		ret = -errno;
		*why = "cannot write the log anew";
		goto out;
	}
	out->req_cons = cons;
	out->rsp_prod = rsp_prod;
	out->n = (uint32_t)n;
out:
	free(old);
	free(new);
	return ret;
}

struct blkback_rlog *blkback_rlog_resume(const char *path, uint32_t nr_ents,
					 const struct xpv_sring *sring,
					 struct blkback_replay *out,
					 const char **why)
{
	struct blkback_rlog *l = NULL;
	int ret;

	*why = NULL;
	if (nr_ents == 0)
		ret = refuse(why, "a ring of no slots");
	else
		ret = resume_from(&l, path, nr_ents, sring, out, why);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	return l;
}

void blkback_rlog_close(struct blkback_rlog *l, bool remove)
{
	if (!l)
		return;
	if (remove)
		unlink(l->path);
	rlog_free(l);
}
