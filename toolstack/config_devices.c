/*
 * config_devices.c - disk = [ ... ] and vif = [ ... ] of a domain config.
 *
 * A disk spec is parsed by libxlutil's xlu_disk_parse (the grammar of
 * xl-disk-configuration(5)); a vif spec is the comma-separated key=value
 * list xl's parse_nic_config reads, its rate by xlu_vif_parse_rate. Each
 * spec is given a private XLU_Config whose "source" is FILE:LINE, so that
 * libxlutil's own complaints name the line of the spec too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/config_load.h"

#define MAX_DEVICES 64

/* The line of the entry-th spec of key's list (the key's line if the
 * list item's own is unknown). */
static int spec_line(struct loader *l, XLU_ConfigList *list, int entry,
		     const char *key)
{
	int line = config_line_of(l, key);

	if (line > 0 && xlu_view_item_line(list, entry) > 0)
		return xlu_view_item_line(list, entry);
	return line;
}

/* An XLU_Config that only reports, as "SOURCE:LINE". */
static XLU_Config *reporter(struct loader *l, int line)
{
	char where[4096];

	if (line > 0)
		snprintf(where, sizeof(where), "%s:%d", l->source, line);
	else
		snprintf(where, sizeof(where), "%s: command line", l->source);
	return xlu_cfg_init(l->err, where);
}

static int specs(struct loader *l, const char *key, XLU_ConfigList **list,
		 int *n)
{
	if (xlu_cfg_get_list(l->xlu, key, list, n, 1) == 0) {
		if (*n <= MAX_DEVICES)
			return 0;
		config_complain(l, config_line_of(l, key), false,
				"%s: expected at most %d devices, got %d", key,
				MAX_DEVICES, *n);
		return -EINVAL;
	}
	*n = 0;
	if (config_line_of(l, key) < 0)
		return 0;
	config_complain(l, config_line_of(l, key), false,
			"%s: expected a list of strings, as %s = [ '...' ]",
			key, key);
	return -EINVAL;
}

/* --- Disks ------------------------------------------------------------------ */

static int disk_backend(struct loader *l, const libxl_device_disk *d,
			struct xpv_disk *out)
{
	bool raw = d->format == LIBXL_DISK_FORMAT_RAW ||
		   d->format == LIBXL_DISK_FORMAT_EMPTY;

	if (!raw && d->format != LIBXL_DISK_FORMAT_QCOW2) {
		config_complain(l, out->line, false,
				"disk %s: format %s: expected raw or qcow2",
				d->vdev,
				libxl_disk_format_to_string(d->format));
		return -EINVAL;
	}
	out->format = raw ? XPV_DISK_RAW : XPV_DISK_QCOW2;
	switch (d->backend) {
	case LIBXL_DISK_BACKEND_UNKNOWN:
		/* libxl: phy for raw, else qdisk (no script for qdisk) */
		out->backend = raw && !d->is_cdrom ? XPV_DISK_BACKEND_VBD :
						     XPV_DISK_BACKEND_QDISK;
		if (d->script)
			out->backend = XPV_DISK_BACKEND_VBD;
		break;
	case LIBXL_DISK_BACKEND_PHY:
		out->backend = XPV_DISK_BACKEND_VBD;
		break;
	case LIBXL_DISK_BACKEND_QDISK:
		out->backend = XPV_DISK_BACKEND_QDISK;
		break;
	default:
		config_complain(l, out->line, false,
				"disk %s: backendtype=%s: expected phy or "
				"qdisk",
				d->vdev,
				libxl_disk_backend_to_string(d->backend));
		return -EINVAL;
	}
	if (out->backend == XPV_DISK_BACKEND_VBD && !raw) {
		config_complain(l, out->line, false,
				"disk %s: backendtype=phy serves raw images "
				"only; drop backendtype for qcow2",
				d->vdev);
		return -EINVAL;
	}
	return 0;
}

static int copy_disk(struct loader *l, const libxl_device_disk *d,
		     struct xpv_disk *out)
{
	int ret = disk_backend(l, d, out);

	if (ret)
		return ret;
	if (xpv_vdev_number(d->vdev, &out->devid)) {
		config_complain(l, out->line, false,
				"disk: vdev `%s': expected a Xen disk name "
				"such as xvda, xvdb1, sdc or d0p1",
				d->vdev);
		return -EINVAL;
	}
	out->readwrite = d->readwrite;
	out->cdrom = d->is_cdrom;
	out->vdev = strdup(d->vdev);
	if (d->pdev_path && *d->pdev_path)
		out->target = strdup(d->pdev_path);
	if (d->script)
		out->script = strdup(d->script);
	if (!out->vdev || (d->pdev_path && *d->pdev_path && !out->target) ||
	    (d->script && !out->script))
		return -ENOMEM;
	return 0;
}

