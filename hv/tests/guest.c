/*
 * hv-test-guest - the guest side of test-hv-sim: started by xpv-hv as a
 * domain's init, it opens hv (as its domain, from XPV_HV_FD) and obeys one
 * command per line on stdin, answering one line on stdout: "ok ..." or
 * "err N" (a negative errno). Commands:
 *
 *   self                    -> ok <domid> <privileged>
 *   share TO w|r            -> ok <gref>     (one page, kept as "the page")
 *   poke OFF TEXT           write TEXT into the page at OFF
 *   peek OFF LEN            -> ok <text>
 *   end                     end the page's grant (hv_unshare_pages)
 *   map DOM GREF            hv_grant_map (unprivileged: -EOPNOTSUPP)
 *   fmap DOM FRAME          hv_foreign_map
 *   copyto DOM GREF TEXT    grant copy TEXT into DOM's grant
 *   copyfrom DOM GREF LEN   -> ok <text>
 *   alloc REMOTE            -> ok <port>
 *   bind REMOTE PORT        -> ok <port>
 *   existing PORT           hv_evtchn_bind_existing
 *   notify PORT
 *   wait MS                 -> ok <port>, or err -110 on timeout
 *   status PORT             -> ok <state>
 *   storepoke TEXT          write TEXT at the start of our xenstore page
 *   startinfo DOM           -> ok <store_frame> <store_port> <console_port>
 *   list | create | destroy DOM   (dom0 only: expect -EPERM)
 *   shutdown REASON
 *   cloneself               hostile: send our first connection back to
 *                           xpv-hv with a CLONE (-EPERM: refused)
 *   clonepair               hostile: give xpv-hv both ends of one
 *                           socketpair with CLONEs, then talk (-EPERM)
 *   statuswrite             hostile: take our status page's fd with a
 *                           HELLO of our own and reopen it writable; ok
 *                           means it could be written
 *   rawalloc N COUNT        SIM_OP_MEM_ALLOC of N frames COUNT times, on a
 *                           connection of our own (no hv.c limit) ->
 *                           ok <first frame of the last>
 *   rawfree FIRST N         SIM_OP_MEM_FREE
 *   fdspam ROUNDS           hostile: requests with fds attached, on our
 *                           first connection and on ROUNDS fresh ones (3
 *                           fds, then 30) -> ok <refused> <sent>
 *   portflood REMOTE        hostile: allocate ports for REMOTE until
 *                           refused -> ok <how many> <the error>
 *   rootflood N             hostile: N CLONEs on the first connection
 *                           without reading, then take the replies and
 *                           ask for one more -> ok <replies taken>
 *   connflood N KEEP        hostile: ask for N more connections, keeping
 *                           the first KEEP open (those over the domain's
 *                           limit are refused: each makes xpv-hv log)
 *   spin                    burn cpu forever (no answer)
 *   exit CODE
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/sim/proto.h"
#include "hv/tests/own-conn.h"

static struct hv *hv;
static struct hv_evtchn *ev;
static char *page;

static void reply(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reply(int err, const char *fmt, ...)
{
	if (err < 0) {
		printf("err %d\n", err);
	} else {
		va_list ap;

		printf("ok");
		if (fmt) {
			putchar(' ');
			va_start(ap, fmt);
			vprintf(fmt, ap);
			va_end(ap);
		}
		putchar('\n');
	}
	fflush(stdout);
}

static void cmd_share(unsigned int to, const char *mode)
{
	hv_gref_t ref;

	page = hv_share_pages(hv, (hv_domid_t)to, 1, mode[0] == 'w', &ref);
	if (!page)
		reply(-errno, NULL);
	else
		reply(0, "%u", ref);
}

static void cmd_map(unsigned int dom, unsigned int ref)
{
	hv_gref_t r = ref;
	void *m = hv_grant_map(hv, (hv_domid_t)dom, 1, &r, false);

	if (m)
		hv_grant_unmap(hv, m, 1);
	reply(m ? 0 : -errno, NULL);
}

static void cmd_fmap(unsigned int dom, unsigned long long frame)
{
	hv_frame_t f = frame;
	void *m = hv_foreign_map(hv, (hv_domid_t)dom, 1, &f, false);

	if (m)
		hv_foreign_unmap(hv, m, 1);
	reply(m ? 0 : -errno, NULL);
}

static void cmd_copy(bool to, unsigned int dom, unsigned int ref,
		     const char *text, unsigned int len)
{
	struct hv_copy_seg seg = { 0 };
	struct hv_copy_ptr far = { .foreign = true,
				   .domid = (hv_domid_t)dom,
				   .ref = ref };
	char buf[256] = "";
	int r;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	if (to) {
		snprintf(buf, sizeof(buf), "%s", text);
		seg.src.local = buf;
		seg.dst = far;
		seg.len = (uint16_t)(strlen(buf) + 1);
	} else {
		seg.src = far;
		seg.dst.local = buf;
		seg.len = (uint16_t)len;
	}
	r = hv_grant_copy(hv, 1, &seg);
	if (!r)
		r = seg.status;
	reply(r, "%s", to ? "" : buf);
}

static void cmd_wait(int ms)
{
	struct pollfd p = { .fd = hv_evtchn_fd(ev), .events = POLLIN };
	int port;

	if (poll(&p, 1, ms) != 1) {
		reply(-ETIMEDOUT, NULL);
		return;
	}
	port = hv_evtchn_pending(ev);
	if (port >= 0 && hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
		port = -EIO;
	reply(port, "%d", port);
}

static void cmd_storepoke(const char *text)
{
	struct hv_start_info si;
	char *m;
	int r = hv_domain_start_info(hv, HV_DOMID_SELF, &si);

	if (r) {
		reply(r, NULL);
		return;
	}
	m = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.store_frame, true);
	if (!m) {
		reply(-errno, NULL);
		return;
	}
	strcpy(m, text);
	hv_foreign_unmap(hv, m, 1);
	reply(0, NULL);
}

static void cmd_startinfo(unsigned int dom)
{
	struct hv_start_info si;
	int r = hv_domain_start_info(hv, (hv_domid_t)dom, &si);

	reply(r, "%llu %u %u", (unsigned long long)si.store_frame,
	      si.store_port, si.console_port);
}

static void cmd_domctl(const char *what, unsigned int dom)
{
	struct hv_domain_config cfg = { .memory_kb = 4096, .vcpus = 1 };
	struct hv_dominfo info[4];
	hv_domid_t id;

	if (strcmp(what, "list") == 0)
		reply(hv_domain_list(hv, info, 4), NULL);
	else if (strcmp(what, "create") == 0)
		reply(hv_domain_create(hv, &cfg, &id), NULL);
	else
		reply(hv_domain_destroy(hv, (hv_domid_t)dom), NULL);
}

static void spin(void)
{
	volatile unsigned long n = 0;

	for (;;)
		n++;
}

/* CLONE on fd carrying the file `give`: the kernel refuses it (the
 * daemon's end refuses files), 0 if it was sent all the same. */
