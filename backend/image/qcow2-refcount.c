/*
 * qcow2-refcount.c - host cluster bookkeeping: refcounts, allocation,
 * deferred frees and growing the refcount table (QEMU
 * docs/interop/qcow2.txt, "Host cluster management").
 *
 * In memory a refcount is never lower than the number of references to
 * its cluster that are on disk (see the rule in qcow2.c). That is what
 * lets a refcount block be written at any moment: a cluster's count
 * rises before anything on disk can point to it, and falls only once
 * the L2 entry that pointed to it is on disk without it
 * (qcow2_defer_free, qcow2_apply_frees).
 *
 * A new refcount block goes into the first cluster of the range it
 * describes (it counts itself). When the refcount table is full, a
 * table twice as large is built in memory and given clusters at once;
 * the flush writes it, switches the header to it, and only then frees
 * the old one.
 */
#include "backend/image/qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096 /* dirty-tracking unit of the refcount table */

/* --- one entry in a refcount block ----------------------------------------- */

static uint64_t rc_read(const uint8_t *b, uint64_t i, unsigned order)
{
	unsigned bits, shift;

	switch (order) {
	case 3:
		return b[i];
	case 4:
		return be16toh(((const uint16_t *)b)[i]);
	case 5:
		return be32toh(((const uint32_t *)b)[i]);
	case 6:
		return be64toh(((const uint64_t *)b)[i]);
	default: /* 1, 2 or 4 bits, bit 0 the least significant */
		bits = 1u << order;
		shift = (i * bits) % 8;
		return (b[i * bits / 8] >> shift) & ((1u << bits) - 1);
	}
}

static void rc_write(uint8_t *b, uint64_t i, unsigned order, uint64_t v)
{
	unsigned bits, shift, mask;

	switch (order) {
	case 3:
		b[i] = v;
		break;
	case 4:
		((uint16_t *)b)[i] = htobe16(v);
		break;
	case 5:
		((uint32_t *)b)[i] = htobe32(v);
		break;
	case 6:
		((uint64_t *)b)[i] = htobe64(v);
		break;
	default:
		bits = 1u << order;
		shift = (i * bits) % 8;
		mask = ((1u << bits) - 1) << shift;
		b[i * bits / 8] = (b[i * bits / 8] & ~mask) |
				  ((v << shift) & mask);
	}
}

static uint64_t rc_max(const struct qcow2 *q)
{
	unsigned bits = 1u << q->h.refcount_order;

	return bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
}

/* --- the table and its blocks ---------------------------------------------- */

static void rt_mark_dirty(struct qcow2 *q, uint64_t rti)
{
	q->rt_dirty[rti * 8 / CHUNK] = 1;
}

/* The block holding `cluster`'s count; NULL when it has none (count 0). */
static int refblock_of(struct qcow2 *q, uint64_t cluster,
		       struct qcow2_table **t)
{
	uint64_t rti = cluster >> q->rb_bits;
	uint64_t e, off;

	*t = NULL;
	if (rti >= q->rt_entries)
		return 0;
	e = qcow2_get_be64(q->rt, rti);
	off = e & ~QCOW2_RTE_RESERVED;
	if ((e & QCOW2_RTE_RESERVED) || (off & (q->cluster_size - 1)) ||
	    off >= QCOW2_MAX_HOST_OFFSET)
		return -EIO;
	if (!off)
		return 0;
	return qcow2_cache_get(q, &q->rbc, rti, off, t);
}

static uint64_t index_in_block(const struct qcow2 *q, uint64_t cluster)
{
	return cluster & ((1ull << q->rb_bits) - 1);
}

int qcow2_get_refcount(struct qcow2 *q, uint64_t cluster, uint64_t *rc)
{
	struct qcow2_table *t;
	int err = refblock_of(q, cluster, &t);

	*rc = 0;
	if (err || !t)
		return err;
	*rc = rc_read(t->data, index_in_block(q, cluster), q->h.refcount_order);
	return 0;
}

