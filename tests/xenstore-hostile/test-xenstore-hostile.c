/*
 * test-xenstore-hostile.c - bad input to our xenstored over its socket and
 * over a guest's ring (run by test-hostile.sh, which starts private
 * xpv-hv and xpv-xenstored daemons and passes the daemon's pid).
 *
 * The rule checked after every attack: the daemon answered an error or
 * dropped that one connection, and every other client keeps working: a
 * dom0 libxenstore client (write + read), and a well-behaved guest that
 * answers pings through its own ring (hostile-guest good-ping). A hostile
 * guest (hostile-guest, commands on its stdin) scribbles on its ring page;
 * its page's error field must say why it was dropped, and the ring
 * reconnection handshake must bring it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "tests/lib/check.h"
#include "tests/lib/domain.h"
#include "ring/xs_wire.h"

/* Every wait is for something that must come; the limit only guards
 * against a hang (a loaded machine under sanitizers can take seconds to
 * schedule a guest or the daemon). */
#define WAIT_MS 30000
/* The daemon's resident memory may not grow past this under a flood. */
#define RSS_LIMIT_KB (256 * 1024)

struct guest {
	unsigned int domid;
	int cmd; /* its stdin */
	int out; /* its stdout */
	char buf[256];
	size_t len;
};

static struct hv *hv;
static struct xs_handle *xs;
static const char *sock_path, *guest_bin, *log_dir;
static pid_t daemon_pid;
static struct guest good, bad;
static unsigned int ping_seq;

/* --- Guests ------------------------------------------------------------- */

/* One line from a guest's stdout, without its newline; NULL on time-out. */
static const char *guest_line(struct guest *g)
{
	static char line[256];
	struct pollfd pfd = { .fd = g->out, .events = POLLIN };
	long long end = check_now_ms() + WAIT_MS;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(g->buf, '\n', g->len);
		if (nl) {
			size_t l = (size_t)(nl - g->buf);

			memcpy(line, g->buf, l);
			line[l] = '\0';
			memmove(g->buf, nl + 1, g->len - l - 1);
			g->len -= l + 1;
			return line;
		}
		if (g->len == sizeof(g->buf) || check_now_ms() >= end ||
		    poll(&pfd, 1, (int)(end - check_now_ms())) <= 0)
			return NULL;
		n = read(g->out, g->buf + g->len, sizeof(g->buf) - g->len);
		if (n <= 0)
			return NULL;
		g->len += (size_t)n;
	}
}

static const char *guest_cmd(struct guest *g, const char *cmd)
{
	if (dprintf(g->cmd, "%s\n", cmd) < 0)
		return NULL;
	return guest_line(g);
}

static char *dom_path(unsigned int domid, const char *sub)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "/local/domain/%u/%s", domid, sub);
	return buf;
}

static void start_guest(struct guest *g, const char *name)
{
	char *argv[] = { "xenstore-hostile-guest", NULL };
	int in[2], out[2], fds[3];
	char log[512];
	hv_domid_t domid;

	snprintf(log, sizeof(log), "%s/%s.log", log_dir, name);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		check_fatal("pipe", errno);
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	domid = test_domain_exec(hv, guest_bin, argv, fds);
	close(in[0]);
	close(out[1]);
	close(fds[2]);
	*g = (struct guest){ .domid = domid, .cmd = in[1], .out = out[0] };
	test_domain_home(xs, domid);
	test_domain_introduce(hv, xs, domid);
	if (hv_domain_unpause(hv, domid) < 0)
		check_fatal("unpausing the guest", EIO);
}

/* --- The bystanders ------------------------------------------------------- */

static bool dom0_works(void)
{
	char val[32], *got;
	bool ok;

	snprintf(val, sizeof(val), "%u", ++ping_seq);
	if (!xs_write(xs, XBT_NULL, "/hostile-test/dom0", val, strlen(val)))
		return false;
	got = xs_read(xs, XBT_NULL, "/hostile-test/dom0", NULL);
	ok = got && !strcmp(got, val);
	free(got);
	return ok;
}

/* The good guest copies data/ping to data/pong through its ring. */
static bool good_guest_works(void)
{
	long long end = check_now_ms() + WAIT_MS;
	char val[32], *got;
	bool ok = false;

	snprintf(val, sizeof(val), "%u", ++ping_seq);
	xs_write(xs, XBT_NULL, dom_path(good.domid, "data/ping"), val,
		 strlen(val));
	while (!ok && check_now_ms() < end) {
		got = xs_read(xs, XBT_NULL, dom_path(good.domid, "data/pong"),
			      NULL);
		ok = got && !strcmp(got, val);
		free(got);
		if (!ok)
			usleep(10000);
	}
	return ok;
}

