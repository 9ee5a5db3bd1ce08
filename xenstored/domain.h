/*
 * domain.h - xenstored's domain transport: each introduced domain's
 * xenstore ring page (io/xs_wire.h struct xenstore_domain_interface) and
 * event channel, mapped and bound through hv/, served as one connection of
 * the core (xenstored/conn.h).
 *
 * The core's wire handlers parse and permission-check XS_INTRODUCE,
 * XS_RELEASE, XS_RESUME and XS_IS_DOMAIN_INTRODUCED and then call these.
 * Every int function returns 0 (or the stated non-negative value) or
 * -errno, which the handler turns into Xen's error string.
 *
 * A domain's ring is hostile input: indices are read once and validated, an
 * impossible one marks the ring broken (XENSTORE_ERROR_RINGIDX) and stops
 * serving that domain only.
 */
#ifndef XPV_XENSTORED_DOMAIN_H
#define XPV_XENSTORED_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

struct hv;
struct conn;

/*
 * At start-up, after the event loop exists: open an event channel handle,
 * bind VIRQ_DOM_EXC (skipped with a log line where the platform refuses),
 * and on the xen platform attach dom0's own ring (hv_xenstore_local_ring)
 * as domain 0. hv stays owned by the caller and must outlive domain_exit().
 */
int domain_init(struct hv *hv);

/*
 * XS_INTRODUCE: map domid's store page (grant GNTTAB_RESERVED_XENSTORE,
 * else foreign frame `frame`), bind its store port, create its connection
 * and fire @introduceDomain. Introducing a domain already introduced does
 * as Xen 4.17: bind the given port afresh and restart the connection (its
 * watches and transactions dropped, the ring emptied); no watch fires.
 * -EINVAL for port 0, a reserved domid, or domid 0 where dom0 has no ring
 * (sim: dom0 uses the socket); -ENOSYS without a hypervisor
 * (--no-domains); the hv errno when the page cannot be mapped or the port
 * bound.
 */
int domain_introduce(struct conn *caller, unsigned int domid, uint64_t frame,
		     unsigned int port);

/*
 * XS_RELEASE: forget domid (its connection, watches, transactions and the
 * nodes it owns), unmap and unbind, fire @releaseDomain. -EINVAL for
 * domid 0, -ENOENT when not introduced (as Xen).
 */
int domain_release(struct conn *caller, unsigned int domid);

/*
 * XS_RESUME: the domain resumed after suspend; clear its shutdown state.
 * -ENOENT when not introduced.
 */
int domain_resume(struct conn *caller, unsigned int domid);

/* XS_IS_DOMAIN_INTRODUCED (DOMID_SELF, 0x7ff0, always is, as in Xen). */
bool domain_is_introduced(unsigned int domid);

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
