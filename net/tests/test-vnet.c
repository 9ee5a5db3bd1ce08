/*
 * test-vnet.c - net/vnet.c against hand-built frames: where the checksum
 * of IPv4 / IPv6, TCP / UDP frames (with VLAN tags and IPv6 extension
 * headers) goes; what is refused; truncated frames never read past what
 * was given (each is copied into a buffer of exactly its size, so ASan
 * sees any overread); the pseudo-header sum a GSO frame without
 * csum_blank gets; virtio headers to netif metadata.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/vnet.h"
#include "ring/netif.h"
#include "tests/lib/check.h"

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void eth(struct frame *f, uint16_t type, int vlans)
{
	memset(f, 0, sizeof(*f));
	memset(f->b, 0xaa, 12);
	f->len = 12;
	while (vlans-- > 0) {
		put16(f->b + f->len, 0x8100);
		put16(f->b + f->len + 2, 7);
		f->len += 4;
	}
	put16(f->b + f->len, type);
	f->len += 2;
}

static size_t ipv4(struct frame *f, uint8_t proto, uint16_t frag)
{
	size_t at = f->len;
	uint8_t *ip = f->b + at;

	ip[0] = 0x45;
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f->len += 20;
	return at;
}

static size_t ipv6(struct frame *f, uint8_t nh)
{
	size_t at = f->len;
	uint8_t *ip = f->b + at;
	int i;

	ip[0] = 0x60;
	ip[6] = nh;
	ip[7] = 64;
	for (i = 0; i < 32; i++)
		ip[8 + i] = (uint8_t)(i * 7 + 1);
	f->len += 40;
	return at;
}

/* An IPv6 extension header of 8 bytes. */
static void ext8(struct frame *f, uint8_t next)
{
	f->b[f->len] = next;
	f->len += 8;
}

static size_t tcp(struct frame *f, size_t payload)
{
	size_t at = f->len;

	f->b[at + 12] = 5 << 4;
	f->len += 20 + payload;
	return at;
}

static size_t udp(struct frame *f, size_t payload)
{
	size_t at = f->len;

	f->len += 8 + payload;
	return at;
}

/* Parse a copy of the frame's first avail bytes in a buffer of exactly
 * that size. */
static int parse_exact(const struct frame *f, size_t avail, struct net_l4 *l4)
{
	uint8_t *copy = malloc(avail ? avail : 1);
	int err;

	memcpy(copy, f->b, avail);
	err = net_parse_l4(copy, avail, f->len, l4);
	free(copy);
	return err;
}

static void expect_l4(const char *name, const struct frame *f, int l4_off,
		      int csum_off, int hdr_len, bool v6)
{
	struct net_l4 l4;
	int err = parse_exact(f, f->len, &l4);

	check(name,
	      err == 0 && l4.l4_off == l4_off && l4.csum_off == csum_off &&
		      l4.hdr_len == hdr_len && l4.ipv6 == v6,
	      "err %d l4_off %u csum_off %u hdr_len %u v6 %d", err, l4.l4_off,
	      l4.csum_off, l4.hdr_len, l4.ipv6);
}

static void expect_err(const char *name, const struct frame *f, int want)
{
	struct net_l4 l4;
	int err = parse_exact(f, f->len, &l4);

	check(name, err == want, "got %d, want %d", err, want);
}

/* Every truncation of a good frame's headers is refused, and read
 * within bounds. */
static void truncations(const char *name, const struct frame *f, size_t hdr_end)
{
	struct net_l4 l4;
	size_t n;
	int bad = 0;

	for (n = 0; n < hdr_end; n++)
		if (parse_exact(f, n, &l4) != -EINVAL)
			bad++;
	check(name, bad == 0, "%d truncations accepted", bad);
}

