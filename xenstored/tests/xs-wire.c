/*
 * xs-wire.c - a raw wire client for test-xenstored-socket.sh: runs a table
 * of named cases against the daemon at argv[1], each a request on one of
 * two connections and the exact bytes expected back (replies and watch
 * events, in order). No client library sits in between.
 *
 * Exit 0 when every case matched, 1 otherwise (each mismatch printed,
 * through tests/lib/check.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ring/xs_wire.h"
#include "tests/lib/check.h"

/* How long a reply that should come at once may take: only a failure
 * waits this long, so it is generous (two loaded CPUs, sanitizers). */
#define REPLY_WAIT_MS 30000

#define HDR sizeof(struct xpv_xsd_sockmsg)
#define NCONN 3

/* One case: conn sends type/tx/payload, expects reply (and event). */
struct wcase {
	const char *name;
	int conn;
	uint32_t type;
	const char *payload;
	uint32_t len;
	uint32_t rtype;
	const char *reply;
	uint32_t rlen;
	const char *event; /* a watch event expected on conn `econn` */
	uint32_t elen;
	int econn;
};

#define S(lit) lit, sizeof(lit) - 1
#define NOEV NULL, 0, 0

static const struct wcase cases[] = {
	{ "write", 0, XPV_XS_WRITE, S("/s/a\0v"), XPV_XS_WRITE, S("OK\0"),
	  NOEV },
	{ "read", 0, XPV_XS_READ, S("/s/a\0"), XPV_XS_READ, S("v"), NOEV },
	{ "read missing", 0, XPV_XS_READ, S("/s/b\0"), XPV_XS_ERROR,
	  S("ENOENT\0"), NOEV },
	{ "read bad path", 0, XPV_XS_READ, S("/s//a\0"), XPV_XS_ERROR,
	  S("EINVAL\0"), NOEV },
	{ "directory", 0, XPV_XS_DIRECTORY, S("/s\0"), XPV_XS_DIRECTORY,
	  S("a\0"), NOEV },
	{ "mkdir", 0, XPV_XS_MKDIR, S("/s/d\0"), XPV_XS_MKDIR, S("OK\0"),
	  NOEV },
	{ "get perms", 0, XPV_XS_GET_PERMS, S("/s/d\0"), XPV_XS_GET_PERMS,
	  S("n0\0"), NOEV },
	{ "set perms", 0, XPV_XS_SET_PERMS, S("/s/d\0b3\0r4\0"),
	  XPV_XS_SET_PERMS, S("OK\0"), NOEV },
	{ "perms back", 0, XPV_XS_GET_PERMS, S("/s/d\0"), XPV_XS_GET_PERMS,
	  S("b3\0r4\0"), NOEV },
	{ "watch", 1, XPV_XS_WATCH, S("/s\0tk\0"), XPV_XS_WATCH, S("OK\0"),
	  S("/s\0tk\0"), 1 },
	{ "watch fires", 0, XPV_XS_WRITE, S("/s/d/e\0x"), XPV_XS_WRITE,
	  S("OK\0"), S("/s/d/e\0tk\0"), 1 },
	{ "relative watch", 2, XPV_XS_WATCH, S("rel\0r\0"), XPV_XS_WATCH,
	  S("OK\0"), S("rel\0r\0"), 2 },
	{ "relative event", 0, XPV_XS_WRITE, S("/local/domain/0/rel/x\0y"),
	  XPV_XS_WRITE, S("OK\0"), S("rel/x\0r\0"), 2 },
	{ "unwatch", 1, XPV_XS_UNWATCH, S("/s\0tk\0"), XPV_XS_UNWATCH,
	  S("OK\0"), NOEV },
	{ "unwatch again", 1, XPV_XS_UNWATCH, S("/s\0tk\0"), XPV_XS_ERROR,
	  S("ENOENT\0"), NOEV },
	{ "transaction start", 0, XPV_XS_TRANSACTION_START, S("\0"),
	  XPV_XS_TRANSACTION_START, S("1\0"), NOEV },
	{ "bad transaction id", 0, XPV_XS_READ, S("/s/a\0"), XPV_XS_ERROR,
	  S("ENOENT\0"), NOEV },
	{ "rm", 0, XPV_XS_RM, S("/s/d\0"), XPV_XS_RM, S("OK\0"), NOEV },
	{ "rm root", 0, XPV_XS_RM, S("/\0"), XPV_XS_ERROR, S("EINVAL\0"),
	  NOEV },
	{ "unknown type", 0, 20, S("\0"), XPV_XS_ERROR, S("ENOSYS\0"), NOEV },
	{ "missing nul", 0, XPV_XS_READ, S("/s/a"), XPV_XS_ERROR, S("EINVAL\0"),
	  NOEV },
	{ "domain path", 0, XPV_XS_GET_DOMAIN_PATH, S("3\0"),
	  XPV_XS_GET_DOMAIN_PATH, S("/local/domain/3\0"), NOEV },
	{ "is introduced", 0, XPV_XS_IS_DOMAIN_INTRODUCED, S("12\0"),
	  XPV_XS_IS_DOMAIN_INTRODUCED, S("F\0"), NOEV },
	{ "release unknown", 0, XPV_XS_RELEASE, S("12\0"), XPV_XS_ERROR,
	  S("ENOENT\0"), NOEV },
	{ "introduce bad port", 0, XPV_XS_INTRODUCE,
	  S("12\0"
	    "5\0"
	    "0\0"),
	  XPV_XS_ERROR, S("EINVAL\0"), NOEV },
	{ "control print", 0, XPV_XS_CONTROL, S("print\0hello\0"),
	  XPV_XS_CONTROL, S("OK\0"), NOEV },
	{ "control unknown", 0, XPV_XS_CONTROL, S("nosuch\0"), XPV_XS_ERROR,
	  S("EINVAL\0"), NOEV },
	{ "reset watches", 2, XPV_XS_RESET_WATCHES, S(""), XPV_XS_RESET_WATCHES,
	  S("OK\0"), NOEV },
};

