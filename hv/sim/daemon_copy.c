/*
 * daemon_copy.c - grant copy for an unprivileged domain (SIM_OP_GRANT_COPY).
 *
 * Such a domain never holds another domain's memory, so xpv-hv copies for
 * it: each foreign side is checked and pinned with the same shared-table
 * operations a dom0 mapper uses, and the bytes move by pread/pwrite on the
 * granting domain's memfd. Local sides travel in the request and reply.
 *
 * What a request costs us is bounded by what it moves, not by its size: a
 * segment from a grant to a grant is 32 bytes of request and a page read
 * and written, so a 64 KiB request of them once cost 2 ms of our one
 * thread (16 MiB moved, 4080 system calls). At most SIM_COPY_MAX_SEGS
 * segments and SIM_COPY_MAX_BYTES bytes moved in all (proto.h), and the
 * pread/pwrite calls made are the request's cost (reply.cost) against its
 * domain's budget of the loop turn (daemon_dispatch.c).
 *
 * Pages: we read with pread, which reads a page the granter never touched
 * as zeros without allocating it (a mapping would allocate it); a page we
 * pwrite first is allocated here, and so charged to xpv-hv's memory
 * cgroup, not the granter's (docs/hv.md, cgroups).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

struct pinned {
	struct domain *d;
	uint32_t ref;
	bool writable;
	off_t off;
};

static int pin(struct domain *self, const struct sim_copy_side *s,
	       bool writable, struct pinned *p)
{
	hv_domid_t dom = s->domid == HV_DOMID_SELF ? self->domid : s->domid;
	uint32_t frame;
	int err;

	if (dom >= SIM_MAX_DOMS)
		return -ERANGE;
	p->d = dom_get(dom);
	if (!p->d || p->d->dying)
		return -ESRCH;
	if (s->offset >= HV_PAGE_SIZE)
		return -ERANGE;
	err = sim_gnt_acquire(p->d->gnttab, p->d->active, s->ref, self->domid,
			      writable, p->d->nr_pages, &frame);
	if (err)
		return err;
	p->ref = s->ref;
	p->writable = writable;
	p->off = (off_t)frame * HV_PAGE_SIZE + s->offset;
	return 0;
}

static void unpin(struct pinned *p)
{
	sim_gnt_release(p->d->gnttab, p->d->active, p->ref, p->writable);
}

/* One segment: src bytes come from `in` when local, dst bytes go to `out`
 * when local. */
static int copy_seg(struct domain *self, const struct sim_copy_seg *s,
		    const uint8_t *in, uint8_t *out)
{
	uint8_t page[HV_PAGE_SIZE];
	struct pinned ps, pd;
	int err = 0;

	if (s->src.foreign) {
		err = pin(self, &s->src, false, &ps);
		if (err)
			return err;
		if (pread(ps.d->memfd, page, s->len, ps.off) != s->len)
			err = -EIO;
		unpin(&ps);
	} else {
		memcpy(page, in, s->len);
	}
	if (err)
		return err;
	if (!s->dst.foreign) {
		memcpy(out, page, s->len);
		return 0;
	}
	err = pin(self, &s->dst, true, &pd);
	if (err)
		return err;
	if (pwrite(pd.d->memfd, page, s->len, pd.off) != s->len)
		err = -EIO;
	unpin(&pd);
	return err;
}

/* Check the request's shape before touching anything: every length within
 * a page, the local bytes present exactly, the bytes moved in all within
 * SIM_COPY_MAX_BYTES. Returns the reply size; *sides the foreign sides
 * (each one pread or pwrite). */
static int64_t check(const struct sim_copy_seg *segs, uint64_t count,
		     size_t tail_len, unsigned int *sides)
{
	size_t need = count * sizeof(*segs), out = count * sizeof(int16_t);
	size_t moved = 0;
	uint64_t i;

	*sides = 0;
	for (i = 0; i < count; i++) {
		const struct sim_copy_seg *s = &segs[i];

		if (s->len > HV_PAGE_SIZE ||
		    (s->src.foreign && s->src.offset + s->len > HV_PAGE_SIZE) ||
		    (s->dst.foreign && s->dst.offset + s->len > HV_PAGE_SIZE) ||
		    (!s->src.foreign && !s->dst.foreign))
			return -EINVAL;
		moved += s->len;
		*sides += s->src.foreign + s->dst.foreign;
		if (!s->src.foreign)
			need += s->len;
		if (!s->dst.foreign)
			out += s->len;
	}
	if (need != tail_len || out + sizeof(struct sim_rep) > SIM_MSG_MAX)
		return -EINVAL;
	return moved > SIM_COPY_MAX_BYTES ? -E2BIG : (int64_t)out;
}

int op_grant_copy(struct request *rq, struct reply *r)
{
	struct domain *self = dom_get(rq->c->domid);
	const struct sim_copy_seg *segs = (const void *)rq->tail;
	uint64_t count = rq->req->a, i;
	size_t in_off, out_off;
	unsigned int sides;
	int64_t out_len;
	uint8_t *out;

	if (!self)
		return -ESRCH;
	if (count > SIM_COPY_MAX_SEGS)
		return -E2BIG;
	if (count == 0 || rq->tail_len < count * sizeof(*segs))
		return -EINVAL;
	out_len = check(segs, count, rq->tail_len, &sides);
	if (out_len < 0)
		return (int)out_len;
	r->cost = sides;
	out = calloc(1, (size_t)out_len);
	if (!out)
		return -ENOMEM;
	in_off = count * sizeof(*segs);
	out_off = count * sizeof(int16_t);
	for (i = 0; i < count; i++) {
		const struct sim_copy_seg *s = &segs[i];
		int16_t st = (int16_t)copy_seg(self, s, rq->tail + in_off,
					       out + out_off);

		memcpy(out + i * sizeof(int16_t), &st, sizeof(st));
		if (!s->src.foreign)
			in_off += s->len;
		if (!s->dst.foreign)
			out_off += s->len;
	}
	r->tail = out;
	r->tail_len = (size_t)out_len;
	r->free_tail = true;
	return 0;
}
