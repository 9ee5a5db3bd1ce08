/*
 * domain.c - xenstored's domains: the domain-ring transport and the
 * requests about domains (contract in domain.h).
 *
 * Each introduced domain has one struct domain: its mapped ring page
 * (struct xenstore_domain_interface), the local port bound to its store
 * port, and one core connection (conn.h) whose bytes come from the req
 * ring and go to the rsp ring. One event channel handle serves every
 * domain and VIRQ_DOM_EXC; its fd is in the event loop.
 *
 * The page is the guest's to scribble on. Rules, after Xen's xenstored and
 * docs/misc/xenstore-ring.txt:
 *   - indices are read once per call and checked (ring/byte_ring.c); an
 *     impossible pair sets error = XENSTORE_ERROR_RINGIDX, and a framing
 *     violation the core detects (len > XENSTORE_PAYLOAD_MAX) sets
 *     XENSTORE_ERROR_PROTO; either way the connection is destroyed and the
 *     domain is no longer served, but stays introduced, so nothing else is
 *     affected and the toolstack can still release it;
 *   - the guest may ask to reconnect (connection = XENSTORE_RECONNECT):
 *     its connection is replaced by a fresh one (no watches, no
 *     transactions, nothing half-read), the indices zeroed, error cleared,
 *     connection set back to XENSTORE_CONNECTED, and the port notified;
 *   - server_features advertises RECONNECTION and ERROR before any byte
 *     moves.
 *
 * Domain death (Xen's check_domains on VIRQ_DOM_EXC): a domain seen shut
 * down or crashed fires @releaseDomain once, so the toolstack notices; a
 * domain that is dying or gone is released as by XS_RELEASE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hv/hv.h"
#include "ring/byte_ring.h"
#include "ring/xs_wire.h"
#include "xenstored/conn_int.h"
#include "xenstored/domain.h"
#include "xenstored/log.h"
#include "xenstored/loop.h"
#include "xenstored/node_int.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

/* Xen's GNTTAB_RESERVED_XENSTORE: the grant a domain builder sets up for
 * the store page (xen/grant_table.h). */
#define GNTTAB_RESERVED_XENSTORE 1u

#define SERVER_FEATURES                             \
	(XPV_XENSTORE_SERVER_FEATURE_RECONNECTION | \
	 XPV_XENSTORE_SERVER_FEATURE_ERROR)

/* Ports handled per loop callback: the fd is level-triggered, so the rest
 * wait for the next round and one noisy guest cannot starve the others. */
#define EVENTS_PER_ROUND 256

#define PORT_BUCKETS 256u

enum mapping {
	MAP_NONE, /* a test page (domain_attach_test) */
	MAP_GRANT,
	MAP_FOREIGN,
	MAP_LOCAL, /* dom0's own ring on xen; the platform owns it */
};

struct domain {
	unsigned int domid;
	struct xpv_xenstore_domain_interface *intf;
	struct xpv_byte_ring req, rsp;
	enum mapping mapping;
	int port; /* local port, or -1 */
	struct domain *port_next; /* hash chain of ports[] */
	struct conn *conn; /* NULL once the ring is broken */
	struct ring_link *link; /* conn's transport state */
	bool shutdown; /* seen shut down; @releaseDomain fired */
	bool serving; /* inside serve(): notifications wait for its end */
	bool moved; /* an index moved while serving */
	bool released; /* released while serving: serve() frees it */
};

/*
 * A connection's transport state: the domain it reads, or NULL once we
 * detached it. The core may free a connection later than we destroy it
 * (when it is busy on the stack), and may still call read, write and close
 * until then: those must then touch neither the domain nor its page.
 */
struct ring_link {
	struct domain *d;
};

static struct hv *hv;
static struct hv_evtchn *ev;
static int virq_port = -1;
static struct domain **doms; /* by domid, HV_DOMID_FIRST_RESERVED slots */
static struct domain *ports[PORT_BUCKETS];
/* The hypervisor's domain list, kept between VIRQ_DOM_EXC events (grown
 * as needed, freed by domain_exit). */
static struct hv_dominfo *dominfo;
static unsigned int dominfo_cap;