int qcow2_set_refcount(struct qcow2 *q, uint64_t cluster, uint64_t rc)
{
	struct qcow2_table *t;
	int err = refblock_of(q, cluster, &t);

	if (err)
		return err;
	if (!t || rc > rc_max(q))
		return -EIO;
	rc_write(t->data, index_in_block(q, cluster), q->h.refcount_order, rc);
	t->dirty = true;
	return 0;
}

bool qcow2_is_metadata(const struct qcow2 *q, uint64_t c)
{
	uint64_t cs = q->cluster_size;
	uint64_t l1_first = q->h.l1_table_offset / cs;
	uint64_t l1_end =
		(q->h.l1_table_offset + q->h.l1_size * 8ull + cs - 1) / cs;
	uint64_t rt_first = q->h.refcount_table_offset / cs;
	uint64_t rt_new = q->rt_new_off / cs;

	if (c == 0)
		return true;
	if (q->h.l1_size && c >= l1_first && c < l1_end)
		return true;
	if (c >= rt_first && c - rt_first < q->h.refcount_table_clusters)
		return true;
	return q->rt_new_off && c >= rt_new && c - rt_new < q->rt_new_clusters;
}

static void note_use(struct qcow2 *q, uint64_t c, bool *fresh)
{
	if (fresh)
		*fresh = c >= q->fresh_from;
	if (c >= q->fresh_from)
		q->fresh_from = c + 1;
}

/* A refcount block for range rti, in its own first non-metadata cluster. */
static int new_refblock(struct qcow2 *q, uint64_t rti)
{
	uint64_t first = rti << q->rb_bits, c = first;
	struct qcow2_table *t;
	int err;

	while (qcow2_is_metadata(q, c))
		c++;
	if (c - first >= (1ull << q->rb_bits))
		return -EIO;
	err = qcow2_cache_new(q, &q->rbc, rti, c << q->cluster_bits, &t);
	if (err)
		return err;
	rc_write(t->data, c - first, q->h.refcount_order, 1);
	qcow2_put_be64(q->rt, rti, c << q->cluster_bits);
	rt_mark_dirty(q, rti);
	note_use(q, c, NULL);
	return 0;
}

static int grow_table(struct qcow2 *q, uint64_t need);

/* Make sure cluster c is described by a refcount block. */
static int cover_cluster(struct qcow2 *q, uint64_t c)
{
	uint64_t rti = c >> q->rb_bits;
	int err;

	if (rti >= q->rt_entries) {
		err = grow_table(q, rti);
		if (err)
			return err;
	}
	if (!q->rt[rti])
		return new_refblock(q, rti);
	return 0;
}

static int cluster_free(struct qcow2 *q, uint64_t c, bool *free_)
{
	uint64_t rc;
	int err;

	*free_ = false;
	if (qcow2_is_metadata(q, c))
		return 0;
	err = qcow2_get_refcount(q, c, &rc);
	*free_ = !err && rc == 0;
	return err;
}

/*
 * Clusters past the end of the file counted as used: a few are leaks a
 * crash left; a hostile image may claim billions, which would make the
 * scan below run for hours.
 */
#define MAX_USED_PAST_END (1u << 20)

/* n contiguous free clusters, each given refcount 1. */
static int alloc_run(struct qcow2 *q, uint64_t n, uint64_t *first, bool *fresh)
{
	uint64_t limit = QCOW2_MAX_HOST_OFFSET >> q->cluster_bits;
	uint64_t c = q->alloc_hint, start = c, i, past_end = 0;
	bool is_free;
	int err;

	while (c - start < n) {
		if (c >= limit)
			return -EFBIG;
		err = cover_cluster(q, c);
		if (!err)
			err = cluster_free(q, c, &is_free);
		if (err)
			return err;
		if (!is_free && c >= q->fresh_from &&
		    ++past_end > MAX_USED_PAST_END)
			return -EIO;
		c++;
		if (!is_free)
			start = c;
	}
	for (i = start; i < c; i++) {
		err = qcow2_set_refcount(q, i, 1);
		if (err)
			return err;
		note_use(q, i, i == start ? fresh : NULL);
	}
	if (n == 1)
		q->alloc_hint = start + 1;
	*first = start;
	return 0;
}

