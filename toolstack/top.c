/*
 * top.c - `xpv top [-b] [-d SECONDS] [-i ITERATIONS]`, a table of the
 * domains as xentop's: state, cpu time and cpu share since the last
 * sample, memory, vcpus, and each domain's vifs (bytes sent and received
 * by the guest) and vbds (requests and sectors read and written).
 *
 * The device figures are the backends' statistics files:
 * $XPV_RUNDIR/blkback.stats (one line per vbd, docs/block.md) and
 * $XPV_RUNDIR/netback/<vif> (key value lines, docs/network.md). A
 * backend that is not running has no file: its columns read 0.
 *
 * -b prints each sample as text (batch mode, for scripts); without it
 * the table is redrawn in place until q or Ctrl-C.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "toolstack/domains.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

#define MAX_DOMAINS 1024

struct row {
	hv_domid_t domid;
	struct hv_dominfo info;
	unsigned int nets, vbds;
	unsigned long long net_tx, net_rx; /* bytes, the guest's view */
	unsigned long long rd_req, wr_req, rd_sect, wr_sect;
};

struct sample {
	struct row rows[MAX_DOMAINS];
	unsigned int n;
	long long at_ms;
};

static struct row *row_of(struct sample *s, unsigned long domid)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->rows[i].domid == domid)
			return &s->rows[i];
	return NULL;
}

/* "key=value" in a blkback stats line. */
static unsigned long long field(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : 0;
}

static void read_blkback(struct xpv *x, struct sample *s)
{
	char path[PATH_MAX + 32], line[1024], cls[16];
	unsigned long domid, devid;
	struct row *r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/blkback.stats", x->rundir);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %lu %lu", cls, &domid, &devid) != 3 ||
		    !(r = row_of(s, domid)))
			continue;
		r->vbds++;
		r->rd_req += field(line, "rd_req");
		r->wr_req += field(line, "wr_req");
		r->rd_sect += field(line, "rd_sect");
		r->wr_sect += field(line, "wr_sect");
	}
	if (f)
		fclose(f);
}

static void read_vif(struct sample *s, const char *path)
{
	char key[32];
	unsigned long long v, domid = ~0ull, tx = 0, rx = 0;
	struct row *r;
	FILE *f = fopen(path, "re");

	while (f && fscanf(f, "%31s %llu%*[^\n]", key, &v) == 2) {
		if (!strcmp(key, "domid"))
			domid = v;
		else if (!strcmp(key, "tx_bytes"))
			tx = v;
		else if (!strcmp(key, "rx_bytes"))
			rx = v;
	}
	if (f)
		fclose(f);
	r = domid < HV_DOMID_FIRST_RESERVED ? row_of(s, domid) : NULL;
	if (r) {
		r->nets++;
		r->net_tx += tx;
		r->net_rx += rx;
	}
}

static void read_netback(struct xpv *x, struct sample *s)
{
	char dir[PATH_MAX + 16], path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/netback", x->rundir);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "vif", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		read_vif(s, path);
	}
	if (d)
		closedir(d);
}

static int take(struct xpv *x, struct sample *s)
{
	struct hv_dominfo info[MAX_DOMAINS];
	int i, n = hv_domain_list(xpv_hv(x), info, MAX_DOMAINS);

	if (n < 0)
		return n;
	memset(s, 0, sizeof(*s));
	s->at_ms = xpv_now_ms();
	for (i = 0; i < n; i++) {
		s->rows[i].domid = info[i].domid;
		s->rows[i].info = info[i];
	}
	s->n = n;
	read_blkback(x, s);
	read_netback(x, s);
	return 0;
}

static void state(const struct hv_dominfo *d, char out[7])
{
	out[0] = d->flags & HV_DOMINF_DYING ? 'd' : '-';
	out[1] = d->flags & HV_DOMINF_SHUTDOWN ? 's' : '-';
	out[2] = d->flags & HV_DOMINF_BLOCKED ? 'b' : '-';
	out[3] = d->flags & HV_DOMINF_PAUSED ? 'p' : '-';
	out[4] = d->flags & HV_DOMINF_RUNNING ? 'r' : '-';
	out[5] = '-';
	out[6] = '\0';
}