/* --- Lookup ------------------------------------------------------------- */

static int doms_alloc(void)
{
	if (!doms)
		doms = calloc(HV_DOMID_FIRST_RESERVED, sizeof(*doms));
	return doms ? 0 : -ENOMEM;
}

static struct domain *find_domain(unsigned int domid)
{
	if (!doms || domid >= HV_DOMID_FIRST_RESERVED)
		return NULL;
	return doms[domid];
}

static struct domain *find_port(int port)
{
	struct domain *d;

	for (d = ports[(unsigned int)port % PORT_BUCKETS]; d; d = d->port_next)
		if (d->port == port)
			return d;
	return NULL;
}

static void port_link(struct domain *d)
{
	struct domain **head = &ports[(unsigned int)d->port % PORT_BUCKETS];

	d->port_next = *head;
	*head = d;
}

static void port_unlink(struct domain *d)
{
	struct domain **pp;

	if (d->port < 0)
		return;
	pp = &ports[(unsigned int)d->port % PORT_BUCKETS];
	for (; *pp; pp = &(*pp)->port_next) {
		if (*pp == d) {
			*pp = d->port_next;
			break;
		}
	}
}

/* --- The ring ----------------------------------------------------------- */

static void notify(struct domain *d)
{
	int ret;

	if (!ev || d->port < 0)
		return;
	ret = hv_evtchn_notify(ev, (hv_port_t)d->port);
	if (ret < 0)
		/* Rate-limited: a guest that closed its end can cause it. */
		xs_log_rl("domain %u: notifying port %d: %s; it may not see "
			  "its ring move",
			  d->domid, d->port, strerror(-ret));
}

/* An index moved. While serving a notification, tell the guest once at
 * the end (one wake-up per round trip, not one per request read and reply
 * written); otherwise (events from other clients' requests) at once. */
static void moved(struct domain *d)
{
	if (d->serving)
		d->moved = true;
	else
		notify(d);
}

/* Stop serving d, telling the guest why through the page. */
static void set_error(struct domain *d, uint32_t err)
{
	if (__atomic_load_n(&d->intf->error, __ATOMIC_RELAXED) ==
	    XPV_XENSTORE_ERROR_NONE) {
		/* Rate-limited: a guest may break and reconnect in a loop. */
		xs_log_rl("domain %u: ring error %u, connection dropped",
			  d->domid, err);
		__atomic_store_n(&d->intf->error, err, __ATOMIC_RELEASE);
	}
	notify(d);
}

static ssize_t ring_read(void *priv, void *buf, size_t len)
{
	struct domain *d = ((struct ring_link *)priv)->d;
	int n;

	if (!d)
		return -EPIPE;
	n = xpv_byte_ring_read(&d->req, buf, len);
	if (n < 0) {
		set_error(d, XPV_XENSTORE_ERROR_RINGIDX);
		return n;
	}
	if (n == 0)
		return -EAGAIN;
	/* Room appeared for the guest's next request. */
	moved(d);
	return n;
}

static ssize_t ring_write(void *priv, const void *buf, size_t len)
{
	struct domain *d = ((struct ring_link *)priv)->d;
	int n;

	if (!d)
		return -EPIPE;
	n = xpv_byte_ring_write(&d->rsp, buf, len);
	if (n < 0) {
		set_error(d, XPV_XENSTORE_ERROR_RINGIDX);
		return n;
	}
	if (n == 0)
		return -EAGAIN;
	moved(d);
	return n;
}

/* The core destroyed a connection we did not detach: a protocol error it
 * found in the guest's bytes (or broken indices, already flagged). */
static void ring_close(void *priv)
{
	struct ring_link *link = priv;
	struct domain *d = link->d;

	if (d) {
		d->conn = NULL;
		d->link = NULL;
		set_error(d, XPV_XENSTORE_ERROR_PROTO);
	}
	free(link);
}

static const struct conn_transport ring_transport = {
	.name = "ring",
	.read = ring_read,
	.write = ring_write,
	.close = ring_close,
	.is_domain = true,
};

