/*
 * qcow2-map.c - guest offset to host extents (QEMU docs/interop/qcow2.txt,
 * "Cluster mapping"): reads, writes with allocation and copy-on-write,
 * write completion, discard.
 *
 * A first write into a cluster allocates a host cluster, fills the part
 * the write does not cover (from the backing chain, or zeros), and
 * records the allocation as pending; the L2 entry is set only when every
 * write into it has ended (qcow2_write_done), so neither a reader nor a
 * flush ever sees a cluster whose data is not there. A second write into
 * a pending cluster joins it. A discard leaves pending clusters alone.
 */
#include "backend/image/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum cl_kind { CL_UNALLOC, CL_ZERO, CL_DATA, CL_COMPRESSED };

struct entry {
	enum cl_kind kind;
	uint64_t host; /* CL_DATA; CL_ZERO: a preallocated cluster or 0 */
	bool copied; /* refcount exactly one: writable in place */
};

static int decode(const struct qcow2 *q, uint64_t e, struct entry *out)
{
	*out = (struct entry){ .copied = e & QCOW2_OFLAG_COPIED };
	if (e & QCOW2_OFLAG_COMPRESSED) {
		out->kind = CL_COMPRESSED;
		return 0;
	}
	out->host = e & QCOW2_OFFSET_MASK;
	if ((e & QCOW2_L2E_RESERVED) || (out->host & (q->cluster_size - 1)))
		return -EIO;
	if (e & QCOW2_OFLAG_ZERO) {
		out->kind = CL_ZERO;
		return q->h.version == 2 ? -EIO : 0;
	}
	if (!out->host) {
		out->kind = CL_UNALLOC;
		return out->copied ? -EIO : 0;
	}
	out->kind = CL_DATA;
	return 0;
}

static uint64_t l2_index(const struct qcow2 *q, uint64_t g)
{
	return g & ((1ull << q->l2_bits) - 1);
}

/* The L2 table of guest cluster g; *t NULL when its L1 entry is empty. */
static int l2_table(struct qcow2 *q, uint64_t g, struct qcow2_table **t)
{
	uint64_t l1i = g >> q->l2_bits;
	uint64_t e = qcow2_get_be64(q->l1, l1i);
	uint64_t off = e & QCOW2_OFFSET_MASK;

	*t = NULL;
	if ((e & QCOW2_L1E_RESERVED) || (off & (q->cluster_size - 1)))
		return -EIO;
	if (!off)
		return 0;
	return qcow2_cache_get(q, &q->l2c, l1i, off, t);
}

static int lookup(struct qcow2 *q, uint64_t g, struct entry *out)
{
	struct qcow2_table *t;
	int err = l2_table(q, g, &t);

	if (err)
		return err;
	if (!t) {
		*out = (struct entry){ .kind = CL_UNALLOC };
		return 0;
	}
	return decode(q, qcow2_get_be64(t->data, l2_index(q, g)), out);
}

/* --- pending allocations ----------------------------------------------------- */

static struct qcow2_alloc **bucket(struct qcow2 *q, uint64_t g)
{
	return &q->allocs[(g * 0x9e3779b97f4a7c15ull) >> 56];
}

static struct qcow2_alloc *alloc_find(struct qcow2 *q, uint64_t g)
{
	struct qcow2_alloc *a;

	for (a = *bucket(q, g); a; a = a->next) {
		if (a->guest == g)
			return a;
	}
	return NULL;
}

static void alloc_unlink(struct qcow2 *q, struct qcow2_alloc *a)
{
	struct qcow2_alloc **p;

	for (p = bucket(q, a->guest); *p; p = &(*p)->next) {
		if (*p == a) {
			*p = a->next;
			return;
		}
	}
}

/* The allocations one write holds, kept in its struct img_write. */
struct joined {
	unsigned n, cap;
	struct qcow2_alloc *a[];
};

static int join(struct img_write *w, struct qcow2_alloc *a)
{
	struct joined *j = w->allocs;

	if (!j || j->n == j->cap) {
		unsigned cap = j ? j->cap * 2 : 4;
		struct joined *nj = realloc(j, sizeof(*j) + cap * sizeof(a));

		if (!nj)
			return -ENOMEM;
		if (!j)
			nj->n = 0;
		nj->cap = cap;
		w->allocs = j = nj;
	}
	j->a[j->n++] = a;
	a->users++;
	return 0;
}

/* --- writes in flight (ordered by seq, for deferred frees) ------------------- */

static void inflight_add(struct qcow2 *q, struct img_write *w)
{
	w->seq = q->next_seq++;
	w->allocs = NULL;
	w->next = NULL;
	w->prev = q->inflight_tail;
	if (q->inflight_tail)
		q->inflight_tail->next = w;
	else
		q->inflight_head = w;
	q->inflight_tail = w;
}