static long daemon_rss_kb(void)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)daemon_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void bystanders(const char *after)
{
	char name[128];
	long rss;

	snprintf(name, sizeof(name), "%s: daemon alive", after);
	rss = daemon_rss_kb();
	check(name, rss > 0, "it died");
	if (rss <= 0)
		exit(1);
	snprintf(name, sizeof(name), "%s: daemon memory bounded", after);
	check(name, rss < RSS_LIMIT_KB, "VmRSS %ld kB", rss);
	snprintf(name, sizeof(name), "%s: dom0 client works", after);
	check(name, dom0_works(), NULL);
	snprintf(name, sizeof(name), "%s: good guest works", after);
	check(name, good_guest_works(), NULL);
}

/* --- Socket attacks -------------------------------------------------------- */

static int sock_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		check_fatal("connecting to the daemon", errno);
	return fd;
}

static void sock_send(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		check_fatal("sending to the daemon", errno);
}

static void sock_msg(int fd, uint32_t type, uint32_t tx, const void *body,
		     uint32_t len)
{
	struct xpv_xsd_sockmsg h = { .type = type, .tx_id = tx, .len = len };

	sock_send(fd, &h, sizeof(h));
	if (len)
		sock_send(fd, body, len);
}

static int recv_full(int fd, void *buf, size_t len, long long end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (check_now_ms() >= end ||
		    poll(&pfd, 1, (int)(end - check_now_ms())) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, (char *)buf + off, len - off, 0);
		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return errno == ECONNRESET ? -EPIPE : -errno;
		off += (size_t)n;
	}
	return 0;
}

/* The next reply: 0 with its header and body, -EPIPE when the daemon
 * closed the connection, -ETIMEDOUT. */
static int sock_reply(int fd, struct xpv_xsd_sockmsg *h, char *body)
{
	long long end = check_now_ms() + WAIT_MS;
	int ret = recv_full(fd, h, sizeof(*h), end);

	if (ret < 0)
		return ret;
	if (h->len > XPV_XENSTORE_PAYLOAD_MAX)
		return -EBADMSG;
	ret = recv_full(fd, body, h->len, end);
	body[ret < 0 ? 0 : h->len] = '\0';
	return ret;
}

static void expect_error(const char *name, int fd, const char *err)
{
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h;
	int ret = sock_reply(fd, &h, body);

	check(name, ret == 0 && h.type == XPV_XS_ERROR && !strcmp(body, err),
	      "ret %d type %u body '%s', want ERROR %s", ret,
	      ret == 0 ? h.type : 0, ret == 0 ? body : "", err);
}

static void expect_reply(const char *name, int fd, uint32_t type)
{
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h;
	int ret = sock_reply(fd, &h, body);

	check(name, ret == 0 && h.type == type, "ret %d type %u body '%s'", ret,
	      ret == 0 ? h.type : 0, ret == 0 ? body : "");
}

static void expect_dropped(const char *name, int fd)
{
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h;
	int ret;

	/* Errors may come first; then the daemon must hang up. */
	while ((ret = sock_reply(fd, &h, body)) == 0 && h.type == XPV_XS_ERROR)
		;
	check(name, ret == -EPIPE, "ret %d, type %u", ret, h.type);
}

static void socket_oversized(void)
{
	int fd = sock_open();
	struct xpv_xsd_sockmsg h = { .type = XPV_XS_READ, .len = 100000 };

	sock_send(fd, &h, sizeof(h));
	expect_dropped(
		"socket: len > XENSTORE_PAYLOAD_MAX drops the connection", fd);
	close(fd);
	bystanders("socket oversized");
}

static void socket_errors(void)
{
	int fd = sock_open();

	sock_msg(fd, XPV_XS_READ, 0, "abc", 3);
	expect_error("socket: path without NUL answered EINVAL", fd, "EINVAL");
	sock_msg(fd, XPV_XS_READ, 4242, "/\0", 2);
	expect_error("socket: unknown transaction answered ENOENT", fd,
		     "ENOENT");
	sock_msg(fd, 9999, 0, "/\0", 2);
	expect_error("socket: unknown type answered ENOSYS", fd, "ENOSYS");
	sock_msg(fd, XPV_XS_TRANSACTION_END, 0, "T\0", 2);
	/* Xen's do_transaction_end: no transaction is ENOENT. */
	expect_error("socket: TRANSACTION_END outside one answered ENOENT", fd,
		     "ENOENT");
	sock_msg(fd, XPV_XS_WRITE, 0, "", 0);
	expect_error("socket: empty WRITE answered EINVAL", fd, "EINVAL");
	sock_msg(fd, XPV_XS_WRITE, 0, "/hostile-test/s\0v", 17);
	expect_reply("socket: connection still served after errors", fd,
		     XPV_XS_WRITE);
	close(fd);
	bystanders("socket errors");
}