static void parsing(void)
{
	struct frame f;
	size_t ip, l4;

	eth(&f, 0x0800, 0);
	ipv4(&f, IPPROTO_TCP, 0x4000 /* DF */);
	tcp(&f, 100);
	expect_l4("ipv4 tcp", &f, 34, 16, 54, false);
	truncations("ipv4 tcp truncated", &f, 54 - 20 + 20);

	eth(&f, 0x0800, 1);
	ipv4(&f, IPPROTO_UDP, 0);
	udp(&f, 10);
	expect_l4("vlan ipv4 udp", &f, 38, 6, 46, false);
	truncations("vlan ipv4 udp truncated", &f, 46);

	eth(&f, 0x0800, 2);
	ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, 0);
	expect_l4("qinq ipv4 tcp", &f, 42, 16, 62, false);

	eth(&f, 0x86dd, 0);
	ipv6(&f, IPPROTO_TCP);
	tcp(&f, 1);
	expect_l4("ipv6 tcp", &f, 54, 16, 74, true);
	truncations("ipv6 tcp truncated", &f, 74);

	eth(&f, 0x86dd, 0);
	ipv6(&f, 0 /* hop-by-hop */);
	ext8(&f, 60 /* destination options */);
	ext8(&f, IPPROTO_UDP);
	udp(&f, 4);
	expect_l4("ipv6 hbh+dst udp", &f, 70, 6, 78, true);
	truncations("ipv6 ext truncated", &f, 78);

	eth(&f, 0x86dd, 0);
	ipv6(&f, 44 /* fragment */);
	ext8(&f, IPPROTO_TCP);
	tcp(&f, 0);
	expect_l4("ipv6 atomic fragment tcp", &f, 62, 16, 82, true);
	put16(f.b + 54 + 2, 8 << 3); /* offset 8 */
	expect_err("ipv6 real fragment refused", &f, -EPROTONOSUPPORT);

	eth(&f, 0x0800, 0);
	ipv4(&f, IPPROTO_TCP, 0x2000 /* MF */);
	tcp(&f, 0);
	expect_err("ipv4 fragment refused", &f, -EPROTONOSUPPORT);

	eth(&f, 0x0800, 0);
	ipv4(&f, IPPROTO_ICMP, 0);
	f.len += 8;
	expect_err("icmp refused", &f, -EPROTONOSUPPORT);

	eth(&f, 0x0806, 0);
	f.len += 28;
	expect_err("arp refused", &f, -EPROTONOSUPPORT);

	eth(&f, 0x0800, 0);
	ip = ipv4(&f, IPPROTO_TCP, 0);
	tcp(&f, 0);
	f.b[ip] = 0x44; /* IHL 4 words */
	expect_err("ipv4 ihl < 5 refused", &f, -EINVAL);
	f.b[ip] = 0x55;
	expect_err("ipv4 version 5 refused", &f, -EINVAL);

	eth(&f, 0x0800, 0);
	ipv4(&f, IPPROTO_TCP, 0);
	l4 = tcp(&f, 0);
	f.b[l4 + 12] = 4 << 4;
	expect_err("tcp doff < 5 refused", &f, -EINVAL);
	f.b[l4 + 12] = 15 << 4; /* 60 bytes, beyond the frame */
	expect_err("tcp header beyond the frame refused", &f, -EINVAL);

	eth(&f, 0x86dd, 0);
	ipv6(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, 0);
	ext8(&f, IPPROTO_TCP);
	tcp(&f, 0);
	expect_err("too many ipv6 extension headers refused", &f, -EINVAL);
}

/* The pseudo-header sum, computed here the long way. */
static uint16_t pseudo_v4(const struct frame *f, size_t ip, size_t l4len,
			  uint8_t proto)
{
	uint32_t s = 0;
	int i;

	for (i = 12; i < 20; i += 2)
		s += (uint32_t)f->b[ip + i] << 8 | f->b[ip + i + 1];
	s += proto + (uint32_t)l4len;
	while (s > 0xffff)
		s = (s >> 16) + (s & 0xffff);
	return (uint16_t)s;
}

