/*
 * xpv-netif - the network plumbing of the hotplug scripts, as one small
 * program on rtnetlink (netif.h), so that no script parses `ip` output.
 *
 *   xpv-netif [--netns NAME|PATH] COMMAND ARG...
 *
 * Exit status: 0 done, 1 failed (one line on stderr says what and why),
 * 2 bad usage. The commands are listed in cmds[] below with their help.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotplug/netif/netif.h"

#define PROG "xpv-netif"

struct cmd {
	const char *name;
	int nargs_min, nargs_max;
	const char *args;
	const char *help;
	int (*run)(struct netif *n, char **argv);
};

static int fail(const char *what, const char *dev, int err)
{
	fprintf(stderr, "%s: %s %s: %s\n", PROG, what, dev, strerror(-err));
	return 1;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int cmd_show(struct netif *n, char **argv)
{
	struct netif_link l;
	int err = netif_link_get(n, argv[0], &l);

	if (err)
		return fail("show", argv[0], err);
	printf("name=%s index=%d mtu=%u up=%d bridge=%d master=%s "
	       "address=%02x:%02x:%02x:%02x:%02x:%02x\n",
	       l.name, l.index, l.mtu, l.up, l.is_bridge, l.master_name,
	       l.addr[0], l.addr[1], l.addr[2], l.addr[3], l.addr[4],
	       l.addr[5]);
	return 0;
}

static int print_name(const char *name, void *arg __attribute__((unused)))
{
	printf("%s\n", name);
	return 0;
}

static int cmd_bridges(struct netif *n, char **argv __attribute__((unused)))
{
	int err = netif_each_bridge(n, print_name, NULL);

	return err ? fail("list", "bridges", err) : 0;
}

static int cmd_bridge_add(struct netif *n, char **argv)
{
	int err = netif_bridge_add(n, argv[0]);

	if (err == -EEXIST) {
		fprintf(stderr,
			"%s: bridge-add %s: a link of that name exists "
			"and is not a bridge\n",
			PROG, argv[0]);
		return 1;
	}
	return err ? fail("bridge-add", argv[0], err) : 0;
}

static int cmd_bridge_del(struct netif *n, char **argv)
{
	int err = netif_bridge_del(n, argv[0]);

	if (err == -EINVAL) {
		fprintf(stderr, "%s: bridge-del %s: not a bridge\n", PROG,
			argv[0]);
		return 1;
	}
	return err ? fail("bridge-del", argv[0], err) : 0;
}

/* Say which of the two links is missing or wrong, rather than a bare
 * errno, since this is the message a toolstack shows its user. */
static int check_attach(struct netif *n, const char *dev, const char *br)
{
	struct netif_link l;
	int err = netif_link_get(n, br, &l);

	if (err == -ENODEV) {
		fprintf(stderr,
			"%s: bridge %s does not exist (create it first, e.g. "
			"'%s bridge-add %s'); %s not attached\n",
			PROG, br, PROG, br, dev);
		return 1;
	}
	if (err)
		return fail("attach to bridge", br, err);
	if (!l.is_bridge) {
		fprintf(stderr, "%s: %s is not a bridge; %s not attached\n",
			PROG, br, dev);
		return 1;
	}
	err = netif_link_get(n, dev, &l);
	if (err == -ENODEV) {
		fprintf(stderr, "%s: no network device %s to attach to %s\n",
			PROG, dev, br);
		return 1;
	}
	return err ? fail("attach", dev, err) : 0;
}

static int cmd_attach(struct netif *n, char **argv)
{
	unsigned int mtu = 0;
	int err;

	if (argv[2] && (parse_uint(argv[2], 65535, &mtu) || mtu < 68)) {
		fprintf(stderr, "%s: attach: bad MTU '%s' (68-65535)\n", PROG,
			argv[2]);
		return 2;
	}
	if (check_attach(n, argv[0], argv[1]))
		return 1;
	err = netif_attach(n, argv[0], argv[1], mtu);
	if (err) {
		fprintf(stderr, "%s: attach %s to %s: %s; %s left as it was\n",
			PROG, argv[0], argv[1], strerror(-err), argv[0]);
		return 1;
	}
	return 0;
}

static int cmd_detach(struct netif *n, char **argv)
{
	int err = netif_detach(n, argv[0]);

	return err ? fail("detach", argv[0], err) : 0;
}

