/*
 * netback.h - xpv-netback's control plane as its main loop sees it: the
 * backend core's ops for the "vif" class (xenbus.c), whose opaque pointer
 * is the daemon's struct nb_ctx (vif.h).
 */
#ifndef XPV_NETBACK_NETBACK_H
#define XPV_NETBACK_NETBACK_H

#include "backend/netback/vif.h"
#include "backend/xenbus.h"

extern const struct xpv_backend_ops nb_vif_ops;

#endif /* XPV_NETBACK_NETBACK_H */
