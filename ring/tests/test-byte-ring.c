/*
 * test-byte-ring - the xenstore and console byte rings (ring/byte_ring.h):
 * wrap of the buffer and of the indices at 2^32, full and empty, hostile
 * indices refused without copying, the console and xenstore page layouts,
 * a two-thread byte stream; plus the xenstore wire tables (xs_wire.h) and
 * the XenbusState names (xenbus.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ring/byte_ring.h"
#include "ring/xenbus.h"
#include "ring/xs_wire.h"
#include "tests/lib/check.h"

/* The byte at stream position i: a pattern no shift of the stream or
 * lost/duplicated chunk can reproduce. */
static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void test_init(void)
{
	struct xpv_byte_ring r;
	uint32_t c = 0, p = 0;
	char buf[64];

	CHECK(xpv_byte_ring_init(&r, buf, 64, &c, &p) == 0);
	CHECK(xpv_byte_ring_init(&r, buf, 0, &c, &p) == -EINVAL);
	CHECK(xpv_byte_ring_init(&r, buf, 48, &c, &p) == -EINVAL);
	CHECK(xpv_byte_ring_init(&r, buf, 1u << 31, &c, &p) == -EINVAL);
}

static void test_page_layouts(void)
{
	struct xpv_xenstore_domain_interface xs;
	struct xpv_xencons_interface cons;
	struct xpv_byte_ring r;

	xpv_byte_ring_xenstore_req(&r, &xs);
	CHECK(r.buf == xs.req && r.size == 1024 && r.cons == &xs.req_cons &&
	      r.prod == &xs.req_prod);
	xpv_byte_ring_xenstore_rsp(&r, &xs);
	CHECK(r.buf == xs.rsp && r.size == 1024 && r.cons == &xs.rsp_cons &&
	      r.prod == &xs.rsp_prod);
	xpv_byte_ring_console_in(&r, &cons);
	CHECK(r.buf == cons.in && r.size == 1024 && r.cons == &cons.in_cons &&
	      r.prod == &cons.in_prod);
	xpv_byte_ring_console_out(&r, &cons);
	CHECK(r.buf == cons.out && r.size == 2048 && r.cons == &cons.out_cons &&
	      r.prod == &cons.out_prod);
}

static void test_full_and_empty(void)
{
	struct xpv_xenstore_domain_interface xs;
	struct xpv_byte_ring r;
	char in[1500], out[1500];
	size_t i;

	memset(&xs, 0, sizeof(xs));
	xpv_byte_ring_xenstore_req(&r, &xs);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)pattern(i);
	CHECK(xpv_byte_ring_read(&r, out, sizeof(out)) == 0);
	CHECK(xpv_byte_ring_readable(&r) == 0);
	CHECK(xpv_byte_ring_writable(&r) == 1024);
	CHECK(xpv_byte_ring_write(&r, in, sizeof(in)) == 1024);
	CHECK(xpv_byte_ring_write(&r, in, 1) == 0);
	CHECK(xpv_byte_ring_writable(&r) == 0);
	CHECK(xpv_byte_ring_readable(&r) == 1024);
	CHECK(xpv_byte_ring_read(&r, out, 1000) == 1000);
	CHECK(xpv_byte_ring_read(&r, out + 1000, 500) == 24);
	CHECK(memcmp(in, out, 1024) == 0);
	/* now across the end of the buffer */
	CHECK(xpv_byte_ring_write(&r, in, 700) == 700);
	CHECK(xpv_byte_ring_read(&r, out, 700) == 700);
	CHECK(memcmp(in, out, 700) == 0);
	CHECK(xs.req_prod == 1724 && xs.req_cons == 1724);
}

/* Indices near 2^32: the stream crosses the wrap intact. */
static void test_index_wrap(void)
{
	struct xpv_xencons_interface c;
	struct xpv_byte_ring r;
	unsigned char chunk[333], got[333];
	uint64_t wpos = 0, rpos = 0;
	int n, i;

	memset(&c, 0, sizeof(c));
	c.out_cons = c.out_prod = 0xffffffffu - 5000;
	xpv_byte_ring_console_out(&r, &c);
	while (rpos < 20000) {
		for (i = 0; i < (int)sizeof(chunk); i++)
			chunk[i] = pattern(wpos + i);
		n = xpv_byte_ring_write(&r, chunk, sizeof(chunk));
		CHECK(n >= 0);
		wpos += n > 0 ? n : 0;
		n = xpv_byte_ring_read(&r, got, 200);
		CHECK(n >= 0);
		for (i = 0; i < n; i++)
			if (got[i] != pattern(rpos + i)) {
				CHECK(!"stream corrupted");
				return;
			}
		rpos += n > 0 ? n : 0;
	}
	CHECK(c.out_prod < 20000); /* wrapped */
}

