/*
 * guest_nic.h - dom0 making a guest's NIC on the guest's behalf.
 *
 * On sim a guest's /dev has no /dev/net/tun, so it cannot make the TAP
 * that is its NIC. dom0 (the toolstack, when it adds a vif) makes it
 * inside the guest's network namespace and hands its queue fds in through
 * the hypervisor (hv_domain_give_fd), tagged with the vif's frontend
 * directory; netfront takes them (hv_take_fd) before making one itself.
 * dom0 keeps nothing of it: its own fds are closed here.
 */
#ifndef XPV_NET_GUEST_NIC_H
#define XPV_NET_GUEST_NIC_H

#include <stdint.h>

#include "hv/hv.h"

#define NET_GUEST_NIC_MAX_QUEUES 8u

/*
 * The TAP `name` with nqueues queues (IFF_VNET_HDR, multi-queue) and MAC
 * mac inside domain domid's network namespace, without carrier (netfront
 * turns it on once connected), its fds handed in under
 * tag ("device/vif/0"). 0 or -errno; -EOPNOTSUPP on xen. Call it before
 * writing the vif's frontend directory, so that the guest finds its NIC
 * when it sees the device (netfront also waits for it a while).
 */
int net_guest_nic_give(struct hv *hv, hv_domid_t domid, const char *name,
		       const uint8_t mac[6], unsigned int nqueues,
		       const char *tag);

#endif /* XPV_NET_GUEST_NIC_H */
