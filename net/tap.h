/*
 * tap.h - TAP devices as both ends of a vif use them: opened with
 * IFF_VNET_HDR (each frame read or written is preceded by a struct
 * virtio_net_hdr, so GSO and checksum offload cross without segmenting)
 * and IFF_MULTI_QUEUE (one fd per queue; queues can be added later), non
 * blocking, close-on-exec.
 *
 * int functions return 0 or -errno. They act in the network namespace
 * of the calling thread.
 */
#ifndef XPV_NET_TAP_H
#define XPV_NET_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Open one queue of the TAP called name, creating the device if it does
 * not exist (an existing device must be a multi-queue TAP with a vnet
 * header; -EBUSY when all its queues are taken). Returns the fd (>= 0).
 */
int net_tap_open(const char *name);

/* What the kernel may hand us (TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6):
 * the offloads the other end of the vif can take. */
int net_tap_set_offload(int fd, unsigned int tun_flags);
/* Carrier on or off (TUNSETCARRIER): a bridge forwards to a TAP only
 * while it has carrier. */
int net_tap_set_carrier(int fd, bool on);
/* Persistent: the device outlives its fds (TUNSETPERSIST), owned by uid
 * (-1: anyone with CAP_NET_ADMIN). */
int net_tap_set_persist(int fd, bool persist, long uid);

/* Link settings by name, through the ioctls of an AF_INET socket. */
int net_link_set_mtu(const char *name, unsigned int mtu);
int net_link_get_mtu(const char *name, unsigned int *mtu);
int net_link_set_mac(const char *name, const uint8_t mac[6]);
int net_link_set_up(const char *name, bool up);
/* The kernel's ifindex, > 0, or -errno. */
int net_link_index(const char *name);

#endif /* XPV_NET_TAP_H */
