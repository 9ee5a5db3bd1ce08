/*
 * fuzz-xenbus-client.c - libFuzzer target: whatever a hostile daemon
 * sends, the guest's xenbus client (frontend/xenbus*.c) parses it into
 * errors, never a crash, a hang or a leak.
 *
 * The input is the daemon's whole byte stream, handed over through an
 * in-memory transport in chunks of 1 + data[0] bytes; then the stream
 * ends (-EPIPE). Against it the client runs one of each request, in a
 * fixed order, and reads every queued watch event. Request ids are 1, 2,
 * ... in that order, so the fuzzer can learn to answer them.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "frontend/xenbus_priv.h"

struct stream {
	const uint8_t *data;
	size_t len, off, chunk;
};

static ssize_t mem_read(void *priv, void *buf, size_t len)
{
	struct stream *s = priv;
	size_t n = s->len - s->off;

	if (n == 0)
		return -EAGAIN;
	n = n < s->chunk ? n : s->chunk;
	n = n < len ? n : len;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static ssize_t mem_write(void *priv __attribute__((unused)),
			 const void *buf __attribute__((unused)), size_t len)
{
	return (ssize_t)len;
}

static int mem_flush(void *priv __attribute__((unused)))
{
	return 0;
}

/* Nothing more will come: what a daemon that went away looks like. */
static int mem_wait(void *priv, bool want_write __attribute__((unused)),
		    int timeout_ms __attribute__((unused)))
{
	struct stream *s = priv;

	return s->off < s->len ? 0 : -EPIPE;
}

/* Any fd epoll accepts (one eventfd for the whole run); the harness
 * never polls it. */
static int mem_fd(void *priv __attribute__((unused)))
{
	static int fd = -1;

	if (fd < 0)
		fd = eventfd(0, EFD_CLOEXEC);
	return fd;
}

static void mem_close(void *priv __attribute__((unused)))
{
}

static const struct xb_transport mem_transport = {
	.read = mem_read,
	.write = mem_write,
	.flush = mem_flush,
	.wait = mem_wait,
	.fd = mem_fd,
	.close = mem_close,
};

static void run_requests(struct xenbus *xb)
{
	struct xenbus_perm perm = { 0, XENBUS_PERM_READ }, *perms;
	char **names, *v, *path, *token;
	unsigned int n, len;
	xenbus_tx_t tx;

	if (xenbus_read(xb, 0, "/a", &v, &len) == 0)
		free(v);
	xenbus_write_str(xb, 0, "/a", "v");
	if (xenbus_directory(xb, 0, "/", &names, &n) == 0)
		free(names);
	if (xenbus_get_perms(xb, 0, "/a", &perms, &n) == 0)
		free(perms);
	xenbus_set_perms(xb, 0, "/a", &perm, 1);
	if (xenbus_transaction_start(xb, &tx) == 0)
		xenbus_transaction_end(xb, tx, true);
	xenbus_watch(xb, "/w", "t");
	if (xenbus_get_domain_path(xb, 1, &path) == 0)
		free(path);
	xenbus_mkdir(xb, 0, "/d");
	xenbus_rm(xb, 0, "/d");
	while (xenbus_read_event(xb, &path, &token) == 0)
		free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s;
	struct xenbus *xb;

	if (size < 1)
		return 0;
	s = (struct stream){ .data = data + 1, .len = size - 1 };
	s.chunk = 1 + data[0] * 16u;
	xb = xenbus_new(&mem_transport, &s);
	if (!xb)
		return 0;
	run_requests(xb);
	xenbus_close(xb);
	return 0;
}
