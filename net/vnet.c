/*
 * vnet.c - netif metadata to and from virtio-net headers, and the header
 * parsing that placing a blank checksum needs (vnet.h).
 *
 * The frame comes from the other side of a vif: every read below is at an
 * offset checked against avail first.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "net/vnet.h"
#include "ring/netif.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_VLAN 0x8100
#define ETH_P_QINQ 0x88A8

/* IPv6 extension headers skipped on the way to TCP / UDP. */
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DSTOPTS 60
#define IP6_MAX_EXT 8

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The Ethernet header, VLAN tags skipped: the ethertype, *off past it. */
static int parse_eth(const uint8_t *f, size_t avail, size_t *off)
{
	uint16_t type;
	int tags;

	if (avail < NET_ETH_HLEN)
		return -EINVAL;
	type = be16(f + 12);
	*off = NET_ETH_HLEN;
	for (tags = 0; tags < 2 && (type == ETH_P_VLAN || type == ETH_P_QINQ);
	     tags++) {
		if (*off + 4 > avail)
			return -EINVAL;
		type = be16(f + *off + 2);
		*off += 4;
	}
	return type;
}

static int parse_ipv4(const uint8_t *f, size_t avail, struct net_l4 *l4)
{
	size_t off = l4->l3_off, ihl;

	if (off + 20 > avail || f[off] >> 4 != 4)
		return -EINVAL;
	ihl = (size_t)(f[off] & 0xf) * 4;
	if (ihl < 20 || off + ihl > avail)
		return -EINVAL;
	/* A fragment has no L4 header of its own to put a checksum in. */
	if (be16(f + off + 6) & 0x3fff)
		return -EPROTONOSUPPORT;
	l4->proto = f[off + 9];
	l4->l4_off = (uint16_t)(off + ihl);
	return 0;
}

static int parse_ipv6(const uint8_t *f, size_t avail, struct net_l4 *l4)
{
	size_t p = l4->l3_off + 40;
	uint8_t nh;
	int i;

	if (p > avail || f[l4->l3_off] >> 4 != 6)
		return -EINVAL;
	nh = f[l4->l3_off + 6];
	for (i = 0; i < IP6_MAX_EXT; i++) {
		uint8_t next;

		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING &&
		    nh != IP6_DSTOPTS && nh != IP6_AH && nh != IP6_FRAGMENT)
			break;
		if (p + 8 > avail)
			return -EINVAL;
		next = f[p];
		if (nh == IP6_FRAGMENT && (be16(f + p + 2) & 0xfff9))
			return -EPROTONOSUPPORT;
		if (nh == IP6_FRAGMENT)
			p += 8;
		else if (nh == IP6_AH)
			p += ((size_t)f[p + 1] + 2) * 4;
		else
			p += ((size_t)f[p + 1] + 1) * 8;
		nh = next;
	}
	if (i == IP6_MAX_EXT || p > avail || p > 0xffff)
		return -EINVAL;
	l4->proto = nh;
	l4->l4_off = (uint16_t)p;
	l4->ipv6 = true;
	return 0;
}

int net_parse_l4(const uint8_t *f, size_t avail, size_t len, struct net_l4 *l4)
{
	size_t off, end;
	int type, err;

	if (avail > len)
		avail = len;
	memset(l4, 0, sizeof(*l4));
	type = parse_eth(f, avail, &off);
	if (type < 0)
		return type;
	l4->l3_off = (uint16_t)off;
	if (type == ETH_P_IPV4)
		err = parse_ipv4(f, avail, l4);
	else if (type == ETH_P_IPV6)
		err = parse_ipv6(f, avail, l4);
	else
		err = -EPROTONOSUPPORT;
	if (err)
		return err;
	off = l4->l4_off;
	if (l4->proto == IPPROTO_TCP) {
		if (off + 20 > avail)
			return -EINVAL;
		end = off + (size_t)(f[off + 12] >> 4) * 4;
		if (end < off + 20 || end > len)
			return -EINVAL;
		l4->csum_off = 16;
	} else if (l4->proto == IPPROTO_UDP) {
		end = off + 8;
		if (end > avail)
			return -EINVAL;
		l4->csum_off = 6;
	} else {
		return -EPROTONOSUPPORT;
	}
	if (end > 0xffff)
		return -EINVAL;
	l4->hdr_len = (uint16_t)end;
	return 0;
}

