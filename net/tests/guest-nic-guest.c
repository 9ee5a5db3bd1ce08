/*
 * guest-nic-guest.c - the guest of test-guest-nic: started as a domain's
 * init, it takes the TAP fds dom0 handed in under "device/vif/0"
 * (hv_take_fd) and says what it got, one line on stdout:
 *
 *   TAKEN <n> <ifname> <mac> vnet=<0|1> mq=<0|1> index=<ifindex>
 *   AGAIN <errno of a further take>        (ENOENT: none left)
 *   NSFD <errno of hv_domain_ns_fd>        (EPERM: not dom0's)
 *   GIVE <errno of hv_domain_give_fd>      (EPERM)
 *   OTHER <errno of a take under "other">  (ENOENT: not ours)
 *
 * and then waits on stdin until it is destroyed.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"

static void describe(int fd, int n)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned char *m;

	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		printf("TAKEN %d ? errno=%d\n", n, errno);
		return;
	}
	printf("TAKEN %d %s", n, ifr.ifr_name);
	short flags = ifr.ifr_flags;

	if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		m = (unsigned char *)ifr.ifr_hwaddr.sa_data;
		printf(" %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		       m[4], m[5]);
	} else {
		printf(" ?");
	}
	printf(" vnet=%d mq=%d index=%u\n", !!(flags & IFF_VNET_HDR),
	       !!(flags & IFF_MULTI_QUEUE), if_nametoindex(ifr.ifr_name));
	if (s >= 0)
		close(s);
}

int main(void)
{
	char why[128], line[16];
	struct hv *hv;
	int fds[16], n = 0, r;

	if (hv_open(&hv, why, sizeof(why))) {
		printf("HVOPEN %s\n", why);
		return 1;
	}
	while (n < 16 && (r = hv_take_fd(hv, "device/vif/0")) >= 0)
		fds[n++] = r;
	if (n)
		describe(fds[0], n);
	else
		printf("TAKEN 0\n");
	printf("AGAIN %d\n", -hv_take_fd(hv, "device/vif/0"));
	r = hv_domain_ns_fd(hv, 0, "net");
	printf("NSFD %d\n", r < 0 ? -r : 0);
	r = hv_domain_give_fd(hv, hv_self(hv), "x", 0);
	printf("GIVE %d\n", r < 0 ? -r : 0);
	r = hv_take_fd(hv, "other");
	printf("OTHER %d\n", r < 0 ? -r : 0);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
