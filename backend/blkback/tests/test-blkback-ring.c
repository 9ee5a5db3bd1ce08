/*
 * test-blkback-ring.c - the request path of xpv-blkback (one queue) on a
 * real xpv-hv and a real image file, driven by a frontend written here:
 * dom0 grants its own pages to itself, so the ring, the data pages and the
 * indirect pages are real grants the queue maps and copies through hv.h.
 *
 * Each case checks outcomes outside the queue: the image file's bytes
 * (pread), its allocated blocks (discard), the responses' ids and
 * statuses, the queue's counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend/blkback/blkback.h"
#include "hv/tests/harness.h"
#include "ring/blkif.h"

#define DATA_PAGES 512
#define IMAGE_BYTES (8u << 20)
#define SECTORS (IMAGE_BYTES >> 9)

static struct hv *hv;

struct tfront {
	unsigned int order;
	void *ring_pages;
	hv_gref_t ring_refs[1u << BLKBACK_MAX_RING_PAGE_ORDER];
	struct xpv_sring *mapped; /* the queue's view */
	struct xpv_front_ring fr;
	uint8_t *data;
	hv_gref_t data_refs[DATA_PAGES];
	uint8_t *ind; /* indirect pages */
	hv_gref_t ind_refs[XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	char path[128];
	bool qcow2;
	struct img *img;
	struct blkback_queue *q;
	int broken_calls;
	char broken_why[128];
};

static void on_broken(void *opaque, const char *why)
{
	struct tfront *t = opaque;

	t->broken_calls++;
	snprintf(t->broken_why, sizeof(t->broken_why), "%s", why);
}

struct opts {
	bool qcow2;
	unsigned int order;
	bool persistent;
	bool readonly;
	unsigned int max_pgrants;
	unsigned int max_indirect;
	unsigned int max_inflight;
};

