/*
 * qcow2.c - qcow2 images: open, flush, close (format: QEMU
 * docs/interop/qcow2.txt; the other qcow2-*.c files are listed in
 * qcow2.h).
 *
 * Crash consistency
 * =================
 * The rule: nothing on disk ever points to something that is not on
 * disk yet. At every instant the file holds
 *   1. the data of every cluster an on-disk L2 entry points to (written
 *      by the caller, or by our copy-on-write): data before the L2 entry
 *      that makes it visible;
 *   2. a refcount of at least one, in a refcount block the on-disk
 *      refcount table points to, for every cluster an on-disk header,
 *      L1 or L2 entry points to: refcounts before references;
 *   3. every L2 table and refcount block an on-disk L1 or refcount
 *      table entry points to.
 * A crash may leave a cluster counted and unreferenced (a leak, which
 * `qemu-img check -r leaks` reclaims), never referenced and uncounted,
 * and never an entry showing data that was not written.
 *
 * Metadata changes stay in memory until a flush, which writes in this
 * order, each step made durable (fdatasync) before the next begins:
 *   A. the dirty refcount blocks, a grown refcount table (at its new
 *      place) and the L2 tables no on-disk L1 entry points to yet; the
 *      sync also covers every data write completed before the flush and
 *      every copy-on-write;
 *   B. the refcount table entries of new refcount blocks, or the
 *      header's switch to the grown table (after which the old table's
 *      clusters are freed);
 *   C. the other dirty L2 tables and the L1 entries of the new ones;
 *   D. clusters a discard unlinked in C (or earlier) have no on-disk
 *      reference left: their refcounts are lowered in memory (on disk
 *      at the next flush's step A) and their space punched out.
 * Steps with nothing to write are skipped with their sync: a flush with
 * no metadata change is one fdatasync, one after first writes into new
 * clusters is two.
 *
 * Between flushes the rule holds because
 *   - a refcount rises in memory before anything can point to its
 *     cluster and falls only in D, so a refcount block may be written
 *     at any time (the refcount cache evicts a dirty block by writing
 *     it);
 *   - the L2 entry of a new cluster is set in memory only once the
 *     caller's writes into it have completed (img_write_done), and the
 *     copy-on-write of the rest of the cluster was written before the
 *     caller got its extents;
 *   - an L2 table or the L1 table is written only by a flush: evicting
 *     a dirty L2 table runs a whole flush first;
 *   - a freed cluster is reused only after D, and only once every write
 *     mapped before the discard has ended (a late write into it would
 *     land in another cluster's data).
 * The header fields we change (the refcount table pointer; autoclear
 * bits at open) are written within one sector. A failed metadata write
 * or sync leaves the image refusing writes (-EIO): after a failed
 * fdatasync the page cache may have dropped data, and going on would
 * break rule 1.
 */
#include "backend/image/qcow2.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Default L2 cache: 2 MiB of tables (32 with 64 KiB clusters, covering
 * 16 GiB of guest space), at least 4, at most 512 (an eviction scans
 * them all). */
#define DEFAULT_L2_CACHE_BYTES (2u << 20)
#define MIN_L2_CACHE 4
#define MAX_L2_CACHE 512
#define DEFAULT_RB_CACHE 8
#define L1_CHUNK 4096

int qcow2_sync(struct qcow2 *q)
{
	q->stats.syncs++;
	return fdatasync(q->fd) < 0 ? -EIO : 0;
}

int qcow2_write_meta(struct qcow2 *q, const void *buf, size_t len, uint64_t off)
{
	int err = img_pwrite_full(q->fd, buf, len, off);

	if (err)
		return -EIO;
	if (off + len > q->file_size)
		q->file_size = off + len;
	return 0;
}

/* --- flush ---------------------------------------------------------------- */

static size_t l1_chunks(const struct qcow2 *q)
{
	return ((uint64_t)q->h.l1_size * 8 + L1_CHUNK - 1) / L1_CHUNK;
}

static bool l1_dirty(const struct qcow2 *q)
{
	size_t i;

	for (i = 0; i < l1_chunks(q); i++) {
		if (q->l1_dirty[i])
			return true;
	}
	return false;
}

