/*
 * backend/state.c - one device's XenbusState machine, on the backend side.
 *
 * The states are Xen's (io/xenbus.h); the backend writes its own in
 * <backend>/state and reads the frontend's in <frontend>/state. What moves
 * the backend is what the store says when the device is driven: the
 * frontend's state, whether the backend directory still exists, `online`,
 * `hotplug-status`, and a Closing the toolstack wrote to ask for an unplug.
 * Each drive reads all of that afresh, so it does not matter how many
 * watch events led to it, nor which were missed.
 *
 * 1. The diagram (backend states; the frontend's in brackets):
 *
 *                   Initialising (not probed)
 *                        |  probe                        remove from any
 *                        v                               state when the
 *        +-------> InitWait <-------------------+        directory goes
 *        |               |  connect [Initialised|       (and when Closed
 *        |               |  or Connected; after |        and offline)
 *        |               v   hotplug-status]    |
 *        |          Connected ------------------+ restart [Initialising]
 *        |           |      |
 *        |  [Closing]|      |[Closed or gone]
 *        |           v      |
 *        |        Closing   |   <- fatal from InitWait or Connected,
 *        |           |      |      or the toolstack's Closing
 *        |  [Closed, |      |
 *        |  or started over]|
 *        |           v      v
 *        +------- Closed <--+   (InitWait goes to Closed too, on [Closed])
 *      reopen [Initialising,
 *       or a frontend that skipped to Initialised/Connected]
 *
 * 2. The transitions: transitions[] below, one row per (backend state,
 *    frontend class), naming the step that performs it. A pair not in the
 *    table leaves the device as it is. One drive may take several rows
 *    (Closed -> InitWait -> Connected for a frontend that skipped
 *    Initialising), at most DRIVE_STEPS.
 *
 * 3. The invariants, checked after every step in debug builds
 *    (assert_dev_state):
 *    - Initialising: not probed, not connected.
 *    - InitWait: probed, not connected, the frontend's path known.
 *    - Connected: probed and connected (the backend's connect succeeded
 *      and disconnect has not been called since).
 *    - Closing: connected only if probed (the ring may still be in use:
 *      disks finish what is in flight, as Linux's blkback does).
 *    - Closed: not connected.
 *    - In every state: connected implies probed; the state is one of the
 *      five above.
 *
 * Choices where Xen's header is silent (docs/backend.md):
 * - A frontend that goes back to Initialising while Connected restarted
 *   without closing (a guest program killed): disconnect, InitWait, and
 *   connect again when it publishes a new ring. Linux's blkback ignores
 *   that and stays connected to the dead ring.
 * - A Connected device whose frontend's directory vanished (the guest was
 *   destroyed) is disconnected and Closed; it is removed when the
 *   toolstack removes its directory.
 * - Initialising read over a device taken further is a new device at the
 *   same path (start_over_if_new): the old is removed, the new probed.
 * - A new backend daemon probes a device it finds in any state but
 *   offline. One the store says is Connected at both ends was left by a
 *   daemon that was killed: a backend with a resume op takes over that
 *   ring and the device stays Connected, with no write to the store (a
 *   Linux frontend that sees its backend leave Connected tears its disk
 *   down); without one, or when it fails, InitWait and connect as for
 *   any device, and connect decides (blkback then waits for the
 *   frontend to connect again).
 * - A frontend in Closing waits for nothing: a restarting one writes
 *   Closed and Initialising at once, and the drive (which reads the store
 *   afresh) may never see the Closed. A frontend read in a state before
 *   the furthest it reached since our InitWait (dev->fe_furthest) has
 *   been through Closed and started over: a Closing device then closes
 *   and reopens as if it had seen the Closed. Without that it waited in
 *   Closing for a Closed that had come and gone.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "backend/core.h"

#define DRIVE_STEPS 8

/* What the frontend's state means to the backend. */
enum fe_class {
	FE_GONE, /* Unknown, no state node, no directory */
	FE_NEW, /* Initialising, InitWait */
	FE_READY, /* Initialised, Connected */
	FE_CLOSING,
	FE_CLOSED,
	FE_BAD, /* garbage, out of range, Reconfiguring/Reconfigured */
	FE_ANY, /* in transitions[] only: every class */
};

/* The store as one drive saw it. */
struct view {
	bool online;
	int be_state; /* the backend's state node; -1 unreadable */
	enum fe_class fe;
};

typedef void step_fn(struct xpv_backend_dev *dev, const struct view *v);

