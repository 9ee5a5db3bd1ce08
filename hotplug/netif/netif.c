/*
 * netif.c - bridges, bridge ports, MTU, addresses and link state through
 * libnl-route-3 (rtnetlink), for xpv-netif and the hotplug scripts.
 *
 * Each call looks the link up again by name: the hotplug scripts are short
 * lived and a cached view of the links would only go stale while another
 * script runs beside them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>

#include "hotplug/netif/netif.h"

struct netif {
	struct nl_sock *sk;
	int kernel_errno; /* the last error the kernel answered, 0: none */
};

/* libnl folds the kernel's errno into its own codes; unfold the ones
 * callers tell apart. */
static int nl_to_errno(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return 0;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:
		return -ENODEV;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
	case NLE_MSG_TOOSHORT:
		return -EINVAL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOACCESS:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* libnl reports a kernel error as its own code, and codes it has no name
 * for (ELOOP for a bridge put on itself) as NLE_FAILURE: keep the kernel's
 * errno, so that messages say what the kernel said. */
static int keep_kernel_errno(struct sockaddr_nl *nla __attribute__((unused)),
			     struct nlmsgerr *e, void *arg)
{
	struct netif *n = arg;

	n->kernel_errno = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

/* The result of one libnl call: the kernel's errno when it answered one. */
static int result(struct netif *n, int err)
{
	int kerr = n->kernel_errno;

	n->kernel_errno = 0;
	if (err >= 0)
		return 0;
	if (kerr)
		return -kerr;
	return nl_to_errno(err);
}

struct netif *netif_open(void)
{
	struct netif *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return NULL;
	n->sk = nl_socket_alloc();
	if (!n->sk) {
		free(n);
		errno = ENOMEM;
		return NULL;
	}
	err = nl_connect(n->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(n->sk);
		free(n);
		errno = -nl_to_errno(err);
		return NULL;
	}
	nl_socket_modify_err_cb(n->sk, NL_CB_CUSTOM, keep_kernel_errno, n);
	return n;
}

void netif_close(struct netif *n)
{
	if (!n)
		return;
	nl_socket_free(n->sk);
	free(n);
}

static int get_link(struct netif *n, const char *name, struct rtnl_link **l)
{
	if (!name || !*name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	return result(n, rtnl_link_get_kernel(n->sk, 0, name, l));
}

static void fill_master_name(struct netif *n, struct netif_link *out)
{
	struct rtnl_link *m = NULL;

	if (!out->master ||
	    rtnl_link_get_kernel(n->sk, out->master, NULL, &m) < 0)
		return;
	snprintf(out->master_name, sizeof(out->master_name), "%s",
		 rtnl_link_get_name(m));
	rtnl_link_put(m);
}

int netif_link_get(struct netif *n, const char *name, struct netif_link *out)
{
	struct rtnl_link *l;
	struct nl_addr *a;
	int err = get_link(n, name, &l);

	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->index = rtnl_link_get_ifindex(l);
	snprintf(out->name, sizeof(out->name), "%s", rtnl_link_get_name(l));
	out->mtu = rtnl_link_get_mtu(l);
	out->up = rtnl_link_get_flags(l) & IFF_UP;
	out->is_bridge = rtnl_link_is_bridge(l) > 0;
	out->master = rtnl_link_get_master(l);
	a = rtnl_link_get_addr(l);
	if (a && nl_addr_get_len(a) == sizeof(out->addr))
		memcpy(out->addr, nl_addr_get_binary_addr(a),
		       sizeof(out->addr));
	rtnl_link_put(l);
	fill_master_name(n, out);
	return 0;
}

int netif_each_bridge(struct netif *n, int (*fn)(const char *name, void *arg),
		      void *arg)
{
	struct nl_cache *cache;
	struct nl_object *o;
	int ret = result(n, rtnl_link_alloc_cache(n->sk, AF_UNSPEC, &cache));

	if (ret)
		return ret;
	for (o = nl_cache_get_first(cache); o && !ret;
	     o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (rtnl_link_is_bridge(l) > 0)
			ret = fn(rtnl_link_get_name(l), arg);
	}
	nl_cache_free(cache);
	return ret;
}

/* Apply the attributes set in chg to the link named dev. */
static int change_link(struct netif *n, const char *dev, struct rtnl_link *chg)
{
	struct rtnl_link *orig;
	int err = get_link(n, dev, &orig);

	if (err)
		return err;
	err = result(n, rtnl_link_change(n->sk, orig, chg, 0));
	rtnl_link_put(orig);
	return err;
}

static struct rtnl_link *new_change(void)
{
	struct rtnl_link *chg = rtnl_link_alloc();

	if (!chg)
		errno = ENOMEM;
	return chg;
}

static int set_master_index(struct netif *n, const char *dev, int master)
{
	struct rtnl_link *chg = new_change();
	int err;

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_master(chg, master);
	err = change_link(n, dev, chg);
	rtnl_link_put(chg);
	return err;
}

int netif_bridge_add(struct netif *n, const char *name)
{
	struct netif_link l;
	int err = netif_link_get(n, name, &l);

	if (err == 0 && !l.is_bridge)
		return -EEXIST;
	if (err == -ENODEV) {
		err = result(n, rtnl_link_bridge_add(n->sk, name));
		/* Another script may have made it meanwhile. */
		if (err == -EEXIST)
			err = 0;
	}
	if (err)
		return err;
	return netif_set_up(n, name, true);
}

int netif_bridge_del(struct netif *n, const char *name)
{
	struct rtnl_link *l;
	struct netif_link info;
	int err = netif_link_get(n, name, &info);

	if (err)
		return err;
	if (!info.is_bridge)
		return -EINVAL;
	err = get_link(n, name, &l);
	if (err)
		return err;
	err = result(n, rtnl_link_delete(n->sk, l));
	rtnl_link_put(l);
	return err;
}

int netif_set_master(struct netif *n, const char *dev, const char *bridge)
{
	struct netif_link b;
	int err = netif_link_get(n, bridge, &b);

	if (err)
		return err;
	if (!b.is_bridge)
		return -EINVAL;
	return set_master_index(n, dev, b.index);
}

int netif_release(struct netif *n, const char *dev)
{
	struct netif_link d;
	int err = netif_link_get(n, dev, &d);

	if (err || !d.master)
		return err;
	return set_master_index(n, dev, 0);
}

int netif_set_mtu(struct netif *n, const char *dev, unsigned int mtu)
{
	struct rtnl_link *chg = new_change();
	int err;

	if (!chg)
		return -ENOMEM;
	rtnl_link_set_mtu(chg, mtu);
	err = change_link(n, dev, chg);
	rtnl_link_put(chg);
	return err;
}

int netif_set_up(struct netif *n, const char *dev, bool up)
{
	struct rtnl_link *chg = new_change();
	int err;

	if (!chg)
		return -ENOMEM;
	if (up)
		rtnl_link_set_flags(chg, IFF_UP);
	else
		rtnl_link_unset_flags(chg, IFF_UP);
	err = change_link(n, dev, chg);
	rtnl_link_put(chg);
	return err;
}

int netif_set_address(struct netif *n, const char *dev, const uint8_t mac[6])
{
	struct rtnl_link *chg = new_change();
	struct nl_addr *a;
	int err;

	if (!chg)
		return -ENOMEM;
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!a) {
		rtnl_link_put(chg);
		return -ENOMEM;
	}
	rtnl_link_set_addr(chg, a);
	err = change_link(n, dev, chg);
	nl_addr_put(a);
	rtnl_link_put(chg);
	return err;
}

int netif_rename(struct netif *n, const char *dev, const char *new_name)
{
	struct rtnl_link *chg;
	int err;

	if (!new_name || !*new_name || strlen(new_name) >= IF_NAMESIZE)
		return -EINVAL;
	chg = new_change();
	if (!chg)
		return -ENOMEM;
	rtnl_link_set_name(chg, new_name);
	err = change_link(n, dev, chg);
	rtnl_link_put(chg);
	return err;
}

int netif_attach(struct netif *n, const char *dev, const char *bridge,
		 unsigned int mtu)
{
	struct netif_link d, b;
	int err = netif_link_get(n, bridge, &b);

	if (err)
		return err;
	if (!b.is_bridge)
		return -EINVAL;
	err = netif_link_get(n, dev, &d);
	if (err)
		return err;
	if (d.master == b.index)
		return netif_set_up(n, dev, true);
	if (!mtu)
		mtu = b.mtu;
	if (d.mtu != mtu) {
		err = netif_set_mtu(n, dev, mtu);
		if (err)
			return err;
	}
	err = set_master_index(n, dev, b.index);
	if (err)
		goto undo_mtu;
	err = netif_set_up(n, dev, true);
	if (err)
		goto undo_master;
	return 0;

undo_master:
	set_master_index(n, dev, d.master);
undo_mtu:
	if (d.mtu != mtu)
		netif_set_mtu(n, dev, d.mtu);
	return err;
}

int netif_detach(struct netif *n, const char *dev)
{
	int err = netif_set_up(n, dev, false);
	int err2 = netif_release(n, dev);

	return err ? err : err2;
}