static int clone_giving(int fd, int give)
{
	struct sim_req req = { .op = SIM_OP_CLONE };

	return sim_msg_send(fd, &req, sizeof(req), NULL, 0, &give, 1, false);
}

/* Hand xpv-hv both ends of one socketpair, as clients once did to make it
 * talk to itself; then one request into one end. */
static int clone_pair(void)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	int root = atoi(getenv("XPV_HV_FD")), sv[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	err = clone_giving(root, sv[0]);
	if (!err)
		err = clone_giving(root, sv[1]);
	if (!err)
		err = sim_msg_send(sv[0], &req, sizeof(req), NULL, 0, NULL, 0,
				   false);
	close(sv[0]);
	close(sv[1]);
	return err;
}

/* Write one byte to fd, through write() and through a shared mapping. */
static int try_write(int fd)
{
	char path[64];
	void *p;
	int rw, err = 0;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR | O_CLOEXEC);
	if (rw < 0)
		return -errno;
	if (pwrite(rw, "x", 1, 0) != 1)
		err = -errno;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
	if (p != MAP_FAILED) {
		munmap(p, 4096);
		err = 0;
	} else if (!err) {
		err = -errno;
	}
	close(rw);
	return err;
}

static int status_write(void)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	struct sim_rep rep;
	int c = hv_test_own_conn(), fds[SIM_MSG_FDS], err;

	if (c < 0)
		return c;
	err = sim_msg_send(c, &req, sizeof(req), NULL, 0, NULL, 0, false);
	if (!err && sim_msg_recv(c, &rep, sizeof(rep), fds, false) !=
			    (ssize_t)sizeof(rep))
		err = -EPROTO;
	close(c);
	if (err)
		return err;
	err = rep.err ? rep.err : fds[2] < 0 ? -EBADF : try_write(fds[2]);
	sim_close_fds(fds, SIM_MSG_FDS);
	return err;
}