static int fds[NCONN];

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror(path);
		exit(1);
	}
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (poll(&p, 1, REPLY_WAIT_MS) != 1)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += n;
	}
	return 0;
}

/* Read one message; 0 or -errno. */
static int read_msg(int fd, struct xpv_xsd_sockmsg *h, char *body)
{
	int ret = read_full(fd, h, HDR);

	if (!ret && h->len > XPV_XENSTORE_PAYLOAD_MAX)
		return -EPROTO;
	return ret ? ret : read_full(fd, body, h->len);
}

static bool same(const struct xpv_xsd_sockmsg *h, const char *body,
		 uint32_t type, const char *p, uint32_t len)
{
	return h->type == type && h->len == len && !memcmp(body, p, len);
}

static bool run_case(const struct wcase *c, uint32_t tx)
{
	struct xpv_xsd_sockmsg h = { c->type, 99, tx, c->len };
	char body[XPV_XENSTORE_PAYLOAD_MAX];
	int ret;

	if (write(fds[c->conn], &h, HDR) != HDR ||
	    write(fds[c->conn], c->payload, c->len) != (ssize_t)c->len)
		return false;
	/* The event of a change on the same connection may come first. */
	if (c->event && c->econn == c->conn && c->type != XPV_XS_WATCH) {
		ret = read_msg(fds[c->conn], &h, body);
		if (ret ||
		    !same(&h, body, XPV_XS_WATCH_EVENT, c->event, c->elen))
			return false;
	}
	ret = read_msg(fds[c->conn], &h, body);
	if (!check_quiet(!ret && same(&h, body, c->rtype, c->reply, c->rlen) &&
				 h.req_id == 99 && h.tx_id == tx,
			 "%s: got type %u len %u \"%.*s\" (%d)", c->name,
			 h.type, h.len, (int)h.len, body, ret))
		return false;
	if (c->event && !(c->econn == c->conn && c->type != XPV_XS_WATCH)) {
		ret = read_msg(fds[c->econn], &h, body);
		return check_quiet(!ret && same(&h, body, XPV_XS_WATCH_EVENT,
						c->event, c->elen),
				   "%s: event: got type %u \"%.*s\" (%d)",
				   c->name, h.type, (int)h.len, body, ret);
	}
	return true;
}

/* Garbage on a third connection: it is dropped, the others go on. */
static bool garbage(const char *path)
{
	struct xpv_xsd_sockmsg h = { XPV_XS_READ, 0, 0, 100000 };
	char body[16];
	int fd = connect_to(path), ret;

	if (write(fd, &h, HDR) != HDR)
		return false;
	ret = read_full(fd, body, 1);
	close(fd);
	/* Half a message, then the client goes away. */
	fd = connect_to(path);
	if (write(fd, &h, 8) != 8)
		return false;
	close(fd);
	return ret == -EPIPE;
}

/* xs-wire --hold N SOCKET: open N connections, keep them two seconds. */
static int hold(int n, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int i, fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < n; i++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return 1;
	}
	sleep(2);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 4 && !strcmp(argv[1], "--hold"))
		return hold(atoi(argv[2]), argv[3]);
	if (argc != 2) {
		fprintf(stderr, "usage: xs-wire SOCKET | --hold N SOCKET\n");
		return 2;
	}
	for (i = 0; i < NCONN; i++)
		fds[i] = connect_to(argv[1]);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* "bad transaction id" uses a transaction never started. */
		uint32_t tx =
			!strcmp(cases[i].name, "bad transaction id") ? 77 : 0;

		check(cases[i].name, run_case(&cases[i], tx), NULL);
	}
	check("garbage closes only its connection", garbage(argv[1]), NULL);
	check("still serving after garbage", run_case(&cases[1], 0), NULL);
	return check_done();
}
