/*
 * tap.c - TAP queues and link settings (tap.h), over /dev/net/tun and the
 * classic interface ioctls: no netlink library on the data path's side.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/tap.h"

static int fill_ifreq(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	memcpy(ifr->ifr_name, name, strlen(name));
	return 0;
}

int net_tap_open(const char *name)
{
	struct ifreq ifr;
	int fd, err = fill_ifreq(&ifr, name);

	if (err)
		return err;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int net_tap_set_offload(int fd, unsigned int tun_flags)
{
	return ioctl(fd, TUNSETOFFLOAD, tun_flags) < 0 ? -errno : 0;
}

int net_tap_set_carrier(int fd, bool on)
{
	int v = on;

	return ioctl(fd, TUNSETCARRIER, &v) < 0 ? -errno : 0;
}

int net_tap_set_persist(int fd, bool persist, long uid)
{
	if (uid >= 0 && ioctl(fd, TUNSETOWNER, uid) < 0)
		return -errno;
	return ioctl(fd, TUNSETPERSIST, (unsigned long)persist) < 0 ? -errno :
								      0;
}

/* One interface ioctl on a throwaway socket of the caller's namespace. */
static int link_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

int net_link_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;
	int err = fill_ifreq(&ifr, name);

	if (err)
		return err;
	ifr.ifr_mtu = (int)mtu;
	return link_ioctl(SIOCSIFMTU, &ifr);
}

int net_link_get_mtu(const char *name, unsigned int *mtu)
{
	struct ifreq ifr;
	int err = fill_ifreq(&ifr, name);

	if (!err)
		err = link_ioctl(SIOCGIFMTU, &ifr);
	if (!err)
		*mtu = (unsigned int)ifr.ifr_mtu;
	return err;
}

int net_link_set_mac(const char *name, const uint8_t mac[6])
{
	struct ifreq ifr;
	int err = fill_ifreq(&ifr, name);

	if (err)
		return err;
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return link_ioctl(SIOCSIFHWADDR, &ifr);
}

int net_link_set_up(const char *name, bool up)
{
	struct ifreq ifr;
	int err = fill_ifreq(&ifr, name);

	if (err)
		return err;
	err = link_ioctl(SIOCGIFFLAGS, &ifr);
	if (err)
		return err;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return link_ioctl(SIOCSIFFLAGS, &ifr);
}

int net_link_index(const char *name)
{
	struct ifreq ifr;
	int err = fill_ifreq(&ifr, name);

	if (!err)
		err = link_ioctl(SIOCGIFINDEX, &ifr);
	return err ? err : ifr.ifr_ifindex;
}
