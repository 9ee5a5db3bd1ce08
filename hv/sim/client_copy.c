/*
 * client_copy.c - grant copy on sim, as GNTTABOP_copy.
 *
 * dom0 copies itself: each foreign side is pinned for the copy (GTF_reading
 * for a source, GTF_writing too for a destination) exactly as a map would
 * pin it, and logged as a map's pin is, the bytes move with one memcpy
 * through a mapping of the granting domain's whole memory, and the pin is
 * dropped. No request to xpv-hv: a few hundred ns per segment.
 * An unprivileged domain sends the segments, with the bytes of its local
 * sources, to xpv-hv, which does the same checks and copies, and returns
 * the statuses and the bytes of its local destinations: one request per
 * run of segments within what xpv-hv takes at once (proto.h,
 * SIM_COPY_MAX_SEGS and SIM_COPY_MAX_BYTES), in order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/sim/client.h"

/* A pinned foreign side of one segment. */
struct side {
	struct sim_fdom *f;
	hv_gref_t ref;
	bool writable;
	uint32_t slot; /* in the pin log */
	uint8_t *p;
};

static int pin(struct sim_hv *s, const struct hv_copy_ptr *cp, bool writable,
	       struct side *sd)
{
	uint8_t *view;
	uint32_t frame;
	int err;

	sd->f = NULL;
	if (!cp->foreign) {
		sd->p = cp->local;
		return 0;
	}
	sd->f = sim_fdom_get(s, cp->domid, &err);
	if (!sd->f)
		return err;
	/* One view for both sides: a copy only reads its source. */
	view = sim_fdom_view(sd->f, true, &err);
	if (!view)
		goto fail;
	err = sim_gnt_acquire(sd->f->gnttab, sd->f->active, cp->ref,
			      s->head.self, writable, sd->f->nr_pages, &frame);
	if (err)
		goto fail;
	sd->ref = cp->ref;
	sd->writable = writable;
	/* Logged as a map's pin is: should we die in the copy (a fault on
	 * the caller's buffer, a kill), xpv-hv releases it for us. */
	sd->slot = sim_pin_log(s, sd->f, cp->ref, writable);
	sd->p = view + (size_t)frame * HV_PAGE_SIZE + cp->offset;
	return 0;
fail:
	sd->f = NULL;
	return err;
}

static void unpin(struct sim_hv *s, struct side *sd)
{
	if (!sd->f)
		return;
	sim_pin_unlog(s, sd->slot);
	sim_gnt_release(sd->f->gnttab, sd->f->active, sd->ref, sd->writable);
}

static int copy_one(struct sim_hv *s, struct hv_copy_seg *seg)
{
	struct side src, dst;
	int err;

	err = pin(s, &seg->src, false, &src);
	if (err)
		return err;
	err = pin(s, &seg->dst, true, &dst);
	if (!err) {
		memmove(dst.p, src.p, seg->len);
		unpin(s, &dst);
	}
	unpin(s, &src);
	return err;
}

static void to_wire(const struct hv_copy_ptr *p, struct sim_copy_side *w)
{
	w->foreign = p->foreign;
	w->domid = p->domid;
	w->ref = p->ref;
	w->offset = p->offset;
}

/* The request tail: the segments, then each local source's bytes. */
static size_t build_tail(unsigned int count, const struct hv_copy_seg *segs,
			 uint8_t *buf)
{
	struct sim_copy_seg *w = (struct sim_copy_seg *)buf;
	size_t off = count * sizeof(*w);
	unsigned int i;

	for (i = 0; i < count; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		to_wire(&segs[i].src, &w[i].src);
		to_wire(&segs[i].dst, &w[i].dst);
		w[i].len = segs[i].len;
		if (!segs[i].src.foreign) {
			memcpy(buf + off, segs[i].src.local, segs[i].len);
			off += segs[i].len;
		}
	}
	return off;
}

static size_t dst_bytes(unsigned int count, const struct hv_copy_seg *segs)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (!segs[i].dst.foreign)
			n += segs[i].len;
	return n;
}

static size_t src_bytes(unsigned int count, const struct hv_copy_seg *segs)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (!segs[i].src.foreign)
			n += segs[i].len;
	return n;
}

static void take_reply(unsigned int count, struct hv_copy_seg *segs,
		       const uint8_t *rbuf)
{
	size_t off = count * sizeof(int16_t);
	unsigned int i;

	for (i = 0; i < count; i++) {
		memcpy(&segs[i].status, rbuf + i * sizeof(int16_t),
		       sizeof(int16_t));
		if (segs[i].dst.foreign)
			continue;
		if (!segs[i].status)
			memcpy(segs[i].dst.local, rbuf + off, segs[i].len);
		off += segs[i].len;
	}
}

/* One request: count segments within xpv-hv's limits. */
static int copy_request(struct sim_hv *s, unsigned int count,
			struct hv_copy_seg *segs)
{
	struct sim_req req = { .op = SIM_OP_GRANT_COPY, .a = count };
	size_t tlen =
		count * sizeof(struct sim_copy_seg) + src_bytes(count, segs);
	size_t rlen = count * sizeof(int16_t) + dst_bytes(count, segs);
	size_t got = 0;
	uint8_t *tail, *rbuf;
	int err = -ENOMEM;

	tail = malloc(tlen);
	rbuf = malloc(rlen);
	if (!tail || !rbuf)
		goto out;
	build_tail(count, segs, tail);
	err = sim_rpc(s->sock, &req, tail, tlen, NULL, 0, NULL, rbuf, rlen,
		      &got, NULL);
	if (!err && got != rlen)
		err = -EPROTO;
	if (!err)
		take_reply(count, segs, rbuf);
out:
	free(tail);
	free(rbuf);
	return err;
}

/* How many of the first count segments one request may carry: at most
 * SIM_COPY_MAX_SEGS, moving at most SIM_COPY_MAX_BYTES (hv.c checked
 * each length: a page at most, so at least one fits). */
static unsigned int run_length(unsigned int count,
			       const struct hv_copy_seg *segs)
{
	size_t moved = 0;
	unsigned int n;

	for (n = 0; n < count && n < SIM_COPY_MAX_SEGS; n++) {
		if (moved + segs[n].len > SIM_COPY_MAX_BYTES)
			break;
		moved += segs[n].len;
	}
	return n ? n : 1;
}

static int copy_via_daemon(struct sim_hv *s, unsigned int count,
			   struct hv_copy_seg *segs)
{
	unsigned int done = 0, n;
	int err = 0;

	while (!err && done < count) {
		n = run_length(count - done, segs + done);
		err = copy_request(s, n, segs + done);
		done += n;
	}
	return err;
}

int sim_grant_copy(struct hv *hv, unsigned int count, struct hv_copy_seg *segs)
{
	struct sim_hv *s = to_sim(hv);
	unsigned int i;

	if (!hv->privileged)
		return copy_via_daemon(s, count, segs);
	for (i = 0; i < count; i++)
		segs[i].status = (int16_t)copy_one(s, &segs[i]);
	return 0;
}
