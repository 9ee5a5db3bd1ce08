/*
 * xlu_view.h - the settings of a parsed xl config, as libxlutil parsed them.
 *
 * libxlutil's public API answers "what is the value of key K" but not
 * "which keys does this file set, and on which line": xl silently ignores
 * a key it does not know. xpv reports unknown and malformed keys with the
 * file and line, so it walks libxlutil's own list of settings. That list
 * is not in libxlutil.h; its layout is Xen 4.17's
 * tools/libs/util/libxlu_internal.h (XLU_ConfigSetting, XLU_ConfigValue),
 * the version Debian 12 ships and DEB_PACKAGES pins. The walk is here
 * alone, and toolstack/tests/test-config.sh checks it on every build.
 */
#ifndef XPV_TOOLSTACK_XLU_VIEW_H
#define XPV_TOOLSTACK_XLU_VIEW_H

#include <libxlutil.h>

/* One setting: its key, the line it is on, and whether its value is a
 * list. Settings are visited newest first (the one xlu_cfg_get_* finds
 * first, so a later line or a command-line override wins). */
struct xlu_view_setting {
	const char *name;
	int line;
	bool is_list;
};

/* An opaque position in the list; NULL ends it. */
typedef const void *xlu_view_pos;

/* The newest setting of cfg. */
xlu_view_pos xlu_view_first(const XLU_Config *cfg);
/* Fill *out from pos and return the next position (NULL at the end). */
xlu_view_pos xlu_view_next(xlu_view_pos pos, struct xlu_view_setting *out);

/* The line the entry-th item of a list value starts on, or 0 when unknown. */
int xlu_view_item_line(const XLU_ConfigList *list, int entry);

#endif
