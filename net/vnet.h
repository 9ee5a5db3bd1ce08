/*
 * vnet.h - the per-packet metadata both ends of a vif translate: netif's
 * flags and GSO extra info (ring/netif.h) on one side, the virtio-net
 * header a TAP opened with IFF_VNET_HDR reads and writes on the other.
 *
 * A checksum left blank ("partial": the sender filled in only the
 * pseudo-header sum) is told by netif with one flag, and by virtio with
 * where the checksum starts and where it goes. Going from netif to virtio
 * therefore means parsing the frame's Ethernet, IPv4 / IPv6 and TCP / UDP
 * headers, which the guest wrote: every offset is checked against the
 * bytes given, and what is not IPv4 or IPv6 TCP or UDP is refused, as
 * Linux's skb_checksum_setup refuses it.
 *
 * int functions return 0 or -errno (-EINVAL: metadata or headers that
 * cannot be carried; -EPROTONOSUPPORT: a blank checksum in a protocol other
 * than TCP or UDP over IPv4 / IPv6).
 */
#ifndef XPV_NET_VNET_H
#define XPV_NET_VNET_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_ETH_HLEN 14
/* An Ethernet header with up to two VLAN tags. */
#define NET_ETH_MAX_HLEN (NET_ETH_HLEN + 8)

/* What netif says of a packet besides its bytes. */
struct net_meta {
	bool csum_blank; /* NET{T,R}XF_csum_blank */
	bool data_validated; /* NET{T,R}XF_data_validated */
	uint8_t gso_type; /* XPV_NETIF_GSO_TYPE_*; NONE: not GSO */
	uint16_t gso_size; /* MSS, when gso_type is not NONE */
};

/*
 * A TAP's virtio-net header to netif metadata. -EINVAL for what netif
 * cannot carry (UDP GSO, an unknown GSO type, a GSO frame without a blank
 * checksum, gso_size 0).
 */
int net_meta_from_vnet(const struct virtio_net_hdr *h, struct net_meta *m);

/*
 * Netif metadata to the virtio-net header of a frame of len bytes whose
 * first avail bytes are at frame (the headers must lie within those).
 * A GSO frame without csum_blank gets its checksum field set to the
 * pseudo-header sum and is sent as partial, as Linux's netback does for
 * frontends that forget the flag; that is the only write to frame.
 */
int net_vnet_from_meta(const struct net_meta *m, uint8_t *frame, size_t avail,
		       size_t len, struct virtio_net_hdr *h);

/* The place of a frame's L4 checksum, found by parsing its headers. */
struct net_l4 {
	uint16_t l3_off; /* IP header */
	uint16_t l4_off; /* TCP / UDP header: csum_start */
	uint16_t csum_off; /* checksum field, from l4_off */
	uint16_t hdr_len; /* through the end of the TCP / UDP header */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	bool ipv6;
};

int net_parse_l4(const uint8_t *frame, size_t avail, size_t len,
		 struct net_l4 *l4);

/*
 * Fill in a blank checksum in software, for a receiver that cannot take
 * it blank: the one's complement sum from start to the frame's end (the
 * field at start + off holds the pseudo-header sum) goes into the field.
 * -EINVAL when the field is not within the frame.
 */
int net_csum_fill(uint8_t *frame, size_t len, uint16_t start, uint16_t off);

#endif /* XPV_NET_VNET_H */