/* An impossible pair of indices is -EIO from every call, and nothing is
 * copied or moved. */
static void test_hostile_indices(void)
{
	static const uint32_t bad_prod_minus_cons[] = { 1025, 0xffffffffu,
							0x80000000u, 4096 };
	struct xpv_xenstore_domain_interface xs;
	struct xpv_byte_ring r;
	char out[16];
	size_t i;

	xpv_byte_ring_xenstore_rsp(&r, &xs);
	for (i = 0; i < sizeof(bad_prod_minus_cons) / sizeof(uint32_t); i++) {
		memset(&xs, 0x5a, sizeof(xs));
		xs.rsp_cons = 7;
		xs.rsp_prod = 7 + bad_prod_minus_cons[i];
		memset(out, 0, sizeof(out));
		CHECK(xpv_byte_ring_readable(&r) == -EIO);
		CHECK(xpv_byte_ring_writable(&r) == -EIO);
		CHECK(xpv_byte_ring_read(&r, out, sizeof(out)) == -EIO);
		CHECK(xpv_byte_ring_write(&r, "x", 1) == -EIO);
		CHECK(out[0] == 0 && xs.rsp_cons == 7);
		CHECK(xs.rsp_prod == 7 + bad_prod_minus_cons[i]);
		CHECK(xs.rsp[0] == 0x5a);
	}
	/* exactly full is legal */
	xs.rsp_prod = 7 + 1024;
	CHECK(xpv_byte_ring_readable(&r) == 1024);
	CHECK(xpv_byte_ring_writable(&r) == 0);
}

/* --- two threads ------------------------------------------------------- */

#define STREAM_BYTES (16u << 20)

struct stream {
	struct xpv_byte_ring r;
	int error;
};

static void *writer(void *arg)
{
	struct stream *s = arg;
	unsigned char chunk[300];
	uint64_t pos = 0;
	size_t len = 1;
	int n, i;

	while (pos < STREAM_BYTES && !__atomic_load_n(&s->error, 0)) {
		len = len % sizeof(chunk) + 37;
		if (len > sizeof(chunk))
			len = sizeof(chunk);
		if (len > STREAM_BYTES - pos)
			len = STREAM_BYTES - pos;
		for (i = 0; i < (int)len; i++)
			chunk[i] = pattern(pos + i);
		n = xpv_byte_ring_write(&s->r, chunk, len);
		if (n < 0)
			__atomic_store_n(&s->error, 1, 0);
		else if (n == 0)
			sched_yield();
		pos += n > 0 ? n : 0;
	}
	return NULL;
}

static void test_two_threads(void)
{
	struct xpv_xenstore_domain_interface xs;
	struct stream s = { .error = 0 };
	unsigned char got[777];
	uint64_t pos = 0;
	pthread_t w;
	int n, i;

	memset(&xs, 0, sizeof(xs));
	xs.req_cons = xs.req_prod = 0xffffffffu - 100000;
	xpv_byte_ring_xenstore_req(&s.r, &xs);
	if (pthread_create(&w, NULL, writer, &s) != 0) {
		CHECK(!"pthread_create");
		return;
	}
	while (pos < STREAM_BYTES && !__atomic_load_n(&s.error, 0)) {
		n = xpv_byte_ring_read(&s.r, got, sizeof(got));
		if (n < 0) {
			__atomic_store_n(&s.error, 2, 0);
			break;
		}
		for (i = 0; i < n; i++)
			if (got[i] != pattern(pos + i))
				__atomic_store_n(&s.error, 3, 0);
		if (n == 0)
			sched_yield();
		pos += n > 0 ? n : 0;
	}
	pthread_join(w, NULL);
	CHECK(s.error == 0);
	CHECK(pos == STREAM_BYTES);
	printf("  %u MiB streamed through a 1 KiB ring\n", STREAM_BYTES >> 20);
}