static bool metadata_dirty(const struct qcow2 *q)
{
	return qcow2_cache_dirty(&q->l2c) || qcow2_cache_dirty(&q->rbc) ||
	       l1_dirty(q) || qcow2_rt_changed(q);
}

static int write_l2_tables(struct qcow2 *q, bool fresh_only, bool *wrote)
{
	unsigned i;
	int err;

	for (i = 0; i < q->l2c.n; i++) {
		struct qcow2_table *t = &q->l2c.t[i];

		if (!t->valid || !t->dirty || (fresh_only && !t->fresh))
			continue;
		err = qcow2_table_write(q, t);
		if (err)
			return err;
		*wrote = true;
	}
	return 0;
}

static int write_l1(struct qcow2 *q, bool *wrote)
{
	uint64_t bytes = (uint64_t)q->h.l1_size * 8, off, len;
	size_t i;
	int err;

	for (i = 0; i < l1_chunks(q); i++) {
		if (!q->l1_dirty[i])
			continue;
		off = i * L1_CHUNK;
		len = bytes - off < L1_CHUNK ? bytes - off : L1_CHUNK;
		err = qcow2_write_meta(q, (uint8_t *)q->l1 + off, len,
				       q->h.l1_table_offset + off);
		if (err)
			return err;
		q->l1_dirty[i] = 0;
		*wrote = true;
	}
	return 0;
}

/* Steps A to C of the rule above. */
static int write_metadata(struct qcow2 *q)
{
	bool wrote = false;
	int err;

	err = qcow2_write_refblocks(q);
	if (!err)
		err = qcow2_rt_write_new(q);
	if (!err)
		err = write_l2_tables(q, true, &wrote);
	if (!err)
		err = qcow2_sync(q);
	if (!err && qcow2_rt_changed(q))
		err = qcow2_rt_publish(q);
	wrote = false;
	if (!err)
		err = write_l2_tables(q, false, &wrote);
	if (!err)
		err = write_l1(q, &wrote);
	if (!err && wrote)
		err = qcow2_sync(q);
	return err;
}

int qcow2_flush_locked(struct qcow2 *q)
{
	size_t i;
	int err;

	if (q->failed)
		return -EIO;
	err = metadata_dirty(q) ? write_metadata(q) : qcow2_sync(q);
	if (err) {
		q->failed = true;
		return -EIO;
	}
	/* Every L2 change so far is on disk: step D. */
	for (i = 0; i < q->nfrees; i++)
		q->frees[i].durable = true;
	qcow2_apply_frees(q);
	return 0;
}

static int qcow2_flush(struct img *img)
{
	struct qcow2 *q = img->priv;
	int err;

	pthread_mutex_lock(&q->lock);
	q->stats.flushes++;
	err = qcow2_flush_locked(q);
	pthread_mutex_unlock(&q->lock);
	return err;
}

/* The L2 cache's eviction of a dirty table: only a flush may write it. */
static int clean_l2(struct qcow2 *q,
		    struct qcow2_table *t __attribute__((unused)))
{
	return qcow2_flush_locked(q);
}

static void qcow2_stats(struct img *img, struct img_stats *st)
{
	struct qcow2 *q = img->priv;
	unsigned i;

	pthread_mutex_lock(&q->lock);
	*st = q->stats;
	st->l2_hits = q->l2c.hits;
	st->l2_misses = q->l2c.misses;
	for (i = 0; i < q->l2c.n; i++)
		st->l2_cached += q->l2c.t[i].valid;
	pthread_mutex_unlock(&q->lock);
}

static void qcow2_close(struct img *img)
{
	struct qcow2 *q = img->priv;
	struct qcow2_alloc *a, *next;
	unsigned i;

	if (!q)
		return;
	/* The flush img_close ran lowered refcounts of freed clusters in
	 * memory (step D): write them, or they stay leaked on disk. */
	if (!img->info.read_only && !q->failed && q->bounce &&
	    qcow2_cache_dirty(&q->rbc) && !qcow2_write_refblocks(q))
		(void)qcow2_sync(q);
	for (i = 0; i < QCOW2_ALLOC_BUCKETS; i++) {
		for (a = q->allocs[i]; a; a = next) {
			next = a->next;
			free(a);
		}
	}
	qcow2_cache_free(&q->l2c);
	qcow2_cache_free(&q->rbc);
	free(q->l1);
	free(q->l1_dirty);
	free(q->rt);
	free(q->rt_dirty);
	free(q->frees);
	free(q->bounce);
	pthread_mutex_destroy(&q->lock);
	free(q);
	img->priv = NULL;
}

