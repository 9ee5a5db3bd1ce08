/*
 * spec.c - what the toolstack wrote about a disk (see vbd.h), read as
 * libxl writes it: params is the target, for qdisk prefixed with its
 * format ("aio:/path", "qcow2:/path", xl's format= values); mode "w" or
 * "r"; device-type "disk" or "cdrom"; the block hotplug script may add
 * physical-device-path (the device it set up, e.g. a loop device), which
 * then is what we open.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/blkback/vbd.h"

/* Split a known "format:" prefix off params. */
static const char *strip_format(const char *params, const char **fmt)
{
	static const char *const known[] = { "aio", "raw", "qcow2", "file",
					     "phy" };
	const char *colon = strchr(params, ':');
	unsigned int i;

	*fmt = NULL;
	if (!colon || params[0] == '/')
		return params;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((size_t)(colon - params) == strlen(known[i]) &&
		    !strncmp(params, known[i], strlen(known[i]))) {
			*fmt = known[i];
			return colon + 1;
		}
	return params;
}

static int parse_format(const char *name, enum img_format *fmt)
{
	if (!name || !strcmp(name, "file") || !strcmp(name, "phy"))
		name = "raw";
	return img_format_parse(name, fmt);
}

int blkback_parse_spec(const char *params, const char *format, const char *mode,
		       const char *device_type, const char *physical_path,
		       struct vbd_spec *spec)
{
	const char *prefix, *path;
	int ret;

	memset(spec, 0, sizeof(*spec));
	if (!params && !physical_path)
		return -ENOENT;
	path = params ? strip_format(params, &prefix) : NULL;
	if (!params)
		prefix = NULL;
	if (physical_path && physical_path[0])
		path = physical_path;
	if (!path || path[0] != '/')
		return -EINVAL; /* an absolute path only */
	if ((size_t)snprintf(spec->path, sizeof(spec->path), "%s", path) >=
	    sizeof(spec->path))
		return -E2BIG;
	ret = parse_format(format && format[0] ? format : prefix,
			   &spec->format);
	if (ret)
		return ret;
	if (mode && strcmp(mode, "w") && strcmp(mode, "r") &&
	    strcmp(mode, "ro") && strcmp(mode, "rw"))
		return -EINVAL;
	spec->readonly = mode && (!strcmp(mode, "r") || !strcmp(mode, "ro"));
	spec->cdrom = device_type && !strcmp(device_type, "cdrom");
	if (spec->cdrom)
		spec->readonly = true;
	return 0;
}

/* A backend key into buf, or NULL when absent. */
static const char *opt(struct xpv_backend_dev *dev, const char *key, char *buf,
		       size_t size, int *err)
{
	int ret = xpv_backend_read_str(dev, XPV_BACKEND, key, buf, size);

	if (ret == -ENOENT)
		return NULL;
	if (ret && !*err)
		*err = ret;
	return ret ? NULL : buf;
}

int blkback_read_spec(struct xpv_backend_dev *dev, struct vbd_spec *spec)
{
	char params[XPV_BACKEND_VALUE_MAX], format[32], mode[8], type[16];
	char phys[XPV_BACKEND_VALUE_MAX];
	const char *p, *f, *m, *t, *pp;
	int err = 0;

	p = opt(dev, "params", params, sizeof(params), &err);
	f = opt(dev, "format", format, sizeof(format), &err);
	m = opt(dev, "mode", mode, sizeof(mode), &err);
	t = opt(dev, "device-type", type, sizeof(type), &err);
	pp = opt(dev, "physical-device-path", phys, sizeof(phys), &err);
	return err ?: blkback_parse_spec(p, f, m, t, pp, spec);
}