static void to_vnet(void)
{
	struct virtio_net_hdr h;
	struct net_meta m = { 0 };
	struct frame f;
	size_t ip, l4;
	int err;

	eth(&f, 0x0800, 0);
	ip = ipv4(&f, IPPROTO_TCP, 0);
	l4 = tcp(&f, 3000);
	m.csum_blank = true;
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	check("csum_blank: NEEDS_CSUM at the tcp checksum",
	      err == 0 && h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
		      h.csum_start == 34 && h.csum_offset == 16 &&
		      h.gso_type == VIRTIO_NET_HDR_GSO_NONE,
	      "err %d flags %u start %u off %u", err, h.flags, h.csum_start,
	      h.csum_offset);

	m = (struct net_meta){ .data_validated = true };
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	check("data_validated: DATA_VALID",
	      err == 0 && h.flags == VIRTIO_NET_HDR_F_DATA_VALID, NULL);

	m = (struct net_meta){ 0 };
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	check("no flags: nothing", err == 0 && h.flags == 0, NULL);

	m = (struct net_meta){ .csum_blank = true,
			       .gso_type = XPV_NETIF_GSO_TYPE_TCPV4,
			       .gso_size = 1448 };
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	check("gso tcpv4",
	      err == 0 && h.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 &&
		      h.gso_size == 1448 && h.hdr_len == 54 &&
		      h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM,
	      "err %d", err);

	m.gso_type = XPV_NETIF_GSO_TYPE_TCPV6;
	check("gso tcpv6 on an ipv4 frame refused",
	      net_vnet_from_meta(&m, f.b, 128, f.len, &h) == -EINVAL, NULL);
	m.gso_type = 3;
	check("unknown gso type refused",
	      net_vnet_from_meta(&m, f.b, 128, f.len, &h) == -EINVAL, NULL);
	m.gso_type = XPV_NETIF_GSO_TYPE_TCPV4;
	m.gso_size = 0;
	check("gso size 0 refused",
	      net_vnet_from_meta(&m, f.b, 128, f.len, &h) == -EINVAL, NULL);

	/* GSO without csum_blank: the pseudo-header sum is put in place. */
	m = (struct net_meta){ .gso_type = XPV_NETIF_GSO_TYPE_TCPV4,
			       .gso_size = 1000 };
	f.b[l4 + 16] = f.b[l4 + 17] = 0x55;
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	{
		uint16_t want = pseudo_v4(&f, ip, f.len - l4, IPPROTO_TCP);
		uint16_t got = (uint16_t)(f.b[l4 + 16] << 8 | f.b[l4 + 17]);

		check("gso without csum_blank: pseudo-header sum written",
		      err == 0 && got == want &&
			      h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM,
		      "err %d got %04x want %04x", err, got, want);
	}

	eth(&f, 0x0800, 0);
	ipv4(&f, IPPROTO_UDP, 0);
	udp(&f, 100);
	m = (struct net_meta){ .csum_blank = true,
			       .gso_type = XPV_NETIF_GSO_TYPE_TCPV4,
			       .gso_size = 1000 };
	check("gso tcp on a udp frame refused",
	      net_vnet_from_meta(&m, f.b, 128, f.len, &h) == -EINVAL, NULL);
	m = (struct net_meta){ .csum_blank = true };
	err = net_vnet_from_meta(&m, f.b, 128, f.len, &h);
	check("udp csum_blank", err == 0 && h.csum_offset == 6, NULL);
	eth(&f, 0x0806, 0);
	f.len += 28;
	check("csum_blank on arp refused",
	      net_vnet_from_meta(&m, f.b, f.len, f.len, &h) == -EPROTONOSUPPORT,
	      NULL);
}

static void from_vnet(void)
{
	struct virtio_net_hdr h = { 0 };
	struct net_meta m;

	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	check("NEEDS_CSUM: csum_blank and data_validated",
	      net_meta_from_vnet(&h, &m) == 0 && m.csum_blank &&
		      m.data_validated && m.gso_type == 0,
	      NULL);
	h.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	check("DATA_VALID: data_validated",
	      net_meta_from_vnet(&h, &m) == 0 && !m.csum_blank &&
		      m.data_validated,
	      NULL);
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
				     .gso_size = 1400 };
	check("GSO TCPV6",
	      net_meta_from_vnet(&h, &m) == 0 &&
		      m.gso_type == XPV_NETIF_GSO_TYPE_TCPV6 &&
		      m.gso_size == 1400,
	      NULL);
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	check("UDP GSO refused", net_meta_from_vnet(&h, &m) == -EINVAL, NULL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	check("ECN GSO refused", net_meta_from_vnet(&h, &m) == -EINVAL, NULL);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 0;
	check("GSO size 0 refused", net_meta_from_vnet(&h, &m) == -EINVAL,
	      NULL);
	h.gso_size = 100;
	h.flags = 0;
	check("GSO without NEEDS_CSUM refused",
	      net_meta_from_vnet(&h, &m) == -EINVAL, NULL);
}

int main(void)
{
	parsing();
	to_vnet();
	from_vnet();
	return check_failures ? 1 : 0;
}
