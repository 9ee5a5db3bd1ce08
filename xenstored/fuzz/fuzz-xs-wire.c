/*
 * fuzz-xs-wire.c - libFuzzer target: arbitrary bytes from a client into
 * the daemon's real connection code (framing, dispatch, every handler),
 * through an in-memory transport.
 *
 * Input layout: byte 0 picks who speaks (bit 0: dom0 or domain 5, as a
 * ring connection; bit 1: read-only) and byte 1 the size of the chunks the
 * transport hands over (so messages split across reads are exercised);
 * the rest is the byte stream. The store is rebuilt for every input, so a
 * crash replays from its input alone.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "xenstored/conn.h"
#include "xenstored/fuzz/harness.h"

struct stream {
	const uint8_t *data;
	size_t len, off;
	size_t chunk;
	bool gave; /* handed a chunk since the last -EAGAIN */
	bool closed; /* the core destroyed the connection */
};

static ssize_t mem_read(void *priv, void *buf, size_t len)
{
	struct stream *s = priv;
	size_t n = s->len - s->off;

	if (n == 0)
		return 0; /* end of stream: the connection goes */
	/* Every other call says "nothing now", as a socket between
	 * packets, then the harness signals input again. */
	if (s->gave) {
		s->gave = false;
		return -EAGAIN;
	}
	if (n > s->chunk)
		n = s->chunk;
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	s->gave = true;
	return (ssize_t)n;
}

static ssize_t mem_write(void *priv __attribute__((unused)),
			 const void *buf __attribute__((unused)), size_t len)
{
	return (ssize_t)len;
}

static void mem_close(void *priv)
{
	((struct stream *)priv)->closed = true;
}

static const struct conn_transport socket_like = {
	.name = "fuzz",
	.read = mem_read,
	.write = mem_write,
	.close = mem_close,
};

static const struct conn_transport domain_like = {
	.name = "fuzz-ring",
	.read = mem_read,
	.write = mem_write,
	.close = mem_close,
	.is_domain = true,
};

/* Feed c until the stream ends, c is gone, or c stops reading (over a
 * quota, say). */
static void feed(struct conn *c, struct stream *s)
{
	size_t before;

	do {
		before = s->off;
		conn_input_ready(c);
		if (!s->closed)
			conn_input_ready(c);
	} while (!s->closed && s->off != before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s;
	struct conn *c;
	bool as_domain;

	if (size < 2)
		return 0;
	as_domain = data[0] & 1;
	s = (struct stream){ .data = data + 2, .len = size - 2 };
	s.chunk = 1 + data[1] * 17u;
	if (fuzz_core_setup() < 0)
		return 0;
	c = conn_new(as_domain ? &domain_like : &socket_like, &s,
		     as_domain ? 5 : 0);
	if (c) {
		conn_set_readonly(c, data[0] & 2);
		feed(c, &s);
		if (!s.closed)
			conn_destroy(c);
	}
	fuzz_core_teardown();
	return 0;
}
