/*
 * control.c - XS_CONTROL, the daemon's command interface (what
 * xenstore-control sends): "<command>\0<arg>\0...". Commands as Xen 4.17's
 * tools/xenstore/xenstored_control.c: check, log, logfile, memreport,
 * print, quota, quota-soft, help. Live update is not supported (the
 * command is unknown: EINVAL, as for any unknown command).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/log.h"
#include "xenstored/path.h"
#include "xenstored/quota.h"
#include "xenstored/store.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

#define MAX_ARGS 8

typedef int cmd_fn(struct conn *c, char **argv, int argc);

static cmd_fn cmd_check, cmd_log, cmd_logfile, cmd_memreport, cmd_print,
	cmd_quota, cmd_quota_soft, cmd_help;

static const struct {
	const char *name;
	cmd_fn *fn;
	const char *pars;
} cmds[] = {
	{ "check", cmd_check, "" },
	{ "log", cmd_log, "on|off" },
	{ "logfile", cmd_logfile, "<file>" },
	{ "memreport", cmd_memreport, "[<file>]" },
	{ "print", cmd_print, "<string>" },
	{ "quota", cmd_quota, "[set <name> <val>|<domid>]" },
	{ "quota-soft", cmd_quota_soft, "[set <name> <val>]" },
	{ "help", cmd_help, "" },
};

#define NR_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* Every child a node lists exists; arg counts the problems found. */
static void check_one(struct hlink *l, void *arg)
{
	unsigned int *errors = arg;
	const struct node *n = node_of(l);
	char path[PATH_BUF];
	uint32_t off, cl;
	int len;

	for (off = 0; off < n->clen; off += cl + 1) {
		cl = strlen(n->children + off);
		len = snprintf(path, sizeof(path), "%s/%s",
			       n->namelen == 1 ? "" : n->name,
			       n->children + off);
		if (len < 0 || (size_t)len >= sizeof(path) ||
		    !store_find(path, len)) {
			xs_log("check: %s lists missing child %s", n->name,
			       n->children + off);
			(*errors)++;
		}
	}
}

static int cmd_check(struct conn *c, char **argv __attribute__((unused)),
		     int argc)
{
	unsigned int errors = 0;

	if (argc)
		return -EINVAL;
	htab_walk(&store, check_one, &errors);
	if (errors)
		xs_log("check: %u inconsistencies", errors);
	return conn_ack(c, XPV_XS_CONTROL);
}

static int cmd_log(struct conn *c, char **argv, int argc)
{
	if (argc != 1)
		return -EINVAL;
	if (!strcmp(argv[0], "on"))
		log_reopen();
	else if (!strcmp(argv[0], "off"))
		log_close();
	else
		return -EINVAL;
	return conn_ack(c, XPV_XS_CONTROL);
}

static int cmd_logfile(struct conn *c, char **argv, int argc)
{
	int ret;

	if (argc != 1)
		return -EINVAL;
	ret = log_set_file(argv[0]);
	return ret ? ret : conn_ack(c, XPV_XS_CONTROL);
}

static int cmd_memreport(struct conn *c, char **argv __attribute__((unused)),
			 int argc)
{
	unsigned int conns = 0;
	const struct conn *i;

	if (argc > 1)
		return -EINVAL;
	for (i = conn_list; i; i = i->next)
		conns++;
	xs_log("memreport: %zu nodes, %u connections", store.count, conns);
	return conn_ack(c, XPV_XS_CONTROL);
}

static int cmd_print(struct conn *c, char **argv, int argc)
{
	if (argc != 1)
		return -EINVAL;
	xs_log("control: %s", argv[0]);
	return conn_ack(c, XPV_XS_CONTROL);
}

static int show_domain(struct conn *c, unsigned int domid)
{
	char buf[512];
	struct conn *d = domid ? conn_find_domain(domid) : NULL;
	int n;

	if (domid && !d)
		return -ENOENT;
	n = snprintf(buf, sizeof(buf),
		     "Domain %u:\n%-16s: %8u\n%-16s: %8u\n%-16s: %8u\n"
		     "%-16s: %8u\n%-16s: %8ld\n",
		     domid, "nodes", quota_entries(domid), "watches",
		     d ? d->nwatch : 0, "transactions", d ? d->ntxn : 0,
		     "outstanding", d ? d->oreplies : 0, "memory",
		     quota_memory(domid));
	return conn_reply(c, XPV_XS_CONTROL, buf, n + 1);
}

static int cmd_quota(struct conn *c, char **argv, int argc)
{
	char buf[2048];
	int n;

	if (argc == 0) {
		n = quota_print(buf, sizeof(buf));
		return n < 0 ? n : conn_reply(c, XPV_XS_CONTROL, buf, n + 1);
	}
	if (!strcmp(argv[0], "set")) {
		/* As Xen: a value below 1 is refused. */
		if (argc != 3 || atoi(argv[2]) < 1 ||
		    quota_set(argv[1], argv[2]))
			return -EINVAL;
		return conn_ack(c, XPV_XS_CONTROL);
	}
	if (argc != 1)
		return -EINVAL;
	return show_domain(c, atoi(argv[0]));
}

static int cmd_quota_soft(struct conn *c, char **argv __attribute__((unused)),
			  int argc)
{
	static const char soft[] = "Quota settings:\n";

	/* We keep no soft (warning-level) quota. */
	if (argc)
		return -EINVAL;
	return conn_reply(c, XPV_XS_CONTROL, soft, sizeof(soft));
}

static int cmd_help(struct conn *c, char **argv __attribute__((unused)),
		    int argc)
{
	char buf[1024];
	size_t i, off = 0;
	int n;

	if (argc)
		return -EINVAL;
	for (i = 0; i < NR_CMDS; i++) {
		n = snprintf(buf + off, sizeof(buf) - off, "%s\t%s\n",
			     cmds[i].name, cmds[i].pars);
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			return -E2BIG;
		off += n;
	}
	return conn_reply(c, XPV_XS_CONTROL, buf, off + 1);
}

int do_control(struct conn *c, const char *p, unsigned int len)
{
	char *argv[MAX_ARGS];
	unsigned int argc = 0, nstr = wire_count_strings(p, len), off = 0;
	size_t i;

	if (!nstr)
		return -EINVAL;
	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(p, cmds[i].name))
			break;
	if (i == NR_CMDS)
		return -EINVAL;
	off = strlen(p) + 1;
	while (argc + 1 < nstr && argc < MAX_ARGS) {
		argv[argc++] = (char *)p + off;
		off += strlen(p + off) + 1;
	}
	if (argc + 1 < nstr)
		return -EINVAL;
	return cmds[i].fn(c, argv, argc);
}