static void print(struct xpv *x, struct sample *s, const struct sample *prev)
{
	double secs = prev ? (s->at_ms - prev->at_ms) / 1000.0 : 0;
	unsigned int i;

	printf("%10s %6s %10s %6s %10s %10s %5s %4s %10s %10s %4s %8s %8s "
	       "%10s %10s\n",
	       "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MAXMEM(k)",
	       "VCPUS", "NETS", "NETTX(k)", "NETRX(k)", "VBDS", "VBD_RD",
	       "VBD_WR", "VBD_RSECT", "VBD_WSECT");
	for (i = 0; i < s->n; i++) {
		struct row *r = &s->rows[i];
		const struct row *p =
			prev ? row_of((struct sample *)prev, r->domid) : NULL;
		double cpu = 0;
		char name[80], st[7], home[64];
		long target, max;

		if (p && secs > 0 && r->info.cpu_time_ns >= p->info.cpu_time_ns)
			cpu = (r->info.cpu_time_ns - p->info.cpu_time_ns) /
			      (secs * 1e7);
		xpv_domain_name(x, r->domid, name, sizeof(name));
		snprintf(home, sizeof(home), "/local/domain/%u", r->domid);
		if (r->domid == 0 ||
		    xpv_xs_read_long(xpv_xs(x), home, "memory/target", 0,
				     1L << 40, &target))
			target = r->info.memory_kb;
		if (r->domid == 0 ||
		    xpv_xs_read_long(xpv_xs(x), home, "memory/static-max", 0,
				     1L << 40, &max))
			max = r->info.max_memory_kb;
		state(&r->info, st);
		printf("%10.10s %6s %10llu %6.1f %10ld %10ld %5u %4u %10llu "
		       "%10llu %4u %8llu %8llu %10llu %10llu\n",
		       name, st,
		       (unsigned long long)(r->info.cpu_time_ns / 1000000000),
		       cpu, target, max, r->info.vcpus, r->nets,
		       r->net_tx / 1024, r->net_rx / 1024, r->vbds, r->rd_req,
		       r->wr_req, r->rd_sect, r->wr_sect);
	}
	fflush(stdout);
}

/* Interactive: wait for the delay, or for q on the terminal. */
static bool wait_or_quit(unsigned int delay_ms)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char c;

	if (poll(&p, 1, delay_ms) > 0 && read(0, &c, 1) == 1 &&
	    (c == 'q' || c == 'Q'))
		return true;
	return false;
}

int xpv_cmd_top(struct xpv *x, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct sample a, b;
	struct sample *cur = &a, *prev = NULL, *tmp;
	struct termios saved, raw;
	bool batch = false, raw_mode = false;
	long delay_ms = 3000, iterations = -1, i;
	int opt;

	while ((opt = xpv_getopt(argc, argv, "bd:i:h", longopts, "top")) !=
	       -1) {
		if (opt == 'b')
			batch = true;
		else if (opt == 'd')
			delay_ms = (long)(strtod(optarg, NULL) * 1000);
		else if (opt == 'i')
			iterations = strtol(optarg, NULL, 10);
	}
	if (optind != argc || delay_ms < 100 || iterations == 0)
		return xpv_usage("top");
	if (!xpv_hv(x) || !xpv_xs(x))
		return 1;
	if (!batch && isatty(0) && tcgetattr(0, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw_mode = tcsetattr(0, TCSANOW, &raw) == 0;
	}
	for (i = 0; iterations < 0 || i < iterations; i++) {
		if (take(x, cur))
			break;
		if (!batch)
			fputs("\033[H\033[2J", stdout);
		print(x, cur, prev);
		tmp = prev ? prev : &b;
		prev = cur;
		cur = tmp;
		if (iterations >= 0 && i + 1 == iterations)
			break;
		if (batch)
			xpv_sleep_ms(delay_ms);
		else if (wait_or_quit(delay_ms))
			break;
	}
	if (raw_mode)
		tcsetattr(0, TCSANOW, &saved);
	return 0;
}
