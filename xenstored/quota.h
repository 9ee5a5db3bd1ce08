/*
 * quota.h - limits, with Xen 4.17 xenstored's option names and defaults
 * (tools/xenstore/xenstored_core.c), and per-domain accounting.
 *
 * Quotas bind unprivileged connections only (not dom0, not --priv-domid),
 * as in Xen. The error a client gets is Xen's: ENOSPC for entries, entry
 * size, transactions, nodes per transaction and permissions per node;
 * E2BIG for watches; EINVAL for an over-long path; input stops (no error)
 * while a connection has too many replies not yet read.
 */
#ifndef XPV_XENSTORED_QUOTA_H
#define XPV_XENSTORED_QUOTA_H

#include <stdbool.h>
#include <stdint.h>

struct quota {
	int nb_entry_per_domain; /* --entry-nb        1000 */
	int max_entry_size; /* --entry-size      2048 */
	int nb_watch_per_domain; /* --watch-nb        128 */
	int max_transaction; /* --transaction     10 */
	int nb_perms_per_node; /* --perm-nb         5 */
	int trans_nodes; /* --transaction-nodes 1024 */
	int max_path_len; /* --path-max        2048 */
	int req_outstanding; /* --outstanding     20 */
	int memory_per_domain; /* --memory (bytes)  2.5 MiB */
};

extern struct quota quota;

/* Set a quota by Xen's -Q/--quota name ("max-entries"...) or our long
 * option name; -EINVAL for an unknown name or a bad value. */
int quota_set(const char *name, const char *value);
/* Text for CONTROL "quota": every quota, one per line. */
int quota_print(char *buf, unsigned int len);

/* Nodes owned by domid (perms[0].id). */
unsigned int quota_entries(uint32_t domid);
void quota_entries_add(uint32_t domid, int delta);
/* Memory of nodes owned by domid (entry size + name), and of what the
 * open transactions of domid's connections hold (transaction.c). */
long quota_memory(uint32_t domid);
void quota_memory_add(uint32_t domid, long delta);
void quota_forget(uint32_t domid);
/* Forget every domain's accounting (at exit). */
void quota_exit(void);

#endif /* XPV_XENSTORED_QUOTA_H */