/* --- the xenstore wire tables and XenbusState names -------------------- */

static void test_xs_wire_tables(void)
{
	unsigned int i;

	CHECK(strcmp(xpv_xsd_error_name(ENOENT), "ENOENT") == 0);
	CHECK(strcmp(xpv_xsd_error_name(E2BIG), "E2BIG") == 0);
	CHECK(strcmp(xpv_xsd_error_name(ENOTDIR), "EINVAL") == 0);
	CHECK(xpv_xsd_error_errno("EAGAIN", 6) == EAGAIN);
	CHECK(xpv_xsd_error_errno("EAGAINX", 7) == EINVAL);
	CHECK(xpv_xsd_error_errno("EAGAIN", 5) == EINVAL);
	CHECK(xpv_xsd_error_errno("", 0) == EINVAL);
	for (i = 0; i < xpv_xsd_nr_errors; i++) {
		const struct xpv_xsd_errors *e = &xpv_xsd_errors[i];

		CHECK(xpv_xsd_error_errno(e->errstring, strlen(e->errstring)) ==
		      e->errnum);
		CHECK(strcmp(xpv_xsd_error_name(e->errnum), e->errstring) == 0);
	}
	CHECK(strcmp(xpv_xsd_type_name(XPV_XS_READ), "READ") == 0);
	CHECK(strcmp(xpv_xsd_type_name(XPV_XS_DIRECTORY_PART),
		     "DIRECTORY_PART") == 0);
	CHECK(xpv_xsd_type_name(20) == NULL); /* XS_RESTRICT, removed */
	CHECK(xpv_xsd_type_name(XPV_XS_TYPE_COUNT) == NULL);
	CHECK(xpv_xsd_type_name(XPV_XS_INVALID) == NULL);
	CHECK(sizeof(struct xpv_xsd_sockmsg) == 16);
}

static void test_xenbus_names(void)
{
	CHECK(strcmp(xpv_xenbus_state_name(XPV_XENBUS_STATE_INIT_WAIT),
		     "InitWait") == 0);
	CHECK(strcmp(xpv_xenbus_state_name(XPV_XENBUS_STATE_RECONFIGURED),
		     "Reconfigured") == 0);
	CHECK(xpv_xenbus_state_name(9) == NULL);
}

/* What each xenstore number parses to: a hostile peer's values too. */
static void test_xenbus_parse_uint(void)
{
	static const struct {
		const char *s;
		unsigned long max;
		int ret;
		unsigned long value;
	} cases[] = {
		{ "0", 9, 0, 0 },
		{ "4", 8, 0, 4 },
		{ "4294967295", 4294967295ul, 0, 4294967295ul },
		{ "4294967296", 4294967295ul, -ERANGE, 0 },
		{ "9", 8, -ERANGE, 0 },
		{ "18446744073709551616", ~0ul, -ERANGE, 0 },
		{ "", 9, -EINVAL, 0 },
		{ "04", 9, -EINVAL, 0 },
		{ "-1", 9, -EINVAL, 0 },
		{ "+1", 9, -EINVAL, 0 },
		{ " 1", 9, -EINVAL, 0 },
		{ "1 ", 9, -EINVAL, 0 },
		{ "0x5", 9, -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long v = 12345;
		int ret = xpv_xenbus_parse_uint(cases[i].s, cases[i].max, &v);

		EXPECT(ret == cases[i].ret, "\"%s\" max %lu: %d, want %d",
		       cases[i].s, cases[i].max, ret, cases[i].ret);
		EXPECT(ret || v == cases[i].value, "\"%s\": %lu", cases[i].s,
		       v);
		EXPECT(!ret || v == 12345, "\"%s\" wrote %lu on failure",
		       cases[i].s, v);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "init refuses bad sizes", test_init },
	{ "xenstore and console page layouts", test_page_layouts },
	{ "full, empty, buffer wrap", test_full_and_empty },
	{ "indices wrap at 2^32", test_index_wrap },
	{ "hostile indices refused, nothing copied", test_hostile_indices },
	{ "two threads, 16 MiB stream", test_two_threads },
	{ "xenstore error and type tables", test_xs_wire_tables },
	{ "XenbusState names", test_xenbus_names },
	{ "xenstore numbers parsed strictly", test_xenbus_parse_uint },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_case(tests[i].name, tests[i].fn);
	return check_done();
}