/* One request on c and its reply's header. */
static int raw_call(int c, uint32_t op, uint64_t a, uint64_t b,
		    struct sim_rep *rep)
{
	struct sim_req req = { .op = op, .a = a, .b = b };
	int fds[SIM_MSG_FDS];
	ssize_t n;
	int err = sim_msg_send(c, &req, sizeof(req), NULL, 0, NULL, 0, false);

	if (err)
		return err;
	n = sim_msg_recv(c, rep, sizeof(*rep), fds, false);
	sim_close_fds(fds, SIM_MSG_FDS);
	return n == (ssize_t)sizeof(*rep) ? rep->err : -EPROTO;
}

static void raw_mem(uint32_t op, unsigned int a, unsigned int b)
{
	struct sim_rep rep = { 0 };
	int c = hv_test_own_conn(), err = c;
	unsigned int i;

	for (i = 0; c >= 0 && i < (op == SIM_OP_MEM_ALLOC ? b : 1); i++)
		err = raw_call(c, op, a, op == SIM_OP_MEM_ALLOC ? 0 : b, &rep);
	if (c >= 0)
		close(c);
	reply(err, "%llu", (unsigned long long)rep.v[0]);
}

/* A HELLO with nfds copies of fd attached: 0 sent, else -errno of the
 * send (-EPERM: the kernel refused the files). */
static int hello_with_fds(int c, int fd, int nfds)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 32)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen =
				      CMSG_SPACE(sizeof(int) * nfds) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int i;

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	for (i = 0; i < nfds; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &fd, sizeof(int));
	return sendmsg(c, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Requests with fds attached, on our first connection and on fresh ones
 * (3 fds, then 30): -> ok <refused with EPERM> <sent>. */
static void fd_spam(unsigned int rounds)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), r = 0, err;
	unsigned int i, refused = 0, sent = 0;

	if (fd < 0) {
		reply(-errno, NULL);
		return;
	}
	err = hello_with_fds(atoi(getenv("XPV_HV_FD")), fd, 3);
	refused += err == -EPERM;
	sent += err == 0;
	for (i = 0; i < rounds; i++) {
		int c = hv_test_own_conn();

		if (c < 0) {
			r = c;
			break;
		}
		err = hello_with_fds(c, fd, 3);
		refused += err == -EPERM;
		sent += err == 0;
		err = hello_with_fds(c, fd, 30);
		refused += err == -EPERM;
		sent += err == 0;
		close(c);
	}
	close(fd);
	reply(r, "%u %u", refused, sent);
}

/* n CLONEs on our first connection without reading a reply, then take
 * what came (closing each connection it carried) and ask for one more:
 * xpv-hv drops the replies it cannot queue, never the connection. ->
 * ok <replies taken> */
static void root_flood(unsigned int n)
{
	struct sim_req req = { .op = SIM_OP_CLONE };
	int root = atoi(getenv("XPV_HV_FD")), err = 0, c, fds[SIM_MSG_FDS];
	unsigned int i, taken = 0;
	struct sim_rep rep;

	for (i = 0; i < n && !err; i++)
		err = sim_msg_send(root, &req, sizeof(req), NULL, 0, NULL, 0,
				   false);
	usleep(300000); /* let xpv-hv answer what it can */
	while (!err && sim_msg_recv(root, &rep, sizeof(rep), fds, true) > 0) {
		sim_close_fds(fds, SIM_MSG_FDS);
		taken++;
	}
	c = err ? err : hv_test_own_conn();
	if (c >= 0)
		close(c);
	reply(c < 0 ? c : 0, "%u", taken);
}

/* Ask for n more connections, keeping the first `keep` open; those over
 * the domain's limit are refused (-EMFILE). */
static int conn_flood(unsigned int n, unsigned int keep)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		int c = hv_test_own_conn();

		if (c == -EMFILE)
			continue;
		if (c < 0)
			return c;
		if (i >= keep)
			close(c);
	}
	return 0;
}

