/*
 * backend/xenbus.c - the backend core's device list: one watch per class
 * on /local/domain/<self>/backend/<class>, and one per device on its
 * frontend's state node. Each watch event only marks the devices it may
 * concern as dirty; once the queue is drained, each dirty device is
 * driven once (state.c), from what the store says then. So two events
 * close together cost one pass, the watch's initial fire is harmless, and
 * a device present before the daemon started is found by the same path as
 * a new one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "backend/core.h"

#define FE_TOKEN_PREFIX "fe:"
#define CLASS_TOKEN_PREFIX "class:"

struct xpv_backend *xpv_backend_open(const char *name, unsigned int self)
{
	struct xpv_backend *be;

	if (!name || self >= HV_DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	be = calloc(1, sizeof(*be));
	if (!be)
		return NULL;
	snprintf(be->name, sizeof(be->name), "%s", name);
	be->self = self;
	be->xs = xs_open(0);
	if (!be->xs) {
		int err = errno;

		free(be);
		errno = err;
		return NULL;
	}
	return be;
}

static bool class_name_ok(const char *class)
{
	size_t len = strlen(class);

	return len > 0 && len < CORE_CLASS_MAX && !strchr(class, '/');
}

int xpv_backend_add_class(struct xpv_backend *be, const char *class,
			  const struct xpv_backend_ops *ops, void *opaque)
{
	struct core_class *cls;

	if (!class_name_ok(class) || !ops || !ops->probe || !ops->connect ||
	    !ops->disconnect || !ops->remove)
		return -EINVAL;
	cls = calloc(1, sizeof(*cls));
	if (!cls)
		return -ENOMEM;
	snprintf(cls->name, sizeof(cls->name), "%s", class);
	snprintf(cls->root, sizeof(cls->root), "/local/domain/%u/backend/%s",
		 be->self, class);
	snprintf(cls->token, sizeof(cls->token), CLASS_TOKEN_PREFIX "%s",
		 class);
	cls->ops = ops;
	cls->opaque = opaque;
	if (!xs_watch(be->xs, cls->root, cls->token)) {
		int err = errno;

		free(cls);
		return -err;
	}
	cls->next = be->classes;
	be->classes = cls;
	return 0;
}

int xpv_backend_fd(const struct xpv_backend *be)
{
	return xs_fileno(be->xs);
}

struct xs_handle *xpv_backend_xs(struct xpv_backend *be)
{
	return be->xs;
}

unsigned int xpv_backend_count(const struct xpv_backend *be)
{
	return be->ndevs;
}

/* --- Finding devices ----------------------------------------------------- */

static struct xpv_backend_dev *find_dev(struct xpv_backend *be,
					const struct core_class *cls,
					unsigned int domid, unsigned int devid)
{
	struct xpv_backend_dev *dev;

	for (dev = be->devs; dev; dev = dev->next)
		if (dev->cls == cls && dev->domid == domid &&
		    dev->devid == devid)
			return dev;
	return NULL;
}

static struct xpv_backend_dev *new_dev(struct xpv_backend *be,
				       struct core_class *cls,
				       unsigned int domid, unsigned int devid)
{
	struct xpv_backend_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->be = be;
	dev->cls = cls;
	dev->domid = domid;
	dev->devid = devid;
	snprintf(dev->path, sizeof(dev->path), "%s/%u/%u", cls->root, domid,
		 devid);
	snprintf(dev->fe_token, sizeof(dev->fe_token), FE_TOKEN_PREFIX "%s",
		 dev->path);
	dev->state = XPV_XENBUS_STATE_INITIALISING;
	dev->fe_state = XPV_XENBUS_STATE_UNKNOWN;
	dev->next = be->devs;
	be->devs = dev;
	be->ndevs++;
	return dev;
}

/* Mark the device dirty, making it first if it is new to us. */
static void touch_dev(struct xpv_backend *be, struct core_class *cls,
		      unsigned int domid, unsigned int devid)
{
	struct xpv_backend_dev *dev = find_dev(be, cls, domid, devid);

	if (!dev)
		dev = new_dev(be, cls, domid, devid);
	if (dev)
		dev->dirty = true;
	else
		log_core(be, "%s/%u/%u: no memory for the device", cls->root,
			 domid, devid);
}

/* Every known device of cls (of one domain, or of all when domid < 0). */
static void touch_known(struct xpv_backend *be, const struct core_class *cls,
			long domid)
{
	struct xpv_backend_dev *dev;

	for (dev = be->devs; dev; dev = dev->next)
		if (dev->cls == cls && (domid < 0 || dev->domid == domid))
			dev->dirty = true;
}

static int parse_domid(const char *s, unsigned int *domid)
{
	unsigned long v;
	int ret = xpv_xenbus_parse_uint(s, HV_DOMID_FIRST_RESERVED - 1, &v);

	if (!ret)
		*domid = (unsigned int)v;
	return ret;
}

static int parse_devid(const char *s, unsigned int *devid)
{
	unsigned long v;
	int ret = xpv_xenbus_parse_uint(s, UINT32_MAX, &v);

	if (!ret)
		*devid = (unsigned int)v;
	return ret;
}

static void scan_domain(struct xpv_backend *be, struct core_class *cls,
			unsigned int domid)
{
	char path[CORE_PATH_MAX];
	unsigned int i, n, devid;
	char **names;

	snprintf(path, sizeof(path), "%s/%u", cls->root, domid);
	names = xs_directory(be->xs, XBT_NULL, path, &n);
	if (!names)
		return; /* gone already: the devices we knew are dirty */
	for (i = 0; i < n; i++)
		if (!parse_devid(names[i], &devid))
			touch_dev(be, cls, domid, devid);
	free(names);
}