static int read_disk(struct loader *l, const char *spec, struct xpv_disk *out)
{
	XLU_Config *rep = reporter(l, out->line);
	libxl_device_disk d;
	int ret;

	if (!rep)
		return -ENOMEM;
	libxl_device_disk_init(&d);
	ret = xlu_disk_parse(rep, 1, &spec, &d);
	if (ret) {
		l->errors++; /* libxlutil said what */
		ret = -EINVAL;
	} else {
		ret = copy_disk(l, &d, out);
	}
	libxl_device_disk_dispose(&d);
	xlu_cfg_destroy(rep);
	return ret;
}

static int check_duplicate_disk(struct loader *l, unsigned int i)
{
	struct xpv_domcfg *c = l->cfg;
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (c->disks[j].devid != c->disks[i].devid)
			continue;
		config_complain(l, c->disks[i].line, false,
				"disk %s: the same device as disk %s (line %d)",
				c->disks[i].vdev, c->disks[j].vdev,
				c->disks[j].line);
		return -EINVAL;
	}
	return 0;
}

int config_read_disks(struct loader *l)
{
	struct xpv_domcfg *c = l->cfg;
	XLU_ConfigList *list;
	int i, n, ret = specs(l, "disk", &list, &n);

	if (ret || n == 0)
		return ret;
	c->disks = calloc(n, sizeof(*c->disks));
	if (!c->disks)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		struct xpv_disk *disk = &c->disks[c->ndisks];

		disk->line = spec_line(l, list, i, "disk");
		if (!spec) {
			config_complain(l, disk->line, false,
					"disk: expected a string, got a list");
			continue;
		}
		ret = read_disk(l, spec, disk);
		if (ret == -EINVAL)
			continue;
		if (ret)
			return ret;
		c->ndisks++;
		if (check_duplicate_disk(l, c->ndisks - 1))
			continue;
	}
	return 0;
}

/* --- Vifs -------------------------------------------------------------------- */

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;
	char *end;

	for (i = 0; i < 6; i++) {
		unsigned long b;

		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
		b = strtoul(s, &end, 16);
		if (b > 255 || end - s > 2 || (i < 5 && *end != ':') ||
		    (i == 5 && *end))
			return -EINVAL;
		mac[i] = b;
		s = end + 1;
	}
	/* A multicast address cannot be a NIC's. */
	return mac[0] & 1 ? -EINVAL : 0;
}

static int set_string(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int vif_rate(struct loader *l, struct xpv_vif *vif, const char *rate)
{
	XLU_Config *rep = reporter(l, vif->line);
	libxl_device_nic nic;
	int e;

	if (!rep)
		return -ENOMEM;
	libxl_device_nic_init(&nic);
	e = xlu_vif_parse_rate(rep, rate, &nic);
	if (!e) {
		vif->rate_bytes_per_interval = nic.rate_bytes_per_interval;
		vif->rate_interval_usecs = nic.rate_interval_usecs;
	}
	libxl_device_nic_dispose(&nic);
	xlu_cfg_destroy(rep);
	if (e)
		l->errors++; /* libxlutil said what */
	return e ? -EINVAL : 0;
}

static int vif_number(struct loader *l, struct xpv_vif *vif, const char *key,
		      const char *v, unsigned long max, unsigned int *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 0);
	if (!errno && end != v && !*end && n <= max) {
		*out = n;
		return 0;
	}
	config_complain(l, vif->line, false,
			"vif: %s=%s: expected a number up to %lu", key, v, max);
	return -EINVAL;
}