/* Commands with no argument or with numbers only. */
static bool simple(const char *c, unsigned int a, unsigned int b, int n)
{
	if (strcmp(c, "self") == 0)
		reply(0, "%u %d", hv_self(hv), hv_privileged(hv));
	else if (strcmp(c, "end") == 0)
		reply(page ? hv_unshare_pages(hv, page, 1) : -EINVAL, NULL);
	else if (strcmp(c, "map") == 0 && n == 3)
		cmd_map(a, b);
	else if (strcmp(c, "fmap") == 0 && n == 3)
		cmd_fmap(a, b);
	else if (strcmp(c, "alloc") == 0 && n == 2) {
		int p = hv_evtchn_alloc_unbound(ev, (hv_domid_t)a);

		reply(p, "%d", p);
	} else if (strcmp(c, "bind") == 0 && n == 3) {
		int p = hv_evtchn_bind_interdomain(ev, (hv_domid_t)a, b);

		reply(p, "%d", p);
	} else if (strcmp(c, "existing") == 0 && n == 2) {
		int p = hv_evtchn_bind_existing(ev, a);

		reply(p, "%d", p);
	} else if (strcmp(c, "notify") == 0 && n == 2)
		reply(hv_evtchn_notify(ev, a), NULL);
	else if (strcmp(c, "wait") == 0 && n == 2)
		cmd_wait((int)a);
	else if (strcmp(c, "status") == 0 && n == 2) {
		int s = hv_evtchn_status(ev, a);

		reply(s, "%d", s);
	} else if (strcmp(c, "startinfo") == 0 && n == 2)
		cmd_startinfo(a);
	else if (strcmp(c, "list") == 0 || strcmp(c, "create") == 0 ||
		 (strcmp(c, "destroy") == 0 && n == 2))
		cmd_domctl(c, a);
	else if (strcmp(c, "shutdown") == 0 && n == 2)
		reply(hv_domain_shutdown(hv, HV_DOMID_SELF, a), NULL);
	else if (strcmp(c, "cloneself") == 0) {
		struct sim_req req = { .op = SIM_OP_HELLO };
		int fd = atoi(getenv("XPV_HV_FD"));
		int err = clone_giving(fd, fd);

		/* One message in, to start a reply loop if it was taken. */
		if (!err)
			err = sim_msg_send(fd, &req, sizeof(req), NULL, 0, NULL,
					   0, false);
		reply(err, NULL);
	} else if (strcmp(c, "clonepair") == 0) {
		reply(clone_pair(), NULL);
	} else if (strcmp(c, "statuswrite") == 0) {
		reply(status_write(), NULL);
	} else if (strcmp(c, "rawalloc") == 0 && n == 3) {
		raw_mem(SIM_OP_MEM_ALLOC, a, b);
	} else if (strcmp(c, "rawfree") == 0 && n == 3) {
		raw_mem(SIM_OP_MEM_FREE, a, b);
	} else if (strcmp(c, "fdspam") == 0 && n == 2) {
		fd_spam(a);
	} else if (strcmp(c, "portflood") == 0 && n == 2) {
		int k = 0, p;

		while ((p = hv_evtchn_alloc_unbound(ev, (hv_domid_t)a)) > 0)
			k++;
		reply(0, "%d %d", k, p);
	} else if (strcmp(c, "rootflood") == 0 && n == 2) {
		root_flood(a);
	} else if (strcmp(c, "connflood") == 0 && n == 3) {
		reply(conn_flood(a, b), NULL);
	} else if (strcmp(c, "spin") == 0)
		spin();
	else if (strcmp(c, "exit") == 0 && n == 2)
		exit((int)a);
	else
		return false;
	return true;
}

static void line(char *l)
{
	char c[32], text[256] = "";
	unsigned int a = 0, b = 0;
	int n;

	l[strcspn(l, "\n")] = '\0';
	if (sscanf(l, "share %u %31s", &a, c) == 2) {
		cmd_share(a, c);
		return;
	}
	if (sscanf(l, "poke %u %255s", &a, text) == 2 && page && a < 4000) {
		strcpy(page + a, text);
		reply(0, NULL);
		return;
	}
	if (sscanf(l, "peek %u %u", &a, &b) == 2 && page && a + b < 4096) {
		reply(0, "%.*s", (int)b, page + a);
		return;
	}
	if (sscanf(l, "copyto %u %u %255s", &a, &b, text) == 3) {
		cmd_copy(true, a, b, text, 0);
		return;
	}
	if (sscanf(l, "copyfrom %u %u %255s", &a, &b, text) == 3) {
		cmd_copy(false, a, b, NULL, (unsigned int)atoi(text));
		return;
	}
	if (sscanf(l, "storepoke %255s", text) == 1) {
		cmd_storepoke(text);
		return;
	}
	n = sscanf(l, "%31s %u %u", c, &a, &b);
	if (n < 1 || !simple(c, a, b, n))
		reply(-EINVAL, NULL);
}

int main(void)
{
	char why[256], buf[512];
	int err = hv_open(&hv, why, sizeof(why));

	if (err) {
		printf("err %d %s\n", err, why);
		return 1;
	}
	ev = hv_evtchn_open(hv);
	if (!ev) {
		printf("err %d evtchn_open\n", -errno);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (fgets(buf, sizeof(buf), stdin))
		line(buf);
	return 0;
}
