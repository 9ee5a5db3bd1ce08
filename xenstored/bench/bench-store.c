/*
 * bench-store.c - `make bench-store`: what a WRITE costs the daemon's
 * core as the store grows. The core runs in-process (as test-xenstored
 * drives it), one dom0 connection writing values of existing nodes of
 * guest domains, round robin:
 *   small  1 domain with NODES nodes and WATCHES watches (the baseline)
 *   large  DOMS such domains: 100,000 nodes, 1000 watches
 * both measured in the same run, best of REPEAT rounds of WRITES each.
 * Prints microseconds per write for each and their ratio, large / small:
 * the store's hash table and the watch index keep it near 1. A figure,
 * never a verdict: it exits 0 whatever the ratio.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ring/xs_wire.h"
#include "xenstored/conn.h"
#include "xenstored/fuzz/harness.h"
#include "xenstored/store.h"

enum { DOMS = 200, NODES = 500, WATCHES = 5, WRITES = 20000, REPEAT = 3 };

#define HDR sizeof(struct xpv_xsd_sockmsg)

/* One request in, replies and events out (dropped, after a check that
 * the request was not refused). */
struct mem {
	char in[HDR + 256];
	size_t inlen, inoff;
	bool refused;
};

static ssize_t mem_read(void *priv, void *buf, size_t len)
{
	struct mem *m = priv;
	size_t n = m->inlen - m->inoff;

	if (!n)
		return -EAGAIN;
	n = n < len ? n : len;
	memcpy(buf, m->in + m->inoff, n);
	m->inoff += n;
	return n;
}

static ssize_t mem_write(void *priv, const void *buf, size_t len)
{
	struct mem *m = priv;
	struct xpv_xsd_sockmsg h;

	if (len >= HDR) {
		memcpy(&h, buf, HDR);
		m->refused |= h.type == XPV_XS_ERROR;
	}
	return len;
}

static const struct conn_transport mem_transport = {
	.name = "bench",
	.read = mem_read,
	.write = mem_write,
	.is_domain = true,
};

static struct mem conns[DOMS + 1];
static struct conn *conn_of[DOMS + 1];

/* A request from domain d's connection; false if it was refused. */
static bool req(unsigned int d, uint32_t type, const char *p, uint32_t len)
{
	struct xpv_xsd_sockmsg h = { type, 1, 0, len };
	struct mem *m = &conns[d];

	memcpy(m->in, &h, HDR);
	memcpy(m->in + HDR, p, len);
	m->inlen = HDR + len;
	m->inoff = 0;
	m->refused = false;
	conn_input_ready(conn_of[d]);
	return !m->refused;
}

/* "a\0b\0": two strings, the length of both with their NULs. */
static uint32_t two(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s", a) + 1;

	return n + snprintf(buf + n, size - n, "%s", b) + 1;
}

/* Domain d: its home (owned by it), its nodes and its watches. */
static bool add_domain(unsigned int d)
{
	char path[64], perm[16], buf[128];
	unsigned int i;

	conn_of[d] = conn_new(&mem_transport, &conns[d], d);
	snprintf(path, sizeof(path), "/local/domain/%u", d);
	snprintf(perm, sizeof(perm), "n%u", d);
	if (!conn_of[d] || !req(0, XPV_XS_MKDIR, path, strlen(path) + 1) ||
	    !req(0, XPV_XS_SET_PERMS, buf, two(buf, sizeof(buf), path, perm)))
		return false;
	for (i = 0; i < NODES; i++) {
		/* Five directories: the entry-size quota bounds a guest's
		 * child lists, as in Xen. */
		snprintf(path, sizeof(path), "data/d%u/n%u", i % 5, i);
		if (!req(d, XPV_XS_WRITE, buf,
			 two(buf, sizeof(buf), path, "v") - 1))
			return false;
	}
	for (i = 0; i < WATCHES; i++) {
		snprintf(path, sizeof(path), "data/d%u/n%u", i * 7 % 5, i * 7);
		if (!req(d, XPV_XS_WATCH, buf,
			 two(buf, sizeof(buf), path, "w")))
			return false;
	}
	return true;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Best microseconds per WRITE by dom0 to the nodes of domains 1..doms. */
static double per_write(unsigned int doms)
{
	double best = 0, t0, us;
	char path[64], buf[128];
	unsigned int r, i, d;

	for (r = 0; r < REPEAT; r++) {
		t0 = now_us();
		for (i = 0; i < WRITES; i++) {
			d = 1 + i % doms;
			snprintf(path, sizeof(path),
				 "/local/domain/%u/data/d%u/n%u", d,
				 i * 13 % NODES % 5, i * 13 % NODES);
			req(0, XPV_XS_WRITE, buf,
			    two(buf, sizeof(buf), path, "x") - 1);
		}
		us = (now_us() - t0) / WRITES;
		if (!r || us < best)
			best = us;
	}
	return best;
}

int main(void)
{
	double small, large;
	unsigned int d;

	if (fuzz_core_setup() < 0)
		return 1;
	conn_of[0] = conn_new(&mem_transport, &conns[0], 0);
	if (!conn_of[0] || !add_domain(1)) {
		fprintf(stderr, "bench-store: set-up failed\n");
		return 1;
	}
	small = per_write(1);
	printf("bench-store: WRITE by dom0 in-process, best of %d x %d\n",
	       REPEAT, WRITES);
	printf("  small: %6zu nodes, %4u watches: %6.2f us/write\n",
	       store.count, WATCHES, small);
	for (d = 2; d <= DOMS; d++) {
		if (!add_domain(d)) {
			fprintf(stderr,
				"bench-store: set-up of domain %u "
				"failed\n",
				d);
			return 1;
		}
	}
	large = per_write(DOMS);
	printf("  large: %6zu nodes, %4u watches: %6.2f us/write\n",
	       store.count, DOMS * WATCHES, large);
	printf("  large / small: %.2f\n", large / small);
	fuzz_core_teardown();
	return 0;
}