int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host, bool *fresh)
{
	uint64_t c;
	int err = alloc_run(q, 1, &c, fresh);

	if (err)
		return err;
	*host = c << q->cluster_bits;
	return 0;
}

void qcow2_unalloc_cluster(struct qcow2 *q, uint64_t host)
{
	uint64_t c = host >> q->cluster_bits;

	if (!qcow2_set_refcount(q, c, 0) && c < q->alloc_hint)
		q->alloc_hint = c;
}

/* --- growing the table ------------------------------------------------------ */

static int resize_arrays(struct qcow2 *q, uint64_t entries)
{
	uint64_t old = q->rt_entries;
	size_t chunks_old = (old * 8 + CHUNK - 1) / CHUNK;
	size_t chunks = (entries * 8 + CHUNK - 1) / CHUNK;
	uint64_t *rt = realloc(q->rt, entries * 8);
	uint8_t *dirty;

	if (!rt)
		return -ENOMEM;
	q->rt = rt;
	memset(rt + old, 0, (entries - old) * 8);
	dirty = realloc(q->rt_dirty, chunks);
	if (!dirty)
		return -ENOMEM;
	q->rt_dirty = dirty;
	memset(dirty + chunks_old, 0, chunks - chunks_old);
	q->rt_entries = entries;
	return qcow2_cache_grow_keys(&q->rbc, entries);
}

/* Forget a grown table not yet on disk: only memory points to it. */
static void drop_unpublished_table(struct qcow2 *q)
{
	uint64_t first = q->rt_new_off >> q->cluster_bits, i;
	uint64_t n = q->rt_new_clusters;

	q->rt_new_off = 0;
	q->rt_new_clusters = 0;
	for (i = 0; i < n; i++)
		qcow2_unalloc_cluster(q, (first + i) << q->cluster_bits);
}

static int grow_table(struct qcow2 *q, uint64_t need)
{
	uint64_t per_cluster = q->cluster_size / 8;
	uint64_t cap = QCOW2_MAX_RT_BYTES / 8, entries, first;
	int err;

	if (q->rt_growing || need >= cap)
		return -EFBIG;
	entries = q->rt_entries * 2 > need + 1 ? q->rt_entries * 2 : need + 1;
	entries = (entries + per_cluster - 1) / per_cluster * per_cluster;
	if (entries > cap)
		entries = cap;
	err = resize_arrays(q, entries);
	if (err)
		return err;
	if (q->rt_new_off)
		drop_unpublished_table(q);
	q->rt_growing = true;
	err = alloc_run(q, entries / per_cluster, &first, NULL);
	q->rt_growing = false;
	if (err)
		return err;
	q->rt_new_off = first << q->cluster_bits;
	q->rt_new_clusters = entries / per_cluster;
	return 0;
}

/* --- flush steps -------------------------------------------------------------- */

int qcow2_write_refblocks(struct qcow2 *q)
{
	unsigned i;
	int err;

	for (i = 0; i < q->rbc.n; i++) {
		struct qcow2_table *t = &q->rbc.t[i];

		if (!t->valid || !t->dirty)
			continue;
		err = qcow2_table_write(q, t);
		if (err)
			return err;
	}
	return 0;
}

bool qcow2_rt_changed(const struct qcow2 *q)
{
	uint64_t i, chunks = (q->rt_entries * 8 + CHUNK - 1) / CHUNK;

	if (q->rt_new_off)
		return true;
	for (i = 0; i < chunks; i++) {
		if (q->rt_dirty[i])
			return true;
	}
	return false;
}

int qcow2_rt_write_new(struct qcow2 *q)
{
	if (!q->rt_new_off)
		return 0;
	return qcow2_write_meta(q, q->rt, q->rt_entries * 8, q->rt_new_off);
}

static int write_dirty_chunks(struct qcow2 *q)
{
	uint64_t bytes = q->rt_entries * 8, i, off, len;
	int err;

	for (i = 0; i * CHUNK < bytes; i++) {
		if (!q->rt_dirty[i])
			continue;
		off = i * CHUNK;
		len = bytes - off < CHUNK ? bytes - off : CHUNK;
		err = qcow2_write_meta(q, (uint8_t *)q->rt + off, len,
				       q->h.refcount_table_offset + off);
		if (err)
			return err;
		q->rt_dirty[i] = 0;
	}
	return 0;
}

