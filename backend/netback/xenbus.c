/*
 * xenbus.c - xpv-netback's control plane: the backend core's ops for the
 * "vif" class, with Xen's key names (xen/io/netif.h; Linux's
 * drivers/net/xen-netback/xenbus.c reads and writes the same).
 *
 *   probe       read mtu, rate, vifname (the toolstack's); create the TAP;
 *               publish the features; the core then switches to InitWait,
 *               so the hotplug script finds the TAP
 *   connect     read the frontend's features, queues, rings and ports;
 *               connect the data path; Connected once hotplug-status says
 *               connected
 *   disconnect  the data path lets go of the rings
 *   remove      the TAP goes
 *
 * Everything the frontend wrote is read through the core's bounded
 * readers; a frontend that breaks a ring later is closed through
 * on_fatal (xpv_backend_fatal: `error` node, Closing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/netback/netback.h"
#include "backend/xenbus.h"

struct nb_dev {
	struct xpv_backend_dev *dev;
	struct nb_vif *vif;
};

static void on_fatal(void *arg, const char *why)
{
	struct nb_dev *d = arg;

	xpv_backend_fatal(d->dev, -EPROTO, "%s", why);
}

/* "bytes,usec", as libxl writes xl's rate= (Linux's xen_net_read_rate). */
static int read_rate(struct xpv_backend_dev *dev, struct nb_vif_config *cfg)
{
	char buf[64], *end;
	unsigned long long bytes, usec;
	int err = xpv_backend_read_str(dev, XPV_BACKEND, "rate", buf,
				       sizeof(buf));

	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	errno = 0;
	bytes = strtoull(buf, &end, 10);
	if (end == buf || *end != ',' || errno)
		return -EINVAL;
	usec = strtoull(end + 1, &end, 10);
	if (*end || errno || usec > UINT32_MAX || buf[0] == '-')
		return -EINVAL;
	cfg->rate_bytes = bytes;
	cfg->rate_usec = (uint32_t)usec;
	return 0;
}

static int read_config(struct xpv_backend_dev *dev, struct nb_vif_config *cfg)
{
	unsigned long mtu = 0;
	int err;

	cfg->domid = (hv_domid_t)xpv_backend_dev_domid(dev);
	cfg->devid = xpv_backend_dev_devid(dev);
	err = xpv_backend_read_uint(dev, XPV_BACKEND, "mtu", 65535, &mtu);
	if (err && err != -ENOENT) {
		xpv_backend_log(dev, "reading mtu: %s", strerror(-err));
		return err;
	}
	cfg->mtu = (unsigned int)mtu;
	err = read_rate(dev, cfg);
	if (err) {
		xpv_backend_log(dev, "reading rate (bytes,usec): %s",
				strerror(-err));
		return err;
	}
	/* The name a hotplug script gave it (vifname=), which a restarted
	 * daemon must find the TAP under. */
	err = xpv_backend_read_str(dev, XPV_BACKEND, "vifname", cfg->name,
				   sizeof(cfg->name));
	if (err || !cfg->name[0] || strchr(cfg->name, '/'))
		snprintf(cfg->name, sizeof(cfg->name), "vif%u.%u", cfg->domid,
			 cfg->devid);
	return 0;
}

static int publish_features(struct xpv_backend_dev *dev)
{
	char max_queues[16];
	struct xpv_backend_key keys[] = {
		{ "feature-sg", "1" },
		{ "feature-gso-tcpv4", "1" },
		{ "feature-gso-tcpv6", "1" },
		{ "feature-ipv6-csum-offload", "1" },
		{ "feature-rx-copy", "1" },
		{ "feature-rx-flip", "0" },
		{ "feature-split-event-channels", "1" },
		{ "feature-persistent", "1" },
		{ "multi-queue-max-queues", max_queues },
	};

	snprintf(max_queues, sizeof(max_queues), "%u", NB_MAX_QUEUES);
	return xpv_backend_write_keys(dev, keys,
				      sizeof(keys) / sizeof(keys[0]));
}

static int nb_probe(struct xpv_backend_dev *dev)
{
	struct nb_ctx *ctx = xpv_backend_dev_opaque(dev);
	struct nb_vif_config cfg = { 0 };
	struct nb_dev *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	d->dev = dev;
	xpv_backend_dev_set_priv(dev, d);
	err = read_config(dev, &cfg);
	if (err)
		return err;
	cfg.on_fatal = on_fatal;
	cfg.arg = d;
	/* Failures are logged here and published by the core ("probing the
	 * device"). */
	err = nb_vif_create(ctx, &cfg, &d->vif);
	if (err) {
		xpv_backend_log(dev, "creating the TAP %s: %s", cfg.name,
				strerror(-err));
		return err;
	}
	err = publish_features(dev);
	if (err)
		xpv_backend_log(dev, "writing the features: %s",
				strerror(-err));
	return err;
}

