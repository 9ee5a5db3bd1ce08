/*
 * backend/image/qcow2.h - what the qcow2 files share: the on-disk
 * constants (QEMU docs/interop/qcow2.txt), the decoded header, the
 * metadata table cache and the per-image state. Private to
 * backend/image/; the crash-consistency rule is at the top of qcow2.c.
 *
 * Who does what:
 *   qcow2-header.c    parse and check the header and its extensions
 *   qcow2-cache.c     the bounded caches of L2 tables and refcount blocks
 *   qcow2-refcount.c  refcounts, cluster allocation, deferred frees,
 *                     growing the refcount table
 *   qcow2-map.c       guest offset -> host: read, write (allocation and
 *                     copy-on-write), write completion, discard
 *   qcow2.c           open, close, flush (the ordering rule)
 */
#ifndef XPV_BACKEND_IMAGE_QCOW2_H
#define XPV_BACKEND_IMAGE_QCOW2_H

#include "backend/image/driver.h"

#include <endian.h>
#include <pthread.h>

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */
#define QCOW2_V2_HEADER_LEN 72
#define QCOW2_V3_HEADER_LEN 104
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21 /* QEMU's limit: 2 MiB */
#define QCOW2_MAX_L1_BYTES (32u << 20) /* QEMU's limit */
#define QCOW2_MAX_RT_BYTES (8u << 20) /* QEMU's limit */
#define QCOW2_MAX_BACKING_NAME 1023
#define QCOW2_MAX_SNAPSHOTS 65536
#define QCOW2_MAX_HOST_OFFSET (1ull << 56) /* L2 entries hold bits 9-55 */

/* Header extension types. */
#define QCOW2_EXT_END 0x00000000u
#define QCOW2_EXT_BACKING_FORMAT 0xe2792acau
#define QCOW2_EXT_FEATURE_NAMES 0x6803f857u
#define QCOW2_EXT_DATA_FILE 0x44415441u

/* Feature bits. */
#define QCOW2_INCOMPAT_DIRTY (1ull << 0)
#define QCOW2_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW2_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW2_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW2_INCOMPAT_EXTL2 (1ull << 4)

/* Table entries. */
#define QCOW2_OFLAG_COPIED (1ull << 63) /* refcount is exactly one */
#define QCOW2_OFLAG_COMPRESSED (1ull << 62)
#define QCOW2_OFLAG_ZERO (1ull << 0) /* v3: reads as zeros */
#define QCOW2_OFFSET_MASK 0x00fffffffffffe00ull /* bits 9-55 */
#define QCOW2_L1E_RESERVED (~(QCOW2_OFFSET_MASK | QCOW2_OFLAG_COPIED))
#define QCOW2_L2E_RESERVED 0x3f000000000001feull /* bits 1-8, 56-61 */
#define QCOW2_RTE_RESERVED 0x1ffull /* bits 0-8 */

/* The header as read, in host byte order. */
struct qcow2_header {
	uint32_t version;
	uint64_t backing_file_offset;
	uint32_t backing_file_size;
	uint32_t cluster_bits;
	uint64_t size;
	uint32_t crypt_method;
	uint32_t l1_size;
	uint64_t l1_table_offset;
	uint64_t refcount_table_offset;
	uint32_t refcount_table_clusters;
	uint32_t nb_snapshots;
	uint64_t snapshots_offset;
	uint64_t incompatible, compatible, autoclear;
	uint32_t refcount_order;
	uint32_t header_length;
	char backing_name[QCOW2_MAX_BACKING_NAME + 1]; /* "" when none */
	char backing_format[32]; /* "" when not given */
};

/*
 * Read and check the header from the first bytes of the file (buf, len:
 * at most one cluster, less when the file is shorter). 0, or -EINVAL
 * (malformed) / -EOPNOTSUPP (a feature we do not implement) with why
 * filled. Checks that need the file size or the open mode are
 * qcow2_open's.
 */
int qcow2_header_parse(struct qcow2_header *h, const uint8_t *buf, size_t len,
		       const struct img *img, char *why, size_t why_len);

/* --- the metadata cache ---------------------------------------------------- */

/* One cached cluster-sized table: an L2 table or a refcount block, in
 * on-disk (big-endian) form. */
struct qcow2_table {
	uint64_t host_off; /* where it lives in the file */
	uint64_t key; /* its L1 index or refcount-table index */
	uint64_t used; /* clock of the last use (LRU) */
	bool valid;
	bool dirty; /* differs from the file */
	bool fresh; /* never written: nothing on disk points to it */
	uint8_t *data;
};

struct qcow2;

struct qcow2_cache {
	struct qcow2_table *t;
	unsigned n; /* slots: the bound */
	uint32_t *slot_of; /* key -> slot + 1; 0: not cached */
	uint64_t nkeys;
	uint64_t clock;
	uint64_t hits, misses;
	/*
	 * Make a dirty table clean before its slot is reused: refcount
	 * blocks are written as they are (always safe, see qcow2.c), L2
	 * tables need a whole flush (their data and refcounts first).
	 */
	int (*clean)(struct qcow2 *q, struct qcow2_table *t);
};

int qcow2_cache_init(struct qcow2_cache *c, unsigned n, size_t table_size,
		     uint64_t nkeys);
void qcow2_cache_free(struct qcow2_cache *c);
/* More keys (the refcount table grew); 0 or -ENOMEM. */
int qcow2_cache_grow_keys(struct qcow2_cache *c, uint64_t nkeys);

