/*
 * wire.h - dispatch of one request to its handler (the wire_funcs table)
 * and the reply: a handler returns 0 after queuing its reply, or -errno,
 * which becomes an XS_ERROR reply carrying Xen's name for the errno.
 */
#ifndef XPV_XENSTORED_WIRE_H
#define XPV_XENSTORED_WIRE_H

#include "ring/xs_wire.h"

struct conn;

/* payload: hdr->len bytes plus a NUL the handlers may rely on. */
void wire_dispatch(struct conn *c, const struct xpv_xsd_sockmsg *hdr,
		   const char *payload);

/* The handlers, each in the file of its subject. Each gets the payload
 * and its length, and returns 0 after queuing its reply, or -errno. */
typedef int wire_fn(struct conn *c, const char *payload, unsigned int len);

/* node.c: the store operations */
wire_fn do_read, do_write, do_mkdir, do_rm, do_directory, do_directory_part,
	do_get_perms, do_set_perms;
/* watch.c */
wire_fn do_watch, do_unwatch, do_reset_watches;
/* transaction.c */
wire_fn do_transaction_start, do_transaction_end;
/* domain.c */
wire_fn do_introduce, do_release, do_resume, do_is_domain_introduced,
	do_get_domain_path, do_set_target;
/* control.c */
wire_fn do_control;

/* Helpers for handlers: the number of NUL-terminated strings in payload;
 * the single argument (exactly one NUL, at the end) or NULL; the first two
 * strings of a payload that must hold at least two (0, or -EINVAL). */
unsigned int wire_count_strings(const char *payload, unsigned int len);
const char *wire_onearg(const char *payload, unsigned int len);
int wire_two_args(const char *payload, unsigned int len, const char **a,
		  const char **b);

#endif /* XPV_XENSTORED_WIRE_H */