struct transition {
	enum xpv_xenbus_state from;
	enum fe_class fe;
	step_fn *step;
};

static step_fn step_probe, step_connect, step_restart, step_closing,
	step_closed, step_started_over, step_reopen, step_bad;

static const struct transition transitions[] = {
	{ XPV_XENBUS_STATE_INITIALISING, FE_ANY, step_probe },
	{ XPV_XENBUS_STATE_INIT_WAIT, FE_READY, step_connect },
	{ XPV_XENBUS_STATE_INIT_WAIT, FE_CLOSING, step_closing },
	{ XPV_XENBUS_STATE_INIT_WAIT, FE_CLOSED, step_closed },
	{ XPV_XENBUS_STATE_INIT_WAIT, FE_BAD, step_bad },
	{ XPV_XENBUS_STATE_CONNECTED, FE_NEW, step_restart },
	{ XPV_XENBUS_STATE_CONNECTED, FE_CLOSING, step_closing },
	{ XPV_XENBUS_STATE_CONNECTED, FE_CLOSED, step_closed },
	{ XPV_XENBUS_STATE_CONNECTED, FE_GONE, step_closed },
	{ XPV_XENBUS_STATE_CONNECTED, FE_BAD, step_bad },
	{ XPV_XENBUS_STATE_CLOSING, FE_CLOSED, step_closed },
	{ XPV_XENBUS_STATE_CLOSING, FE_GONE, step_closed },
	{ XPV_XENBUS_STATE_CLOSING, FE_NEW, step_started_over },
	{ XPV_XENBUS_STATE_CLOSING, FE_READY, step_started_over },
	{ XPV_XENBUS_STATE_CLOSED, FE_NEW, step_reopen },
	{ XPV_XENBUS_STATE_CLOSED, FE_READY, step_reopen },
};

/* --- Invariants ------------------------------------------------------------ */

#ifndef NDEBUG
static bool dev_state_ok(const struct xpv_backend_dev *dev)
{
	if (dev->connected && !dev->probed)
		return false;
	switch (dev->state) {
	case XPV_XENBUS_STATE_INITIALISING:
		return !dev->probed && !dev->connected;
	case XPV_XENBUS_STATE_INIT_WAIT:
		return dev->probed && !dev->connected && dev->fe[0];
	case XPV_XENBUS_STATE_CONNECTED:
		return dev->probed && dev->connected;
	case XPV_XENBUS_STATE_CLOSING:
		return true;
	case XPV_XENBUS_STATE_CLOSED:
		return !dev->connected;
	default:
		return false;
	}
}
#define assert_dev_state(dev) assert(dev_state_ok(dev))
#else
#define assert_dev_state(dev) ((void)(dev))
#endif

/* --- Writing the state ------------------------------------------------------ */

static const char *state_name(unsigned int state)
{
	const char *name = xpv_xenbus_state_name(state);

	return name ? name : "?";
}

/* Every change of dev->state goes through here, so the backend hears of
 * each. */
static void set_state(struct xpv_backend_dev *dev, enum xpv_xenbus_state to)
{
	enum xpv_xenbus_state from = dev->state;

	dev->state = to;
	if (to == XPV_XENBUS_STATE_INIT_WAIT)
		dev->fe_furthest = dev->fe_state; /* a new handshake */
	if (dev->cls->ops->state_changed)
		dev->cls->ops->state_changed(dev, from, to);
}

int state_switch(struct xpv_backend_dev *dev, enum xpv_xenbus_state to)
{
	int ret;

	if (dev->state == to)
		return 0;
	ret = xpv_backend_printf(dev, "state", "%d", to);
	if (ret)
		return ret;
	log_dev(dev, "%s -> %s", state_name(dev->state), state_name(to));
	set_state(dev, to);
	dev->rewrite = false;
	return 0;
}

/*
 * Switch after the backend's side already changed (disconnected): the
 * device is in `to` whatever the store says, so the invariants hold; a
 * write that failed is retried on the next drive (the directory gone: the
 * next drive removes the device instead).
 */
static void switch_or_log(struct xpv_backend_dev *dev, enum xpv_xenbus_state to)
{
	int ret = state_switch(dev, to);

	if (!ret)
		return;
	if (ret != -ENOENT)
		log_dev(dev, "cannot write state %s: %s", state_name(to),
			strerror(-ret));
	set_state(dev, to);
	dev->rewrite = true;
}

