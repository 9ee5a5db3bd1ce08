/*
 * xenbus.h - a guest's xenstore client: Xen's wire protocol (io/xs_wire.h)
 * over the domain's xenstore ring and event channel (sim), over
 * /dev/xen/xenbus (a Linux guest on xen), or over any stream that speaks
 * the same protocol (a unix socket to xenstored, for dom0 tools and tests).
 *
 * One handle serves one thread at a time. Requests are serialised: each
 * call sends one request and waits for its reply, matched by req_id; watch
 * events that arrive meanwhile are queued in order and handed out by
 * xenbus_read_event(). The daemon is not trusted: a reply with a lying
 * length, an unknown type or a malformed payload is an error (-EIO, or
 * -EBADMSG for a payload that does not parse), never a crash; after a
 * framing error the handle is dead and every call returns -EIO.
 *
 * Error convention: int functions return 0 (or the stated non-negative
 * value) or -errno, the errno the daemon named in its XS_ERROR reply
 * (-ENOENT, -EACCES, -EAGAIN for a transaction to retry, ...) or a local
 * one (-ETIMEDOUT, -EIO, -EPIPE when the daemon hung up, -ENOMEM,
 * -E2BIG for a request over XENSTORE_PAYLOAD_MAX, -EINVAL for arguments
 * that cannot be sent). Pointer functions return NULL and set errno. Every returned
 * buffer is one allocation the caller frees with free().
 */
#ifndef XPV_FRONTEND_XENBUS_H
#define XPV_FRONTEND_XENBUS_H

#include <stdbool.h>
#include <stdint.h>

struct hv;
struct hv_evtchn;
struct xenbus;

/* A transaction id; XENBUS_TX_NONE outside any transaction. */
typedef uint32_t xenbus_tx_t;
#define XENBUS_TX_NONE 0u

/* --- Opening ---------------------------------------------------------- */

/*
 * The calling domain's own xenstore. sim: the ring page and port of
 * hv_domain_start_info(HV_DOMID_SELF), mapped and bound through hv (which
 * must outlive the handle). xen: /dev/xen/xenbus (or /proc/xen/xenbus).
 */
struct xenbus *xenbus_open(struct hv *hv);

/* A connected unix socket to xenstored at path (dom0 and tests). */
struct xenbus *xenbus_open_socket(const char *path);

/* Any stream fd speaking the wire protocol; the handle owns it and closes
 * it, also when the open fails. */
struct xenbus *xenbus_open_fd(int fd);

/*
 * A ring page (struct xenstore_domain_interface, one page) already mapped
 * by the caller, with ev a bound event channel handle whose local port
 * `port` reaches the daemon. ev must serve that port only: the client
 * consumes every event pending on it. The caller keeps both and frees them
 * after xenbus_close().
 */
struct xenbus *xenbus_open_ring(void *page, struct hv_evtchn *ev,
				uint32_t port);

void xenbus_close(struct xenbus *xb);

/* Give up waiting for a reply after ms milliseconds (-ETIMEDOUT; the
 * handle is dead afterwards, since the reply may still come). < 0: wait
 * forever, the default. */
void xenbus_set_timeout(struct xenbus *xb, int ms);

/* --- Nodes -------------------------------------------------------------- */

/*
 * Read path's value into *value (NUL-terminated for convenience; the
 * length without that NUL in *len, which may be NULL).
 */
int xenbus_read(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		char **value, unsigned int *len);
int xenbus_write(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		 const void *value, unsigned int len);
/* xenbus_write of a NUL-terminated string. */
int xenbus_write_str(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     const char *value);
int xenbus_mkdir(struct xenbus *xb, xenbus_tx_t tx, const char *path);
int xenbus_rm(struct xenbus *xb, xenbus_tx_t tx, const char *path);

/*
 * The children of path: *names is an array of *num strings, stored in the
 * same allocation (free(*names) frees all). Large directories are fetched
 * with XS_DIRECTORY_PART when the daemon answers E2BIG.
 */
int xenbus_directory(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     char ***names, unsigned int *num);

/* --- Permissions -------------------------------------------------------- */

/* As the wire's letters: n(one), r(ead), w(rite), b(oth). */
enum xenbus_perm_mode {
	XENBUS_PERM_NONE = 0,
	XENBUS_PERM_READ = 1,
	XENBUS_PERM_WRITE = 2,
	XENBUS_PERM_BOTH = 3,
};

/* The first entry names the owner (its mode applies to every domain not
 * listed); later ones grant a mode to one domain. */
struct xenbus_perm {
	unsigned int domid;
	enum xenbus_perm_mode mode;
};

/* *perms: *num entries, one allocation. */
int xenbus_get_perms(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     struct xenbus_perm **perms, unsigned int *num);
int xenbus_set_perms(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     const struct xenbus_perm *perms, unsigned int num);

/* --- Transactions ------------------------------------------------------- */

int xenbus_transaction_start(struct xenbus *xb, xenbus_tx_t *tx);
/* commit=false aborts. -EAGAIN on commit: a conflict; redo the
 * transaction from its start. */
int xenbus_transaction_end(struct xenbus *xb, xenbus_tx_t tx, bool commit);

/* --- Watches ------------------------------------------------------------ */

/* The daemon fires the watch once at once; that event is queued like any
 * other. */
int xenbus_watch(struct xenbus *xb, const char *path, const char *token);
int xenbus_unwatch(struct xenbus *xb, const char *path, const char *token);

/*
 * A pollable fd, readable when a watch event may be waiting: poll it for
 * POLLIN, then call xenbus_read_event() until -EAGAIN. It is owned by the
 * handle.
 */
int xenbus_event_fd(struct xenbus *xb);

/*
 * The oldest queued watch event, without blocking: *path and *token point
 * into one allocation, free(*path) frees both. -EAGAIN when none.
 */
int xenbus_read_event(struct xenbus *xb, char **path, char **token);

/* Events dropped because the queue was full (XENBUS_MAX_EVENTS). */
#define XENBUS_MAX_EVENTS 4096u
unsigned long xenbus_events_dropped(const struct xenbus *xb);

/* --- Domains ------------------------------------------------------------ */

/* XS_GET_DOMAIN_PATH: "/local/domain/<domid>" as the daemon says it. */
int xenbus_get_domain_path(struct xenbus *xb, unsigned int domid, char **path);

#endif /* XPV_FRONTEND_XENBUS_H */
