/*
 * blk-guest.c - a sim guest that uses its disk through blkfront, for the
 * block tests: it connects device/vbd/51712 and runs the steps named on
 * its command line, printing one line per step ("ok STEP" or
 * "FAIL STEP: why") and "guest: done failures=N" at the end.
 *
 *   xpv-blk-guest [options] STEP...
 *   options: --no-persistent --no-indirect --queues N --order N
 *            --direct (read: and write: use buffers lent from blkfront's
 *            pool, so nothing is copied: blkfront_buffer_alloc)
 *   steps:
 *     write:OFF:LEN:SEED    write the pattern of SEED
 *     read:OFF:LEN:SEED     read and compare with the pattern of SEED
 *     zero:OFF:LEN          read and expect zeros
 *     flush                 flush (every write before it durable)
 *     discard:OFF:LEN
 *     denied:OFF            a write that must fail (read-only disk)
 *     stream:OFF:N:SEED     N 4 KiB writes of SEED+i, 16 in flight; each
 *                           completed exactly once; then a flush
 *     info                  print what was negotiated
 *     wait                  print "waiting" and read a line from stdin
 *     mark:NAME             print "mark NAME"
 *     lend:OFF              blkfront_buffer_alloc's rules, and I/O at OFF
 *                           through a lent buffer 512 bytes off a page
 *                           (copied) and through one whole (not copied)
 *     xpvsig                the real-Xen test bed's handshake: read
 *                           "XPVSIG dom0 <nonce>" on sector 0, write
 *                           "XPVSIG guest <nonce>" on sector 1, flush
 *   XPV_BLK_DEV names another frontend directory than device/vbd/51712.
 * Offsets and lengths are decimal bytes, or with a k/m suffix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/blkfront.h"
#include "frontend/xenbus.h"
#include "hv/hv.h"

#define DEV "device/vbd/51712"

static int failures;
static bool direct; /* --direct */

static void result(const char *step, int err, const char *why)
{
	if (!err) {
		printf("ok %s\n", step);
	} else {
		printf("FAIL %s: %s (%s)\n", step, why, strerror(-err));
		failures++;
	}
	fflush(stdout);
}

static uint64_t num(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	if (*end == 'k')
		v <<= 10;
	else if (*end == 'm')
		v <<= 20;
	return v;
}

static void pattern(uint8_t *p, size_t len, uint64_t off, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t at = off + i;

		p[i] = (uint8_t)(seed * 131 + (at >> 9) * 7 + at);
	}
}

/* Fields of a step "name:a:b:c" into v[] (up to 3). */
static int fields(const char *step, uint64_t *v)
{
	const char *p = strchr(step, ':');
	int n = 0;

	while (p && n < 3) {
		v[n++] = num(p + 1);
		p = strchr(p + 1, ':');
	}
	return n;
}

static int do_rw(struct blkfront *bf, const char *step, bool write)
{
	uint64_t v[3] = { 0 };
	uint8_t *buf, *want;
	int ret;

	fields(step, v);
	buf = direct ? blkfront_buffer_alloc(bf, v[1]) : malloc(v[1]);
	want = malloc(v[1]);
	if (!buf || !want) {
		free(want);
		return -ENOMEM;
	}
	pattern(want, v[1], v[0], (unsigned int)v[2]);
	if (write) {
		memcpy(buf, want, v[1]);
		ret = blkfront_pwrite(bf, buf, v[1], v[0]);
	} else {
		memset(buf, 0xee, v[1]);
		ret = blkfront_pread(bf, buf, v[1], v[0]);
		if (!ret && memcmp(buf, want, v[1]))
			ret = -EILSEQ;
	}
	if (direct)
		blkfront_buffer_free(bf, buf);
	else
		free(buf);
	free(want);
	return ret;
}

static uint64_t copied(struct blkfront *bf)
{
	struct blkfront_info in;

	blkfront_get_info(bf, &in);
	return in.copied;
}

/* Write 8 KiB of seed's pattern from p and read it back into p; the bytes
 * blkfront copied meanwhile must be copy. */