/* The state a failed switch_or_log could not write. */
static void rewrite_state(struct xpv_backend_dev *dev)
{
	if (dev->rewrite && !xpv_backend_printf(dev, "state", "%d", dev->state))
		dev->rewrite = false;
}

/* --- The steps ------------------------------------------------------------ */

static void do_disconnect(struct xpv_backend_dev *dev)
{
	if (dev->connected) {
		dev->cls->ops->disconnect(dev);
		dev->connected = false;
	}
}

static void do_remove(struct xpv_backend_dev *dev)
{
	do_disconnect(dev);
	if (dev->probed) {
		dev->cls->ops->remove(dev);
		dev->probed = false;
	}
}

/* A probed device both ends of which the store says are Connected: a
 * killed daemon's. True when the backend took its ring over. */
static bool resume_connection(struct xpv_backend_dev *dev, const struct view *v)
{
	int ret;

	if (!dev->cls->ops->resume ||
	    v->be_state != XPV_XENBUS_STATE_CONNECTED ||
	    dev->fe_state != XPV_XENBUS_STATE_CONNECTED)
		return false;
	ret = dev->cls->ops->resume(dev);
	if (ret) {
		log_dev(dev,
			"cannot resume the connection a previous daemon "
			"left: %s",
			strerror(-ret));
		dev->cls->ops->disconnect(dev); /* undo a half-done resume */
		return false;
	}
	dev->connected = true;
	log_dev(dev, "resumed the connection a previous daemon left");
	set_state(dev, XPV_XENBUS_STATE_CONNECTED);
	return true;
}

/* probe, then InitWait (or Connected, resumed). A device the toolstack
 * set offline is left alone: it is going away. */
static void probe_device(struct xpv_backend_dev *dev, const struct view *v)
{
	int ret;

	if (!v->online)
		return;
	dev->reported = false;
	ret = dev->cls->ops->probe(dev);
	if (ret) {
		dev->cls->ops->remove(dev); /* undo a half-done probe */
		/* The backend's own words ("opening /x: no such file") are
		 * what the toolstack shows: not buried under ours. */
		if (dev->reported)
			error_close(dev);
		else
			xpv_backend_fatal(dev, ret, "probing the device");
		return;
	}
	dev->probed = true;
	if (resume_connection(dev, v))
		return;
	if (state_switch(dev, XPV_XENBUS_STATE_INIT_WAIT)) {
		do_remove(dev); /* keep "InitWait means probed" true */
		return;
	}
}

static void step_probe(struct xpv_backend_dev *dev, const struct view *v)
{
	probe_device(dev, v);
}

/* 0 when the hotplug script is done (or not waited for), -EAGAIN while
 * it runs, -EIO when it failed (and said why). */
static int hotplug_done(struct xpv_backend_dev *dev)
{
	enum xpv_backend_hotplug policy = dev->cls->ops->hotplug;
	char status[32], why[128];
	int ret;

	if (policy == XPV_HOTPLUG_NONE)
		return 0;
	ret = xpv_backend_read_str(dev, XPV_BACKEND, "hotplug-status", status,
				   sizeof(status));
	if (ret == -ENOENT)
		return policy == XPV_HOTPLUG_IF_PRESENT ? 0 : -EAGAIN;
	if (ret == 0 && !strcmp(status, "connected"))
		return 0;
	if (ret == 0 && strcmp(status, "error"))
		return -EAGAIN; /* empty: the script has not run yet */
	if (xpv_backend_read_str(dev, XPV_BACKEND, "hotplug-error", why,
				 sizeof(why)))
		snprintf(why, sizeof(why), "no hotplug-error given");
	xpv_backend_fatal(dev, -EIO, "hotplug script failed: %s", why);
	return -EIO;
}

static void step_connect(struct xpv_backend_dev *dev,
			 const struct view *v __attribute__((unused)))
{
	int ret;

	if (hotplug_done(dev))
		return;
	dev->reported = false;
	ret = dev->cls->ops->connect(dev);
	if (ret == -EAGAIN)
		return;
	dev->connected = true;
	if (!ret)
		ret = state_switch(dev, XPV_XENBUS_STATE_CONNECTED);
	if (!ret)
		return;
	do_disconnect(dev); /* also undoes a half-done connect */
	if (ret == -ENOENT)
		return; /* the directory is gone */
	if (dev->reported)
		error_close(dev); /* keep the backend's words, as at probe */
	else
		xpv_backend_fatal(dev, ret, "connecting to the frontend");
}