static int front_open(struct tfront *t, const struct opts *o)
{
	unsigned int n = 1u << o->order;
	struct blkback_queue_config c = { 0 };
	int fd;

	struct img_open_args args = {
		.format = o->qcow2 ? IMG_FMT_QCOW2 : IMG_FMT_RAW,
		.flags = IMG_DIRECT | (o->readonly ? IMG_RDONLY : 0),
	};
	char why[256], cmd[512];

	memset(t, 0, sizeof(*t));
	t->order = o->order;
	t->qcow2 = o->qcow2;
	snprintf(t->path, sizeof(t->path), "%s/disk.img", harness_rundir());
	if (o->qcow2) {
		snprintf(cmd, sizeof(cmd),
			 "qemu-img create -q -f qcow2 %s %u >&2", t->path,
			 IMAGE_BYTES);
		REQUIRE(system(cmd) == 0, "%s", cmd);
	} else {
		fd = open(t->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		REQUIRE(fd >= 0 && ftruncate(fd, IMAGE_BYTES) == 0, "image: %s",
			strerror(errno));
		close(fd);
	}
	t->img = img_open(t->path, &args, why, sizeof(why));
	REQUIRE(t->img, "open image: %s", why);
	t->ring_pages = hv_share_pages(hv, 0, n, true, t->ring_refs);
	t->data = hv_share_pages(hv, 0, DATA_PAGES, true, t->data_refs);
	t->ind = hv_share_pages(hv, 0, XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
				false, t->ind_refs);
	REQUIRE(t->ring_pages && t->data && t->ind, "share: %s",
		strerror(errno));
	xpv_sring_init(t->ring_pages);
	REQUIRE(xpv_blkif_front_attach(&t->fr, t->ring_pages, o->order) == 0,
		"attach");
	t->mapped = hv_grant_map(hv, 0, n, t->ring_refs, true);
	REQUIRE(t->mapped, "map ring: %s", strerror(errno));
	c.grants = blkback_grants_hv(hv, false, 0);
	c.img = t->img;
	c.sring = t->mapped;
	c.ring_order = o->order;
	c.persistent = o->persistent;
	c.max_indirect_segs = o->max_indirect ?: BLKBACK_MAX_INDIRECT_SEGMENTS;
	c.max_pgrants = o->max_pgrants;
	c.max_inflight = o->max_inflight;
	c.evtchn_fd = -1;
	c.broken = on_broken;
	c.opaque = t;
	t->q = blkback_queue_create(&c);
	REQUIRE(t->q, "queue: %s", strerror(errno));
	return 0;
}

/* Tear down; a qcow2 image must then pass `qemu-img check`. */
static int front_close(struct tfront *t)
{
	char cmd[512];

	blkback_queue_destroy(t->q);
	hv_grant_unmap(hv, t->mapped, 1u << t->order);
	/* Every grant must end: the queue unmapped all it mapped. */
	if (hv_unshare_pages(hv, t->ring_pages, 1u << t->order) ||
	    hv_unshare_pages(hv, t->data, DATA_PAGES) ||
	    hv_unshare_pages(hv, t->ind,
			     XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST))
		return -EBUSY;
	img_close(t->img);
	snprintf(cmd, sizeof(cmd), "qemu-img check -q %s >&2", t->path);
	REQUIRE(!t->qcow2 || system(cmd) == 0, "%s reports errors", cmd);
	unlink(t->path);
	return 0;
}

/* Put one request (any of the slot's forms, size bytes) on the ring. */
static void push_raw(struct tfront *t, const void *req, size_t size)
{
	uint8_t slot[sizeof(struct xpv_blkif_request)] = { 0 };

	memcpy(slot, req, size);
	memcpy(xpv_front_next_request(&t->fr), slot, sizeof(slot));
	xpv_front_push_requests(&t->fr);
}

/* A read or write of whole pages data pages [page, page+n) at sector. */
static void push_rw(struct tfront *t, uint8_t op, uint64_t id, uint64_t sector,
		    unsigned int page, unsigned int n)
{
	struct xpv_blkif_request r = { .operation = op, .id = id };
	unsigned int i;

	r.nr_segments = (uint8_t)n;
	r.sector_number = sector;
	for (i = 0; i < n && i < XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
		r.seg[i].gref = t->data_refs[page + i];
		r.seg[i].first_sect = 0;
		r.seg[i].last_sect = 7;
	}
	push_raw(t, &r, sizeof(r));
}

/* An indirect read or write of n whole data pages from page. */
static void push_indirect(struct tfront *t, uint8_t op, uint64_t id,
			  uint64_t sector, unsigned int page, unsigned int n)
{
	struct xpv_blkif_request_indirect r = {
		.operation = XPV_BLKIF_OP_INDIRECT,
		.indirect_op = op,
		.nr_segments = (uint16_t)n,
		.id = id,
		.sector_number = sector,
	};
	struct xpv_blkif_request_segment *seg = (void *)t->ind;
	unsigned int i;

	for (i = 0; i < n; i++) {
		seg[i].gref = t->data_refs[page + i];
		seg[i].first_sect = 0;
		seg[i].last_sect = 7;
	}
	for (i = 0; i < XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
		r.indirect_grefs[i] = t->ind_refs[i];
	push_raw(t, &r, sizeof(r));
}

/* Serve until n responses arrived (at most 10 s); copy them to out. The
 * queue is polled without waiting, so a lost completion fails the case
 * rather than hanging it. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int collect(struct tfront *t, struct xpv_blkif_response *out,
		   unsigned int n)
{
	long long deadline = now_ms() + 10000;
	unsigned int got = 0;

	while (got < n && now_ms() < deadline) {
		int k = blkback_queue_poll(t->q, false);

		REQUIRE(k >= 0, "poll: %s", strerror(-k));
		k = xpv_front_peek_responses(&t->fr, NULL);
		REQUIRE(k >= 0, "response index broken");
		while (k-- > 0 && got < n)
			xpv_front_take_response(&t->fr, &out[got++]);
	}
	REQUIRE(got == n, "%u of %u responses", got, n);
	return 0;
}

static int16_t one_status(struct tfront *t, uint64_t id)
{
	struct xpv_blkif_response r;

	if (collect(t, &r, 1) || r.id != id)
		return 99;
	return r.status;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

/* The image's bytes at off, read independently of the image layer: the
 * raw file itself, or qemu-img's conversion of a qcow2 image (after a
 * flush through the ring: qcow2's metadata reaches the file at a flush). */
static int file_equals(struct tfront *t, uint64_t off, const void *want,
		       size_t len)
{
	struct xpv_blkif_request f = {
		.operation = XPV_BLKIF_OP_FLUSH_DISKCACHE, .id = 0xf1
	};
	char raw[160], cmd[512];
	uint8_t *buf;
	bool ok;
	int fd;

	snprintf(raw, sizeof(raw), "%s.raw", t->path);
	snprintf(cmd, sizeof(cmd), "qemu-img convert -U -O raw %s %s >&2",
		 t->path, raw);
	if (t->qcow2) {
		push_raw(t, &f, sizeof(f));
		if (one_status(t, 0xf1) != XPV_BLKIF_RSP_OKAY ||
		    system(cmd) != 0)
			return false;
	}
	buf = malloc(len);
	fd = open(t->qcow2 ? raw : t->path, O_RDONLY);
	ok = buf && fd >= 0 &&
	     pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
	     memcmp(buf, want, len) == 0;
	if (fd >= 0)
		close(fd);
	if (t->qcow2)
		unlink(raw);
	free(buf);
	return ok;
}

/* --- cases ------------------------------------------------------------ */

static int write_then_read(bool persistent, bool qcow2)
{
	struct opts o = { .persistent = persistent, .qcow2 = qcow2 };
	struct tfront t;
	uint8_t *copy = malloc(11 * 4096);
	struct blkback_stats st;

	REQUIRE(copy && front_open(&t, &o) == 0, "setup");
	fill(t.data, 11 * 4096, 1);
	memcpy(copy, t.data, 11 * 4096);
	push_rw(&t, XPV_BLKIF_OP_WRITE, 0xfeedULL << 40, 100 * 8, 0, 11);
	REQUIRE(one_status(&t, 0xfeedULL << 40) == XPV_BLKIF_RSP_OKAY,
		"write answered OK with its id");
	REQUIRE(file_equals(&t, 100 * 4096, copy, 11 * 4096),
		"the image file holds the written bytes");
	push_rw(&t, XPV_BLKIF_OP_READ, 7, 100 * 8, 20, 11);
	REQUIRE(one_status(&t, 7) == XPV_BLKIF_RSP_OKAY, "read OK");
	REQUIRE(memcmp(t.data + 20 * 4096, copy, 11 * 4096) == 0,
		"the read brought the bytes back");
	blkback_queue_stats(t.q, &st);
	REQUIRE(st.rd_req == 1 && st.wr_req == 1 && st.rd_sect == 88 &&
			st.wr_sect == 88 && st.inflight == 0,
		"stats rd %llu wr %llu rs %llu ws %llu inflight %llu",
		(unsigned long long)st.rd_req, (unsigned long long)st.wr_req,
		(unsigned long long)st.rd_sect, (unsigned long long)st.wr_sect,
		(unsigned long long)st.inflight);
	REQUIRE(st.pgrants == (persistent ? 22u : 0u), "pgrants %llu",
		(unsigned long long)st.pgrants);
	REQUIRE(front_close(&t) == 0, "close");
	free(copy);
	return 0;
}

static int test_rw_persistent(void)
{
	return write_then_read(true, false);
}

static int test_rw_copy(void)
{
	return write_then_read(false, false);
}

static int test_rw_qcow2(void)
{
	return write_then_read(true, true);
}

/* Partial sectors of pages: sectors 3..5 of one page, 0..0 of another. */
static int test_partial_segments(void)
{
	struct opts o = { .persistent = false };
	struct xpv_blkif_request r = { .operation = XPV_BLKIF_OP_WRITE,
				       .id = 1,
				       .nr_segments = 2,
				       .sector_number = 40 };
	uint8_t want[4 * 512];
	struct tfront t;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	fill(t.data, 2 * 4096, 3);
	r.seg[0] = (struct xpv_blkif_request_segment){ t.data_refs[0], 3, 5 };
	r.seg[1] = (struct xpv_blkif_request_segment){ t.data_refs[1], 0, 0 };
	memcpy(want, t.data + 3 * 512, 3 * 512);
	memcpy(want + 3 * 512, t.data + 4096, 512);
	push_raw(&t, &r, sizeof(r));
	REQUIRE(one_status(&t, 1) == XPV_BLKIF_RSP_OKAY, "write");
	REQUIRE(file_equals(&t, 40 * 512, want, sizeof(want)),
		"4 sectors from two partial segments, in order");
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

static int indirect(bool persistent, bool qcow2)
{
	struct opts o = { .persistent = persistent, .qcow2 = qcow2 };
	uint8_t *copy = malloc(256 * 4096);
	struct tfront t;

	REQUIRE(copy && front_open(&t, &o) == 0, "setup");
	fill(t.data, 256 * 4096, 9);
	memcpy(copy, t.data, 256 * 4096);
	push_indirect(&t, XPV_BLKIF_OP_WRITE, 11, 2048, 0, 256);
	REQUIRE(one_status(&t, 11) == XPV_BLKIF_RSP_OKAY, "indirect write");
	REQUIRE(file_equals(&t, 2048 * 512, copy, 256 * 4096),
		"1 MiB through 256 indirect segments on 1 page");
	memset(t.data + 256 * 4096, 0, 256 * 4096);
	push_indirect(&t, XPV_BLKIF_OP_READ, 12, 2048, 256, 256);
	REQUIRE(one_status(&t, 12) == XPV_BLKIF_RSP_OKAY, "indirect read");
	REQUIRE(memcmp(t.data + 256 * 4096, copy, 256 * 4096) == 0,
		"indirect read brought it back");
	REQUIRE(front_close(&t) == 0, "close");
	free(copy);
	return 0;
}

static int test_indirect_persistent(void)
{
	return indirect(true, false);
}

static int test_indirect_copy(void)
{
	return indirect(false, false);
}

static int test_indirect_qcow2(void)
{
	return indirect(false, true);
}

struct bad {
	const char *name;
	int16_t status;
};

/* Malformed requests get their status, and the ring keeps working. */
static int test_bad_requests(void)
{
	struct opts o = { .persistent = true, .max_indirect = 32 };
	struct tfront t;
	struct xpv_blkif_request r;
	struct xpv_blkif_request_discard d;
	struct xpv_blkif_request_indirect in;
	struct xpv_blkif_response rsp[16];
	static const struct bad want[] = {
		{ "unknown op 4", XPV_BLKIF_RSP_EOPNOTSUPP },
		{ "unknown op 200", XPV_BLKIF_RSP_EOPNOTSUPP },
		{ "0 segments", XPV_BLKIF_RSP_ERROR },
		{ "12 segments", XPV_BLKIF_RSP_ERROR },
		{ "first > last", XPV_BLKIF_RSP_ERROR },
		{ "last_sect 8", XPV_BLKIF_RSP_ERROR },
		{ "past the end", XPV_BLKIF_RSP_ERROR },
		{ "wrapping sector", XPV_BLKIF_RSP_ERROR },
		{ "gref not granted", XPV_BLKIF_RSP_ERROR },
		{ "indirect > advertised", XPV_BLKIF_RSP_ERROR },
		{ "indirect op flush", XPV_BLKIF_RSP_ERROR },
		{ "indirect page not granted", XPV_BLKIF_RSP_ERROR },
		{ "discard secure", XPV_BLKIF_RSP_EOPNOTSUPP },
		{ "discard wrapping", XPV_BLKIF_RSP_ERROR },
		{ "good one after", XPV_BLKIF_RSP_OKAY },
	};
	unsigned int i, n = sizeof(want) / sizeof(want[0]);
	hv_gref_t other_ref;
	void *other;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	other = hv_share_pages(hv, 7, 1, true, &other_ref);
	REQUIRE(other, "share with domain 7: %s", strerror(errno));
#define RW(op, nseg, sec)                                                      \
	do {                                                                   \
		memset(&r, 0, sizeof(r));                                      \
		r.operation = (op);                                            \
		r.nr_segments = (nseg);                                        \
		r.sector_number = (sec);                                       \
		r.seg[0] = (struct xpv_blkif_request_segment){ t.data_refs[0], \
							       0, 7 };         \
	} while (0)
	RW(4, 1, 0);
	r.id = 0, push_raw(&t, &r, sizeof(r));
	RW(200, 1, 0);
	r.id = 1, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_WRITE, 0, 0);
	r.id = 2, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_WRITE, 12, 0);
	r.id = 3, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_READ, 1, 0);
	r.seg[0].first_sect = 5, r.seg[0].last_sect = 4;
	r.id = 4, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_READ, 1, 0);
	r.seg[0].last_sect = 8;
	r.id = 5, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_READ, 1, SECTORS - 4);
	r.id = 6, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_READ, 1, UINT64_MAX - 3);
	r.id = 7, push_raw(&t, &r, sizeof(r));
	RW(XPV_BLKIF_OP_READ, 1, 0);
	r.seg[0].gref = other_ref; /* granted, but to domain 7 */
	r.id = 8, push_raw(&t, &r, sizeof(r));
	memset(&in, 0, sizeof(in));
	in.operation = XPV_BLKIF_OP_INDIRECT;
	in.indirect_op = XPV_BLKIF_OP_READ;
	in.nr_segments = 33;
	in.indirect_grefs[0] = t.ind_refs[0];
	in.id = 9, push_raw(&t, &in, sizeof(in));
	in.nr_segments = 1;
	in.indirect_op = XPV_BLKIF_OP_FLUSH_DISKCACHE;
	in.id = 10, push_raw(&t, &in, sizeof(in));
	in.indirect_op = XPV_BLKIF_OP_READ;
	in.indirect_grefs[0] = 100000; /* past the grant table */
	in.id = 11, push_raw(&t, &in, sizeof(in));
	memset(&d, 0, sizeof(d));
	d.operation = XPV_BLKIF_OP_DISCARD;
	d.flag = XPV_BLKIF_DISCARD_SECURE;
	d.nr_sectors = 8;
	d.id = 12, push_raw(&t, &d, sizeof(d));
	d.flag = 0;
	d.sector_number = 8;
	d.nr_sectors = UINT64_MAX - 4;
	d.id = 13, push_raw(&t, &d, sizeof(d));
	RW(XPV_BLKIF_OP_READ, 1, 0);
	r.id = 14, push_raw(&t, &r, sizeof(r));