static int round_trip(struct blkfront *bf, uint8_t *p, uint64_t off,
		      unsigned int seed, uint64_t copy)
{
	uint64_t before = copied(bf);
	uint8_t want[8192];
	int ret;

	pattern(want, sizeof(want), off, seed);
	memcpy(p, want, sizeof(want));
	ret = blkfront_pwrite(bf, p, sizeof(want), off);
	memset(p, 0, sizeof(want));
	ret = ret ?: blkfront_pread(bf, p, sizeof(want), off);
	ret = ret ?: memcmp(p, want, sizeof(want)) ? -EILSEQ : 0;
	return ret ?: copied(bf) - before != copy ? -EPROTO : 0;
}

/* blkfront_buffer_alloc's rules (blkfront.h), then I/O through a lent
 * buffer: 512 bytes into it (not on a page: copied) and whole. */
static int do_lend(struct blkfront *bf, const char *step)
{
	uint64_t v[3] = { 0 };
	uint8_t *a, *b;
	int ret;

	fields(step, v);
	a = blkfront_buffer_alloc(bf, 9000); /* three pages */
	b = blkfront_buffer_alloc(bf, 4096);
	if (!a || !b)
		return -ENOMEM;
	if (blkfront_buffer_len(bf, a) != 12288 ||
	    blkfront_buffer_len(bf, b) != 4096 ||
	    blkfront_buffer_len(bf, a + 4096) != 0 ||
	    blkfront_buffer_len(bf, v) != 0 ||
	    blkfront_buffer_alloc(bf, (size_t)1 << 40) != NULL ||
	    blkfront_buffer_alloc(bf, 0) != NULL)
		return -EPROTO;
	ret = round_trip(bf, a + 512, v[0], 11, 16384);
	ret = ret ?: round_trip(bf, a, v[0] + 8192, 12, 0);
	blkfront_buffer_free(bf, a);
	blkfront_buffer_free(bf, a); /* again: nothing */
	if (!ret && blkfront_buffer_len(bf, a) != 0)
		ret = -EPROTO;
	blkfront_buffer_free(bf, b);
	return ret;
}

static int do_zero(struct blkfront *bf, const char *step)
{
	uint64_t v[3] = { 0 }, i;
	uint8_t *buf;
	int ret;

	fields(step, v);
	buf = malloc(v[1]);
	if (!buf)
		return -ENOMEM;
	ret = blkfront_pread(bf, buf, v[1], v[0]);
	for (i = 0; !ret && i < v[1]; i++)
		if (buf[i])
			ret = -EILSEQ;
	free(buf);
	return ret;
}

static void counted(void *arg, int status)
{
	int *slot = arg;

	slot[0]++; /* completions of this write */
	if (status)
		slot[1] = status;
}