static int connect_ring(struct domain *d)
{
	struct ring_link *link = malloc(sizeof(*link));

	if (!link)
		return -ENOMEM;
	link->d = d;
	d->conn = conn_new(&ring_transport, link, d->domid);
	if (!d->conn) {
		free(link);
		return -errno;
	}
	d->link = link;
	return 0;
}

/* Our side ends the connection: detach first, so nothing the core still
 * does with it reaches d. */
static void disconnect(struct domain *d)
{
	struct conn *c = d->conn;

	if (!c)
		return;
	d->link->d = NULL;
	d->link = NULL;
	d->conn = NULL;
	conn_destroy(c);
}

/*
 * docs/misc/xenstore-ring.txt, "The ring reconnection feature". Without
 * memory for the new connection we do not claim CONNECTED: the guest keeps
 * waiting, and its next notification (serve() sees RECONNECT) tries again.
 */
static void reconnect(struct domain *d)
{
	struct xpv_xenstore_domain_interface *intf = d->intf;

	disconnect(d);
	intf->req_cons = intf->req_prod = 0;
	intf->rsp_cons = intf->rsp_prod = 0;
	__atomic_store_n(&intf->error, XPV_XENSTORE_ERROR_NONE,
			 __ATOMIC_RELAXED);
	if (connect_ring(d) < 0) {
		/* Rate-limited: the guest decides how often we get here. */
		xs_log_rl("domain %u: no memory to reconnect", d->domid);
		return;
	}
	__atomic_store_n(&intf->connection, XPV_XENSTORE_CONNECTED,
			 __ATOMIC_RELEASE);
	notify(d);
}

/* The guest signalled: it wrote requests, consumed replies, or asks to
 * reconnect. */
static void serve(struct domain *d)
{
	if (__atomic_load_n(&d->intf->connection, __ATOMIC_ACQUIRE) ==
	    XPV_XENSTORE_RECONNECT)
		reconnect(d);
	d->serving = true;
	if (d->conn)
		conn_input_ready(d->conn);
	/* The input may have broken the ring and destroyed the connection. */
	if (d->conn)
		conn_output_ready(d->conn);
	d->serving = false;
	if (d->released) {
		/* Its own request released it (a privileged domain can). */
		free(d);
		return;
	}
	if (d->moved) {
		d->moved = false;
		notify(d);
	}
}

/* --- Domains ------------------------------------------------------------ */

static struct domain *domain_new(unsigned int domid, void *page,
				 enum mapping mapping)
{
	struct domain *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->domid = domid;
	d->intf = page;
	d->mapping = mapping;
	d->port = -1;
	xpv_byte_ring_xenstore_req(&d->req, d->intf);
	xpv_byte_ring_xenstore_rsp(&d->rsp, d->intf);
	__atomic_or_fetch(&d->intf->server_features, SERVER_FEATURES,
			  __ATOMIC_RELEASE);
	return d;
}

static void unmap(struct domain *d)
{
	switch (d->mapping) {
	case MAP_GRANT:
		hv_grant_unmap(hv, d->intf, 1);
		break;
	case MAP_FOREIGN:
		hv_foreign_unmap(hv, d->intf, 1);
		break;
	case MAP_NONE:
	case MAP_LOCAL:
		break;
	}
}

static void unbind(struct domain *d)
{
	port_unlink(d);
	if (ev && d->port >= 0)
		hv_evtchn_unbind(ev, (hv_port_t)d->port);
	d->port = -1;
}

static int bind(struct domain *d, unsigned int remote_port)
{
	int port = hv_evtchn_bind_interdomain(ev, (hv_domid_t)d->domid,
					      remote_port);

	if (port < 0)
		return port;
	d->port = port;
	port_link(d);
	return 0;
}

/* d is no longer introduced; serve() frees it if it is on the stack. */
static void domain_free(struct domain *d)
{
	doms[d->domid] = NULL;
	if (d->serving)
		d->released = true;
	else
		free(d);
}

/* The store page: its reserved grant, else (as Xen's xenstored) the
 * frame the toolstack named. NULL with errno set; when both fail, the log
 * says why the grant failed and errno why the frame did. */