static void socket_garbage(void)
{
	char junk[64 * 1024];
	int fd = sock_open();
	size_t i;

	srand(11);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rand();
	/* The daemon may hang up before taking it all. */
	(void)!send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
	expect_dropped("socket: garbage drops the connection", fd);
	close(fd);
	bystanders("socket garbage");
}

static void socket_half(void)
{
	struct xpv_xsd_sockmsg h = { .type = XPV_XS_WRITE, .len = 10 };
	int fd = sock_open();

	sock_send(fd, &h, sizeof(h) - 3);
	close(fd);
	fd = sock_open();
	sock_send(fd, &h, sizeof(h));
	sock_send(fd, "/half", 5);
	close(fd);
	bystanders("socket half messages");
}

/* Requests without ever reading a reply: the daemon must neither grow
 * without bound nor stop serving others. */
static void socket_flood(void)
{
	char msg[sizeof(struct xpv_xsd_sockmsg) + 8];
	struct xpv_xsd_sockmsg h = { .type = XPV_XS_READ, .len = 8 };
	int fd = sock_open(), sent = 0, i;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "/local\0", 8);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 400000; i++) {
		if (send(fd, msg, sizeof(msg), MSG_NOSIGNAL) != sizeof(msg))
			break;
		sent++;
	}
	printf("     (flood: %d requests sent before the socket filled)\n",
	       sent);
	bystanders("socket flood (unread)");
	close(fd);
	bystanders("socket flood closed");
}

/* --- Ring attacks ----------------------------------------------------------- */

struct ring_attack {
	const char *cmd;
	int error; /* the page's error field wanted; -1: any */
};

static const struct ring_attack ring_attacks[] = {
	{ "bad-req-index", XPV_XENSTORE_ERROR_RINGIDX },
	{ "bad-rsp-index", XPV_XENSTORE_ERROR_RINGIDX },
	{ "oversized", XPV_XENSTORE_ERROR_PROTO },
	{ "garbage", -1 },
	{ "half", XPV_XENSTORE_ERROR_NONE },
	{ "flood", XPV_XENSTORE_ERROR_NONE },
	{ "storm", XPV_XENSTORE_ERROR_NONE },
};

static void ring_attack(const struct ring_attack *a)
{
	char name[128], want[32];
	const char *line;

	snprintf(want, sizeof(want), "error %d", a->error);
	line = guest_cmd(&bad, a->cmd);
	snprintf(name, sizeof(name), "ring %s: page error field", a->cmd);
	check(name,
	      line && (a->error < 0 ? !strncmp(line, "error ", 6) :
				      !strcmp(line, want)),
	      "guest said '%s', want '%s'", line ? line : "nothing",
	      a->error < 0 ? "error N" : want);
	snprintf(name, sizeof(name), "ring %s", a->cmd);
	bystanders(name);
	line = guest_cmd(&bad, "reconnect");
	snprintf(name, sizeof(name), "ring %s: guest reconnects and works",
		 a->cmd);
	check(name, line && !strcmp(line, "ok"), "guest said '%s'",
	      line ? line : "nothing");
}

/* "memory" of CONTROL "quota DOMID": the daemon's accounting for a
 * domain (-1 if it would not say). */
static long daemon_accounting(unsigned int domid)
{
	char arg[16], *out, *line;
	long mem = -1;

	snprintf(arg, sizeof(arg), "%u", domid);
	out = xs_control_command(xs, "quota", arg, strlen(arg) + 1);
	line = out ? strstr(out, "memory") : NULL;
	if (line)
		mem = strtol(line + strcspn(line, "0123456789"), NULL, 10);
	free(out);
	return mem;
}

/*
 * The hostile-guest review's F3 through the ring: the hostile guest
 * writes 400 nodes of 1.9 KB, opens the most transactions it may and
 * reads every node in each, holding them. Its reads past its memory
 * quota (2.5 MB, which nodes and open transactions share) are refused,
 * the daemon's accounting for it stays under the quota, and the daemon's
 * resident memory grows by about that (it grew 11.7 MB when each read
 * kept an uncounted copy). Reconnecting drops the transactions and their
 * memory.
 */