static void inflight_remove(struct qcow2 *q, struct img_write *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		q->inflight_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		q->inflight_tail = w->prev;
}

/* --- reads ----------------------------------------------------------------- */

/* Data at host..host+len, the part past the end of the file as zeros
 * (QEMU may leave a last cluster short). Returns bytes emitted. */
static uint64_t emit_data(struct qcow2 *q, struct img_extent *ext, unsigned max,
			  unsigned *n, uint64_t host, uint64_t len)
{
	struct img *img = q->img;
	uint64_t data = 0;

	if (host < q->file_size)
		data = len < q->file_size - host ? len : q->file_size - host;
	if (data && !img_emit(ext, max, n, IMG_EXT_DATA, img->fd, img->file,
			      host, data))
		return 0;
	if (data < len &&
	    !img_emit(ext, max, n, IMG_EXT_ZERO, -1, 0, 0, len - data))
		return data;
	return len;
}

/* An unallocated range: the backing chain's extents, zeros past its end. */
static int emit_backing(struct qcow2 *q, uint64_t pos, uint64_t len,
			struct img_extent *ext, unsigned max, unsigned *n,
			uint64_t *done)
{
	struct img *b = q->img->backing;
	struct img_extent tmp[16];
	uint64_t inside = 0;
	int m, i;

	*done = 0;
	if (b && pos < b->info.size)
		inside = len < b->info.size - pos ? len : b->info.size - pos;
	if (inside) {
		m = b->drv->map_read(b, pos, inside, tmp, 16);
		if (m < 0)
			return m;
		for (i = 0; i < m; i++) {
			if (!img_emit(ext, max, n, tmp[i].kind, tmp[i].fd,
				      tmp[i].file, tmp[i].host_off, tmp[i].len))
				return 0;
			*done += tmp[i].len;
		}
		if (*done < inside)
			return 0;
	}
	if (inside < len &&
	    img_emit(ext, max, n, IMG_EXT_ZERO, -1, 0, 0, len - inside))
		*done = len;
	return 0;
}

/* Map the part of [pos, end) that lies in one cluster; *adv: bytes done. */
static int read_step(struct qcow2 *q, uint64_t pos, uint64_t end,
		     struct img_extent *ext, unsigned max, unsigned *n,
		     uint64_t *adv)
{
	uint64_t in = pos & (q->cluster_size - 1);
	uint64_t len = q->cluster_size - in < end - pos ? q->cluster_size - in :
							  end - pos;
	struct entry e;
	int err = lookup(q, qcow2_cluster_of(q, pos), &e);

	*adv = 0;
	if (err)
		return err;
	switch (e.kind) {
	case CL_DATA:
		*adv = emit_data(q, ext, max, n, e.host + in, len);
		return 0;
	case CL_ZERO:
		if (img_emit(ext, max, n, IMG_EXT_ZERO, -1, 0, 0, len))
			*adv = len;
		return 0;
	case CL_UNALLOC:
		return emit_backing(q, pos, len, ext, max, n, adv);
	default:
		return -EOPNOTSUPP;
	}
}

int qcow2_map_read(struct img *img, uint64_t off, uint64_t len,
		   struct img_extent *ext, unsigned max)
{
	struct qcow2 *q = img->priv;
	uint64_t pos = off, end = off + len, adv;
	unsigned n = 0;
	int err = 0;

	pthread_mutex_lock(&q->lock);
	while (pos < end) {
		err = read_step(q, pos, end, ext, max, &n, &adv);
		if (err || !adv)
			break;
		pos += adv;
	}
	pthread_mutex_unlock(&q->lock);
	if (n && pos > off)
		return n;
	return err ? err : -EIO;
}

/* --- writes ------------------------------------------------------------------ */

/* The L2 table of g, created (empty, in a new cluster) if there is none. */
static int l2_table_for_write(struct qcow2 *q, uint64_t g,
			      struct qcow2_table **t)
{
	uint64_t l1i = g >> q->l2_bits, host;
	int err = l2_table(q, g, t);

	if (err || *t)
		return err;
	err = qcow2_alloc_cluster(q, &host, NULL);
	if (err)
		return err;
	err = qcow2_cache_new(q, &q->l2c, l1i, host, t);
	if (err) {
		qcow2_unalloc_cluster(q, host);
		return err;
	}
	qcow2_put_be64(q->l1, l1i, host | QCOW2_OFLAG_COPIED);
	q->l1_dirty[l1i * 8 / 4096] = 1;
	return 0;
}

/* Make the file long enough that every byte of a cluster we hand out
 * can be read back (in steps, to spare an ftruncate per cluster). */