/* One's complement sum of n bytes as big-endian 16-bit words. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/*
 * Put the pseudo-header sum in the L4 checksum field (what a sender that
 * leaves the checksum blank puts there), for a packet whose flag said
 * otherwise.
 */
static int set_pseudo_sum(uint8_t *f, size_t avail, size_t len,
			  const struct net_l4 *l4)
{
	size_t at = (size_t)l4->l4_off + l4->csum_off;
	uint32_t s = 0, l4len = (uint32_t)(len - l4->l4_off);

	if (at + 2 > avail)
		return -EINVAL;
	if (l4->ipv6)
		s = sum16(s, f + l4->l3_off + 8, 32);
	else
		s = sum16(s, f + l4->l3_off + 12, 8);
	s += l4len >> 16;
	s += l4len & 0xffff;
	s += l4->proto;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	f[at] = (uint8_t)(s >> 8);
	f[at + 1] = (uint8_t)s;
	return 0;
}

int net_csum_fill(uint8_t *f, size_t len, uint16_t start, uint16_t off)
{
	size_t at = (size_t)start + off;
	uint32_t s;
	uint16_t c;

	if (at + 2 > len)
		return -EINVAL;
	s = sum16(0, f + start, len - start);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	c = (uint16_t)~s;
	/* UDP says "no checksum" with 0: a computed 0 is sent as 0xffff. */
	if (c == 0)
		c = 0xffff;
	f[at] = (uint8_t)(c >> 8);
	f[at + 1] = (uint8_t)c;
	return 0;
}

static int vnet_gso(const struct net_meta *m, uint8_t *f, size_t avail,
		    size_t len, struct virtio_net_hdr *h)
{
	struct net_l4 l4;
	int err;

	if (m->gso_size == 0 || (m->gso_type != XPV_NETIF_GSO_TYPE_TCPV4 &&
				 m->gso_type != XPV_NETIF_GSO_TYPE_TCPV6))
		return -EINVAL;
	err = net_parse_l4(f, avail, len, &l4);
	if (err)
		return err;
	if (l4.proto != IPPROTO_TCP ||
	    l4.ipv6 != (m->gso_type == XPV_NETIF_GSO_TYPE_TCPV6))
		return -EINVAL;
	if (!m->csum_blank) {
		err = set_pseudo_sum(f, avail, len, &l4);
		if (err)
			return err;
	}
	h->gso_type = l4.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				VIRTIO_NET_HDR_GSO_TCPV4;
	h->gso_size = m->gso_size;
	h->hdr_len = l4.hdr_len;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = l4.l4_off;
	h->csum_offset = l4.csum_off;
	return 0;
}

int net_vnet_from_meta(const struct net_meta *m, uint8_t *f, size_t avail,
		       size_t len, struct virtio_net_hdr *h)
{
	struct net_l4 l4;
	int err;

	memset(h, 0, sizeof(*h));
	if (m->gso_type != XPV_NETIF_GSO_TYPE_NONE)
		return vnet_gso(m, f, avail, len, h);
	if (m->csum_blank) {
		err = net_parse_l4(f, avail, len, &l4);
		if (err)
			return err;
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = l4.l4_off;
		h->csum_offset = l4.csum_off;
	} else if (m->data_validated) {
		h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	return 0;
}

int net_meta_from_vnet(const struct virtio_net_hdr *h, struct net_meta *m)
{
	memset(m, 0, sizeof(*m));
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		m->gso_type = XPV_NETIF_GSO_TYPE_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		m->gso_type = XPV_NETIF_GSO_TYPE_TCPV6;
		break;
	default:
		return -EINVAL;
	}
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		m->csum_blank = m->data_validated = true;
	else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID)
		m->data_validated = true;
	if (m->gso_type != XPV_NETIF_GSO_TYPE_NONE) {
		if (!m->csum_blank || h->gso_size == 0)
			return -EINVAL;
		m->gso_size = h->gso_size;
	}
	return 0;
}