static void ring_txnmem(void)
{
	const long quota_bytes = 2621440;
	unsigned int nodes = 0, reads = 0, refused = 0;
	long rss0 = daemon_rss_kb(), rss, mem, mem_after;
	const char *line = guest_cmd(&bad, "txnmem");

	check("ring txnmem: the guest ran it",
	      line &&
		      sscanf(line, "txnmem %u nodes, %u reads, %u refused",
			     &nodes, &reads, &refused) == 3 &&
		      nodes == 400,
	      "guest said '%s'", line ? line : "nothing");
	check("ring txnmem: reads past the memory quota refused",
	      refused > 0 && reads > nodes, "%u reads, %u refused", reads,
	      refused);
	mem = daemon_accounting(bad.domid);
	check("ring txnmem: accounting under the quota",
	      mem > 400 * 1900 && mem < quota_bytes, "%ld bytes", mem);
	rss = daemon_rss_kb();
	printf("ring txnmem: %u reads, %u refused; %ld bytes counted; "
	       "VmRSS %ld kB -> %ld kB\n",
	       reads, refused, mem, rss0, rss);
#ifndef __SANITIZE_ADDRESS__
	/* (ASan's allocator keeps freed blocks in quarantine: its RSS says
	 * nothing here; the accounting above still does.) */
	check("ring txnmem: daemon memory bounded", rss - rss0 < 6 * 1024,
	      "VmRSS %ld kB -> %ld kB", rss0, rss);
#endif
	bystanders("ring txnmem");
	line = guest_cmd(&bad, "reconnect");
	check("ring txnmem: guest reconnects and works",
	      line && !strcmp(line, "ok"), "guest said '%s'",
	      line ? line : "nothing");
	mem_after = daemon_accounting(bad.domid);
	check("ring txnmem: reconnecting gives the transactions' memory back",
	      mem_after > 400 * 1900 && mem_after < mem && mem_after < 1000000,
	      "%ld bytes, %ld with the transactions", mem_after, mem);
}

static void release(struct guest *g, const char *name)
{
	char what[64];

	snprintf(what, sizeof(what), "XS_RELEASE of the %s guest", name);
	check(what, xs_release_domain(xs, g->domid), "%s", strerror(errno));
	close(g->cmd);
	close(g->out);
	snprintf(what, sizeof(what), "the %s guest destroyed", name);
	check(what, hv_domain_destroy(hv, g->domid) == 0, NULL);
}

int main(int argc, char **argv)
{
	const char *line;
	char why[256];
	unsigned int i;
	int ret;

	if (argc != 5) {
		fprintf(stderr, "usage: %s SOCKET DAEMON-PID GUEST LOGDIR\n",
			argv[0]);
		return 2;
	}
	sock_path = argv[1];
	daemon_pid = (pid_t)atoi(argv[2]);
	guest_bin = argv[3];
	log_dir = argv[4];
	ret = hv_open(&hv, why, sizeof(why));
	if (ret < 0)
		check_fatal(why, -ret);
	xs = xs_open(0);
	if (!xs)
		check_fatal("xs_open", errno);

	start_guest(&good, "good");
	line = guest_cmd(&good, "good-ping");
	check("good guest serves pings", line && !strcmp(line, "ready"),
	      "it said '%s'", line ? line : "nothing");
	start_guest(&bad, "hostile");
	line = guest_cmd(&bad, "good");
	check("hostile guest starts sane", line && !strcmp(line, "ok"),
	      "it said '%s'", line ? line : "nothing");
	bystanders("start");
	line = guest_cmd(&bad, "proto-errors");
	check("ring: bad NUL, transaction and type get error replies",
	      line && !strcmp(line, "ok"), "guest said '%s'",
	      line ? line : "nothing");

	socket_oversized();
	socket_errors();
	socket_garbage();
	socket_half();
	socket_flood();
	for (i = 0; i < sizeof(ring_attacks) / sizeof(ring_attacks[0]); i++)
		ring_attack(&ring_attacks[i]);
	ring_txnmem();

	release(&bad, "hostile");
	bystanders("hostile guest released");
	release(&good, "good");
	printf("%d failed\n", check_failures);
	xs_close(xs);
	hv_close(hv);
	return check_failures ? 1 : 0;
}
