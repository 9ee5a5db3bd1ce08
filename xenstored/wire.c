/*
 * wire.c - dispatch through one table (Xen's wire_funcs[]) and the
 * handlers for watches, transactions and domains.
 *
 * The dispatcher does what every message shares, in Xen's order: unknown
 * type -> ENOSYS; a privileged-only type from an unprivileged connection
 * -> EACCES; an unknown transaction id -> ENOENT (types that ignore the
 * id skip this); a change on a read-only connection -> EROFS. A handler
 * returns -errno and the dispatcher sends the error reply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv.h"
#include "xenstored/conn_int.h"
#include "xenstored/core.h"
#include "xenstored/domain.h"
#include "xenstored/log.h"
#include "xenstored/perms.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

#define F_NOTID (1u << 0) /* ignores the transaction id */
#define F_PRIV (1u << 1) /* privileged connections only */
#define F_MODIFY (1u << 2) /* refused on a read-only connection */

static const struct {
	wire_fn *fn;
	unsigned int flags;
} wire_funcs[XPV_XS_TYPE_COUNT] = {
	[XPV_XS_CONTROL] = { do_control, F_PRIV },
	[XPV_XS_DIRECTORY] = { do_directory, 0 },
	[XPV_XS_READ] = { do_read, 0 },
	[XPV_XS_GET_PERMS] = { do_get_perms, 0 },
	[XPV_XS_WATCH] = { do_watch, F_NOTID },
	[XPV_XS_UNWATCH] = { do_unwatch, F_NOTID },
	[XPV_XS_TRANSACTION_START] = { do_transaction_start, 0 },
	[XPV_XS_TRANSACTION_END] = { do_transaction_end, 0 },
	[XPV_XS_INTRODUCE] = { do_introduce, F_PRIV | F_MODIFY },
	[XPV_XS_RELEASE] = { do_release, F_PRIV | F_MODIFY },
	[XPV_XS_GET_DOMAIN_PATH] = { do_get_domain_path, 0 },
	[XPV_XS_WRITE] = { do_write, F_MODIFY },
	[XPV_XS_MKDIR] = { do_mkdir, F_MODIFY },
	[XPV_XS_RM] = { do_rm, F_MODIFY },
	[XPV_XS_SET_PERMS] = { do_set_perms, F_MODIFY },
	[XPV_XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, F_PRIV },
	[XPV_XS_RESUME] = { do_resume, F_PRIV | F_MODIFY },
	[XPV_XS_SET_TARGET] = { do_set_target, F_PRIV | F_MODIFY },
	[XPV_XS_RESET_WATCHES] = { do_reset_watches, 0 },
	[XPV_XS_DIRECTORY_PART] = { do_directory_part, 0 },
};

void wire_dispatch(struct conn *c, const struct xpv_xsd_sockmsg *hdr,
		   const char *payload)
{
	struct txn *t = NULL;
	unsigned int flags;
	int ret;

	if (hdr->type >= XPV_XS_TYPE_COUNT || !wire_funcs[hdr->type].fn) {
		xs_log_rl("conn %u: unknown message type %u", c->id, hdr->type);
		conn_error(c, ENOSYS);
		return;
	}
	flags = wire_funcs[hdr->type].flags;
	if ((flags & F_PRIV) && conn_unprivileged(c)) {
		conn_error(c, EACCES);
		return;
	}
	if (!(flags & F_NOTID)) {
		ret = txn_lookup(c, hdr->tx_id, &t);
		if (ret) {
			conn_error(c, -ret);
			return;
		}
	}
	if ((flags & F_MODIFY) && c->readonly) {
		conn_error(c, EROFS);
		return;
	}
	c->txn = t;
	ret = wire_funcs[hdr->type].fn(c, payload, hdr->len);
	if (ret)
		conn_error(c, -ret);
	c->txn = NULL;
}

unsigned int wire_count_strings(const char *p, unsigned int len)
{
	unsigned int i, n = 0;

	for (i = 0; i < len; i++)
		n += p[i] == '\0';
	return n;
}

const char *wire_onearg(const char *p, unsigned int len)
{
	if (!len || strlen(p) + 1 != len)
		return NULL;
	return p;
}

/* The first two strings of payload, which must hold at least two. */
static int two_args(const char *p, unsigned int len, const char **a,
		    const char **b)
{
	if (wire_count_strings(p, len) < 2)
		return -EINVAL;
	*a = p;
	*b = p + strlen(p) + 1;
	return 0;
}