static void nb_remove(struct xpv_backend_dev *dev)
{
	struct nb_dev *d = xpv_backend_dev_priv(dev);

	if (!d)
		return;
	nb_vif_destroy(d->vif);
	free(d);
	xpv_backend_dev_set_priv(dev, NULL);
}

/* A 0/1 feature the frontend may write; absent: dflt. */
static int read_flag(struct xpv_backend_dev *dev, const char *key, bool dflt,
		     bool *v)
{
	unsigned long u;
	int err = xpv_backend_read_uint(dev, XPV_FRONTEND, key, 1, &u);

	if (err == -ENOENT) {
		*v = dflt;
		return 0;
	}
	if (err) {
		xpv_backend_fatal(dev, err, "reading %s (0 or 1)", key);
		return err;
	}
	*v = u;
	return 0;
}

static int read_features(struct xpv_backend_dev *dev, struct nb_features *f)
{
	bool rx_copy, rx_notify, no_csum;
	int err;

	err = read_flag(dev, "request-rx-copy", false, &rx_copy);
	if (!err && !rx_copy) {
		err = -EOPNOTSUPP;
		xpv_backend_fatal(dev, err,
				  "request-rx-copy is required "
				  "(rx-flip is not supported)");
	}
	if (!err)
		err = read_flag(dev, "feature-rx-notify", false, &rx_notify);
	if (!err && !rx_notify) {
		err = -EOPNOTSUPP;
		xpv_backend_fatal(dev, err, "feature-rx-notify is mandatory");
	}
	if (!err)
		err = read_flag(dev, "feature-sg", false, &f->sg);
	if (!err)
		err = read_flag(dev, "feature-gso-tcpv4", false, &f->gso_tcpv4);
	if (!err)
		err = read_flag(dev, "feature-gso-tcpv6", false, &f->gso_tcpv6);
	if (!err)
		err = read_flag(dev, "feature-no-csum-offload", false,
				&no_csum);
	if (!err)
		err = read_flag(dev, "feature-ipv6-csum-offload", false,
				&f->ipv6_csum);
	if (!err)
		err = read_flag(dev, "feature-persistent", false,
				&f->persistent);
	f->csum = !no_csum;
	return err;
}

/* One queue's keys, in dir (NULL: the device's own directory). */
static int read_queue(struct xpv_backend_dev *dev, const char *dir,
		      struct nb_queue_rings *r)
{
	const char *where = dir ? dir : "the device's directory";
	int err;

	err = xpv_backend_read_gref(dev, dir, "tx-ring-ref", &r->tx_ref);
	if (!err)
		err = xpv_backend_read_gref(dev, dir, "rx-ring-ref",
					    &r->rx_ref);
	if (err) {
		xpv_backend_fatal(dev, err,
				  "reading %s tx-ring-ref/rx-ring-ref", where);
		return err;
	}
	err = xpv_backend_read_port(dev, dir, "event-channel-tx", &r->tx_port);
	if (err == -ENOENT) {
		err = xpv_backend_read_port(dev, dir, "event-channel",
					    &r->tx_port);
		r->rx_port = r->tx_port;
	} else if (!err) {
		err = xpv_backend_read_port(dev, dir, "event-channel-rx",
					    &r->rx_port);
	}
	if (err)
		xpv_backend_fatal(dev, err, "reading %s event-channel(-tx/-rx)",
				  where);
	return err;
}

static int nb_connect(struct xpv_backend_dev *dev)
{
	struct nb_dev *d = xpv_backend_dev_priv(dev);
	struct nb_queue_rings rings[NB_MAX_QUEUES];
	struct nb_features f = { 0 };
	char dir[32];
	const char *why = "connecting";
	int n, i, err;

	err = read_features(dev, &f);
	if (err)
		return err;
	n = xpv_backend_read_num_queues(dev, NB_MAX_QUEUES);
	if (n < 0) {
		xpv_backend_fatal(dev, n, "reading multi-queue-num-queues");
		return n;
	}
	for (i = 0; i < n; i++) {
		err = n > 1 ? xpv_backend_queue_dir((unsigned int)i, dir,
						    sizeof(dir)) :
			      0;
		if (!err)
			err = read_queue(dev, n > 1 ? dir : NULL, &rings[i]);
		if (err)
			return err;
	}
	err = nb_vif_connect(d->vif, &f, (unsigned int)n, rings, &why);
	if (err)
		xpv_backend_fatal(dev, err, "%s", why);
	return err;
}

static void nb_disconnect(struct xpv_backend_dev *dev)
{
	struct nb_dev *d = xpv_backend_dev_priv(dev);

	if (d && d->vif)
		nb_vif_disconnect(d->vif);
}

const struct xpv_backend_ops nb_vif_ops = {
	.probe = nb_probe,
	.connect = nb_connect,
	.disconnect = nb_disconnect,
	.remove = nb_remove,
	.hotplug = XPV_HOTPLUG_IF_PRESENT,
};