static int cover_file(struct qcow2 *q, uint64_t end)
{
	uint64_t step = q->cluster_size > (1u << 20) ? q->cluster_size :
						       (1u << 20);
	uint64_t size = (end + step - 1) / step * step;

	if (end <= q->file_size)
		return 0;
	if (ftruncate(q->fd, size) < 0)
		return -EIO;
	q->file_size = size;
	return 0;
}

/*
 * What [cl_off, cl_off + len) of guest cluster g held before: zeros
 * (zero cluster, or no backing file, or past the virtual size), else
 * the backing chain's bytes. Into q->bounce.
 */
static int old_contents(struct qcow2 *q, const struct entry *e, uint64_t g,
			uint64_t cl_off, uint64_t len, bool *all_zero)
{
	uint64_t gpos = (g << q->cluster_bits) + cl_off, visible = 0;
	struct img *b = q->img->backing;
	int err;

	*all_zero = true;
	memset(q->bounce, 0, len);
	if (e->kind == CL_ZERO || !b || gpos >= q->h.size)
		return 0;
	visible = len < q->h.size - gpos ? len : q->h.size - gpos;
	err = img_read_level(b, q->bounce, gpos, visible, all_zero);
	return err ? -EIO : 0;
}

/* Copy-on-write: fill the parts of new cluster `host` outside the write
 * [in, in + len). A fresh cluster already reads as zeros. */
static int cow_fill(struct qcow2 *q, const struct entry *e, uint64_t g,
		    uint64_t host, uint64_t in, uint64_t len, bool fresh)
{
	uint64_t part[2][2] = { { 0, in },
				{ in + len, q->cluster_size - in - len } };
	bool all_zero;
	int i, err;

	for (i = 0; i < 2; i++) {
		if (!part[i][1])
			continue;
		err = old_contents(q, e, g, part[i][0], part[i][1], &all_zero);
		if (err)
			return err;
		if (fresh && all_zero)
			continue;
		err = img_pwrite_full(q->fd, q->bounce, part[i][1],
				      host + part[i][0]);
		if (err)
			return -EIO;
		q->stats.cow_bytes += part[i][1];
	}
	return 0;
}

static int new_alloc(struct qcow2 *q, uint64_t g, const struct entry *e,
		     uint64_t in, uint64_t len, struct qcow2_alloc **out)
{
	bool prealloc = e->kind == CL_ZERO && e->host;
	struct qcow2_alloc *a;
	uint64_t host = e->host;
	bool fresh = false;
	int err;

	if (prealloc && !e->copied)
		return -EIO;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	err = prealloc ? 0 : qcow2_alloc_cluster(q, &host, &fresh);
	if (err)
		goto fail;
	err = cover_file(q, host + q->cluster_size);
	if (!err)
		err = cow_fill(q, e, g, host, in, len, fresh);
	if (err) {
		if (!prealloc)
			qcow2_unalloc_cluster(q, host);
		goto fail;
	}
	*a = (struct qcow2_alloc){ .guest = g,
				   .host = host,
				   .preallocated = prealloc };
	a->next = *bucket(q, g);
	*bucket(q, g) = a;
	q->stats.clusters_allocated++;
	*out = a;
	return 0;
fail:
	free(a);
	return err;
}

/* The host cluster a write into g goes to: in place, a pending
 * allocation, or a new one. */
static int write_target(struct qcow2 *q, struct img_write *w, uint64_t g,
			uint64_t in, uint64_t len, uint64_t *host)
{
	struct qcow2_table *t;
	struct qcow2_alloc *a = alloc_find(q, g);
	struct entry e;
	int err;

	if (a) {
		*host = a->host;
		return join(w, a);
	}
	err = l2_table_for_write(q, g, &t);
	if (!err)
		err = decode(q, qcow2_get_be64(t->data, l2_index(q, g)), &e);
	if (err)
		return err;
	if (e.kind == CL_DATA) {
		/* Without COPIED the cluster is shared (or the refcounts
		 * are off): writing in place would change another user. */
		*host = e.host;
		return e.copied ? 0 : -EIO;
	}
	if (e.kind == CL_COMPRESSED)
		return -EOPNOTSUPP;
	err = new_alloc(q, g, &e, in, len, &a);
	if (err)
		return err;
	*host = a->host;
	err = join(w, a);
	if (err) {
		alloc_unlink(q, a);
		if (!a->preallocated)
			qcow2_unalloc_cluster(q, a->host);
		free(a);
	}
	return err;
}

