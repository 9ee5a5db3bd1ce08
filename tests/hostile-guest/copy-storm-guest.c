/*
 * copy-storm-guest - a guest that makes xpv-hv copy for it as much as it
 * can (test-copy-storm.c drives it; docs/hv.md, "Security"). An
 * unprivileged domain's grant copy is done by xpv-hv's one thread, and a
 * segment from a grant to a grant is 32 bytes of request for a page read
 * and written: the cheapest request that costs xpv-hv the most.
 *
 * It obeys one command per line on stdin and answers one line on stdout,
 * "ok ..." or "err N" (a negative errno):
 *
 *   limits      three raw requests over xpv-hv's limits (2040 segments of
 *               a page, the most a datagram holds; SIM_COPY_MAX_SEGS + 1
 *               of a byte; SIM_COPY_MAX_BYTES + a page in pages) -> ok
 *               <their three answers>
 *   split       through the library, 256 copies of 16 bytes into its
 *               grant, then 16 of a whole page out of it: more than one
 *               request takes (the library splits them) -> ok <segments
 *               whose status or bytes were wrong>
 *   storm N     a child keeps a grant copy in flight on each of N fresh
 *               connections, for ever: the costliest shape xpv-hv takes
 *               (2040 pages if it takes that, else SIM_COPY_MAX_SEGS
 *               segments moving SIM_COPY_MAX_BYTES) -> ok <segments per
 *               request>
 *
 * Every copy is from its own grant to its own grant (a page it granted
 * itself, writable).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/hostile-guest/guest-io.h"
#include "hv/sim/proto.h"
#include "hv/tests/own-conn.h"

#define BIG_SEGS 2040u /* (SIM_MSG_MAX - request) / segment */
#define MAX_CONNS 256

static struct hv *hv;
static hv_gref_t ref;
static uint8_t *page;
static struct sim_copy_seg wire[BIG_SEGS];

/* n segments of len bytes, each from our grant to our grant. */
static void shape(unsigned int n, uint16_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&wire[i], 0, sizeof(wire[i]));
		wire[i].src.foreign = wire[i].dst.foreign = 1;
		wire[i].src.domid = wire[i].dst.domid = hv_self(hv);
		wire[i].src.ref = wire[i].dst.ref = ref;
		wire[i].len = len;
	}
}

static int send_copy(int c, unsigned int n)
{
	struct sim_req req = { .op = SIM_OP_GRANT_COPY, .a = n };

	return sim_msg_send(c, &req, sizeof(req), wire, n * sizeof(wire[0]),
			    NULL, 0, false);
}

/* The answer to one raw copy of n segments of len bytes. */
static int raw_copy(int c, unsigned int n, uint16_t len)
{
	static uint8_t buf[SIM_MSG_MAX];
	int fds[SIM_MSG_FDS], err;
	struct sim_rep rep;
	ssize_t got;

	shape(n, len);
	err = send_copy(c, n);
	if (err)
		return err;
	got = sim_msg_recv(c, buf, sizeof(buf), fds, false);
	sim_close_fds(fds, SIM_MSG_FDS);
	if (got < (ssize_t)sizeof(rep))
		return -EPROTO;
	memcpy(&rep, buf, sizeof(rep));
	return rep.err;
}

static void cmd_limits(void)
{
	int c = hv_test_own_conn(), a, b, d;

	if (c < 0) {
		hg_reply("err %d", c);
		return;
	}
	a = raw_copy(c, BIG_SEGS, HV_PAGE_SIZE);
	b = raw_copy(c, SIM_COPY_MAX_SEGS + 1, 1);
	d = raw_copy(c, SIM_COPY_MAX_BYTES / HV_PAGE_SIZE + 1, HV_PAGE_SIZE);
	close(c);
	hg_reply("ok %d %d %d", a, b, d);
}

