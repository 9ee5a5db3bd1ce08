/*
 * vif.c - a vif from probe to remove: its TAP (created before the backend
 * reaches InitWait, so that a hotplug script finds it), its queues while a
 * frontend is connected, its statistics.
 *
 * The TAP is persistent: a daemon that stops (or dies) leaves it, with its
 * place on the bridge, for the next daemon, which opens it again by name;
 * only the removal of the device deletes it (unless ctx->keep_taps).
 * Without a connected frontend its carrier is off, so the bridge sends it
 * nothing.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/netback/common.h"
#include "net/tap.h"

/* Xen gives a vif the numerically largest unicast MAC, so that a bridge
 * never takes it for its own address (Linux netback, xen-network-common). */
static const uint8_t vif_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

/* The largest MTU: 64 KiB less an Ethernet header with a VLAN tag; only
 * with scatter-gather, else a frame fits one page (Linux's
 * xenvif_change_mtu). */
#define NB_MTU_MAX (65535u - 18u)
#define NB_MTU_NO_SG 1500u

const char *nb_vif_name(const struct nb_vif *vif)
{
	return vif->cfg.name;
}

bool nb_vif_connected(const struct nb_vif *vif)
{
	return vif->nqueues > 0;
}

static unsigned int clamp_mtu(unsigned int mtu)
{
	if (mtu == 0)
		return 1500;
	if (mtu < 68)
		return 68;
	return mtu > NB_MTU_MAX ? NB_MTU_MAX : mtu;
}

static int setup_tap(struct nb_vif *vif)
{
	int err = net_tap_set_persist(vif->tap0, true, -1);

	if (!err)
		err = net_tap_set_carrier(vif->tap0, false);
	if (!err)
		err = net_link_set_mac(vif->cfg.name, vif_mac);
	if (!err)
		err = net_link_set_mtu(vif->cfg.name, vif->mtu);
	return err;
}

int nb_vif_create(struct nb_ctx *ctx, const struct nb_vif_config *cfg,
		  struct nb_vif **vifp)
{
	struct nb_vif *vif = calloc(1, sizeof(*vif));
	unsigned int i;
	int err;

	if (!vif)
		return -ENOMEM;
	vif->ctx = ctx;
	vif->cfg = *cfg;
	vif->mtu = clamp_mtu(cfg->mtu);
	for (i = 0; i < NB_MAX_QUEUES; i++) {
		vif->queues[i].vif = vif;
		vif->queues[i].tap_fd = vif->queues[i].timer_fd = -1;
	}
	vif->tap0 = net_tap_open(cfg->name);
	if (vif->tap0 < 0) {
		err = vif->tap0;
		free(vif);
		return err;
	}
	err = setup_tap(vif);
	if (err) {
		net_tap_set_persist(vif->tap0, false, -1);
		close(vif->tap0);
		free(vif);
		return err;
	}
	vif->next = ctx->vifs;
	ctx->vifs = vif;
	*vifp = vif;
	return 0;
}

static void unlink_vif(struct nb_vif *vif)
{
	struct nb_vif **pp;

	for (pp = &vif->ctx->vifs; *pp; pp = &(*pp)->next)
		if (*pp == vif) {
			*pp = vif->next;
			return;
		}
}

void nb_vif_destroy(struct nb_vif *vif)
{
	if (!vif)
		return;
	nb_vif_disconnect(vif);
	unlink_vif(vif);
	if (!vif->ctx->keep_taps)
		nb_stats_forget(vif->ctx, vif);
	if (!vif->ctx->keep_taps)
		net_tap_set_persist(vif->tap0, false, -1);
	close(vif->tap0);
	free(vif);
}

/* What the kernel may hand us for this frontend: blank checksums if it
 * takes them for IPv4 or IPv6 (rx.c fills in those it does not take), TSO
 * if it takes GSO over several slots. */
static unsigned int offloads(const struct nb_features *f)
{
	unsigned int fl = 0;

	if (f->csum || f->ipv6_csum)
		fl |= TUN_F_CSUM;
	if (f->sg && f->gso_tcpv4 && f->csum)
		fl |= TUN_F_TSO4;
	if (f->sg && f->gso_tcpv6 && f->ipv6_csum)
		fl |= TUN_F_TSO6;
	return fl;
}

static int configure(struct nb_vif *vif, const struct nb_features *f)
{
	unsigned int mtu = clamp_mtu(vif->cfg.mtu);
	int err;

	vif->f = *f;
	if (!f->sg && mtu > NB_MTU_NO_SG)
		mtu = NB_MTU_NO_SG;
	if (mtu != vif->mtu) {
		err = net_link_set_mtu(vif->cfg.name, mtu);
		if (err)
			return err;
		vif->mtu = mtu;
	}
	return net_tap_set_offload(vif->tap0, offloads(f));
}

int nb_vif_connect(struct nb_vif *vif, const struct nb_features *f,
		   unsigned int nqueues, const struct nb_queue_rings *rings,
		   const char **why)
{
	const char *dummy;
	unsigned int i;
	int err;

	if (!why)
		why = &dummy;
	if (nqueues == 0 || nqueues > NB_MAX_QUEUES) {
		*why = "number of queues";
		return -ERANGE;
	}
	nb_vif_disconnect(vif);
	vif->failed = false;
	err = configure(vif, f);
	if (err) {
		*why = "setting the TAP's MTU and offloads";
		return err;
	}
	for (i = 0; i < nqueues; i++) {
		vif->queues[i].id = i;
		err = nb_queue_connect(&vif->queues[i], &rings[i], why);
		if (err)
			goto fail;
		vif->nqueues = i + 1;
	}
	net_tap_set_carrier(vif->tap0, true);
	return 0;
fail:
	nb_vif_disconnect(vif);
	return err;
}

void nb_vif_disconnect(struct nb_vif *vif)
{
	unsigned int i;

	if (vif->nqueues)
		net_tap_set_carrier(vif->tap0, false);
	for (i = 0; i < vif->nqueues; i++)
		nb_queue_disconnect(&vif->queues[i]);
	vif->nqueues = 0;
}

void nb_vif_stats(const struct nb_vif *vif, struct nb_stats *s)
{
	unsigned int i;

	*s = vif->gone;
	for (i = 0; i < vif->nqueues; i++)
		nb_stats_add(s, &vif->queues[i].stats);
}
