/*
 * watch.h - watches (docs/misc/xenstore.txt "WATCH").
 *
 * A watch fires for a change of its path or anything below it; the event
 * carries the changed path (relative, if the watch was registered with a
 * relative path) and the watch's token. Events are queued per connection
 * in the order the changes happened. A connection only gets events for
 * nodes it may read (or whose parent it may read), as Xen's
 * watch_permitted(); special paths (@introduceDomain, @releaseDomain) fire
 * for connections their permission list lets read.
 *
 * int functions return 0 or -errno.
 */
#ifndef XPV_XENSTORED_WATCH_H
#define XPV_XENSTORED_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstored/perms.h"
#include "xenstored/store.h"

struct conn;

struct watch {
	struct watch *next; /* the connection's, in registration order */
	struct hlink link; /* in the index of all watches, key: path */
	struct conn *conn;
	uint64_t seq; /* registration order among all watches */
	char *path; /* canonical */
	char *token;
	uint32_t plen;
	uint32_t strip; /* bytes of path prefix hidden in events (relative) */
};

/* XS_WATCH, XS_UNWATCH and XS_RESET_WATCHES are handled here (wire.h). */

/* Drop every watch of c. */
void watch_remove_all(struct conn *c);
/* Free the index (at exit, after every connection is gone). */
void watch_exit(void);

/*
 * name changed (or was removed) by origin. Inside origin's transaction the
 * event is queued for commit. exact: only watches of name itself (the
 * children of a removed subtree). node: the node as it is now (NULL: look
 * it up); perms: its permissions before the change, if it had any.
 */
void fire_watches(struct conn *origin, const char *name, struct node *node,
		  bool exact, const struct xs_perm *perms, uint32_t nperms);

/*
 * Fire a special watch (XS_SPECIAL_* in perms.h) outside any request: to every
 * connection watching it exactly that its permission list (perms.h) lets
 * read, as Xen does; queued output is then written.
 */
void watch_fire_special(const char *special);

#endif /* XPV_XENSTORED_WATCH_H */