static void *map_page(unsigned int domid, uint64_t frame, enum mapping *mapping)
{
	hv_gref_t ref = GNTTAB_RESERVED_XENSTORE;
	hv_frame_t f = frame;
	int grant_err;
	void *page;

	page = hv_grant_map(hv, (hv_domid_t)domid, 1, &ref, true);
	if (page) {
		*mapping = MAP_GRANT;
		return page;
	}
	grant_err = errno;
	page = hv_foreign_map(hv, (hv_domid_t)domid, 1, &f, true);
	if (!page)
		xs_log("domain %u: store page: grant %u: %s; frame %#llx: %s",
		       domid, ref, strerror(grant_err),
		       (unsigned long long)frame, strerror(errno));
	*mapping = MAP_FOREIGN;
	return page;
}

/* Start serving a new domain: connection first, then the guest may talk. */
static int attach(struct domain *d, unsigned int remote_port)
{
	int ret;

	if (remote_port) {
		ret = bind(d, remote_port);
		if (ret < 0)
			return ret;
	}
	ret = connect_ring(d);
	if (ret < 0) {
		unbind(d);
		return ret;
	}
	doms[d->domid] = d;
	return 0;
}

/* XS_INTRODUCE of a domain already introduced: as Xen 4.17, bind the
 * (possibly new) port and start the connection afresh. The old port is
 * unbound first (the remote port may be the same); if the new one cannot
 * be bound the domain keeps its connection, but has no port until an
 * XS_INTRODUCE binds one, and the caller gets the error. */
static int reintroduce(struct domain *d, unsigned int remote_port)
{
	int ret;

	unbind(d);
	ret = bind(d, remote_port);
	if (ret < 0) {
		xs_log("domain %u: rebinding port %u: %s", d->domid,
		       remote_port, strerror(-ret));
		return ret;
	}
	reconnect(d);
	return 0;
}

static int introduce_new(unsigned int domid, uint64_t frame,
			 unsigned int remote_port)
{
	enum mapping mapping;
	struct domain *d;
	void *page;
	int ret;

	page = map_page(domid, frame, &mapping);
	if (!page)
		return -errno;
	d = domain_new(domid, page, mapping);
	if (!d) {
		ret = -ENOMEM;
		goto unmap;
	}
	ret = attach(d, remote_port);
	if (ret < 0)
		goto free;
	watch_fire_special(XS_SPECIAL_INTRODUCE);
	/* A guest that raced ahead of us may have asked already. */
	serve(d);
	return 0;
free:
	free(d);
unmap:
	if (mapping == MAP_GRANT)
		hv_grant_unmap(hv, page, 1);
	else
		hv_foreign_unmap(hv, page, 1);
	return ret;
}

static int introduce(unsigned int domid, uint64_t frame, unsigned int port)
{
	struct domain *d;

	if (domid >= HV_DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (!hv || !ev)
		return -ENOSYS;
	if (doms_alloc() < 0)
		return -ENOMEM;
	d = find_domain(domid);
	if (d)
		return reintroduce(d, port);
	if (domid == 0)
		return -EINVAL; /* dom0 has the socket, or its own ring */
	return introduce_new(domid, frame, port);
}

/*
 * Everything of the domain goes, in this order: its connection (with its
 * watches and transactions), the nodes it owns and its place in others'
 * permissions, its XS_SET_TARGET relations and quota accounting, its port
 * and page; then @releaseDomain tells the toolstack.
 */
int domain_release(unsigned int domid)
{
	struct domain *d;

	if (domid == 0)
		return -EINVAL; /* as Xen: dom0 cannot be released */
	d = find_domain(domid);
	if (!d)
		return -ENOENT;
	disconnect(d);
	node_forget_domain(domid);
	perms_forget(domid);
	quota_forget(domid);
	unbind(d);
	unmap(d);
	domain_free(d);
	watch_fire_special(XS_SPECIAL_RELEASE);
	return 0;
}

/* Domain 0 is always introduced: Xen's xenstored introduces it at start
 * (dom0's own ring); here its clients use the socket. DOMID_SELF always
 * is, as in Xen. */
static bool introduced(unsigned int domid)
{
	return domid == 0 || domid == HV_DOMID_SELF || find_domain(domid);
}

bool domain_exists(unsigned int domid)
{
	struct hv_dominfo info;

	if (domid == 0 || !hv)
		return true;
	if (domid >= HV_DOMID_FIRST_RESERVED)
		return false;
	if (find_domain(domid))
		return true;
	return hv_domain_info(hv, domid, &info) == 0;
}

/* --- The requests about domains ----------------------------------------- */

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
	ret = introduce(domid, frame, port);
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

	if (!ret)
		ret = domain_release(domid);
	return ret ? ret : conn_ack(c, XPV_XS_RELEASE);
}