/* One key=value of a vif spec, as xl's parse_nic_config knows them. */
static int vif_option(struct loader *l, struct xpv_vif *vif, const char *key,
		      const char *v)
{
	if (!strcmp(key, "mac")) {
		if (!parse_mac(v, vif->mac)) {
			vif->mac_set = true;
			return 0;
		}
		config_complain(l, vif->line, false,
				"vif: mac=%s: expected six hex bytes such as "
				"00:16:3e:01:02:03 (unicast)",
				v);
		return -EINVAL;
	}
	if (!strcmp(key, "bridge"))
		return set_string(&vif->bridge, v);
	if (!strcmp(key, "ip"))
		return set_string(&vif->ip, v);
	if (!strcmp(key, "script"))
		return set_string(&vif->script, v);
	if (!strcmp(key, "vifname"))
		return set_string(&vif->vifname, v);
	if (!strcmp(key, "model"))
		return set_string(&vif->model, v);
	if (!strcmp(key, "gatewaydev") || !strcmp(key, "netdev"))
		return set_string(&vif->gatewaydev, v);
	if (!strcmp(key, "rate"))
		return vif_rate(l, vif, v) ?: set_string(&vif->rate, v);
	if (!strcmp(key, "mtu"))
		return vif_number(l, vif, key, v, 65535, &vif->mtu);
	if (!strcmp(key, "devid"))
		return vif_number(l, vif, key, v, 65535, &vif->devid);
	if (!strcmp(key, "type")) {
		if (!strcmp(v, "vif"))
			return 0;
		config_complain(l, vif->line, false,
				"vif: type=%s: expected vif (xpv has no "
				"emulated NICs)",
				v);
		return -EINVAL;
	}
	if (!strcmp(key, "backend")) {
		if (!strcmp(v, "0") || !strcmp(v, "Domain-0"))
			return 0;
		config_complain(l, vif->line, false,
				"vif: backend=%s: expected 0 (driver "
				"domains are not supported)",
				v);
		return -EINVAL;
	}
	config_complain(l, vif->line, false,
			"vif: unknown option `%s'; expected mac, bridge, ip, "
			"script, vifname, model, gatewaydev, rate, mtu, devid, "
			"type or backend",
			key);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int read_vif(struct loader *l, const char *spec, struct xpv_vif *vif)
{
	char *copy = strdup(spec), *save = NULL, *tok;
	int ret = 0, bad = 0;

	if (!copy)
		return -ENOMEM;
	vif->mtu = 1500;
	for (tok = strtok_r(copy, ",", &save); tok && ret != -ENOMEM;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq, *key = trim(tok);

		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			config_complain(l, vif->line, false,
					"vif: `%s': expected key=value", key);
			bad = -EINVAL;
			continue;
		}
		*eq = '\0';
		ret = vif_option(l, vif, trim(key), trim(eq + 1));
		bad = bad ?: ret;
	}
	free(copy);
	if (ret == -ENOMEM)
		return ret;
	if (!bad && !vif->bridge)
		bad = set_string(&vif->bridge, "xenbr0");
	return bad;
}

static int check_duplicate_vif(struct loader *l, unsigned int i)
{
	struct xpv_domcfg *c = l->cfg;
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (c->vifs[j].devid != c->vifs[i].devid)
			continue;
		config_complain(l, c->vifs[i].line, false,
				"vif: devid %u is also the vif's of line %d",
				c->vifs[i].devid, c->vifs[j].line);
		return -EINVAL;
	}
	return 0;
}

int config_read_vifs(struct loader *l)
{
	struct xpv_domcfg *c = l->cfg;
	XLU_ConfigList *list;
	int i, n, ret = specs(l, "vif", &list, &n);

	if (ret || n == 0)
		return ret;
	c->vifs = calloc(n, sizeof(*c->vifs));
	if (!c->vifs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const char *spec = xlu_cfg_get_listitem(list, i);
		struct xpv_vif *vif = &c->vifs[c->nvifs];

		vif->line = spec_line(l, list, i, "vif");
		vif->devid = i; /* libxl numbers them in order */
		if (!spec) {
			config_complain(l, vif->line, false,
					"vif: expected a string, got a list");
			continue;
		}
		ret = read_vif(l, spec, vif);
		c->nvifs++; /* so that xpv_config_free frees its strings */
		if (ret == -ENOMEM)
			return ret;
		if (!ret)
			check_duplicate_vif(l, c->nvifs - 1);
	}
	return 0;
}

/* --- One spec, from the command line ----------------------------------- */

int xpv_config_parse_disk(const char *spec, struct xpv_disk *out, FILE *err)
{
	struct loader l = { .err = err, .source = "block-attach" };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_disk(&l, spec, out);
	return ret ?: l.errors ? -EINVAL : 0;
}

int xpv_config_parse_vif(const char *spec, struct xpv_vif *out, FILE *err)
{
	struct loader l = { .err = err, .source = "network-attach" };
	int ret;

	ret = read_vif(&l, spec, out);
	return ret ?: l.errors ? -EINVAL : 0;
}