/* The table for `key`, read from host_off on a miss. 0 or -errno. */
int qcow2_cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t key,
		    uint64_t host_off, struct qcow2_table **t);
/* A new zeroed table for `key` at host_off, dirty and fresh. */
int qcow2_cache_new(struct qcow2 *q, struct qcow2_cache *c, uint64_t key,
		    uint64_t host_off, struct qcow2_table **t);
/* Write one table where it lives; it is then clean. */
int qcow2_table_write(struct qcow2 *q, struct qcow2_table *t);
bool qcow2_cache_dirty(const struct qcow2_cache *c);

/* --- the image ------------------------------------------------------------- */

/* A cluster a write allocated, visible once every write into it ended. */
struct qcow2_alloc {
	uint64_t guest; /* guest cluster index */
	uint64_t host; /* host cluster offset */
	unsigned users; /* writes in flight into it */
	bool written; /* at least one of them succeeded */
	bool preallocated; /* host came from a zero entry: keep it */
	struct qcow2_alloc *next; /* hash chain */
};

#define QCOW2_ALLOC_BUCKETS 256

/* A cluster discard unlinked, freed once that is on disk and no write
 * that might still target it is in flight. */
struct qcow2_free {
	uint64_t host;
	uint64_t seq; /* writes mapped before it have a smaller seq */
	bool durable; /* the unlinking L2 entry is on disk */
};

struct qcow2 {
	struct img *img;
	pthread_mutex_t lock;
	int fd; /* buffered, the layer's own I/O (img->meta_fd) */
	struct qcow2_header h;

	unsigned cluster_bits;
	uint64_t cluster_size;
	unsigned l2_bits; /* log2(entries per L2 table) */
	unsigned rb_bits; /* log2(entries per refcount block) */
	uint64_t file_size; /* as far as this process made it */
	uint64_t fresh_from; /* clusters from here on read as zeros */

	/* L1: in memory whole, on-disk byte order, dirty per 4 KiB chunk. */
	uint64_t *l1;
	uint8_t *l1_dirty;

	/* Refcount table: in memory whole, may be larger than on disk
	 * (then rt_new_off says where it goes at the next flush). */
	uint64_t *rt;
	uint64_t rt_entries;
	uint8_t *rt_dirty; /* per 4 KiB chunk of the on-disk table */
	uint64_t rt_new_off; /* 0, or where the grown table will live */
	uint64_t rt_new_clusters;
	bool rt_growing;

	struct qcow2_cache l2c, rbc;

	uint64_t alloc_hint; /* no free cluster below this one */
	struct qcow2_alloc *allocs[QCOW2_ALLOC_BUCKETS];
	struct qcow2_free *frees;
	size_t nfrees, frees_cap;

	/* Writes between img_map_write and img_write_done, oldest first. */
	struct img_write *inflight_head, *inflight_tail;
	uint64_t next_seq;

	uint8_t *bounce; /* one cluster, for copy-on-write */
	bool failed; /* a metadata write or sync failed: the page
			    cache may have dropped data, refuse writes */
	struct img_stats stats;
};

static inline uint64_t qcow2_get_be64(const void *table, uint64_t i)
{
	return be64toh(((const uint64_t *)table)[i]);
}

static inline void qcow2_put_be64(void *table, uint64_t i, uint64_t v)
{
	((uint64_t *)table)[i] = htobe64(v);
}

static inline uint64_t qcow2_cluster_of(const struct qcow2 *q, uint64_t off)
{
	return off >> q->cluster_bits;
}

/* qcow2-refcount.c */
int qcow2_get_refcount(struct qcow2 *q, uint64_t cluster, uint64_t *rc);
int qcow2_set_refcount(struct qcow2 *q, uint64_t cluster, uint64_t rc);
/* One free cluster, refcount set to 1; *fresh: it reads as zeros. */
int qcow2_alloc_cluster(struct qcow2 *q, uint64_t *host, bool *fresh);
/* Give back a cluster no on-disk entry refers to (an abandoned
 * allocation): refcount 0 at once. */
void qcow2_unalloc_cluster(struct qcow2 *q, uint64_t host);
/* Queue a cluster an L2 entry stopped referring to. */
int qcow2_defer_free(struct qcow2 *q, uint64_t host);
/* Apply the deferred frees that are on disk and past every write that
 * might target them. */
void qcow2_apply_frees(struct qcow2 *q);
int qcow2_write_refblocks(struct qcow2 *q);
/* Flush steps for the refcount table (see qcow2.c). */
bool qcow2_rt_changed(const struct qcow2 *q);
int qcow2_rt_write_new(struct qcow2 *q);
int qcow2_rt_publish(struct qcow2 *q);
int qcow2_refcount_init(struct qcow2 *q, char *why, size_t why_len);
bool qcow2_is_metadata(const struct qcow2 *q, uint64_t cluster);

/* qcow2-map.c */
int qcow2_map_read(struct img *img, uint64_t off, uint64_t len,
		   struct img_extent *ext, unsigned max);
int qcow2_map_write(struct img *img, uint64_t off, uint64_t len,
		    struct img_extent *ext, unsigned max, struct img_write *w);
int qcow2_write_done(struct img *img, struct img_write *w, int result);
int qcow2_discard(struct img *img, uint64_t off, uint64_t len);

/* qcow2.c */
int qcow2_flush_locked(struct qcow2 *q);
int qcow2_sync(struct qcow2 *q);
/* pwrite of metadata, keeping file_size current. */
int qcow2_write_meta(struct qcow2 *q, const void *buf, size_t len,
		     uint64_t off);

#endif
