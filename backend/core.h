/*
 * backend/core.h - what the backend core's files share (not for backends:
 * they use xenbus.h). xenbus.c owns the core and its device list, finds
 * devices and routes watch events; state.c drives one device's state
 * machine; store.c reads and writes its nodes; error.c reports.
 */
#ifndef XPV_BACKEND_CORE_H
#define XPV_BACKEND_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/xenbus.h"

#define CORE_PATH_MAX 256u /* any node path the core builds or accepts */
#define CORE_CLASS_MAX 32u /* "vbd", "vif", "console", ... */
#define CORE_ROOT_MAX 96u /* /local/domain/<self>/backend/<class> */

struct core_class {
	struct core_class *next;
	char name[CORE_CLASS_MAX];
	char root[CORE_ROOT_MAX]; /* /local/domain/<self>/backend/<name> */
	char token[CORE_ROOT_MAX]; /* its watch's token */
	const struct xpv_backend_ops *ops;
	void *opaque;
};

/* Per-device log budget: LOG_BURST lines per LOG_WINDOW_MS, then one
 * line saying how many were dropped. */
#define LOG_BURST 32u
#define LOG_WINDOW_MS 10000

struct log_budget {
	long long window_start_ms;
	unsigned int used;
	unsigned long dropped;
};

struct xpv_backend_dev {
	struct xpv_backend_dev *next;
	struct xpv_backend *be;
	struct core_class *cls;
	unsigned int domid, devid;
	char path[CORE_PATH_MAX]; /* the backend directory */
	char fe[CORE_PATH_MAX]; /* the frontend directory; "" until read */
	char fe_token[CORE_PATH_MAX + 4]; /* "fe:" + path */
	/* What the core last wrote to (or adopted from) the store's
	 * backend state; Initialising until probed. */
	enum xpv_xenbus_state state;
	enum xpv_xenbus_state fe_state; /* as last read */
	/* The furthest state the frontend was read in since the device
	 * last went InitWait: one read behind it, it has started over. */
	enum xpv_xenbus_state fe_furthest;
	bool probed; /* probe succeeded, remove not yet called */
	bool connected; /* connect succeeded, disconnect not yet called */
	bool watching; /* the frontend's state is watched */
	bool dirty; /* to be driven on this dispatch */
	bool rewrite; /* state is not yet in the store (a write failed) */
	/* The backend reported an error (xpv_backend_error or _fatal) since
	 * the core last cleared this: the core's own report would bury it. */
	bool reported;
	void *priv;
	struct log_budget log;
};

struct xpv_backend {
	struct xs_handle *xs;
	char name[64];
	unsigned int self;
	struct core_class *classes;
	struct xpv_backend_dev *devs;
	unsigned int ndevs;
};

/* state.c: drive dev toward what the store asks. May free dev (when its
 * directory is gone). */
void state_drive(struct xpv_backend_dev *dev);
/* Write the backend's state node (only if the directory still exists). */
int state_switch(struct xpv_backend_dev *dev, enum xpv_xenbus_state to);

/* xenbus.c: forget dev (unwatch, unlink, free); the ops are not called. */
void core_forget(struct xpv_backend_dev *dev);
/* xenbus.c: stop watching the frontend's state (dev->watching). */
void core_unwatch_frontend(struct xpv_backend_dev *dev);

/* store.c: "<dir>/<key>" of side's directory into buf. */
int store_path(const struct xpv_backend_dev *dev, enum xpv_backend_side side,
	       const char *key, char *buf, size_t size);
/* The value of an absolute path, at most max bytes (-E2BIG beyond),
 * malloc'd and NUL-terminated; *len without the NUL. */
int store_read(struct xpv_backend *be, const char *path, size_t max,
	       char **value, unsigned int *len);
/* Does the absolute path exist? 1, 0, or -errno. */
int store_exists(struct xpv_backend *be, const char *path);

/* error.c: rate-limited log lines (errno kept) */
void log_dev(struct xpv_backend_dev *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_core(struct xpv_backend *be, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The state change of xpv_backend_fatal alone: Closing, unless closing or
 * closed already. */
void error_close(struct xpv_backend_dev *dev);

#endif /* XPV_BACKEND_CORE_H */