int do_watch(struct conn *c, const char *p, unsigned int len)
{
	const char *path, *token;

	/* Exactly two strings, as Xen's get_strings() == 2. */
	if (wire_count_strings(p, len) != 2 || two_args(p, len, &path, &token))
		return -EINVAL;
	return watch_add(c, path, token);
}

int do_unwatch(struct conn *c, const char *p, unsigned int len)
{
	const char *path, *token;

	if (wire_count_strings(p, len) != 2 || two_args(p, len, &path, &token))
		return -EINVAL;
	return watch_remove(c, path, token);
}

int do_transaction_start(struct conn *c, const char *p, unsigned int len)
{
	return txn_start(c);
}

int do_transaction_end(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return -EINVAL;
	return txn_end(c, arg[0] == 'T');
}

/* Domain 0 is always introduced: Xen's xenstored introduces it at start
 * (dom0's own ring); here its clients use the socket. */
static bool introduced(unsigned int domid)
{
	return domid == 0 || domain_is_introduced(domid);
}

/* A domid argument as Xen reads it (atoi). */
static unsigned int domid_arg(const char *s)
{
	return (unsigned int)atoi(s);
}

int do_introduce(struct conn *c, const char *p, unsigned int len)
{
	const char *s = p;
	unsigned long long frame;
	unsigned int domid;
	int port, ret;

	if (wire_count_strings(p, len) < 3)
		return -EINVAL;
	domid = domid_arg(s);
	s += strlen(s) + 1;
	frame = strtoull(s, NULL, 0);
	s += strlen(s) + 1;
	port = atoi(s);
	if (port <= 0)
		return -EINVAL;
	if (domid >= HV_DOMID_FIRST_RESERVED)
		return -EINVAL;
	ret = domain_introduce(c, domid, frame, port);
	return ret ? ret : conn_ack(c, XPV_XS_INTRODUCE);
}

/* RELEASE and RESUME take one non-zero domid (Xen's onearg_domain). */
static int onearg_domid(const char *p, unsigned int len, unsigned int *domid)
{
	const char *arg = wire_onearg(p, len);

	if (!arg)
		return -EINVAL;
	*domid = domid_arg(arg);
	return *domid ? 0 : -EINVAL;
}

int do_release(struct conn *c, const char *p, unsigned int len)
{
	unsigned int domid;
	int ret = onearg_domid(p, len, &domid);

	if (!ret && !domain_is_introduced(domid))
		ret = -ENOENT;
	if (!ret)
		ret = domain_release(c, domid);
	return ret ? ret : conn_ack(c, XPV_XS_RELEASE);
}

int do_resume(struct conn *c, const char *p, unsigned int len)
{
	unsigned int domid;
	int ret = onearg_domid(p, len, &domid);

	if (!ret && !domain_is_introduced(domid))
		ret = -ENOENT;
	if (!ret)
		ret = domain_resume(c, domid);
	return ret ? ret : conn_ack(c, XPV_XS_RESUME);
}

int do_is_domain_introduced(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);
	unsigned int domid;
	bool yes;

	if (!arg)
		return -EINVAL;
	domid = domid_arg(arg);
	yes = domid == HV_DOMID_SELF || introduced(domid);
	return conn_reply(c, XPV_XS_IS_DOMAIN_INTRODUCED, yes ? "T" : "F", 2);
}

int do_get_domain_path(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);
	char path[40];
	int n;

	if (!arg)
		return -EINVAL;
	/* atoi, printed as unsigned: "/local/domain/4294967295" for -1. */
	n = snprintf(path, sizeof(path), "/local/domain/%u",
		     (unsigned int)atoi(arg));
	return conn_reply(c, XPV_XS_GET_DOMAIN_PATH, path, n + 1);
}

int do_set_target(struct conn *c, const char *p, unsigned int len)
{
	const char *a, *b;
	unsigned int domid, tdomid;

	if (two_args(p, len, &a, &b))
		return -EINVAL;
	domid = domid_arg(a);
	tdomid = domid_arg(b);
	if (!introduced(domid) || !introduced(tdomid))
		return -ENOENT;
	if ((domid && !conn_find_domain(domid)) ||
	    (tdomid && !conn_find_domain(tdomid)))
		return -EINVAL;
	perms_set_target(domid, tdomid);
	return conn_ack(c, XPV_XS_SET_TARGET);
}

int do_reset_watches(struct conn *c, const char *p, unsigned int len)
{
	watch_remove_all(c);
	txn_abort_all(c);
	return conn_ack(c, XPV_XS_RESET_WATCHES);
}
