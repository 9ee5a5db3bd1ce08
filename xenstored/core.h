/*
 * core.h - what the rest of xenstored (notably the domain transport,
 * domain.c) may call in the core: the shared hypervisor handle, special
 * watches, and forgetting a domain.
 *
 * The per-domain quota accounting (entries, watches, transactions, memory)
 * is kept by the core itself as nodes, watches and transactions come and
 * go (quota.h); a transport needs nothing but core_forget_domain() to
 * clear it.
 */
#ifndef XPV_XENSTORED_CORE_H
#define XPV_XENSTORED_CORE_H

#include <stdbool.h>

struct hv;

/* The hypervisor handle opened once at start-up; NULL with --no-domains
 * (or when none could be opened). main.c sets it. */
struct hv *core_hv(void);
void core_set_hv(struct hv *hv);

/* Special watch paths (docs/misc/xenstore.txt). */
#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE "@releaseDomain"

/*
 * Fire a special watch (XS_SPECIAL_*) to every connection watching it that
 * may see it: privileged connections, and for @releaseDomain as Xen does.
 * domid names the domain concerned (used in the permission check).
 */
void core_fire_special(const char *special, unsigned int domid);

/*
 * Forget a domain: destroy its domain connection if any (its watches and
 * transactions go with it), delete the nodes it owns, drop it from every
 * node's permission list and any XS_SET_TARGET relation, and clear its
 * quota accounting. Does not fire @releaseDomain (the caller does, after
 * its own teardown). Safe when the domain was never introduced.
 */
void core_forget_domain(unsigned int domid);

/* The log line prefix of the daemon, and logging for any part. */
void xs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XPV_XENSTORED_CORE_H */
