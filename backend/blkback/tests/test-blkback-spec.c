/*
 * test-blkback-spec.c - what xpv-blkback makes of the toolstack's keys
 * (spec.c): params with and without libxl's format prefix, format, mode,
 * device-type, physical-device-path, and the values it must refuse.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/blkback/vbd.h"

struct spec_case {
	const char *name;
	const char *params, *format, *mode, *type, *phys;
	int ret; /* 0 or -errno */
	const char *path;
	enum img_format fmt;
	bool readonly, cdrom;
};

static const struct spec_case cases[] = {
	{ "plain path", "/img/a.raw", NULL, "w", NULL, NULL, 0, "/img/a.raw",
	  IMG_FMT_RAW, false, false },
	{ "qdisk aio prefix", "aio:/img/a.raw", NULL, "w", NULL, NULL, 0,
	  "/img/a.raw", IMG_FMT_RAW, false, false },
	{ "qdisk qcow2 prefix", "qcow2:/img/b.qcow2", NULL, "w", NULL, NULL, 0,
	  "/img/b.qcow2", IMG_FMT_QCOW2, false, false },
	{ "format key wins", "aio:/img/b", "qcow2", "w", NULL, NULL, 0,
	  "/img/b", IMG_FMT_QCOW2, false, false },
	{ "read-only r", "/img/a", NULL, "r", NULL, NULL, 0, "/img/a",
	  IMG_FMT_RAW, true, false },
	{ "read-only ro", "/img/a", NULL, "ro", NULL, NULL, 0, "/img/a",
	  IMG_FMT_RAW, true, false },
	{ "cdrom is read-only", "/img/c.iso", NULL, "w", "cdrom", NULL, 0,
	  "/img/c.iso", IMG_FMT_RAW, true, true },
	{ "hotplug's device wins", "/img/a", NULL, "w", NULL, "/dev/loop3", 0,
	  "/dev/loop3", IMG_FMT_RAW, false, false },
	{ "phy means raw", "/dev/sdb", "phy", "w", NULL, NULL, 0, "/dev/sdb",
	  IMG_FMT_RAW, false, false },
	{ "a colon in a path", "/img/a:b", NULL, "w", NULL, NULL, 0, "/img/a:b",
	  IMG_FMT_RAW, false, false },
	{ "no params", NULL, NULL, "w", NULL, NULL, -ENOENT, NULL, 0, false,
	  false },
	{ "relative path", "img/a", NULL, "w", NULL, NULL, -EINVAL, NULL, 0,
	  false, false },
	{ "unknown prefix", "vhd:/img/a", NULL, "w", NULL, NULL, -EINVAL, NULL,
	  0, false, false },
	{ "unknown format", "/img/a", "vmdk", "w", NULL, NULL, -EINVAL, NULL, 0,
	  false, false },
	{ "unknown mode", "/img/a", NULL, "x", NULL, NULL, -EINVAL, NULL, 0,
	  false, false },
	{ "empty params", "", NULL, "w", NULL, NULL, -EINVAL, NULL, 0, false,
	  false },
};

int main(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct spec_case *c = &cases[i];
		struct vbd_spec s;
		int ret = blkback_parse_spec(c->params, c->format, c->mode,
					     c->type, c->phys, &s);
		bool ok = ret == c->ret;

		if (ok && !ret)
			ok = !strcmp(s.path, c->path) && s.format == c->fmt &&
			     s.readonly == c->readonly && s.cdrom == c->cdrom;
		printf("%s %s\n", ok ? "ok  " : "FAIL", c->name);
		if (!ok) {
			printf("    ret %d (want %d) path '%s' format %d ro %d\n",
			       ret, c->ret, ret ? "" : s.path, s.format,
			       s.readonly);
			failed++;
		}
	}
	printf("%u cases: %u failed\n", i, failed);
	return failed ? 1 : 0;
}