static int write_step(struct qcow2 *q, struct img_write *w, uint64_t pos,
		      uint64_t end, struct img_extent *ext, unsigned max,
		      unsigned *n, uint64_t *adv)
{
	uint64_t in = pos & (q->cluster_size - 1);
	uint64_t len = q->cluster_size - in < end - pos ? q->cluster_size - in :
							  end - pos;
	uint64_t host;
	int err;

	*adv = 0;
	if (*n == max) /* maybe no room: stop before allocating anything */
		return 0;
	err = write_target(q, w, qcow2_cluster_of(q, pos), in, len, &host);
	if (err)
		return err;
	img_emit(ext, max, n, IMG_EXT_DATA, q->img->fd, q->img->file, host + in,
		 len);
	*adv = len;
	return 0;
}

static int finish_alloc(struct qcow2 *q, struct qcow2_alloc *a);

int qcow2_map_write(struct img *img, uint64_t off, uint64_t len,
		    struct img_extent *ext, unsigned max, struct img_write *w)
{
	struct qcow2 *q = img->priv;
	uint64_t pos = off, end = off + len, adv;
	unsigned n = 0;
	int err = 0;

	pthread_mutex_lock(&q->lock);
	if (q->failed) {
		pthread_mutex_unlock(&q->lock);
		return -EIO;
	}
	inflight_add(q, w);
	while (pos < end) {
		err = write_step(q, w, pos, end, ext, max, &n, &adv);
		if (err || !adv)
			break;
		pos += adv;
	}
	pthread_mutex_unlock(&q->lock);
	if (n)
		return n;
	(void)qcow2_write_done(img, w, -EIO);
	return err ? err : -EIO;
}

/* Every write into a pending cluster ended: publish it in its L2 table,
 * or give the cluster back when none of them succeeded. */
static int finish_alloc(struct qcow2 *q, struct qcow2_alloc *a)
{
	struct qcow2_table *t;
	int err = 0;

	alloc_unlink(q, a);
	if (!a->written) {
		if (!a->preallocated)
			qcow2_unalloc_cluster(q, a->host);
	} else {
		err = l2_table(q, a->guest, &t);
		if (!err && !t)
			err = -EIO;
		if (!err) {
			qcow2_put_be64(t->data, l2_index(q, a->guest),
				       a->host | QCOW2_OFLAG_COPIED);
			t->dirty = true;
		}
	}
	free(a);
	return err;
}

int qcow2_write_done(struct img *img, struct img_write *w, int result)
{
	struct qcow2 *q = img->priv;
	struct joined *j = w->allocs;
	unsigned i;
	int err = 0, e;

	pthread_mutex_lock(&q->lock);
	inflight_remove(q, w);
	for (i = 0; j && i < j->n; i++) {
		struct qcow2_alloc *a = j->a[i];

		if (result >= 0)
			a->written = true;
		if (--a->users)
			continue;
		e = finish_alloc(q, a);
		if (e)
			err = e;
	}
	pthread_mutex_unlock(&q->lock);
	free(j);
	w->allocs = NULL;
	return err;
}

/* --- discard ------------------------------------------------------------------ */

/*
 * Unlink guest cluster g from its host cluster, if it has one of its
 * own. *next: the next cluster worth looking at (past a whole L2 range
 * without a table, so discarding a huge empty range costs little).
 */
static int discard_cluster(struct qcow2 *q, uint64_t g, uint64_t *next)
{
	uint64_t keep = q->img->backing ? QCOW2_OFLAG_ZERO : 0;
	struct qcow2_table *t;
	struct entry e;
	int err;

	*next = g + 1;
	if (alloc_find(q, g))
		return 0;
	err = l2_table(q, g, &t);
	if (!err && !t)
		*next = ((g >> q->l2_bits) + 1) << q->l2_bits;
	if (err || !t)
		return err;
	err = decode(q, qcow2_get_be64(t->data, l2_index(q, g)), &e);
	if (err)
		return err;
	if (!e.host || !e.copied || e.kind == CL_COMPRESSED)
		return 0;
	err = qcow2_defer_free(q, e.host);
	if (err)
		return err;
	qcow2_put_be64(t->data, l2_index(q, g), keep);
	t->dirty = true;
	return 0;
}

int qcow2_discard(struct img *img, uint64_t off, uint64_t len)
{
	struct qcow2 *q = img->priv;
	uint64_t cs = q->cluster_size, end = off + len, g, next;
	int err = 0;

	/* The last cluster counts as whole when the range reaches the end
	 * of the disk. */
	if (end == q->h.size)
		end = (end + cs - 1) / cs * cs;
	pthread_mutex_lock(&q->lock);
	if (q->failed)
		err = -EIO;
	for (g = (off + cs - 1) / cs; !err && g < end / cs; g = next)
		err = discard_cluster(q, g, &next);
	pthread_mutex_unlock(&q->lock);
	return err;
}
