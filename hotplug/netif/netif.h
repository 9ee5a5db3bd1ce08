/*
 * netif.h - the network plumbing hotplug needs: bridges, bridge ports, MTU,
 * addresses and link state, over rtnetlink (libnl-route-3). Nothing here
 * runs `ip` or parses its output.
 *
 * Every int function returns 0 or -errno: -ENODEV for a link that does
 * not exist, -EEXIST when a bridge's name is taken by a link that is not
 * a bridge, else what the kernel said. netif_open returns NULL and sets
 * errno. A handle acts in the network namespace it was opened in.
 */
#ifndef XPV_HOTPLUG_NETIF_H
#define XPV_HOTPLUG_NETIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct netif;

struct netif *netif_open(void);
void netif_close(struct netif *n);

/* What netif_link_get reports of one link. */
struct netif_link {
	int index;
	char name[IF_NAMESIZE];
	unsigned int mtu;
	bool up; /* IFF_UP set */
	bool is_bridge;
	int master; /* ifindex of its bridge, 0 if none */
	char master_name[IF_NAMESIZE]; /* "" if none */
	uint8_t addr[6];
};

int netif_link_get(struct netif *n, const char *name, struct netif_link *l);

/*
 * Call fn for each bridge, in ifindex order, until fn returns non-zero
 * (which is returned). Returns 0 when every bridge was seen.
 */
int netif_each_bridge(struct netif *n, int (*fn)(const char *name, void *arg),
		      void *arg);

/* Create a bridge (no STP, so its ports forward at once); a bridge of
 * that name already there is success. */
int netif_bridge_add(struct netif *n, const char *name);
/* Delete a bridge; its ports are released by the kernel. */
int netif_bridge_del(struct netif *n, const char *name);

int netif_set_master(struct netif *n, const char *dev, const char *bridge);
/* Take dev off its bridge; a dev on no bridge is success. */
int netif_release(struct netif *n, const char *dev);
int netif_set_mtu(struct netif *n, const char *dev, unsigned int mtu);
int netif_set_up(struct netif *n, const char *dev, bool up);
int netif_set_address(struct netif *n, const char *dev, const uint8_t mac[6]);
/* Rename a link (it must be down). */
int netif_rename(struct netif *n, const char *dev, const char *new_name);

/*
 * Put dev on bridge, all or nothing: its MTU set to mtu (0: the bridge's),
 * enslaved, brought up. When a step fails, the steps done are undone (MTU,
 * master and state restored) before the error is returned. dev already on
 * bridge is only brought up.
 */
int netif_attach(struct netif *n, const char *dev, const char *bridge,
		 unsigned int mtu);
/* Take dev down and off its bridge; the steps that fail are skipped and
 * the first error is returned after the rest was tried. */
int netif_detach(struct netif *n, const char *dev);

#endif /* XPV_HOTPLUG_NETIF_H */