static int cmd_master(struct netif *n, char **argv)
{
	int err = netif_set_master(n, argv[0], argv[1]);

	return err ? fail("master", argv[0], err) : 0;
}

static int cmd_release(struct netif *n, char **argv)
{
	int err = netif_release(n, argv[0]);

	return err ? fail("release", argv[0], err) : 0;
}

static int cmd_mtu(struct netif *n, char **argv)
{
	unsigned int mtu;
	int err;

	if (parse_uint(argv[1], 65535, &mtu) || mtu < 68) {
		fprintf(stderr, "%s: mtu: bad MTU '%s' (68-65535)\n", PROG,
			argv[1]);
		return 2;
	}
	err = netif_set_mtu(n, argv[0], mtu);
	return err ? fail("mtu", argv[0], err) : 0;
}

static int cmd_up(struct netif *n, char **argv)
{
	int err = netif_set_up(n, argv[0], true);

	return err ? fail("up", argv[0], err) : 0;
}

static int cmd_down(struct netif *n, char **argv)
{
	int err = netif_set_up(n, argv[0], false);

	return err ? fail("down", argv[0], err) : 0;
}

static int cmd_address(struct netif *n, char **argv)
{
	uint8_t mac[6];
	int err;

	if (parse_mac(argv[1], mac)) {
		fprintf(stderr,
			"%s: address: bad MAC '%s' (xx:xx:xx:xx:xx:xx)\n", PROG,
			argv[1]);
		return 2;
	}
	err = netif_set_address(n, argv[0], mac);
	return err ? fail("address", argv[0], err) : 0;
}

static int cmd_rename(struct netif *n, char **argv)
{
	int err = netif_rename(n, argv[0], argv[1]);

	return err ? fail("rename", argv[0], err) : 0;
}

static const struct cmd cmds[] = {
	{ "show", 1, 1, "DEV",
	  "print name, index, mtu, up, bridge, master, address", cmd_show },
	{ "bridges", 0, 0, "", "print each bridge's name", cmd_bridges },
	{ "bridge-add", 1, 1, "BRIDGE",
	  "create a bridge (no STP) and bring it up; one already there is fine",
	  cmd_bridge_add },
	{ "bridge-del", 1, 1, "BRIDGE", "delete a bridge", cmd_bridge_del },
	{ "attach", 2, 3, "DEV BRIDGE [MTU]",
	  "MTU (default: the bridge's), enslave, up: all or nothing",
	  cmd_attach },
	{ "detach", 1, 1, "DEV", "down, and off its bridge", cmd_detach },
	{ "master", 2, 2, "DEV BRIDGE", "enslave DEV to BRIDGE", cmd_master },
	{ "release", 1, 1, "DEV", "take DEV off its bridge", cmd_release },
	{ "mtu", 2, 2, "DEV MTU", "set the MTU", cmd_mtu },
	{ "up", 1, 1, "DEV", "bring the link up", cmd_up },
	{ "down", 1, 1, "DEV", "take the link down", cmd_down },
	{ "address", 2, 2, "DEV MAC", "set the MAC address", cmd_address },
	{ "rename", 2, 2, "DEV NEWNAME", "rename a link (it must be down)",
	  cmd_rename },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static int usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: %s [--netns NAME|PATH] COMMAND ARG...\n", PROG);
	for (i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-11s %-17s %s\n", cmds[i].name, cmds[i].args,
			cmds[i].help);
	return 2;
}

/* --netns: a name as `ip netns` keeps them (/run/netns/NAME) or a path
 * (/proc/PID/ns/net). */
static int enter_netns(const char *ns)
{
	char path[PATH_MAX];
	int fd, err = 0;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err)
		fprintf(stderr, "%s: network namespace %s: %s\n", PROG, path,
			strerror(-err));
	return err;
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	struct netif *n;
	int nargs, rc;

	argv++, argc--;
	if (argc >= 2 && !strcmp(argv[0], "--netns")) {
		if (enter_netns(argv[1]))
			return 1;
		argv += 2, argc -= 2;
	}
	if (argc < 1)
		return usage(stderr);
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[0]);
	nargs = argc - 1;
	if (!c || nargs < c->nargs_min || nargs > c->nargs_max)
		return usage(stderr);
	n = netif_open();
	if (!n) {
		fprintf(stderr, "%s: rtnetlink: %s\n", PROG, strerror(errno));
		return 1;
	}
	rc = c->run(n, argv + 1);
	netif_close(n);
	return rc;
}