static const struct img_driver qcow2_driver = {
	.map_read = qcow2_map_read,
	.map_write = qcow2_map_write,
	.write_done = qcow2_write_done,
	.discard = qcow2_discard,
	.flush = qcow2_flush,
	.stats = qcow2_stats,
	.close = qcow2_close,
};

/* --- open ------------------------------------------------------------------- */

static int read_header(struct qcow2 *q, char *why, size_t why_len)
{
	uint8_t first[QCOW2_V3_HEADER_LEN] = { 0 };
	uint32_t bits;
	size_t len;
	uint8_t *buf;
	int err;

	len = q->file_size < sizeof(first) ? q->file_size : sizeof(first);
	err = img_pread_full(q->fd, first, len, 0);
	if (err) {
		img_why(why, why_len, q->img, "cannot read: %s",
			strerror(-err));
		return err;
	}
	memcpy(&bits, first + 20, 4);
	bits = be32toh(bits);
	if (bits < QCOW2_MIN_CLUSTER_BITS || bits > QCOW2_MAX_CLUSTER_BITS)
		bits = QCOW2_MIN_CLUSTER_BITS; /* parse explains */
	len = q->file_size < (1ull << bits) ? q->file_size : (1ull << bits);
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	err = img_pread_full(q->fd, buf, len, 0);
	if (!err)
		err = qcow2_header_parse(&q->h, buf, len, q->img, why, why_len);
	else
		img_why(why, why_len, q->img, "cannot read: %s",
			strerror(-err));
	free(buf);
	return err;
}

/* True when [off, off + len) lies inside the file. */
static bool inside_file(const struct qcow2 *q, uint64_t off, uint64_t len)
{
	return off <= q->file_size && len <= q->file_size - off;
}

static int check_l1(struct qcow2 *q, char *why, size_t why_len)
{
	const struct qcow2_header *h = &q->h;
	uint64_t per_entry = q->cluster_size << q->l2_bits;
	uint64_t needed = (h->size + per_entry - 1) / per_entry;

	if (h->l1_size < needed) {
		img_why(why, why_len, q->img,
			"qcow2 L1 table (%u entries) too small for the virtual "
			"size (needs %llu)",
			h->l1_size, (unsigned long long)needed);
		return -EINVAL;
	}
	if ((uint64_t)h->l1_size * 8 > QCOW2_MAX_L1_BYTES) {
		img_why(why, why_len, q->img, "qcow2 L1 table too large");
		return -EINVAL;
	}
	if (h->l1_size &&
	    ((h->l1_table_offset & (q->cluster_size - 1)) ||
	     !h->l1_table_offset ||
	     !inside_file(q, h->l1_table_offset, (uint64_t)h->l1_size * 8))) {
		img_why(why, why_len, q->img,
			"qcow2 L1 table offset %llu is invalid",
			(unsigned long long)h->l1_table_offset);
		return -EINVAL;
	}
	return 0;
}

static int check_refcount_table(struct qcow2 *q, char *why, size_t why_len)
{
	const struct qcow2_header *h = &q->h;
	uint64_t bytes = (uint64_t)h->refcount_table_clusters * q->cluster_size;

	if (!h->refcount_table_clusters || bytes > QCOW2_MAX_RT_BYTES) {
		img_why(why, why_len, q->img,
			"qcow2 refcount table of %u clusters is invalid",
			h->refcount_table_clusters);
		return -EINVAL;
	}
	if ((h->refcount_table_offset & (q->cluster_size - 1)) ||
	    !h->refcount_table_offset ||
	    !inside_file(q, h->refcount_table_offset, bytes)) {
		img_why(why, why_len, q->img,
			"qcow2 refcount table offset %llu is invalid",
			(unsigned long long)h->refcount_table_offset);
		return -EINVAL;
	}
	if (h->nb_snapshots > QCOW2_MAX_SNAPSHOTS ||
	    (h->nb_snapshots &&
	     (h->snapshots_offset & (q->cluster_size - 1)))) {
		img_why(why, why_len, q->img,
			"qcow2 snapshot table is invalid");
		return -EINVAL;
	}
	return 0;
}