/* 256 writes of 16 bytes into the grant, 16 reads of all of it. */
static void cmd_split(void)
{
	static struct hv_copy_seg segs[256];
	static char in[256][16], out[16][HV_PAGE_SIZE];
	unsigned int i, bad = 0;
	int err;

	for (i = 0; i < 256; i++) {
		memset(in[i], 'a' + i % 26, sizeof(in[i]));
		segs[i] = (struct hv_copy_seg){
			.src = { .local = in[i] },
			.dst = { .foreign = true,
				 .domid = hv_self(hv),
				 .ref = ref,
				 .offset = (uint16_t)(16 * i) },
			.len = 16,
		};
	}
	err = hv_grant_copy(hv, 256, segs);
	for (i = 0; !err && i < 256; i++)
		bad += segs[i].status != 0;
	for (i = 0; !err && i < 16; i++)
		segs[i] = (struct hv_copy_seg){
			.src = { .foreign = true,
				 .domid = hv_self(hv),
				 .ref = ref },
			.dst = { .local = out[i] },
			.len = HV_PAGE_SIZE,
		};
	if (!err)
		err = hv_grant_copy(hv, 16, segs);
	for (i = 0; !err && i < 16; i++)
		bad += segs[i].status != 0 ||
		       memcmp(out[i], page, HV_PAGE_SIZE) != 0;
	for (i = 0; !err && i < 256; i++)
		bad += memcmp(page + 16 * i, in[i], 16) != 0;
	if (err)
		hg_reply("err %d", err);
	else
		hg_reply("ok %u", bad);
}

/* Keep one request in flight on each connection; a connection xpv-hv
 * closes is made again. Never returns. */
static void storm(int *c, unsigned int n, unsigned int segs)
{
	static uint8_t buf[SIM_MSG_MAX];
	struct pollfd p[MAX_CONNS];
	unsigned int i;

	for (i = 0; i < n; i++) {
		p[i] = (struct pollfd){ .fd = c[i], .events = POLLIN };
		send_copy(c[i], segs);
	}
	for (;;) {
		if (poll(p, n, 1000) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			int fds[SIM_MSG_FDS];

			if (!p[i].revents)
				continue;
			if (sim_msg_recv(p[i].fd, buf, sizeof(buf), fds,
					 false) <= 0) {
				close(p[i].fd);
				p[i].fd = hv_test_own_conn();
			}
			sim_close_fds(fds, SIM_MSG_FDS);
			if (p[i].fd >= 0)
				send_copy(p[i].fd, segs);
		}
	}
}

static void cmd_storm(unsigned int n)
{
	static int c[MAX_CONNS];
	unsigned int segs = BIG_SEGS, i;
	uint16_t len = HV_PAGE_SIZE;

	if (n == 0 || n > MAX_CONNS) {
		hg_reply("err %d", -EINVAL);
		return;
	}
	for (i = 0; i < n; i++) {
		c[i] = hv_test_own_conn();
		if (c[i] < 0) {
			hg_reply("err %d", c[i]);
			return;
		}
	}
	if (raw_copy(c[0], segs, len) != 0) {
		segs = SIM_COPY_MAX_SEGS;
		len = (uint16_t)(SIM_COPY_MAX_BYTES / SIM_COPY_MAX_SEGS);
	}
	shape(segs, len);
	if (fork() == 0)
		storm(c, n, segs);
	for (i = 0; i < n; i++)
		close(c[i]);
	hg_reply("ok %u", segs);
}

static void obey(char *line)
{
	char cmd[32] = "";
	unsigned int a = 0;

	sscanf(line, "%31s %u", cmd, &a);
	if (!strcmp(cmd, "limits"))
		cmd_limits();
	else if (!strcmp(cmd, "split"))
		cmd_split();
	else if (!strcmp(cmd, "storm"))
		cmd_storm(a);
	else
		hg_reply("err %d", -EINVAL);
}

int main(void)
{
	char why[256];
	hv_frame_t frame;
	int err;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	err = hv_open(&hv, why, sizeof(why));
	if (err) {
		hg_reply("hv_open: %s", why);
		return 1;
	}
	page = hv_mem_alloc(hv, 1, &frame);
	err = page ? hv_grant_access(hv, hv_self(hv), frame, false, &ref) :
		     -ENOMEM;
	if (err < 0) {
		hg_reply("grant: %d", err);
		return 1;
	}
	return hg_serve(obey);
}
