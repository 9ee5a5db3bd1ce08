/*
 * resume.h - a queue's resume log: the requests it took off its ring and
 * has not answered yet, in a file (under $XPV_RUNDIR) that outlives the
 * daemon, so that a daemon started after this one was killed serves the
 * same ring again and answers each request the guest is still waiting
 * for exactly once.
 *
 * Why a log, and not the ring alone: answers go out of order, and a
 * response overwrites the slot of the request at its index, which may be
 * another request still waiting; so the shared ring says how many
 * requests wait (req_prod - rsp_prod) but not which, and may have lost
 * their contents. Linux's xen-blkfront cannot be made to send them again
 * (it replays only on its own resume from suspend: a backend that leaves
 * Connected kills its disk), so the backend must know them.
 *
 * The log is written by the queue's thread with plain stores into a
 * shared file mapping (no system call per request) and survives kill -9
 * (the page cache holds it; a crash of the machine takes the guest too).
 * The order of the stores makes every instant of a kill consistent:
 *
 *   take     copy the slot into entry e, then e = TAKEN at index i, then
 *            the log's req_cons = i + 1 (a kill in between is seen from
 *            the entry's index);
 *   answer   the response written into the ring, then e = ANSWERED with
 *            its response index (a kill in between: still TAKEN, and the
 *            response was not pushed, so it is answered again);
 *   push     rsp_prod published in the ring, then the entries answered
 *            since the last push are DONE (a kill in between: ANSWERED
 *            with an index below rsp_prod, which counts as done).
 *
 * An entry is reused only after its answer was pushed (the queue pushes
 * before reusing one answered in the same batch).
 *
 * Every function but open/close runs in the queue's thread. The log file
 * is the daemon's own, but is still read as untrusted: sizes, states and
 * indices are checked against the ring before anything is replayed, and
 * a replayed request is checked as any request is.
 */
#ifndef XPV_BLKBACK_RESUME_H
#define XPV_BLKBACK_RESUME_H

#include <stdbool.h>
#include <stdint.h>

#include "ring/blkif.h"

struct blkback_rlog;

/* What a restarted queue starts from, as blkback_rlog_resume found it. */
struct blkback_replay {
	xpv_ring_idx_t req_cons; /* the next request to take off the ring */
	xpv_ring_idx_t rsp_prod; /* responses the frontend was given */
	uint32_t n; /* requests taken and never answered, in ring order:
		       the log's entries 0..n-1 */
};

/*
 * A fresh log at path for a ring of nr_ents slots whose indices start at
 * start (a new connection: 0). NULL and errno on failure.
 */
struct blkback_rlog *blkback_rlog_create(const char *path, uint32_t nr_ents,
					 xpv_ring_idx_t start);

/*
 * The log a killed daemon left at path for the ring sring (nr_ents
 * slots), rewritten to hold only what must be answered (entries 0..n-1
 * in ring order, TAKEN). NULL and errno: ENOENT (no log), EINVAL (it does
 * not fit this ring: another ring, or the frontend moved the indices),
 * another when reading or rewriting it failed; then the ring cannot be
 * resumed, and *why (never NULL then) is which check refused the log or
 * which step failed: a constant string for the daemon's log
 * (docs/block.md lists them). why must not be NULL.
 */
struct blkback_rlog *blkback_rlog_resume(const char *path, uint32_t nr_ents,
					 const struct xpv_sring *sring,
					 struct blkback_replay *out,
					 const char **why);

/* The request copy of entry e (n of blkback_rlog_resume's). */
const void *blkback_rlog_request(const struct blkback_rlog *l, uint32_t e);

/* Request index idx taken into entry e; req is its private copy. */
void blkback_rlog_taken(struct blkback_rlog *l, uint32_t e, xpv_ring_idx_t idx,
			const void *req);
/* Entry e answered with response index rsp_idx (not yet pushed). */
void blkback_rlog_answered(struct blkback_rlog *l, uint32_t e,
			   xpv_ring_idx_t rsp_idx);
/* The responses written so far were pushed. */
void blkback_rlog_pushed(struct blkback_rlog *l);
/* Whether entry e was answered and its answer not yet pushed. */
bool blkback_rlog_unpushed(const struct blkback_rlog *l, uint32_t e);

/* Unmap; the file stays unless remove (the connection ended cleanly). */
void blkback_rlog_close(struct blkback_rlog *l, bool remove);

#endif /* XPV_BLKBACK_RESUME_H */
