/*
 * domain.h - xenstored's domains: each introduced domain's xenstore ring
 * page (io/xs_wire.h struct xenstore_domain_interface) and event channel,
 * mapped and bound through hv/, served as one connection of the core
 * (xenstored/conn.h); and the requests about domains (XS_INTRODUCE,
 * XS_RELEASE, XS_RESUME, XS_IS_DOMAIN_INTRODUCED, XS_GET_DOMAIN_PATH,
 * XS_SET_TARGET: their handlers are declared in wire.h).
 *
 * Every int function returns 0 (or the stated non-negative value) or
 * -errno.
 *
 * A domain's ring is hostile input: indices are read once and validated, an
 * impossible one marks the ring broken (XENSTORE_ERROR_RINGIDX) and stops
 * serving that domain only.
 *
 * XS_INTRODUCE maps domid's store page (grant GNTTAB_RESERVED_XENSTORE,
 * else foreign frame `frame`), binds its store port, creates its
 * connection and fires @introduceDomain. Introducing a domain already
 * introduced does as Xen 4.17: bind the given port afresh and restart the
 * connection (its watches and transactions dropped, the ring emptied); no
 * watch fires. EINVAL for port 0, a reserved domid, or domid 0 where dom0
 * has no ring (sim: dom0 uses the socket); ENOSYS without a hypervisor
 * (--no-domains); the hv errno when the page cannot be mapped or the port
 * bound (a domain introduced again whose new port cannot be bound stays
 * introduced, without a port).
 */
#ifndef XPV_XENSTORED_DOMAIN_H
#define XPV_XENSTORED_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

struct hv;

/*
 * At start-up, after the event loop exists: open an event channel handle,
 * bind VIRQ_DOM_EXC (skipped with a log line where the platform refuses),
 * and on the xen platform attach dom0's own ring (hv_xenstore_local_ring)
 * as domain 0. hv stays owned by the caller and must outlive domain_exit();
 * domain_exists() asks it even when the rest could not start. NULL: no
 * hypervisor (--no-domains).
 */
int domain_init(struct hv *hv);

/*
 * Release domid (XS_RELEASE; also a domain the hypervisor says is dead):
 * its connection with its watches and transactions, the nodes it owns, its
 * place in other nodes' permissions, its XS_SET_TARGET relations and quota
 * accounting, its port and page; then @releaseDomain fires. -EINVAL for
 * domid 0, -ENOENT when not introduced (as Xen).
 */
int domain_release(unsigned int domid);

/* Does domid exist? dom0 and introduced domains do; others as the
 * hypervisor says. Without a hypervisor (--no-domains) every domid counts
 * as existing, as with Xen's daemon run on the reference's stand-in. */
bool domain_exists(unsigned int domid);

/* At exit: release every domain's mapping and port (no watches fire). */
void domain_exit(void);

/*
 * For tests and fuzzing, no hypervisor involved: serve page (a
 * struct xenstore_domain_interface the caller owns and keeps until
 * XS_RELEASE or domain_exit) as domid's ring, without an event channel.
 * domain_kick() then does what the domain's event would: serve its ring.
 * -EINVAL (domid 0 or reserved, NULL page), -EEXIST, -ENOMEM;
 * domain_kick: -ENOENT.
 */
int domain_attach_test(unsigned int domid, void *page);
int domain_kick(unsigned int domid);

#endif /* XPV_XENSTORED_DOMAIN_H */