/* The domain resumed after suspend: clear its shutdown state. */
int do_resume(struct conn *c, const char *p, unsigned int len)
{
	unsigned int domid;
	struct domain *d;
	int ret = onearg_domid(p, len, &domid);

	if (ret)
		return ret;
	d = find_domain(domid);
	if (!d)
		return -ENOENT;
	d->shutdown = false;
	return conn_ack(c, XPV_XS_RESUME);
}

int do_is_domain_introduced(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);

	if (!arg)
		return -EINVAL;
	return conn_reply(c, XPV_XS_IS_DOMAIN_INTRODUCED,
			  introduced(domid_arg(arg)) ? "T" : "F", 2);
}

int do_get_domain_path(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);
	char path[40];
	int n;

	if (!arg)
		return -EINVAL;
	/* atoi, printed as unsigned: "/local/domain/4294967295" for -1. */
	n = snprintf(path, sizeof(path), "/local/domain/%u", domid_arg(arg));
	return conn_reply(c, XPV_XS_GET_DOMAIN_PATH, path, n + 1);
}

int do_set_target(struct conn *c, const char *p, unsigned int len)
{
	const char *a, *b;
	unsigned int domid, tdomid;

	if (wire_two_args(p, len, &a, &b))
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

/* --- Domain death (VIRQ_DOM_EXC) ---------------------------------------- */

static struct hv_dominfo *list_domains(int *count)
{
	struct hv_dominfo *grown;
	int n;

	if (!dominfo) {
		dominfo = calloc(256, sizeof(*dominfo));
		if (!dominfo)
			return NULL;
		dominfo_cap = 256;
	}
	for (;;) {
		n = hv_domain_list(hv, dominfo, dominfo_cap);
		if (n < 0) {
			errno = -n;
			return NULL;
		}
		if ((unsigned int)n < dominfo_cap ||
		    dominfo_cap >= HV_DOMID_FIRST_RESERVED) {
			*count = n;
			return dominfo;
		}
		grown = realloc(dominfo, 2 * dominfo_cap * sizeof(*dominfo));
		if (!grown)
			return NULL;
		dominfo = grown;
		dominfo_cap *= 2;
	}
}

static const struct hv_dominfo *info_of(const struct hv_dominfo *info, int n,
					unsigned int domid)
{
	int i;

	for (i = 0; i < n; i++)
		if (info[i].domid == domid)
			return &info[i];
	return NULL;
}

/* Xen's check_domains(): returns whether @releaseDomain must still fire
 * for a newly seen shutdown. */
static bool check_domain(struct domain *d, const struct hv_dominfo *di,
			 bool *released)
{
	*released = false;
	if (di && !(di->flags & HV_DOMINF_DYING)) {
		if ((di->flags & HV_DOMINF_SHUTDOWN) && !d->shutdown) {
			d->shutdown = true;
			return true;
		}
		return false;
	}
	*released = true;
	return false;
}

static void check_domains(void)
{
	const struct hv_dominfo *info;
	bool notify_release = false, released;
	unsigned int domid;
	int n;

	info = list_domains(&n);
	if (!info) {
		xs_log("listing domains: %s", strerror(errno));
		return;
	}
	for (domid = 1; domid < HV_DOMID_FIRST_RESERVED; domid++) {
		struct domain *d = doms[domid];

		if (!d)
			continue;
		if (check_domain(d, info_of(info, n, domid), &released))
			notify_release = true;
		if (released)
			domain_release(domid);
	}
	if (notify_release)
		watch_fire_special(XS_SPECIAL_RELEASE);
}

static void on_event(int fd __attribute__((unused)),
		     uint32_t events __attribute__((unused)),
		     void *arg __attribute__((unused)))
{
	struct domain *d;
	int i, port;

	for (i = 0; i < EVENTS_PER_ROUND; i++) {
		port = hv_evtchn_pending(ev);
		if (port < 0)
			break;
		/* Unmask first: a notify during serve() then fires anew. A
		 * port that cannot be re-armed is served now and not again
		 * until its ring is looked at for another reason. */
		if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
			xs_log("port %d could not be unmasked", port);
		if (port == virq_port && doms) {
			check_domains();
			continue;
		}
		d = find_port(port);
		if (d)
			serve(d);
	}
}

/* --- Start-up and exit -------------------------------------------------- */

/* dom0's own ring on xen (/proc/xen/xsd_kva, xsd_port). */
static int attach_local_ring(void)
{
	hv_port_t port;
	struct domain *d;
	void *page;
	int ret;

	ret = hv_xenstore_local_ring(hv, &page, &port);
	if (ret == -EOPNOTSUPP)
		return 0;
	if (ret < 0) {
		/* As Xen's dom0_init, fatal: dom0's kernel would wait for us
		 * forever. */
		xs_log("dom0's ring (/proc/xen/xsd_kva, xsd_port): %s; is "
		       "xenfs mounted on /proc/xen?",
		       strerror(-ret));
		return ret;
	}
	d = domain_new(0, page, MAP_LOCAL);
	if (!d)
		return -ENOMEM;
	ret = attach(d, port);
	if (ret < 0) {
		free(d);
		return ret;
	}
	/* As Xen's dom0_init: the kernel may already wait on the ring. */
	notify(d);
	serve(d);
	return 0;
}

static int bind_virq(void)
{
	int port = hv_evtchn_bind_virq(ev, HV_VIRQ_DOM_EXC);

	if (port < 0) {
		xs_log("VIRQ_DOM_EXC refused (%s): dead domains are released "
		       "only by XS_RELEASE",
		       strerror(-port));
		return 0;
	}
	virq_port = port;
	return 0;
}

int domain_init(struct hv *h)
{
	int ret;

	hv = h;
	if (!hv)
		return 0;
	ret = doms_alloc();
	if (ret < 0)
		return ret;
	ev = hv_evtchn_open(hv);
	if (!ev)
		return -errno;
	ret = loop_add_fd(hv_evtchn_fd(ev), EPOLLIN, on_event, NULL);
	if (ret < 0)
		goto close;
	if (hv_privileged(hv))
		bind_virq();
	ret = attach_local_ring();
	if (ret < 0)
		goto del;
	return 0;
del:
	loop_del_fd(hv_evtchn_fd(ev));
close:
	hv_evtchn_close(ev);
	ev = NULL;
	return ret;
}

void domain_exit(void)
{
	unsigned int domid;
	struct domain *d;

	for (domid = 0; doms && domid < HV_DOMID_FIRST_RESERVED; domid++) {
		d = doms[domid];
		if (!d)
			continue;
		disconnect(d);
		unbind(d);
		unmap(d);
		free(d);
	}
	free(doms);
	doms = NULL;
	free(dominfo);
	dominfo = NULL;
	dominfo_cap = 0;
	if (ev) {
		loop_del_fd(hv_evtchn_fd(ev));
		hv_evtchn_close(ev);
		ev = NULL;
	}
	virq_port = -1;
	hv = NULL;
}

/* --- Tests and fuzzing -------------------------------------------------- */

int domain_attach_test(unsigned int domid, void *page)
{
	struct domain *d;
	int ret;

	if (domid == 0 || domid >= HV_DOMID_FIRST_RESERVED || !page)
		return -EINVAL;
	ret = doms_alloc();
	if (ret < 0)
		return ret;
	if (find_domain(domid))
		return -EEXIST;
	d = domain_new(domid, page, MAP_NONE);
	if (!d)
		return -ENOMEM;
	ret = attach(d, 0);
	if (ret < 0)
		free(d);
	return ret;
}

int domain_kick(unsigned int domid)
{
	struct domain *d = find_domain(domid);

	if (!d)
		return -ENOENT;
	serve(d);
	return 0;
}