static void scan_class(struct xpv_backend *be, struct core_class *cls)
{
	unsigned int i, n, domid;
	char **names = xs_directory(be->xs, XBT_NULL, cls->root, &n);

	if (!names)
		return;
	for (i = 0; i < n; i++)
		if (!parse_domid(names[i], &domid))
			scan_domain(be, cls, domid);
	free(names);
}

/* Copy the next component of *rest into buf; false when there is none. */
static bool next_component(const char **rest, char *buf, size_t size)
{
	const char *s = *rest, *end;
	size_t len;

	if (*s != '/')
		return false;
	s++;
	end = strchrnul(s, '/');
	len = (size_t)(end - s);
	if (len == 0 || len >= size)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*rest = end;
	return true;
}

/* An event under cls->root: <root>[/<domid>[/<devid>[/...]]]. */
static void route_class_event(struct xpv_backend *be, struct core_class *cls,
			      const char *path)
{
	size_t len = strlen(cls->root);
	const char *rest = path + len;
	unsigned int domid, devid;
	char part[16];

	if (strncmp(path, cls->root, len) || (*rest && *rest != '/'))
		return;
	if (!next_component(&rest, part, sizeof(part))) {
		touch_known(be, cls, -1);
		scan_class(be, cls);
		return;
	}
	if (parse_domid(part, &domid))
		return;
	if (!next_component(&rest, part, sizeof(part))) {
		touch_known(be, cls, domid);
		scan_domain(be, cls, domid);
		return;
	}
	if (!parse_devid(part, &devid))
		touch_dev(be, cls, domid, devid);
}

static void route_event(struct xpv_backend *be, const char *path,
			const char *token)
{
	struct xpv_backend_dev *dev;
	struct core_class *cls;

	if (!strncmp(token, FE_TOKEN_PREFIX, strlen(FE_TOKEN_PREFIX))) {
		for (dev = be->devs; dev; dev = dev->next)
			if (!strcmp(dev->fe_token, token))
				dev->dirty = true;
		return;
	}
	for (cls = be->classes; cls; cls = cls->next)
		if (!strcmp(cls->token, token))
			route_class_event(be, cls, path);
}

static void drive_dirty(struct xpv_backend *be)
{
	struct xpv_backend_dev *dev, *next;

	for (dev = be->devs; dev; dev = next) {
		next = dev->next; /* state_drive may free dev */
		if (dev->dirty) {
			dev->dirty = false;
			state_drive(dev);
		}
	}
}

int xpv_backend_dispatch(struct xpv_backend *be)
{
	char **ev;

	while ((ev = xs_check_watch(be->xs))) {
		route_event(be, ev[XS_WATCH_PATH], ev[XS_WATCH_TOKEN]);
		free(ev);
	}
	if (errno != EAGAIN)
		return -errno;
	drive_dirty(be);
	return 0;
}

void xpv_backend_kick(struct xpv_backend_dev *dev)
{
	dev->dirty = true;
}

/* --- Forgetting ---------------------------------------------------------- */

void core_unwatch_frontend(struct xpv_backend_dev *dev)
{
	char path[CORE_PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s/state", dev->fe);
	xs_unwatch(dev->be->xs, path, dev->fe_token);
	dev->watching = false;
}

void core_forget(struct xpv_backend_dev *dev)
{
	struct xpv_backend *be = dev->be;
	struct xpv_backend_dev **p;

	if (dev->watching)
		core_unwatch_frontend(dev);
	for (p = &be->devs; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	be->ndevs--;
	free(dev);
}

void xpv_backend_close(struct xpv_backend *be)
{
	struct core_class *cls, *next;

	if (!be)
		return;
	while (be->devs) {
		struct xpv_backend_dev *dev = be->devs;
		const struct xpv_backend_ops *ops = dev->cls->ops;

		if (dev->connected)
			ops->disconnect(dev);
		if (dev->probed)
			ops->remove(dev);
		core_forget(dev);
	}
	for (cls = be->classes; cls; cls = next) {
		next = cls->next;
		xs_unwatch(be->xs, cls->root, cls->token);
		free(cls);
	}
	xs_close(be->xs);
	free(be);
}

/* --- Accessors ------------------------------------------------------------ */

const char *xpv_backend_dev_class(const struct xpv_backend_dev *dev)
{
	return dev->cls->name;
}

unsigned int xpv_backend_dev_domid(const struct xpv_backend_dev *dev)
{
	return dev->domid;
}

unsigned int xpv_backend_dev_devid(const struct xpv_backend_dev *dev)
{
	return dev->devid;
}

const char *xpv_backend_dev_path(const struct xpv_backend_dev *dev)
{
	return dev->path;
}

const char *xpv_backend_dev_frontend(const struct xpv_backend_dev *dev)
{
	return dev->fe;
}

enum xpv_xenbus_state xpv_backend_dev_state(const struct xpv_backend_dev *dev)
{
	return dev->state;
}

enum xpv_xenbus_state
xpv_backend_dev_frontend_state(const struct xpv_backend_dev *dev)
{
	return dev->fe_state;
}

struct xpv_backend *xpv_backend_dev_core(struct xpv_backend_dev *dev)
{
	return dev->be;
}

void *xpv_backend_dev_opaque(const struct xpv_backend_dev *dev)
{
	return dev->cls->opaque;
}

void *xpv_backend_dev_priv(const struct xpv_backend_dev *dev)
{
	return dev->priv;
}

void xpv_backend_dev_set_priv(struct xpv_backend_dev *dev, void *priv)
{
	dev->priv = priv;
}
