/*
 * wire.c - dispatch through one table (Xen's wire_funcs[]); the handlers
 * live in the files of their subjects (wire.h lists them).
 *
 * The dispatcher does what every message shares, in Xen's order: unknown
 * type -> ENOSYS; a privileged-only type from an unprivileged connection
 * -> EACCES; an unknown transaction id -> ENOENT (types that ignore the
 * id skip this); a change on a read-only connection -> EROFS. A handler
 * returns -errno and the dispatcher sends the error reply.
 */
#include <errno.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/log.h"
#include "xenstored/transaction.h"
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

int wire_two_args(const char *p, unsigned int len, const char **a,
		  const char **b)
{
	if (wire_count_strings(p, len) < 2)
		return -EINVAL;
	*a = p;
	*b = p + strlen(p) + 1;
	return 0;
}