/* What only a read-only open may accept. */
static int check_writable(struct qcow2 *q, char *why, size_t why_len)
{
	const struct qcow2_header *h = &q->h;
	const char *p = q->img->path;

	if (q->img->info.read_only)
		return 0;
	if (h->incompatible & QCOW2_INCOMPAT_DIRTY)
		img_why(why, why_len, q->img,
			"qcow2 dirty bit set (lazy refcounts, not closed "
			"cleanly): repair with 'qemu-img check -r all %s', or "
			"open read-only",
			p);
	else if (h->incompatible & QCOW2_INCOMPAT_CORRUPT)
		img_why(why, why_len, q->img,
			"marked corrupt by QEMU: repair with 'qemu-img check "
			"-r all %s', or open read-only",
			p);
	else if (h->version == 2)
		img_why(why, why_len, q->img,
			"qcow2 version 2 is served read-only; upgrade it with "
			"'qemu-img amend -f qcow2 -o compat=1.1 %s'",
			p);
	else if (h->nb_snapshots)
		img_why(why, why_len, q->img,
			"has %u internal snapshot(s), which this "
			"implementation does not write; delete them ('qemu-img "
			"snapshot -d') or open read-only",
			h->nb_snapshots);
	else
		return 0;
	return -EROFS;
}

static int load_l1(struct qcow2 *q, char *why, size_t why_len)
{
	uint64_t bytes = (uint64_t)q->h.l1_size * 8;
	int err;

	q->l1 = calloc(1, bytes ? bytes : 8);
	q->l1_dirty = calloc(l1_chunks(q) ? l1_chunks(q) : 1, 1);
	if (!q->l1 || !q->l1_dirty)
		return -ENOMEM;
	err = img_pread_full(q->fd, q->l1, bytes, q->h.l1_table_offset);
	if (err) {
		img_why(why, why_len, q->img, "cannot read the L1 table: %s",
			strerror(-err));
		return -EIO;
	}
	return 0;
}

/* QEMU's rule: a ':' before any '/' names a protocol (nbd:, json:...). */
static bool names_protocol(const char *name)
{
	const char *colon = strchr(name, ':');
	const char *slash = strchr(name, '/');

	return colon && (!slash || colon < slash);
}

/* A relative backing name is relative to the directory of the image
 * naming it (as QEMU resolves it), not to our working directory. */
