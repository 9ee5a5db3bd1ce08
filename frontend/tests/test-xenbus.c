/*
 * test-xenbus.c - the xenbus client against a scripted, sometimes lying,
 * daemon on the other end of a socketpair: replies are parsed, matched
 * and checked, and every lie is an error, never a crash or a hang.
 *
 * Each case is a client action and a daemon script run in a thread: the
 * script reads the client's requests and answers them as it likes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/xenbus.h"
#include "tests/lib/check.h"
#include "frontend/xenbus_priv.h"
#include "ring/xs_wire.h"

struct req {
	struct xpv_xsd_sockmsg h;
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
};

static int read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = read(fd, (char *)buf + off, len - off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int get_req(int fd, struct req *r)
{
	if (read_full(fd, &r->h, sizeof(r->h)) < 0 ||
	    r->h.len > XPV_XENSTORE_PAYLOAD_MAX ||
	    read_full(fd, r->body, r->h.len) < 0)
		return -1;
	r->body[r->h.len] = '\0';
	return 0;
}

static void put(int fd, uint32_t type, uint32_t req_id, uint32_t len,
		const void *body, size_t body_len)
{
	struct xpv_xsd_sockmsg h = { type, req_id, 0, len };

	/* The client may rightly have hung up on a lie: ignore failures. */
	if (write(fd, &h, sizeof(h)) == sizeof(h) && body_len)
		(void)!write(fd, body, body_len);
}

/* Answer the request r with type/body (len = body_len). */
static void reply(int fd, const struct req *r, uint32_t type, const void *body,
		  size_t len)
{
	put(fd, type, r->h.req_id, (uint32_t)len, body, len);
}

#define STR(s) s, sizeof(s)

/* --- Daemon scripts ------------------------------------------------------ */

static void d_read_ok(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0 && r.h.type == XPV_XS_READ &&
	    strcmp(r.body, "/a") == 0)
		reply(fd, &r, XPV_XS_READ, "hello", 5);
}

static void d_enoent(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_ERROR, STR("ENOENT"));
}

static void d_unknown_error(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_ERROR, STR("EWHATEVER"));
}

static void d_lying_len(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		put(fd, XPV_XS_READ, r.h.req_id, 100000, "x", 1);
}

static void d_wrong_type(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_DIRECTORY, STR("OK"));
}

static void d_wrong_req_id(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		put(fd, XPV_XS_READ, r.h.req_id + 7, 1, "x", 1);
}

static void d_event_first(int fd)
{
	struct req r;

	if (get_req(fd, &r) < 0)
		return;
	put(fd, XPV_XS_WATCH_EVENT, 0, 7, "/w\0tok", 7);
	put(fd, XPV_XS_WATCH_EVENT, 0, 6, "/w\0tok", 6); /* no final NUL */
	reply(fd, &r, XPV_XS_WATCH, STR("OK"));
	put(fd, XPV_XS_WATCH_EVENT, 0, 9, "/w/x\0tok", 9);
}

static void d_directory(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_DIRECTORY, "a\0bb\0ccc\0", 9);
}

static void d_directory_part(int fd)
{
	struct req r;

	if (get_req(fd, &r) < 0)
		return;
	reply(fd, &r, XPV_XS_ERROR, STR("E2BIG"));
	if (get_req(fd, &r) < 0 || r.h.type != XPV_XS_DIRECTORY_PART)
		return;
	reply(fd, &r, XPV_XS_DIRECTORY_PART, "7\0a\0bb\0", 7);
	if (get_req(fd, &r) < 0 || strcmp(r.body + 3, "5") != 0)
		return;
	reply(fd, &r, XPV_XS_DIRECTORY_PART, "7\0ccc\0\0", 7);
}

static void d_perms(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_GET_PERMS, "n5\0r0\0b65535\0", 13);
}

static void d_bad_perms(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_GET_PERMS, "x5\0", 3);
}

static void d_tx_bad_id(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_TRANSACTION_START, STR("12abc"));
}

static void d_tx_ok(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_TRANSACTION_START, STR("42"));
	if (get_req(fd, &r) == 0 && r.h.tx_id == 42 && strcmp(r.body, "T") == 0)
		reply(fd, &r, XPV_XS_ERROR, STR("EAGAIN"));
}

static void d_hangup(int fd)
{
	struct req r;

	get_req(fd, &r);
	shutdown(fd, SHUT_WR);
}

static void d_silent(int fd)
{
	struct req r;

	get_req(fd, &r);
	sleep(1);
}

static void d_not_ok(int fd)
{
	struct req r;

	if (get_req(fd, &r) == 0)
		reply(fd, &r, XPV_XS_WRITE, "OK", 2); /* NUL missing */
}

static void d_none(int fd __attribute__((unused)))
{
}

/* --- Client checks --------------------------------------------------------- */

static int c_read_ok(struct xenbus *xb)
{
	unsigned int len;
	char *v;
	int ret = xenbus_read(xb, 0, "/a", &v, &len);

	if (ret < 0)
		return ret;
	ret = (len == 5 && strcmp(v, "hello") == 0) ? 0 : -1;
	free(v);
	return ret;
}

