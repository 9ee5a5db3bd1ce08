/*
 * stats.c - each vif's statistics for the toolstack (`xpv top`): once a
 * second, a vif whose counters moved gets its file <stats_dir>/<vif name>
 * rewritten (a temporary file renamed over it, so a reader never sees half
 * of one), one "key value" line per counter (docs/network.md lists them).
 * The file goes with the vif.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backend/netback/common.h"

static struct nb_src stats_src = { NB_SRC_STATS, NULL };

void nb_stats_add(struct nb_stats *to, const struct nb_stats *s)
{
	to->tx_packets += s->tx_packets;
	to->tx_bytes += s->tx_bytes;
	to->tx_dropped += s->tx_dropped;
	to->tx_errors += s->tx_errors;
	to->rx_packets += s->rx_packets;
	to->rx_bytes += s->rx_bytes;
	to->rx_dropped += s->rx_dropped;
	to->rx_errors += s->rx_errors;
	to->tx_rate_limited += s->tx_rate_limited;
	to->rx_stalls += s->rx_stalls;
}

static int write_file(const struct nb_ctx *ctx, const struct nb_vif *vif,
		      const struct nb_stats *s)
{
	char path[512], tmp[520];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ctx->stats_dir, vif->cfg.name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f,
		"domid %u\ndevid %u\nconnected %d\nqueues %u\n"
		"tx_packets %llu\ntx_bytes %llu\ntx_dropped %llu\n"
		"tx_errors %llu\nrx_packets %llu\nrx_bytes %llu\n"
		"rx_dropped %llu\nrx_errors %llu\ntx_rate_limited %llu\n"
		"rx_stalls %llu\n",
		vif->cfg.domid, vif->cfg.devid, vif->nqueues > 0, vif->nqueues,
		(unsigned long long)s->tx_packets,
		(unsigned long long)s->tx_bytes,
		(unsigned long long)s->tx_dropped,
		(unsigned long long)s->tx_errors,
		(unsigned long long)s->rx_packets,
		(unsigned long long)s->rx_bytes,
		(unsigned long long)s->rx_dropped,
		(unsigned long long)s->rx_errors,
		(unsigned long long)s->tx_rate_limited,
		(unsigned long long)s->rx_stalls);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

/* A cheap fingerprint of the counters, to skip unchanged vifs. */
static uint64_t gen_of(const struct nb_vif *vif, const struct nb_stats *s)
{
	return s->tx_packets + s->rx_packets + s->tx_dropped + s->rx_dropped +
	       s->tx_errors + s->rx_errors + s->rx_stalls + s->tx_rate_limited +
	       vif->nqueues * 0x100000000ull + 1;
}

int nb_stats_write(struct nb_ctx *ctx)
{
	struct nb_vif *vif;
	uint64_t ticks;
	int err = 0;

	if (ctx->stats_timer >= 0 &&
	    read(ctx->stats_timer, &ticks, sizeof(ticks)) < 0 &&
	    errno != EAGAIN)
		return -errno;
	for (vif = ctx->vifs; vif; vif = vif->next) {
		struct nb_stats s;
		uint64_t gen;

		nb_vif_stats(vif, &s);
		gen = gen_of(vif, &s);
		if (gen == vif->stats_written_gen)
			continue;
		if (!write_file(ctx, vif, &s))
			vif->stats_written_gen = gen;
		else
			err = -errno;
	}
	return err;
}

int nb_ctx_stats_dir(struct nb_ctx *ctx, const char *dir)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &stats_src };

	if (strlen(dir) >= sizeof(ctx->stats_dir))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(ctx->stats_dir, sizeof(ctx->stats_dir), "%s", dir);
	ctx->stats_timer =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (ctx->stats_timer < 0)
		return -errno;
	if (timerfd_settime(ctx->stats_timer, 0, &its, NULL) ||
	    epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, ctx->stats_timer, &ev))
		return -errno;
	return 0;
}

void nb_stats_forget(const struct nb_ctx *ctx, const struct nb_vif *vif)
{
	char path[512];

	if (!ctx->stats_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/%s", ctx->stats_dir, vif->cfg.name);
	unlink(path);
}

int nb_ctx_init(struct nb_ctx *ctx, struct hv *hv, int epfd)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->hv = hv;
	ctx->epfd = epfd;
	ctx->stats_timer = -1;
	return 0;
}

void nb_ctx_fini(struct nb_ctx *ctx)
{
	if (ctx->stats_timer >= 0) {
		epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, ctx->stats_timer, NULL);
		close(ctx->stats_timer);
	}
	ctx->stats_timer = -1;
}