static int backing_path(const struct img *img, const char *name, char *out,
			size_t out_len)
{
	const char *slash = strrchr(img->path, '/');
	int dir_len = slash && name[0] != '/' ? (int)(slash - img->path + 1) :
						0;
	int n = snprintf(out, out_len, "%.*s%s", dir_len, img->path, name);

	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

static int backing_format(struct qcow2 *q, const char *path,
			  enum img_format *fmt, char *why, size_t why_len)
{
	uint32_t magic = 0;
	int fd;

	if (q->h.backing_format[0]) {
		if (!strcmp(q->h.backing_format, "raw") ||
		    !strcmp(q->h.backing_format, "qcow2"))
			return img_format_parse(q->h.backing_format, fmt);
		img_why(why, why_len, q->img,
			"backing file format '%s' is not supported (raw and "
			"qcow2 are)",
			q->h.backing_format);
		return -EOPNOTSUPP;
	}
	/* No format recorded: recognise it by its magic, as QEMU does. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &magic, 4, 0) != 4)
			magic = 0;
		close(fd);
	}
	*fmt = be32toh(magic) == QCOW2_MAGIC ? IMG_FMT_QCOW2 : IMG_FMT_RAW;
	return 0;
}

static int open_backing(struct qcow2 *q, char *why, size_t why_len)
{
	const char *name = q->h.backing_name;
	char path[PATH_MAX];
	enum img_format fmt;
	int err;

	if (!name[0])
		return 0;
	if (q->img->flags & IMG_NO_BACKING) {
		img_why(why, why_len, q->img,
			"names a backing file (%s), which this open refuses",
			name);
		return -EPERM;
	}
	if (names_protocol(name)) {
		img_why(why, why_len, q->img,
			"backing file '%s' names a protocol; only files are "
			"supported",
			name);
		return -EOPNOTSUPP;
	}
	if (backing_path(q->img, name, path, sizeof(path))) {
		img_why(why, why_len, q->img, "backing file name too long");
		return -ENAMETOOLONG;
	}
	err = backing_format(q, path, &fmt, why, why_len);
	return err ? err : img_open_backing(q->img, path, fmt, why, why_len);
}

/* Bits we do not maintain (bitmaps) must be cleared before writing. */
static int clear_autoclear(struct qcow2 *q, char *why, size_t why_len)
{
	uint64_t zero = 0;
	int err;

	if (q->img->info.read_only || q->h.version < 3 || !q->h.autoclear)
		return 0;
	err = qcow2_write_meta(q, &zero, 8, 88);
	if (!err)
		err = qcow2_sync(q);
	if (err) {
		img_why(why, why_len, q->img, "cannot clear autoclear bits");
		return err;
	}
	q->h.autoclear = 0;
	return 0;
}

static unsigned l2_cache_tables(const struct qcow2 *q, unsigned asked)
{
	uint64_t n = DEFAULT_L2_CACHE_BYTES / q->cluster_size;

	if (asked)
		return asked;
	return n < MIN_L2_CACHE ? MIN_L2_CACHE :
	       n > MAX_L2_CACHE ? MAX_L2_CACHE :
				  (unsigned)n;
}

static int set_up(struct qcow2 *q, const struct img_open_args *args, char *why,
		  size_t why_len)
{
	int err;

	q->cluster_bits = q->h.cluster_bits;
	q->cluster_size = 1ull << q->cluster_bits;
	q->l2_bits = q->cluster_bits - 3;
	q->fresh_from = (q->file_size + q->cluster_size - 1) / q->cluster_size;
	q->alloc_hint = 1;
	err = check_l1(q, why, why_len);
	if (!err)
		err = check_refcount_table(q, why, why_len);
	if (!err)
		err = check_writable(q, why, why_len);
	if (!err)
		err = load_l1(q, why, why_len);
	if (!err)
		err = qcow2_refcount_init(q, why, why_len);
	if (err)
		return err;
	q->bounce = malloc(q->cluster_size);
	if (!q->bounce ||
	    qcow2_cache_init(&q->l2c, l2_cache_tables(q, args->l2_cache),
			     q->cluster_size, q->h.l1_size) ||
	    qcow2_cache_init(&q->rbc, args->rb_cache ?: DEFAULT_RB_CACHE,
			     q->cluster_size, q->rt_entries))
		return -ENOMEM;
	q->l2c.clean = clean_l2;
	q->rbc.clean = qcow2_table_write;
	return 0;
}

static void fill_info(struct qcow2 *q)
{
	struct img_info *info = &q->img->info;

	info->size = q->h.size;
	info->logical_block = 512;
	info->physical_block = q->cluster_size < 4096 ? q->cluster_size : 4096;
	info->discard_granularity = q->cluster_size;
}

int qcow2_open(struct img *img, const struct img_open_args *args, char *why,
	       size_t why_len)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	struct stat st;
	int err;

	if (!q)
		return -ENOMEM;
	img->priv = q;
	img->drv = &qcow2_driver;
	q->img = img;
	q->fd = img->meta_fd;
	pthread_mutex_init(&q->lock, NULL);
	if (fstat(q->fd, &st) < 0)
		return -errno;
	q->file_size = st.st_size;
	err = read_header(q, why, why_len);
	if (!err)
		err = set_up(q, args, why, why_len);
	if (!err)
		err = open_backing(q, why, why_len);
	if (!err)
		err = clear_autoclear(q, why, why_len);
	if (err == -ENOMEM)
		img_why(why, why_len, img, "out of memory");
	if (!err)
		fill_info(q);
	return err;
}