static int expect(int got, int want)
{
	return check_quiet(got == want, "got %d (%s), want %d", got,
			   got < 0 ? strerror(-got) : "ok", want) ?
		       0 :
		       -1;
}

static int c_enoent(struct xenbus *xb)
{
	char *v;

	return expect(xenbus_read(xb, 0, "/a", &v, NULL), -ENOENT);
}

static int c_einval(struct xenbus *xb)
{
	char *v;

	return expect(xenbus_read(xb, 0, "/a", &v, NULL), -EINVAL);
}

/* A framing lie kills the handle: the next call fails without I/O. */
static int c_dead(struct xenbus *xb)
{
	char *v;

	if (expect(xenbus_read(xb, 0, "/a", &v, NULL), -EIO) < 0)
		return -1;
	return expect(xenbus_read(xb, 0, "/a", &v, NULL), -EIO);
}

/*
 * The third event comes after the reply: wait for it on the fd as
 * xenbus.h says a caller must. The fd is readable when an event *may*
 * wait: the daemon writes header and body apart, so a header alone wakes
 * poll and xenbus_read_event() says -EAGAIN until the body is in (seen
 * in CI under load); the caller polls again.
 */
static int await_event(struct xenbus *xb, char **path, char **token)
{
	struct pollfd pfd = { .fd = xenbus_event_fd(xb), .events = POLLIN };
	int polls, ret;

	for (polls = 0; polls < 100; polls++) {
		if (poll(&pfd, 1, 2000) != 1)
			return -1;
		ret = xenbus_read_event(xb, path, token);
		if (ret != -EAGAIN)
			return ret;
	}
	return -1;
}

static int c_events(struct xenbus *xb)
{
	char *path, *token;
	int ret = xenbus_watch(xb, "/w", "tok");

	if (expect(ret, 0) < 0)
		return -1;
	if (xenbus_read_event(xb, &path, &token) < 0 || strcmp(path, "/w") ||
	    strcmp(token, "tok"))
		return -1;
	free(path);
	if (await_event(xb, &path, &token) < 0 || strcmp(path, "/w/x"))
		return -1;
	free(path);
	if (expect(xenbus_read_event(xb, &path, &token), -EAGAIN) < 0)
		return -1;
	return xenbus_events_dropped(xb) == 1 ? 0 : -1;
}

static int check_names(char **names, unsigned int num)
{
	int ok = num == 3 && !strcmp(names[0], "a") &&
		 !strcmp(names[1], "bb") && !strcmp(names[2], "ccc") &&
		 names[3] == NULL;

	free(names);
	return ok ? 0 : -1;
}

static int c_directory(struct xenbus *xb)
{
	unsigned int num;
	char **names;
	int ret = xenbus_directory(xb, 0, "/d", &names, &num);

	return ret < 0 ? ret : check_names(names, num);
}

static int c_perms(struct xenbus *xb)
{
	struct xenbus_perm *p;
	unsigned int n;
	int ret = xenbus_get_perms(xb, 0, "/p", &p, &n);

	if (ret < 0)
		return ret;
	ret = (n == 3 && p[0].domid == 5 && p[0].mode == XENBUS_PERM_NONE &&
	       p[1].mode == XENBUS_PERM_READ && p[2].domid == 65535 &&
	       p[2].mode == XENBUS_PERM_BOTH) ?
		      0 :
		      -1;
	free(p);
	return ret;
}

static int c_bad_perms(struct xenbus *xb)
{
	struct xenbus_perm *p;
	unsigned int n;

	return expect(xenbus_get_perms(xb, 0, "/p", &p, &n), -EBADMSG);
}

static int c_tx_bad_id(struct xenbus *xb)
{
	xenbus_tx_t tx;

	return expect(xenbus_transaction_start(xb, &tx), -EBADMSG);
}

static int c_tx_again(struct xenbus *xb)
{
	xenbus_tx_t tx;

	if (expect(xenbus_transaction_start(xb, &tx), 0) < 0 || tx != 42)
		return -1;
	return expect(xenbus_transaction_end(xb, tx, true), -EAGAIN);
}

static int c_hangup(struct xenbus *xb)
{
	char *v;

	return expect(xenbus_read(xb, 0, "/a", &v, NULL), -EPIPE);
}

static int c_timeout(struct xenbus *xb)
{
	char *v;

	xenbus_set_timeout(xb, 100);
	return expect(xenbus_read(xb, 0, "/a", &v, NULL), -ETIMEDOUT);
}

/*
 * A transport whose input never runs dry: watch events without end, never
 * a reply (a daemon writing faster than we read). Only the client's own
 * deadline can end a request on it.
 */
struct flood {
	int pipe[2]; /* an fd for the handle's epoll; never readable */
};

static ssize_t flood_read(void *priv __attribute__((unused)), void *buf,
			  size_t len)
{
	static const char ev[] = "/f\0tok"; /* 7 bytes with the NUL */
	struct xpv_xsd_sockmsg h = { XPV_XS_WATCH_EVENT, 0, 0, sizeof(ev) };
	size_t off = 0, one = sizeof(h) + sizeof(ev);

	for (; off + one <= len; off += one) {
		memcpy((char *)buf + off, &h, sizeof(h));
		memcpy((char *)buf + off + sizeof(h), ev, sizeof(ev));
	}
	return off ? (ssize_t)off : -EAGAIN;
}