/* N writes with 16 in flight: each must complete once, with success. */
static int do_stream(struct blkfront *bf, const char *step)
{
	uint64_t v[3] = { 0 }, i, sent = 0;
	uint8_t block[4096];
	int(*slots)[2];
	int ret = 0;

	fields(step, v);
	slots = calloc(v[1], sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	while (sent < v[1] || blkfront_inflight(bf)) {
		while (sent < v[1] && blkfront_inflight(bf) < 16) {
			uint64_t off = v[0] + sent * 4096;

			pattern(block, 4096, off, (unsigned int)(v[2] + sent));
			ret = blkfront_write(bf, off, block, 4096, counted,
					     slots[sent]);
			if (ret == -EBUSY)
				break;
			if (ret)
				goto out;
			sent++;
		}
		ret = blkfront_poll(bf, 1000);
		if (ret < 0)
			goto out;
	}
	ret = blkfront_sync(bf);
	for (i = 0; !ret && i < v[1]; i++)
		if (slots[i][0] != 1 || slots[i][1])
			ret = slots[i][0] != 1 ? -EPROTO : slots[i][1];
out:
	free(slots);
	return ret;
}

static int do_discard(struct blkfront *bf, const char *step)
{
	uint64_t v[3] = { 0 };
	int st = 1, ret;

	fields(step, v);
	ret = blkfront_discard(bf, v[0], v[1], counted, &st);
	while (!ret && st == 1)
		ret = blkfront_poll(bf, 1000) < 0 ? -EIO : 0;
	return ret;
}

static void print_info(struct blkfront *bf)
{
	struct blkfront_info in;

	blkfront_get_info(bf, &in);
	printf("info sectors=%llu sector-size=%u readonly=%d flush=%d "
	       "discard=%d persistent=%d indirect=%u queues=%u order=%u "
	       "reconnects=%lu copied=%llu\n",
	       (unsigned long long)in.sectors, in.sector_size, in.readonly,
	       in.flush, in.discard, in.persistent, in.max_indirect, in.queues,
	       in.ring_order, in.reconnects, (unsigned long long)in.copied);
	fflush(stdout);
}

static int do_denied(struct blkfront *bf, const char *step)
{
	uint64_t v[3] = { 0 };
	uint8_t block[4096] = { 1 };
	int ret;

	fields(step, v);
	ret = blkfront_pwrite(bf, block, sizeof(block), v[0]);
	return ret ? 0 : -EACCES; /* it must fail */
}

/* Sector 0 holds "XPVSIG dom0 <nonce>\n": answer on sector 1. */
static int do_xpvsig(struct blkfront *bf)
{
	uint8_t sec[512], reply[512] = { 0 };
	char *nl;
	int ret = blkfront_pread(bf, sec, sizeof(sec), 0);

	if (ret)
		return ret;
	sec[511] = 0;
	nl = strchr((char *)sec, '\n');
	if (strncmp((char *)sec, "XPVSIG dom0 ", 12) || !nl)
		return -EILSEQ;
	*nl = 0;
	/* the nonce is a uuid: it fits with room to spare */
	snprintf((char *)reply, sizeof(reply), "XPVSIG guest %.400s\n",
		 (char *)sec + 12);
	ret = blkfront_pwrite(bf, reply, sizeof(reply), 512);
	return ret ?: blkfront_sync(bf);
}

static int run_step(struct blkfront *bf, const char *step)
{
	char line[64];

	if (!strncmp(step, "write:", 6))
		return do_rw(bf, step, true);
	if (!strncmp(step, "read:", 5))
		return do_rw(bf, step, false);
	if (!strncmp(step, "zero:", 5))
		return do_zero(bf, step);
	if (!strcmp(step, "flush"))
		return blkfront_sync(bf);
	if (!strncmp(step, "discard:", 8))
		return do_discard(bf, step);
	if (!strncmp(step, "denied:", 7))
		return do_denied(bf, step);
	if (!strncmp(step, "stream:", 7))
		return do_stream(bf, step);
	if (!strcmp(step, "info")) {
		print_info(bf);
		return 0;
	}
	if (!strcmp(step, "wait")) {
		printf("waiting\n");
		fflush(stdout);
		return fgets(line, sizeof(line), stdin) ? 0 : -EPIPE;
	}
	if (!strncmp(step, "mark:", 5))
		return 0;
	if (!strcmp(step, "xpvsig"))
		return do_xpvsig(bf);
	if (!strncmp(step, "lend:", 5))
		return do_lend(bf, step);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct blkfront_opts o = { 0 };
	struct blkfront *bf;
	struct xenbus *xb;
	struct hv *hv;
	char why[256];
	int i = 1, ret;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--no-persistent"))
			o.no_persistent = true;
		else if (!strcmp(argv[i], "--no-indirect"))
			o.no_indirect = true;
		else if (!strcmp(argv[i], "--queues") && i + 1 < argc)
			o.queues = (unsigned int)num(argv[++i]);
		else if (!strcmp(argv[i], "--order") && i + 1 < argc)
			o.ring_order = (unsigned int)num(argv[++i]);
		else if (!strcmp(argv[i], "--direct"))
			direct = true;
	}
	ret = hv_open(&hv, why, sizeof(why));
	if (ret) {
		printf("FAIL hv_open: %s\n", why);
		return 1;
	}
	xb = xenbus_open(hv);
	bf = xb ? blkfront_open(hv, xb,
				getenv("XPV_BLK_DEV") ? getenv("XPV_BLK_DEV") :
							DEV,
				&o) :
		  NULL;
	result("connect", bf ? 0 : -errno, "blkfront_open");
	for (; bf && i < argc; i++)
		result(argv[i], run_step(bf, argv[i]), "step");
	blkfront_close(bf);
	if (xb)
		xenbus_close(xb);
	hv_close(hv);
	printf("guest: done failures=%d\n", failures);
	fflush(stdout);
	return failures ? 1 : 0;
}