#undef RW
	REQUIRE(collect(&t, rsp, n) == 0, "responses");
	for (i = 0; i < n; i++)
		REQUIRE(rsp[i].id == i && rsp[i].status == want[i].status,
			"%s: id %llu status %d, want %d", want[i].name,
			(unsigned long long)rsp[i].id, rsp[i].status,
			want[i].status);
	REQUIRE(rsp[0].operation == 4 && rsp[9].operation == XPV_BLKIF_OP_READ,
		"the response echoes the operation (an indirect "
		"request's indirect_op, as Linux's blkfront wants)");
	REQUIRE(!blkback_queue_broken(t.q) && t.broken_calls == 0,
		"bad requests do not break the ring");
	REQUIRE(hv_unshare_pages(hv, other, 1) == 0, "the other grant ends");
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

static int test_readonly(void)
{
	struct opts o = { .persistent = true, .readonly = true };
	struct tfront t;
	struct xpv_blkif_request_discard d = {
		.operation = XPV_BLKIF_OP_DISCARD, .id = 3, .nr_sectors = 8
	};
	struct xpv_blkif_request f = {
		.operation = XPV_BLKIF_OP_FLUSH_DISKCACHE, .id = 4
	};
	uint8_t zero[4096] = { 0 };

	REQUIRE(front_open(&t, &o) == 0, "setup");
	fill(t.data, 4096, 5);
	push_rw(&t, XPV_BLKIF_OP_WRITE, 1, 0, 0, 1);
	REQUIRE(one_status(&t, 1) == XPV_BLKIF_RSP_ERROR, "write refused");
	REQUIRE(file_equals(&t, 0, zero, 4096), "nothing written");
	push_indirect(&t, XPV_BLKIF_OP_WRITE, 5, 0, 0, 2);
	REQUIRE(one_status(&t, 5) == XPV_BLKIF_RSP_ERROR,
		"indirect write refused");
	push_rw(&t, XPV_BLKIF_OP_READ, 2, 0, 0, 1);
	REQUIRE(one_status(&t, 2) == XPV_BLKIF_RSP_OKAY, "read allowed");
	push_raw(&t, &d, sizeof(d));
	REQUIRE(one_status(&t, 3) == XPV_BLKIF_RSP_EOPNOTSUPP,
		"discard not offered");
	push_raw(&t, &f, sizeof(f));
	REQUIRE(one_status(&t, 4) == XPV_BLKIF_RSP_EOPNOTSUPP,
		"flush not offered");
	REQUIRE(file_equals(&t, 0, zero, 4096), "still nothing written");
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

/* Writes then a flush in one batch: the flush is answered after them. */
static int test_flush_after_writes(void)
{
	struct opts o = { .persistent = false };
	struct xpv_blkif_request f = {
		.operation = XPV_BLKIF_OP_FLUSH_DISKCACHE, .id = 100
	};
	struct xpv_blkif_request_indirect b;
	struct xpv_blkif_response rsp[9];
	struct blkback_stats st;
	struct tfront t;
	unsigned int i;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	fill(t.data, 8 * 11 * 4096, 6);
	for (i = 0; i < 8; i++)
		push_rw(&t, XPV_BLKIF_OP_WRITE, i, i * 88, i * 11, 11);
	push_raw(&t, &f, sizeof(f));
	REQUIRE(collect(&t, rsp, 9) == 0, "responses");
	REQUIRE(rsp[8].id == 100 && rsp[8].status == XPV_BLKIF_RSP_OKAY,
		"the flush is answered last (id %llu)",
		(unsigned long long)rsp[8].id);
	REQUIRE(file_equals(&t, 0, t.data, 8 * 11 * 4096), "all written");
	/* a barrier with data: its data written too */
	fill(t.data, 4096, 8);
	memset(&b, 0, sizeof(b));
	{
		struct xpv_blkif_request w = {
			.operation = XPV_BLKIF_OP_WRITE_BARRIER,
			.nr_segments = 1,
			.id = 101,
			.sector_number = 8,
		};
		w.seg[0] = (struct xpv_blkif_request_segment){ t.data_refs[0],
							       0, 7 };
		push_raw(&t, &w, sizeof(w));
	}
	REQUIRE(one_status(&t, 101) == XPV_BLKIF_RSP_OKAY, "barrier");
	REQUIRE(file_equals(&t, 4096, t.data, 4096), "barrier's data written");
	blkback_queue_stats(t.q, &st);
	REQUIRE(st.flush_req == 2, "two flushes counted");
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

static long long blocks_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_blocks : -1;
}

static int test_discard_punches_holes(void)
{
	struct opts o = { .persistent = true };
	struct xpv_blkif_request_discard d = { .operation =
						       XPV_BLKIF_OP_DISCARD,
					       .id = 9,
					       .sector_number = 0,
					       .nr_sectors = 2048 };
	static uint8_t zero[1 << 20];
	long long before, after;
	struct tfront t;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	fill(t.data, 256 * 4096, 2);
	push_indirect(&t, XPV_BLKIF_OP_WRITE, 1, 0, 0, 256);
	REQUIRE(one_status(&t, 1) == XPV_BLKIF_RSP_OKAY, "write 1 MiB");
	before = blocks_of(t.path);
	push_raw(&t, &d, sizeof(d));
	REQUIRE(one_status(&t, 9) == XPV_BLKIF_RSP_OKAY, "discard");
	after = blocks_of(t.path);
	REQUIRE(before >= 2048 && after <= before - 2048,
		"1 MiB freed: %lld -> %lld blocks", before, after);
	REQUIRE(file_equals(&t, 0, zero, sizeof(zero)), "reads as zeros");
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

/* A producer index past what the ring can hold breaks the ring: the
 * queue says so once and takes nothing more. */
static int test_ring_overflow(void)
{
	struct opts o = { .persistent = true };
	struct tfront t;
	struct xpv_blkif_response rsp;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	push_rw(&t, XPV_BLKIF_OP_READ, 1, 0, 0, 1);
	REQUIRE(one_status(&t, 1) == XPV_BLKIF_RSP_OKAY, "a good read first");
	__atomic_store_n(&t.fr.sring->req_prod,
			 t.fr.req_prod_pvt + t.fr.nr_ents + 1,
			 __ATOMIC_RELEASE);
	blkback_queue_poll(t.q, false);
	blkback_queue_poll(t.q, false);
	REQUIRE(blkback_queue_broken(t.q) && t.broken_calls == 1,
		"broken reported once (%d)", t.broken_calls);
	REQUIRE(strstr(t.broken_why, "producer index"), "why: %s",
		t.broken_why);
	REQUIRE(xpv_front_peek_responses(&t.fr, NULL) == 0 &&
			t.fr.sring->rsp_prod == 1,
		"nothing answered for garbage");
	(void)rsp;
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

/* A 4-page ring kept full: every request answered, nothing left over. */
static int test_multipage_flood(void)
{
	struct opts o = { .order = 2, .persistent = false };
	struct xpv_blkif_response *rsp;
	struct blkback_stats st;
	struct tfront t;
	unsigned int round, i, n;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	n = t.fr.nr_ents;
	REQUIRE(n == 128, "a 4-page blkif ring has 128 slots (%u)", n);
	rsp = calloc(n, sizeof(*rsp));
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++)
			push_rw(&t,
				i % 2 ? XPV_BLKIF_OP_READ : XPV_BLKIF_OP_WRITE,
				round * n + i, (i % 64) * 8, i % 400, 1);
		REQUIRE(xpv_front_full(&t.fr), "ring full");
		REQUIRE(collect(&t, rsp, n) == 0, "round %u", round);
		for (i = 0; i < n; i++)
			REQUIRE(rsp[i].status == XPV_BLKIF_RSP_OKAY, "status");
	}
	blkback_queue_stats(t.q, &st);
	REQUIRE(st.inflight == 0 && st.rd_req + st.wr_req == 4 * n &&
			st.errors == 0,
		"counters");
	free(rsp);
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

/* A cache of 4 persistent grants and requests using 11 pages each: the
 * overflow is mapped per request, the cache never holds more than 4, and
 * the data is right. */
static int test_pgrant_cache_bounded(void)
{
	struct opts o = { .persistent = true, .max_pgrants = 4 };
	struct blkback_stats st;
	uint8_t *copy = malloc(44 * 4096);
	struct tfront t;
	unsigned int i;

	REQUIRE(copy && front_open(&t, &o) == 0, "setup");
	fill(t.data, 44 * 4096, 4);
	memcpy(copy, t.data, 44 * 4096);
	for (i = 0; i < 4; i++) {
		push_rw(&t, XPV_BLKIF_OP_WRITE, i, i * 88, i * 11, 11);
		REQUIRE(one_status(&t, i) == XPV_BLKIF_RSP_OKAY, "write %u", i);
	}
	for (i = 0; i < 40; i++) { /* one page at a time: cache churns */
		push_rw(&t, XPV_BLKIF_OP_WRITE, 50 + i, i * 8, i, 1);
		REQUIRE(one_status(&t, 50 + i) == XPV_BLKIF_RSP_OKAY, "small");
	}
	blkback_queue_stats(t.q, &st);
	REQUIRE(st.pgrants <= 4, "cache holds %llu",
		(unsigned long long)st.pgrants);
	REQUIRE(file_equals(&t, 0, copy, 44 * 4096), "data right");
	REQUIRE(front_close(&t) == 0, "close");
	free(copy);
	return 0;
}

/* A full ring of 11-page writes and a share of 8: the queue never holds
 * more than 8 (the rest wait on the ring), and every one is answered. */
static int test_inflight_share(void)
{
	struct opts o = { .order = 2, .persistent = true, .max_inflight = 8 };
	long long deadline = now_ms() + 10000;
	unsigned int i, n, got = 0, peak = 0;
	struct xpv_blkif_response rsp;
	struct blkback_stats st;
	struct tfront t;
	int k;

	REQUIRE(front_open(&t, &o) == 0, "setup");
	n = t.fr.nr_ents;
	for (i = 0; i < n; i++)
		push_rw(&t, XPV_BLKIF_OP_WRITE, i, i * 88, (i * 11) % 500, 11);
	while (got < n && now_ms() < deadline) {
		k = blkback_queue_poll(t.q, false);
		REQUIRE(k >= 0, "poll: %s", strerror(-k));
		blkback_queue_stats(t.q, &st);
		if (st.inflight > peak)
			peak = (unsigned int)st.inflight;
		k = xpv_front_peek_responses(&t.fr, NULL);
		REQUIRE(k >= 0, "response index broken");
		for (; k > 0; k--, got++) {
			xpv_front_take_response(&t.fr, &rsp);
			REQUIRE(rsp.status == XPV_BLKIF_RSP_OKAY, "write %llu",
				(unsigned long long)rsp.id);
		}
	}
	REQUIRE(got == n, "%u of %u answered", got, n);
	REQUIRE(peak > 0 && peak <= 8, "%u requests in flight at once", peak);
	REQUIRE(front_close(&t) == 0, "close");
	return 0;
}

static const struct test_case cases[] = {
	{ "rw-persistent", test_rw_persistent, true },
	{ "rw-grant-copy", test_rw_copy, true },
	{ "rw-qcow2", test_rw_qcow2, true },
	{ "partial-segments", test_partial_segments, true },
	{ "indirect-persistent", test_indirect_persistent, true },
	{ "indirect-grant-copy", test_indirect_copy, true },
	{ "indirect-qcow2", test_indirect_qcow2, true },
	{ "bad-requests", test_bad_requests, true },
	{ "readonly", test_readonly, true },
	{ "flush-after-writes", test_flush_after_writes, true },
	{ "discard-punches-holes", test_discard_punches_holes, true },
	{ "ring-overflow-breaks", test_ring_overflow, true },
	{ "multipage-ring-flood", test_multipage_flood, true },
	{ "pgrant-cache-bounded", test_pgrant_cache_bounded, true },
	{ "inflight-share", test_inflight_share, true },
};

int main(void)
{
	char why[256];
	int ret;

	if (harness_start() < 0)
		return 77;
	ret = hv_open(&hv, why, sizeof(why));
	if (ret) {
		printf("hv_open: %s\n", why);
		return 1;
	}
	ret = harness_run(cases, sizeof(cases) / sizeof(cases[0]));
	hv_close(hv);
	return harness_finish() || ret;
}