static void step_restart(struct xpv_backend_dev *dev,
			 const struct view *v __attribute__((unused)))
{
	log_dev(dev, "the frontend restarted without closing; reconnecting");
	do_disconnect(dev);
	switch_or_log(dev, XPV_XENBUS_STATE_INIT_WAIT);
}

static void step_closing(struct xpv_backend_dev *dev,
			 const struct view *v __attribute__((unused)))
{
	switch_or_log(dev, XPV_XENBUS_STATE_CLOSING);
}

static void step_closed(struct xpv_backend_dev *dev,
			const struct view *v __attribute__((unused)))
{
	do_disconnect(dev);
	switch_or_log(dev, XPV_XENBUS_STATE_CLOSED);
}

/* Closing, and the frontend is back in Initialising..Connected: when it
 * was further on before, it closed and started over (see above). */
static void step_started_over(struct xpv_backend_dev *dev, const struct view *v)
{
	if (dev->fe_state >= dev->fe_furthest)
		return; /* it has not answered our Closing yet */
	log_dev(dev, "the frontend closed and started over");
	step_closed(dev, v);
}

static void step_reopen(struct xpv_backend_dev *dev, const struct view *v)
{
	if (!dev->probed) {
		probe_device(dev, v);
		return;
	}
	if (v->online)
		switch_or_log(dev, XPV_XENBUS_STATE_INIT_WAIT);
}

static void step_bad(struct xpv_backend_dev *dev,
		     const struct view *v __attribute__((unused)))
{
	xpv_backend_fatal(dev, -EINVAL, "the frontend's state is invalid");
}

/* --- Reading the store --------------------------------------------------- */

static enum fe_class classify(struct xpv_backend_dev *dev, int ret,
			      unsigned long state)
{
	dev->fe_state = ret ? XPV_XENBUS_STATE_UNKNOWN :
			      (enum xpv_xenbus_state)state;
	if (ret == -ENOENT)
		return FE_GONE;
	if (ret)
		return FE_BAD;
	switch (state) {
	case XPV_XENBUS_STATE_UNKNOWN:
		return FE_GONE;
	case XPV_XENBUS_STATE_INITIALISING:
	case XPV_XENBUS_STATE_INIT_WAIT:
		return FE_NEW;
	case XPV_XENBUS_STATE_INITIALISED:
	case XPV_XENBUS_STATE_CONNECTED:
		return FE_READY;
	case XPV_XENBUS_STATE_CLOSING:
		return FE_CLOSING;
	case XPV_XENBUS_STATE_CLOSED:
		return FE_CLOSED;
	default:
		dev->fe_state = XPV_XENBUS_STATE_UNKNOWN;
		return FE_BAD;
	}
}

/* 0, or -errno when the store could not be read (then nothing moves). */
static int read_view(struct xpv_backend_dev *dev, struct view *v)
{
	unsigned long n;
	int ret;

	ret = xpv_backend_read_uint(dev, XPV_BACKEND, "online", 1, &n);
	v->online = ret || n == 1; /* absent (or odd): online, as Linux */
	ret = xpv_backend_read_uint(dev, XPV_BACKEND, "state",
				    XPV_XENBUS_STATE_MAX, &n);
	v->be_state = ret ? -1 : (int)n;
	if (!dev->fe[0]) {
		v->fe = FE_GONE;
		return 0;
	}
	ret = xpv_backend_read_uint(dev, XPV_FRONTEND, "state", ~0ul, &n);
	if (ret && ret != -ENOENT && ret != -EINVAL && ret != -ERANGE)
		return ret;
	v->fe = classify(dev, ret, n);
	if (v->fe != FE_GONE && v->fe != FE_BAD &&
	    dev->fe_state > dev->fe_furthest)
		dev->fe_furthest = dev->fe_state;
	return 0;
}

/* The frontend's directory and domain, as the toolstack wrote them; then
 * watch its state. 0, or -errno while they are not (yet) usable. */
