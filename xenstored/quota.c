/*
 * quota.c - limits and per-domain accounting (see quota.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv.h"
#include "xenstored/quota.h"

struct quota quota = {
	.nb_entry_per_domain = 1000,
	.max_entry_size = 2048,
	.nb_watch_per_domain = 128,
	.max_transaction = 10,
	.nb_perms_per_node = 5,
	.trans_nodes = 1024,
	.max_path_len = 2048,
	.req_outstanding = 20,
	.memory_per_domain = 2 * 1024 * 1024 + 512 * 1024,
};

/* Xen's quota names (CONTROL "quota", -Q), then our long option. */
static const struct {
	const char *xen, *opt, *descr;
	int *val;
} names[] = {
	{ "nodes", "entry-nb", "Nodes per domain", &quota.nb_entry_per_domain },
	{ "watches", "watch-nb", "Watches per domain",
	  &quota.nb_watch_per_domain },
	{ "transactions", "transaction", "Transactions per domain",
	  &quota.max_transaction },
	{ "outstanding", "outstanding", "Outstanding requests per domain",
	  &quota.req_outstanding },
	{ "transaction-nodes", "transaction-nodes",
	  "Max. number of accessed nodes per transaction", &quota.trans_nodes },
	{ "memory", "memory", "Total Xenstore memory per domain (error level)",
	  &quota.memory_per_domain },
	{ "node-size", "entry-size", "Max. size of a node",
	  &quota.max_entry_size },
	{ "path-max", "path-max", "Max. length of a node path",
	  &quota.max_path_len },
	{ "permissions", "perm-nb", "Max. number of permissions per node",
	  &quota.nb_perms_per_node },
};

#define NR_NAMES (sizeof(names) / sizeof(names[0]))

static unsigned int entries[HV_DOMID_FIRST_RESERVED];
static long memory[HV_DOMID_FIRST_RESERVED];

int quota_set(const char *name, const char *value)
{
	char *end;
	long v;
	size_t i;

	v = strtol(value, &end, 10);
	if (!*value || *end || v < 0 || v > 0x7fffffff)
		return -EINVAL;
	for (i = 0; i < NR_NAMES; i++) {
		if (!strcmp(name, names[i].xen) ||
		    !strcmp(name, names[i].opt)) {
			/* A path longer than Xen's relative maximum could not
			 * be sent anyway. */
			if (names[i].val == &quota.max_path_len && v > 2048)
				v = 2048;
			*names[i].val = v;
			return 0;
		}
	}
	return -EINVAL;
}

int quota_print(char *buf, unsigned int len)
{
	unsigned int off;
	size_t i;
	int n;

	n = snprintf(buf, len, "Quota settings:\n");
	if (n < 0 || (unsigned int)n >= len)
		return -E2BIG;
	off = n;
	for (i = 0; i < NR_NAMES; i++) {
		n = snprintf(buf + off, len - off, "%-17s: %8d %s\n",
			     names[i].xen, *names[i].val, names[i].descr);
		if (n < 0 || (unsigned int)n >= len - off)
			return -E2BIG;
		off += n;
	}
	return off;
}

unsigned int quota_entries(uint32_t domid)
{
	return domid < HV_DOMID_FIRST_RESERVED ? entries[domid] : 0;
}

void quota_entries_add(uint32_t domid, int delta)
{
	if (domid >= HV_DOMID_FIRST_RESERVED)
		return;
	if (delta < 0 && entries[domid] < (unsigned int)-delta)
		entries[domid] = 0;
	else
		entries[domid] += delta;
}

long quota_memory(uint32_t domid)
{
	return domid < HV_DOMID_FIRST_RESERVED ? memory[domid] : 0;
}

void quota_memory_add(uint32_t domid, long delta)
{
	if (domid >= HV_DOMID_FIRST_RESERVED)
		return;
	memory[domid] += delta;
	if (memory[domid] < 0)
		memory[domid] = 0;
}

void quota_forget(uint32_t domid)
{
	if (domid >= HV_DOMID_FIRST_RESERVED)
		return;
	entries[domid] = 0;
	memory[domid] = 0;
}

void quota_exit(void)
{
	memset(entries, 0, sizeof(entries));
	memset(memory, 0, sizeof(memory));
}
