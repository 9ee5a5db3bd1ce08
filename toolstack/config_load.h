/*
 * config_load.h - what the files of the config reader share: the loader's
 * state while one file is read, and the readers of each kind of key.
 * Private to toolstack/config*.c.
 */
#ifndef XPV_TOOLSTACK_CONFIG_LOAD_H
#define XPV_TOOLSTACK_CONFIG_LOAD_H

#include <libxlutil.h>

#include "toolstack/config.h"
#include "toolstack/xlu_view.h"

struct loader {
	XLU_Config *xlu;
	struct xpv_domcfg *cfg;
	FILE *err;
	const char *source;
	/* Settings newer than this one came from the command line. */
	xlu_view_pos file_head;
	int errors;
};

/* Where key was set: its line in the file, 0 for the command line, -1
 * when it is not set at all. */
int config_line_of(const struct loader *l, const char *key);

/* Print "FILE:LINE: " (or "command line: ") and the message; count it as
 * an error unless it is a warning. */
void config_complain(struct loader *l, int line, bool warning, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* The readers of list keys (config_devices.c). Each returns 0, or -EINVAL
 * once it complained, or another -errno. */
int config_read_disks(struct loader *l);
int config_read_vifs(struct loader *l);

#endif