static int find_frontend(struct xpv_backend_dev *dev)
{
	char fe[CORE_PATH_MAX - 32], path[CORE_PATH_MAX];
	unsigned long id;
	int ret;

	ret = xpv_backend_read_str(dev, XPV_BACKEND, "frontend", fe,
				   sizeof(fe));
	if (!ret)
		ret = xpv_backend_read_uint(dev, XPV_BACKEND, "frontend-id",
					    HV_DOMID_FIRST_RESERVED - 1, &id);
	if (ret)
		return ret;
	if (id != dev->domid || fe[0] != '/') {
		/* Once: the error node written fires our own watch. */
		if (dev->state != XPV_XENBUS_STATE_CLOSING)
			xpv_backend_fatal(dev, -EINVAL,
					  "frontend %s of domain %lu does not "
					  "match the device",
					  fe, id);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/state", fe);
	if (!xs_watch(dev->be->xs, path, dev->fe_token))
		return -errno;
	snprintf(dev->fe, sizeof(dev->fe), "%s", fe);
	dev->watching = true;
	return 0;
}

/* --- Driving ----------------------------------------------------------------- */

static const struct transition *find_transition(enum xpv_xenbus_state from,
						enum fe_class fe)
{
	size_t i;

	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].from == from &&
		    (transitions[i].fe == fe || transitions[i].fe == FE_ANY))
			return &transitions[i];
	return NULL;
}

/* The toolstack writes Closing into the backend's state to unplug a
 * device (libxl's device removal); take it as ours. Over a device already
 * Closed, it waits for Closed again: write it back. */
static void adopt_toolstack_closing(struct xpv_backend_dev *dev,
				    const struct view *v)
{
	if (v->be_state != XPV_XENBUS_STATE_CLOSING)
		return;
	if (dev->state == XPV_XENBUS_STATE_INIT_WAIT ||
	    dev->state == XPV_XENBUS_STATE_CONNECTED) {
		log_dev(dev, "%s -> Closing, as the toolstack asked",
			state_name(dev->state));
		set_state(dev, XPV_XENBUS_STATE_CLOSING);
	} else if (dev->state == XPV_XENBUS_STATE_CLOSED) {
		dev->state = XPV_XENBUS_STATE_CLOSING; /* to write Closed */
		switch_or_log(dev, XPV_XENBUS_STATE_CLOSED);
	}
}

/* Closed and offline: the toolstack is unplugging it (Linux's backends
 * unregister the device here); free what probe made. */
static void retire_if_offline(struct xpv_backend_dev *dev, const struct view *v)
{
	if (dev->state == XPV_XENBUS_STATE_CLOSED && !v->online && dev->probed)
		do_remove(dev);
}

static void run_transitions(struct xpv_backend_dev *dev, struct view *v)
{
	const struct transition *t;
	int i;

	for (i = 0; i < DRIVE_STEPS; i++) {
		enum xpv_xenbus_state before = dev->state;

		t = find_transition(dev->state, v->fe);
		if (!t)
			break;
		t->step(dev, v);
		assert_dev_state(dev);
		if (dev->state == before)
			break;
	}
}

/* The toolstack writes Initialising only into a directory it has just
 * made, and the core never goes back to it: read over a device the core
 * has taken further, it is a new device at the same path (the old
 * directory removed and a new one added before the core looked, as when
 * a domid is used again at once). Forget the old one's probe, ring and
 * frontend and start over, so that the new is never served with what was
 * opened for the old (another guest's disk). */
static void start_over_if_new(struct xpv_backend_dev *dev)
{
	unsigned long n;

	if (dev->state == XPV_XENBUS_STATE_INITIALISING || dev->rewrite ||
	    xpv_backend_read_uint(dev, XPV_BACKEND, "state",
				  XPV_XENBUS_STATE_MAX, &n) ||
	    n != XPV_XENBUS_STATE_INITIALISING)
		return;
	log_dev(dev, "a new device at the same path: starting over");
	do_remove(dev);
	if (dev->watching)
		core_unwatch_frontend(dev);
	dev->fe[0] = '\0';
	dev->state = XPV_XENBUS_STATE_INITIALISING;
	dev->fe_state = XPV_XENBUS_STATE_UNKNOWN;
	dev->fe_furthest = XPV_XENBUS_STATE_UNKNOWN;
	dev->reported = false;
}

void state_drive(struct xpv_backend_dev *dev)
{
	struct view v;
	int ret;

	ret = store_exists(dev->be, dev->path);
	if (ret == 0) {
		do_remove(dev);
		core_forget(dev);
		return;
	}
	if (ret < 0)
		return;
	start_over_if_new(dev);
	rewrite_state(dev);
	if (!dev->watching && find_frontend(dev))
		return;
	if (read_view(dev, &v))
		return;
	adopt_toolstack_closing(dev, &v);
	run_transitions(dev, &v);
	retire_if_offline(dev, &v);
	assert_dev_state(dev);
}