static ssize_t flood_write(void *priv __attribute__((unused)),
			   const void *buf __attribute__((unused)), size_t len)
{
	return (ssize_t)len;
}

static int flood_flush(void *priv __attribute__((unused)))
{
	return 0;
}

static int flood_wait(void *priv __attribute__((unused)),
		      bool want_write __attribute__((unused)),
		      int timeout_ms __attribute__((unused)))
{
	return 0;
}

static int flood_fd(void *priv)
{
	return ((struct flood *)priv)->pipe[0];
}

static void flood_close(void *priv)
{
	struct flood *f = priv;

	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
}

static const struct xb_transport flood_transport = {
	.read = flood_read,
	.write = flood_write,
	.flush = flood_flush,
	.wait = flood_wait,
	.fd = flood_fd,
	.close = flood_close,
};

/* The timeout holds while the daemon floods us with events. */
static int c_flood_timeout(struct xenbus *unused __attribute__((unused)))
{
	struct flood *f = malloc(sizeof(*f));
	struct xenbus *xb;
	char *v;
	int ret;

	if (!f || pipe2(f->pipe, O_CLOEXEC) < 0) {
		free(f);
		return -1;
	}
	xb = xenbus_new(&flood_transport, f);
	if (!xb)
		return -1;
	xenbus_set_timeout(xb, 200);
	ret = expect(xenbus_read(xb, 0, "/a", &v, NULL), -ETIMEDOUT);
	if (!ret && xenbus_events_dropped(xb) == 0)
		ret = -1; /* the queue filled: events past it were dropped */
	xenbus_close(xb);
	return ret;
}

static int c_not_ok(struct xenbus *xb)
{
	return expect(xenbus_write_str(xb, 0, "/a", "v"), -EBADMSG);
}

static int c_too_big(struct xenbus *xb)
{
	static char big[XPV_XENSTORE_PAYLOAD_MAX];

	return expect(xenbus_write(xb, 0, "/a", big, sizeof(big)), -E2BIG);
}

/* --- Runner ----------------------------------------------------------------- */

struct tcase {
	const char *name;
	void (*daemon)(int fd);
	int (*client)(struct xenbus *xb);
};

static const struct tcase cases[] = {
	{ "read returns the value", d_read_ok, c_read_ok },
	{ "error reply maps to errno", d_enoent, c_enoent },
	{ "unknown error name is EINVAL", d_unknown_error, c_einval },
	{ "lying length kills the handle", d_lying_len, c_dead },
	{ "reply of another type is EIO", d_wrong_type, c_dead },
	{ "reply to another request is EIO", d_wrong_req_id, c_dead },
	{ "events queued in order, bad one dropped", d_event_first, c_events },
	{ "directory splits names", d_directory, c_directory },
	{ "E2BIG falls back to DIRECTORY_PART", d_directory_part, c_directory },
	{ "get_perms parses", d_perms, c_perms },
	{ "malformed perms are EBADMSG", d_bad_perms, c_bad_perms },
	{ "malformed transaction id is EBADMSG", d_tx_bad_id, c_tx_bad_id },
	{ "transaction id used, EAGAIN on commit", d_tx_ok, c_tx_again },
	{ "daemon hangs up: EPIPE", d_hangup, c_hangup },
	{ "silent daemon: ETIMEDOUT", d_silent, c_timeout },
	{ "event flood, no reply: ETIMEDOUT", d_none, c_flood_timeout },
	{ "OK without NUL is EBADMSG", d_not_ok, c_not_ok },
	{ "oversized request refused locally", d_none, c_too_big },
};

struct daemon_arg {
	int fd;
	void (*fn)(int fd);
};

static void *daemon_thread(void *p)
{
	struct daemon_arg *a = p;

	char c;

	a->fn(a->fd);
	/* Stay connected until the client is done, so that only the cases
	 * that hang up on purpose see a hang-up. */
	while (read(a->fd, &c, 1) > 0)
		;
	close(a->fd);
	return NULL;
}

static int run(const struct tcase *t)
{
	struct daemon_arg arg;
	struct xenbus *xb;
	pthread_t th;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	arg = (struct daemon_arg){ .fd = sv[1], .fn = t->daemon };
	xb = xenbus_open_fd(sv[0]);
	if (!xb) {
		close(sv[1]);
		return -1;
	}
	xenbus_set_timeout(xb, 5000);
	if (pthread_create(&th, NULL, daemon_thread, &arg) != 0) {
		close(sv[1]);
		xenbus_close(xb);
		return -1;
	}
	ret = t->client(xb);
	xenbus_close(xb);
	pthread_join(th, NULL);
	return ret;
}

int main(void)
{
	unsigned int i;

	/* A fake daemon may write after the client gave up on it. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].name, run(&cases[i]) == 0, NULL);
	return check_done();
}
