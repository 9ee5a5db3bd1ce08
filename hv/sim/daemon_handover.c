/*
 * daemon_handover.c - devices dom0 makes for a domain and hands in
 * (hv.h: hv_domain_ns_fd, hv_domain_give_fd, hv_take_fd).
 *
 * A guest's /dev has no /dev/net/tun, so the TAP that is its NIC is made
 * by dom0 inside the guest's network namespace: dom0 asks for an fd of
 * that namespace (the daemon opens /proc/<init>/ns/net, as root), makes
 * the TAP there, and leaves its fds here, under a tag, for the guest to
 * take. The daemon never reads or writes them; dom0 closes its copies, so
 * the guest is the only one using those open file descriptions.
 *
 * The mailbox is one small table for all domains: at most HV_HANDOVER_MAX
 * fds wait per domain, and an entry whose domain is gone (or is a new
 * domain with the same id: the generation differs) is closed at the next
 * give or take.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define BOX_SIZE 256

struct handover {
	bool used;
	hv_domid_t domid;
	uint32_t gen;
	uint64_t seq; /* order of giving: the oldest is taken first */
	char tag[HV_HANDOVER_TAG_MAX + 1];
	int fd;
};

static struct handover box[BOX_SIZE];
static uint64_t next_seq;

static bool alive(const struct handover *h)
{
	struct domain *d = dom_get(h->domid);

	return d && d->gen == h->gen && !d->dying;
}

/* Close what waits for a domain that is gone. */
static void sweep(void)
{
	unsigned int i;

	for (i = 0; i < BOX_SIZE; i++)
		if (box[i].used && !alive(&box[i])) {
			close(box[i].fd);
			box[i].used = false;
		}
}

/* The request's tail as a tag: NUL-terminated, printable, 1 to
 * HV_HANDOVER_TAG_MAX characters. */
static const char *tag_of(const struct request *rq)
{
	const char *t = (const char *)rq->tail;
	size_t n, i;

	if (rq->tail_len < 2 || rq->tail_len > HV_HANDOVER_TAG_MAX + 1)
		return NULL;
	n = rq->tail_len - 1;
	if (t[n] != '\0')
		return NULL;
	for (i = 0; i < n; i++)
		if (t[i] < 0x21 || t[i] > 0x7e)
			return NULL;
	return t;
}

int op_ns_fd(struct request *rq, struct reply *r)
{
	char path[64];
	int err, fd;
	struct domain *d = dom_target(rq->c, rq->req->domid, &err);

	if (!d)
		return err;
	if (rq->tail_len != sizeof("net") || memcmp(rq->tail, "net", 4))
		return -EINVAL;
	if (!d->init)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)d->init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r->fds[0] = fd;
	r->close_fds[0] = true;
	return 0;
}

static unsigned int waiting(hv_domid_t domid)
{
	unsigned int i, n = 0;

	for (i = 0; i < BOX_SIZE; i++)
		n += box[i].used && box[i].domid == domid;
	return n;
}

int op_give_fd(struct request *rq, struct reply *r __attribute__((unused)))
{
	const char *tag = tag_of(rq);
	struct domain *d = dom_get((hv_domid_t)rq->req->domid);
	unsigned int i;

	if (!tag || rq->fds[0] < 0)
		return -EINVAL;
	if (!d || d->dying || d->domid == 0)
		return -ESRCH;
	sweep();
	if (waiting(d->domid) >= HV_HANDOVER_MAX)
		return -ENOSPC;
	for (i = 0; i < BOX_SIZE && box[i].used; i++)
		;
	if (i == BOX_SIZE)
		return -ENOSPC;
	box[i] = (struct handover){ .used = true,
				    .domid = d->domid,
				    .gen = d->gen,
				    .seq = next_seq++,
				    .fd = rq->fds[0] };
	snprintf(box[i].tag, sizeof(box[i].tag), "%s", tag);
	rq->fds[0] = -1; /* kept */
	return 0;
}

int op_take_fd(struct request *rq, struct reply *r)
{
	const char *tag = tag_of(rq);
	struct handover *best = NULL;
	unsigned int i;

	if (!tag)
		return -EINVAL;
	sweep();
	for (i = 0; i < BOX_SIZE; i++) {
		struct handover *h = &box[i];

		if (h->used && h->domid == rq->c->domid &&
		    !strcmp(h->tag, tag) && (!best || h->seq < best->seq))
			best = h;
	}
	if (!best)
		return -ENOENT;
	r->fds[0] = best->fd;
	r->close_fds[0] = true;
	best->used = false;
	return 0;
}