/* Switch the header to the grown table (one 12-byte write), then free
 * the old table's clusters: nothing on disk points to them any more. */
static int switch_table(struct qcow2 *q)
{
	uint64_t old_first = q->h.refcount_table_offset >> q->cluster_bits;
	uint32_t old_n = q->h.refcount_table_clusters, i;
	uint8_t field[12];
	uint64_t off = htobe64(q->rt_new_off);
	uint32_t n = htobe32(q->rt_new_clusters);
	int err;

	memcpy(field, &off, 8);
	memcpy(field + 8, &n, 4);
	err = qcow2_write_meta(q, field, sizeof(field), 48);
	if (!err)
		err = qcow2_sync(q);
	if (err)
		return err;
	q->h.refcount_table_offset = q->rt_new_off;
	q->h.refcount_table_clusters = q->rt_new_clusters;
	q->rt_new_off = 0;
	q->rt_new_clusters = 0;
	memset(q->rt_dirty, 0, (q->rt_entries * 8 + CHUNK - 1) / CHUNK);
	for (i = 0; i < old_n; i++)
		qcow2_unalloc_cluster(q, (old_first + i) << q->cluster_bits);
	return 0;
}

int qcow2_rt_publish(struct qcow2 *q)
{
	int err;

	if (q->rt_new_off)
		return switch_table(q);
	err = write_dirty_chunks(q);
	return err ? err : qcow2_sync(q);
}

/* --- deferred frees ------------------------------------------------------------ */

int qcow2_defer_free(struct qcow2 *q, uint64_t host)
{
	struct qcow2_free *f;

	if (q->nfrees == q->frees_cap) {
		size_t cap = q->frees_cap ? q->frees_cap * 2 : 64;

		f = realloc(q->frees, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		q->frees = f;
		q->frees_cap = cap;
	}
	q->frees[q->nfrees++] = (struct qcow2_free){
		.host = host,
		.seq = q->next_seq,
	};
	return 0;
}

static void release(struct qcow2 *q, uint64_t host)
{
	uint64_t c = host >> q->cluster_bits, rc;

	if (qcow2_get_refcount(q, c, &rc) || rc == 0)
		return; /* corrupt or unreadable: leave it (a leak at most) */
	if (qcow2_set_refcount(q, c, rc - 1) || rc > 1)
		return;
	/* Give the space back to the file system; best effort. */
	(void)fallocate(q->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, host,
			q->cluster_size);
	if (c < q->alloc_hint)
		q->alloc_hint = c;
	q->stats.clusters_freed++;
}

void qcow2_apply_frees(struct qcow2 *q)
{
	uint64_t oldest = q->inflight_head ? q->inflight_head->seq : UINT64_MAX;
	size_t i, kept = 0;

	for (i = 0; i < q->nfrees; i++) {
		struct qcow2_free *f = &q->frees[i];

		if (!f->durable || oldest < f->seq)
			q->frees[kept++] = *f;
		else
			release(q, f->host);
	}
	q->nfrees = kept;
}

/* --- open -------------------------------------------------------------------- */

int qcow2_refcount_init(struct qcow2 *q, char *why, size_t why_len)
{
	uint64_t bytes =
		(uint64_t)q->h.refcount_table_clusters * q->cluster_size;
	int err;

	q->rb_bits = q->cluster_bits + 3 - q->h.refcount_order;
	q->rt_entries = bytes / 8;
	q->rt = malloc(bytes);
	q->rt_dirty = calloc((bytes + CHUNK - 1) / CHUNK, 1);
	if (!q->rt || !q->rt_dirty)
		return -ENOMEM;
	err = img_pread_full(q->fd, q->rt, bytes, q->h.refcount_table_offset);
	if (err) {
		img_why(why, why_len, q->img,
			"cannot read the qcow2 refcount table: %s",
			strerror(-err));
		return -EIO;
	}
	return 0;
}
