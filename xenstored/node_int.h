/*
 * node_int.h - store operations the core performs for itself (not on a
 * client's behalf): as dom0, outside any transaction, watches firing.
 */
#ifndef XPV_XENSTORED_NODE_INT_H
#define XPV_XENSTORED_NODE_INT_H

#include "xenstored/path.h"

/* Remove path and its subtree; 0, or -errno (-ENOENT: no such node). */
int node_rm_internal(const char *path);

/*
 * A domain goes (domain_release()): delete the nodes it owns and drop it
 * from every node's permission list. Watch events fired by the removals
 * are queued, not written. Out of memory, some of its subtrees may stay
 * (logged). Nothing for domid 0.
 */
void node_forget_domain(unsigned int domid);

#endif /* XPV_XENSTORED_NODE_INT_H */
