/*
 * path.h - xenstore path syntax (Xen's is_valid_nodename, canonicalize,
 * get_parent).
 *
 * A valid node path starts with '/', has no "//", no trailing '/' (except
 * "/" itself), only the characters A-Z a-z 0-9 - / _ @, and at most
 * quota.max_path_len characters after "/local/domain/<id>/" (or in all,
 * elsewhere). Names beginning with '@' are special and only valid for
 * watches. A relative path is relative to the connection's home,
 * /local/domain/<domid>.
 */
#ifndef XPV_XENSTORED_PATH_H
#define XPV_XENSTORED_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "ring/xs_wire.h"

struct conn;

/* Room for any canonical path built from a wire payload. */
#define PATH_BUF (XPV_XENSTORE_PAYLOAD_MAX + 32)

bool path_valid(const char *path);
/* name as an absolute path for c into buf; -EINVAL if it does not fit. */
int path_canonical(const struct conn *c, const char *name, char *buf,
		   size_t len);
/* The parent of path ("/" for a top-level node); path must not be "/". */
int path_parent(const char *path, char *buf, size_t len);
/* The last component of path (after the last '/'). */
const char *path_base(const char *path);

#endif /* XPV_XENSTORED_PATH_H */
