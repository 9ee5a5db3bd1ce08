/*
 * test-backend-core.c - the backend core (backend/xenbus.h) against the
 * real xpv-xenstored on a unix socket ($XENSTORED_PATH; started by
 * test-backend-core.sh).
 *
 * The core runs in this process with a recording ops table; the test
 * plays the toolstack and the frontend by writing their nodes with
 * Debian's libxenstore (the core cannot tell who writes, so no guest is
 * needed). Each scenario in scenarios[] is a list of steps; after each,
 * the core is driven until the store settles, and the backend's state
 * node and the number of probe / connect / disconnect / remove calls so
 * far are checked against the step's row. The scenarios together take
 * every row of backend/state.c's transitions[] (named in each scenario's
 * comment), and the states a frontend should not be able to hurt us
 * with. The core's invariants are asserted (abort) in this build.
 *
 * Then the read helpers, value by value: what a hostile frontend may
 * write and what each helper must answer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "backend/xenbus.h"
#include "tests/lib/check.h"

#define DOMID 7
#define SETTLE_MS 5000
#define QUIET_MS 40

/* --- The recording backend -------------------------------------------- */

struct calls {
	int probe, connect, disconnect,
		remove; /* a resume counts as a connect */
};

static struct calls calls;
static char path[128]; /* the states given since the step began: "2 4" */
static int probe_result, connect_result, resume_result; /* what the next
							   call returns */
static const char *fail_says; /* a failing probe or connect reports this */
static struct xpv_backend_dev *last_dev;

static int rec_probe(struct xpv_backend_dev *dev)
{
	static const struct xpv_backend_key features[] = {
		{ "max-ring-page-order", "2" },
		{ "feature-test", "1" },
	};

	int fail = probe_result;

	calls.probe++;
	last_dev = dev;
	probe_result = 0; /* PROBE_FAILS fails one probe */
	if (fail && fail_says)
		xpv_backend_error(dev, fail, "%s", fail_says);
	if (fail)
		return fail;
	return xpv_backend_write_keys(dev, features, 2);
}

/* Reads what a real backend reads, through the helpers under test. */
static int rec_connect(struct xpv_backend_dev *dev)
{
	hv_gref_t refs[4];
	hv_port_t port;
	int ret;

	calls.connect++;
	if (connect_result && connect_result != -EAGAIN && fail_says)
		xpv_backend_error(dev, connect_result, "%s", fail_says);
	if (connect_result)
		return connect_result;
	ret = xpv_backend_read_ring_refs(dev, NULL, "ring-ref", 2, refs);
	if (ret < 0) {
		xpv_backend_fatal(dev, ret, "reading ring-ref");
		return ret;
	}
	ret = xpv_backend_read_port(dev, NULL, "event-channel", &port);
	if (ret)
		xpv_backend_fatal(dev, ret, "reading event-channel");
	return ret;
}

/* A killed daemon's ring, taken over (the "testrs" class only). */
static int rec_resume(struct xpv_backend_dev *dev __attribute__((unused)))
{
	calls.connect++;
	return resume_result;
}

static void rec_disconnect(struct xpv_backend_dev *dev __attribute__((unused)))
{
	calls.disconnect++;
}

static void rec_remove(struct xpv_backend_dev *dev)
{
	calls.remove++;
	if (dev == last_dev)
		last_dev = NULL;
}

static void rec_state_changed(struct xpv_backend_dev *dev
			      __attribute__((unused)),
			      enum xpv_xenbus_state from
			      __attribute__((unused)),
			      enum xpv_xenbus_state to)
{
	size_t len = strlen(path);

	snprintf(path + len, sizeof(path) - len, "%s%d", len ? " " : "", to);
}

static const struct xpv_backend_ops rec_ops = {
	.probe = rec_probe,
	.connect = rec_connect,
	.disconnect = rec_disconnect,
	.remove = rec_remove,
	.state_changed = rec_state_changed,
	.hotplug = XPV_HOTPLUG_NONE,
};

static const struct xpv_backend_ops rec_resume_ops = {
	.probe = rec_probe,
	.connect = rec_connect,
	.resume = rec_resume,
	.disconnect = rec_disconnect,
	.remove = rec_remove,
	.state_changed = rec_state_changed,
	.hotplug = XPV_HOTPLUG_NONE,
};

static const struct xpv_backend_ops rec_hotplug_ops = {
	.probe = rec_probe,
	.connect = rec_connect,
	.disconnect = rec_disconnect,
	.remove = rec_remove,
	.state_changed = rec_state_changed,
	.hotplug = XPV_HOTPLUG_REQUIRED,
};

/* --- The world: the store, the core ------------------------------------ */

static struct xs_handle *xs;
static struct xpv_backend *core;

static void core_open(void)
{
	core = xpv_backend_open("test-backend-core", 0);
	if (!core)
		check_fatal("xpv_backend_open", errno);
	if (xpv_backend_add_class(core, "test", &rec_ops, NULL) ||
	    xpv_backend_add_class(core, "testhp", &rec_hotplug_ops, NULL) ||
	    xpv_backend_add_class(core, "testrs", &rec_resume_ops, NULL))
		check_fatal("xpv_backend_add_class", EIO);
}

static int dispatch(void)
{
	int ret = xpv_backend_dispatch(core);

	if (ret)
		check_fatal("xpv_backend_dispatch", -ret);
	return ret;
}

/*
 * Drive the core until no watch event came for QUIET_MS and done() says
 * what was expected happened (NULL: at once); done() gives a slow machine
 * SETTLE_MS to deliver the events, while the quiet period catches a step
 * that does more than expected.
 */
static void settle_until(bool (*done)(const void *), const void *arg)
{
	struct pollfd pfd = { .fd = xpv_backend_fd(core), .events = POLLIN };
	long long deadline = check_now_ms() + SETTLE_MS;

	dispatch(); /* kicked devices need no event */
	while (check_now_ms() < deadline) {
		if (poll(&pfd, 1, QUIET_MS) == 1)
			dispatch();
		else if (!done || done(arg))
			return;
	}
}

static void settle(void)
{
	settle_until(NULL, NULL);
}

static void write_node(const char *path, const char *value, size_t len)
{
	if (!xs_write(xs, XBT_NULL, path, value, (unsigned int)len))
		check_fatal(path, errno);
}

static void write_str(const char *path, const char *value)
{
	write_node(path, value, strlen(value));
}

/* --- Scenarios ------------------------------------------------------------- */

enum op {
	END,
	ADD, /* the toolstack adds the device (libxl's keys, one tx) */
	ADD_READY, /* ... with a frontend already Initialised */
	ADD_WRONG_ID, /* ... whose frontend-id is not the path's domain */
	READY, /* the frontend publishes ring-ref, event-channel, state 3 */
	FE, /* the frontend writes key = value */
	FE_STATES, /* the frontend writes each state of value ("6 1") in
		      turn, the core not running between (a quick one) */
	BE, /* the toolstack (or hotplug) writes key = value */
	RM_FE, /* the frontend's directory goes (guest destroyed) */
	RM_BE, /* the toolstack removes the device */
	REPLUG, /* the toolstack removes the device (and the guest its
		   frontend) and adds a new one at the same path, the core not
		   running between (a domid used again at once) */
	UNPLUG, /* the toolstack: online 0, state Closing (libxl remove) */
	RESTART, /* the backend daemon restarts */
	PROBE_FAILS, /* the next probe (only) returns -ENODEV */
	FAIL_SAYS, /* failing probes and connects report value themselves */
	CONNECT_RETURNS, /* the next connects return atoi(value) */
	RESUME_RETURNS, /* the next resumes return atoi(value) */
	KICK, /* xpv_backend_kick() the device */
};

#define GONE (-1) /* want: no backend directory */

struct step {
	enum op op;
	const char *key, *value;
	int state; /* the backend's state node afterwards (GONE; 0: any) */
	const char *path; /* the states the core gave it meanwhile */
	struct calls want; /* probe, connect, disconnect, remove so far */
	const char *error; /* a substring of its error node, or NULL */
};

struct scenario {
	const char *name;
	const char *class;
	struct step steps[12];
};

/* Each comment names the rows of state.c's transitions[] it walks
 * (backend state x frontend class). */
static const struct scenario scenarios[] = {
	/* Initialising x any; InitWait x READY; Connected x READY (stays);
	 * Connected x CLOSING; Closing x CLOSED; the directory removed. */
	{ "handshake, close, remove",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "4", 4, "", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "5", 5, "5", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { RM_BE, 0, 0, GONE, "", { 1, 1, 1, 1 }, NULL } } },
	/* Closed x NEW: the frontend restarts after closing. */
	{ "frontend restarts after closing",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 1, 1, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 2, 1, 0 }, NULL } } },
	/* Closing x NEW and x READY: the frontend closed and started over
	 * before the core saw its Closed (a restarting frontend); the
	 * device must not stay in Closing, whatever sent it there. */
	{ "frontend closes and restarts at once",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "5", 5, "5", { 1, 1, 0, 0 }, NULL },
	    { FE_STATES, 0, "6 1", 2, "6 2", { 1, 1, 1, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 2, 1, 0 }, NULL },
	    { FE, "state", "5", 5, "5", { 1, 2, 1, 0 }, NULL },
	    { FE_STATES, 0, "6 1 3", 4, "6 2 4", { 1, 3, 2, 0 }, NULL } } },
	{ "frontend restarts at once after a fatal error",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "9", 5, "5", { 1, 1, 0, 0 }, "state is invalid" },
	    { FE_STATES, 0, "6 1", 2, "6 2", { 1, 1, 1, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 2, 1, 0 }, NULL } } },
	/* An unplug the frontend answers by restarting at once: Closed
	 * and removed, never InitWait again (the device is offline). */
	{ "frontend restarts at once during an unplug",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { UNPLUG, 0, 0, 5, "5", { 1, 1, 0, 0 }, NULL },
	    { FE_STATES, 0, "6 1", 6, "6", { 1, 1, 1, 1 }, NULL } } },
	/* Connected x NEW: restarted without closing (killed); straight
	 * back to InitWait, never Closed (a frontend would take that for
	 * the backend going away). */
	{ "frontend restarts without closing",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 1, 1, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 2, 1, 0 }, NULL } } },
	/* Skipped states: InitWait x READY from Connected at once;
	 * Connected x CLOSED; Closed x READY (through InitWait). */
	{ "frontend skips states",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "ring-ref", "8", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE, "event-channel", "5", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "4", 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { FE, "state", "3", 4, "2 4", { 1, 2, 1, 0 }, NULL } } },
	/* A frontend ready before the backend ever ran. */
	{ "frontend ready before the probe",
	  "test",
	  { { ADD_READY, 0, 0, 4, "2 4", { 1, 1, 0, 0 }, NULL } } },
	/* InitWait x CLOSING, Closing x CLOSED, Closed x NEW, InitWait x
	 * CLOSED. */
	{ "frontend closes before connecting",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "5", 5, "5", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL } } },
	/* Connected x BAD; Closing ignores more garbage; Closing x CLOSED. */
	{ "garbage state while connected",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "4x", 5, "5", { 1, 1, 0, 0 }, "state is invalid" },
	    { FE, "state", "99", 5, "", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 1, 1, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 2, 1, 0 }, NULL } } },
	/* InitWait x BAD, with values a lax parser would take. */
	{ "garbage states in InitWait",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "-1", 5, "5", { 1, 0, 0, 0 }, "state is invalid" },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "04", 5, "5", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "1", 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "7", 5, "5", { 1, 0, 0, 0 }, NULL } } },
	/* Connect fails on hostile ring values: InitWait -> Closing, the
	 * error written, disconnect called for the half-done connect. */
	{ "hostile ring-ref",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "ring-ref", "4294967296", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE, "event-channel", "5", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "3", 5, "5", { 1, 1, 1, 0 }, "34 reading ring-ref" },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { FE, "ring-ref", "8", 6, "", { 1, 1, 1, 0 }, NULL },
	    { FE, "ring-page-order", "3", 6, "", { 1, 1, 1, 0 }, NULL },
	    { FE, "state", "3", 5, "2 5", { 1, 2, 2, 0 }, "34 reading ring-ref" },
	    { FE, "state", "6", 6, "6", { 1, 2, 2, 0 }, NULL },
	    { FE, "ring-page-order", "1", 6, "", { 1, 2, 2, 0 }, NULL },
	    { FE,
	      "state",
	      "3",
	      5,
	      "2 5",
	      { 1, 3, 3, 0 },
	      "2 reading ring-ref" } } },
	{ "hostile event-channel",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "ring-ref", "8", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE, "event-channel", "0x5", 2, "", { 1, 0, 0, 0 }, NULL },
	    { FE,
	      "state",
	      "3",
	      5,
	      "5",
	      { 1, 1, 1, 0 },
	      "22 reading event-chan" } } },
	/* Connected x GONE: the guest's directory vanished. */
	{ "frontend directory removed",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { RM_FE, 0, 0, 6, "6", { 1, 1, 1, 0 }, NULL },
	    { RM_BE, 0, 0, GONE, "", { 1, 1, 1, 1 }, NULL } } },
	/* A new device where the core still had the old one (it missed the
	 * removal): the old is removed and the new probed, never served with
	 * what the old one's probe opened (a guest that got the domid of a
	 * destroyed one was given its disk: test-blkback-sim under load). */
	{ "removed and added again at once, connected",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { REPLUG, 0, 0, 2, "2", { 2, 1, 1, 1 }, NULL } } },
	{ "removed and added again at once, closed",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 0 }, NULL },
	    { REPLUG, 0, 0, 2, "2", { 2, 1, 1, 1 }, NULL } } },
	/* Removed in InitWait and while Connected: nothing written after,
	 * so no directory comes back. */
	{ "removed mid-handshake",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { RM_BE, 0, 0, GONE, "", { 1, 0, 0, 1 }, NULL },
	    { FE, "state", "3", GONE, "", { 1, 0, 0, 1 }, NULL } } },
	{ "removed while connected",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { RM_BE, 0, 0, GONE, "", { 1, 1, 1, 1 }, NULL },
	    { FE, "state", "5", GONE, "", { 1, 1, 1, 1 }, NULL } } },
	/* The toolstack's Closing adopted; Closed and offline: removed,
	 * and not probed again. */
	{ "toolstack unplug",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { UNPLUG, 0, 0, 5, "5", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "5", 5, "", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 1, 1, 1 }, NULL },
	    { FE, "state", "1", 6, "", { 1, 1, 1, 1 }, NULL },
	    { RM_BE, 0, 0, GONE, "", { 1, 1, 1, 1 }, NULL } } },
	/* Closed, then the toolstack writes Closing over it: Closed again,
	 * as it waits for that. */
	{ "toolstack unplug of a closed device",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL },
	    { UNPLUG, 0, 0, 6, "6", { 1, 0, 0, 1 }, NULL } } },
	/* hotplug-status: no connect before "connected"; "error" fatal. */
	{ "waits for hotplug-status",
	  "testhp",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 2, "", { 1, 0, 0, 0 }, NULL },
	    { BE, "hotplug-status", "", 2, "", { 1, 0, 0, 0 }, NULL },
	    { BE,
	      "hotplug-status",
	      "connected",
	      4,
	      "4",
	      { 1, 1, 0, 0 },
	      NULL } } },
	{ "hotplug script fails",
	  "testhp",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { BE,
	      "hotplug-error",
	      "no bridge xenbr9",
	      2,
	      "",
	      { 1, 0, 0, 0 },
	      NULL },
	    { READY, 0, 0, 2, "", { 1, 0, 0, 0 }, NULL },
	    { BE,
	      "hotplug-status",
	      "error",
	      5,
	      "5",
	      { 1, 0, 0, 0 },
	      "no bridge xenbr9" } } },
	/* A failed probe: Closing, remove called for the half-done probe;
	 * probed again once the frontend starts over. */
	{ "probe fails",
	  "test",
	  { { PROBE_FAILS, 0, 0, 0, "", { 0, 0, 0, 0 }, NULL },
	    { ADD, 0, 0, 5, "5", { 1, 0, 0, 1 }, "19 probing" },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 1 }, NULL },
	    { FE, "state", "1", 2, "2", { 2, 0, 0, 1 }, NULL },
	    { READY, 0, 0, 4, "4", { 2, 1, 0, 1 }, NULL } } },
	/* A probe or connect that says why it failed: its words stay in the
	 * error node for the toolstack (the core wrote its own over them). */
	{ "probe fails, saying why",
	  "test",
	  { { FAIL_SAYS, 0, "opening /no/disk.img", 0, "", { 0, 0, 0, 0 }, NULL },
	    { PROBE_FAILS, 0, 0, 0, "", { 0, 0, 0, 0 }, NULL },
	    { ADD, 0, 0, 5, "5", { 1, 0, 0, 1 }, "19 opening /no/disk.img" } } },
	{ "connect fails, saying why",
	  "test",
	  { { FAIL_SAYS,
	      0,
	      "protocol 'x' not supported",
	      0,
	      "",
	      { 0, 0, 0, 0 },
	      NULL },
	    { CONNECT_RETURNS, 0, "-95", 0, "", { 0, 0, 0, 0 }, NULL },
	    { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY,
	      0,
	      0,
	      5,
	      "5",
	      { 1, 1, 1, 0 },
	      "95 protocol 'x' not supported" } } },
	/* connect says -EAGAIN: InitWait until kicked. */
	{ "connect not ready yet",
	  "test",
	  { { CONNECT_RETURNS, 0, "-11", 0, "", { 0, 0, 0, 0 }, NULL },
	    { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 2, "", { 1, 1, 0, 0 }, NULL },
	    { CONNECT_RETURNS, 0, "0", 0, "", { 1, 1, 0, 0 }, NULL },
	    { KICK, 0, 0, 4, "4", { 1, 2, 0, 0 }, NULL } } },
	/* A daemon restart: close leaves the store as it is; the new core
	 * finds the device and connects to the same ring. */
	{ "backend restarts while connected",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "4", 4, "", { 1, 1, 0, 0 }, NULL },
	    { RESTART, 0, 0, 4, "2 4", { 2, 2, 1, 1 }, NULL },
	    { FE, "state", "6", 6, "6", { 2, 2, 2, 1 }, NULL } } },
	{ "backend restarts while closed",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { FE, "state", "6", 6, "6", { 1, 0, 0, 0 }, NULL },
	    { RESTART, 0, 0, 6, "2 6", { 2, 0, 0, 1 }, NULL },
	    { FE, "state", "1", 2, "2", { 2, 0, 0, 1 }, NULL } } },
	/* A backend with a resume op takes the ring over (a resume counts
	 * as a connect): the device stays Connected and no InitWait is
	 * written, the core only records Connected; it closes as usual. */
	{ "backend restarts while connected, resumed",
	  "testrs",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "4", 4, "", { 1, 1, 0, 0 }, NULL },
	    { RESTART, 0, 0, 4, "4", { 2, 2, 1, 1 }, NULL },
	    { FE, "state", "6", 6, "6", { 2, 2, 2, 1 }, NULL } } },
	/* A resume that fails is undone (disconnect), then the usual way:
	 * InitWait, connect. */
	{ "backend restarts while connected, resume fails",
	  "testrs",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { FE, "state", "4", 4, "", { 1, 1, 0, 0 }, NULL },
	    { RESUME_RETURNS, 0, "-2", 0, "", { 1, 1, 0, 0 }, NULL },
	    { RESTART, 0, 0, 4, "2 4", { 2, 3, 2, 1 }, NULL } } },
	/* Only a frontend that is Connected is resumed. */
	{ "backend restarts while the frontend is initialised",
	  "testrs",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { READY, 0, 0, 4, "4", { 1, 1, 0, 0 }, NULL },
	    { RESTART, 0, 0, 4, "2 4", { 2, 2, 1, 1 }, NULL } } },
	/* An offline device is going away: a new daemon leaves it be. */
	{ "backend restarts during an unplug",
	  "test",
	  { { ADD, 0, 0, 2, "2", { 1, 0, 0, 0 }, NULL },
	    { UNPLUG, 0, 0, 5, "5", { 1, 0, 0, 0 }, NULL },
	    { RESTART, 0, 0, 5, "", { 1, 0, 0, 1 }, NULL },
	    { FE, "state", "3", 5, "", { 1, 0, 0, 1 }, NULL } } },
	/* The toolstack's own keys are checked too. */
	{ "frontend-id of another domain",
	  "test",
	  { { ADD_WRONG_ID, 0, 0, 5, "5", { 0, 0, 0, 0 }, "does not match" } } },
};

static char be_dir[128], fe_dir[128];

static void set_dirs(const char *class, unsigned int devid)
{
	snprintf(be_dir, sizeof(be_dir), "/local/domain/0/backend/%s/%u/%u",
		 class, DOMID, devid);
	snprintf(fe_dir, sizeof(fe_dir), "/local/domain/%u/device/%s/%u", DOMID,
		 class, devid);
}

static void tx_write(xs_transaction_t t, const char *dir, const char *key,
		     const char *value)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (!xs_write(xs, t, path, value, (unsigned int)strlen(value)))
		check_fatal(path, errno);
}

static xs_transaction_t tx_start(void)
{
	xs_transaction_t t = xs_transaction_start(xs);

	if (t == XBT_NULL)
		check_fatal("xs_transaction_start", errno);
	return t;
}

static void tx_commit(xs_transaction_t t)
{
	if (!xs_transaction_end(xs, t, false))
		check_fatal("xs_transaction_end", errno);
}

/* libxl's device add, in one transaction. */
static void add_device(const char *fe_state, const char *frontend_id)
{
	xs_transaction_t t = tx_start();

	tx_write(t, fe_dir, "backend", be_dir);
	tx_write(t, fe_dir, "backend-id", "0");
	tx_write(t, fe_dir, "state", fe_state);
	if (!strcmp(fe_state, "3")) {
		tx_write(t, fe_dir, "ring-ref", "8");
		tx_write(t, fe_dir, "event-channel", "5");
	}
	tx_write(t, be_dir, "frontend", fe_dir);
	tx_write(t, be_dir, "frontend-id", frontend_id);
	tx_write(t, be_dir, "online", "1");
	tx_write(t, be_dir, "state", "1");
	tx_commit(t);
}

static void frontend_ready(void)
{
	xs_transaction_t t = tx_start();

	tx_write(t, fe_dir, "ring-ref", "8");
	tx_write(t, fe_dir, "event-channel", "5");
	tx_write(t, fe_dir, "state", "3");
	tx_commit(t);
}

static void unplug(void)
{
	xs_transaction_t t = tx_start();

	tx_write(t, be_dir, "online", "0");
	tx_write(t, be_dir, "state", "5");
	tx_commit(t);
}

/* Each state of the list in turn, as fast as the store takes them. */
static void write_states(const char *list)
{
	char node[192], state[4];
	int len;

	snprintf(node, sizeof(node), "%s/state", fe_dir);
	while (sscanf(list, " %3[0-9]%n", state, &len) == 1) {
		write_str(node, state);
		list += len;
	}
}

static void rm(const char *path)
{
	xs_rm(xs, XBT_NULL, path); /* absent already is fine */
}

static int backend_state(void);

/* Has the step's row come true (state, states given, calls)? */
static bool step_done(const void *arg)
{
	const struct step *s = arg;

	return (!s->state || backend_state() == s->state) &&
	       !strcmp(path, s->path) &&
	       !memcmp(&calls, &s->want, sizeof(calls));
}

static bool state_is(const void *want)
{
	return backend_state() == *(const int *)want;
}

static bool no_devices(const void *unused __attribute__((unused)))
{
	return xpv_backend_count(core) == 0;
}

static void do_step(const struct step *s)
{
	char node[192];

	path[0] = '\0';
	snprintf(node, sizeof(node), "%s/%s", s->op == BE ? be_dir : fe_dir,
		 s->key ? s->key : "");
	switch (s->op) {
	case ADD:
	case ADD_READY:
	case ADD_WRONG_ID:
		add_device(s->op == ADD_READY ? "3" : "1",
			   s->op == ADD_WRONG_ID ? "8" : "7");
		break;
	case READY:
		frontend_ready();
		break;
	case FE:
	case BE:
		write_str(node, s->value);
		break;
	case FE_STATES:
		write_states(s->value);
		break;
	case RM_FE:
		rm(fe_dir);
		break;
	case RM_BE:
		rm(be_dir);
		break;
	case REPLUG:
		rm(be_dir);
		rm(fe_dir);
		add_device("1", "7");
		break;
	case UNPLUG:
		unplug();
		break;
	case RESTART:
		xpv_backend_close(core);
		core_open();
		break;
	case PROBE_FAILS:
		probe_result = -ENODEV;
		return;
	case FAIL_SAYS:
		fail_says = s->value;
		return;
	case CONNECT_RETURNS:
		connect_result = atoi(s->value);
		return;
	case RESUME_RETURNS:
		resume_result = atoi(s->value);
		return;
	case KICK:
		if (last_dev)
			xpv_backend_kick(last_dev);
		break;
	case END:
		return;
	}
	settle_until(step_done, s);
}

/* The backend's state node (GONE without a directory; 0 without one). */
static int backend_state(void)
{
	char path[192], *v;
	unsigned int len;
	int state;

	v = xs_read(xs, XBT_NULL, be_dir, &len);
	if (!v)
		return GONE;
	free(v);
	snprintf(path, sizeof(path), "%s/state", be_dir);
	v = xs_read(xs, XBT_NULL, path, &len);
	state = v ? atoi(v) : 0;
	free(v);
	return state;
}

static bool error_says(const char *want)
{
	char path[192], *v;
	unsigned int len;
	bool ok;

	snprintf(path, sizeof(path), "%s/error", be_dir);
	v = xs_read(xs, XBT_NULL, path, &len);
	ok = v && strstr(v, want);
	if (!ok)
		printf("     error node: %s\n", v ? v : "(none)");
	free(v);
	return ok;
}

/* Failures only: a scenario that passes says so in one line. */
static void check_step(const struct scenario *sc, unsigned int i,
		       const struct step *s)
{
	char name[160];
	int state = backend_state();

	snprintf(name, sizeof(name), "%s: step %u", sc->name, i + 1);
	if (s->state && state != s->state)
		check(name, false, "backend state %d, want %d", state,
		      s->state);
	if (strcmp(path, s->path))
		check(name, false, "states given \"%s\", want \"%s\"", path,
		      s->path);
	if (memcmp(&calls, &s->want, sizeof(calls)))
		check(name, false,
		      "calls probe %d connect %d disconnect %d remove %d, "
		      "want %d %d %d %d",
		      calls.probe, calls.connect, calls.disconnect,
		      calls.remove, s->want.probe, s->want.connect,
		      s->want.disconnect, s->want.remove);
	if (s->error && !error_says(s->error))
		check(name, false, "error node lacks \"%s\"", s->error);
}

static void run_scenario(const struct scenario *sc, unsigned int devid)
{
	const struct step *s;
	unsigned int i;
	int before = check_failures;

	memset(&calls, 0, sizeof(calls));
	probe_result = connect_result = resume_result = 0;
	fail_says = NULL;
	set_dirs(sc->class, devid);
	core_open();
	for (i = 0, s = sc->steps; i < 12 && s->op != END; i++, s++) {
		do_step(s);
		check_step(sc, i, s);
	}
	rm(be_dir);
	rm(fe_dir);
	settle_until(no_devices, NULL);
	if (xpv_backend_count(core) != 0)
		check(sc->name, false, "the core still knows %u devices",
		      xpv_backend_count(core));
	xpv_backend_close(core);
	core = NULL;
	if (check_failures == before)
		check(sc->name, true, NULL);
}

/* Two devices of one domain: one turned hostile, the other unharmed. */
static void two_devices(void)
{
	static const int connected = 4, closing = 5;
	char be2[128], fe2[128];

	memset(&calls, 0, sizeof(calls));
	probe_result = connect_result = resume_result = 0;
	core_open();
	set_dirs("test", 200);
	snprintf(be2, sizeof(be2), "%s", be_dir);
	snprintf(fe2, sizeof(fe2), "%s", fe_dir);
	add_device("3", "7");
	settle_until(state_is, &connected);
	set_dirs("test", 201);
	add_device("3", "7");
	settle_until(state_is, &connected);
	CHECK(calls.connect == 2 && backend_state() == 4);
	write_str(strcat(fe_dir, "/state"), "garbage");
	set_dirs("test", 201);
	settle_until(state_is, &closing);
	CHECK(backend_state() == 5);
	set_dirs("test", 200);
	CHECK(backend_state() == 4);
	CHECK(calls.disconnect == 0);
	rm(be2);
	rm(fe2);
	set_dirs("test", 201);
	rm(be_dir);
	rm(fe_dir);
	settle_until(no_devices, NULL);
	CHECK(xpv_backend_count(core) == 0);
	xpv_backend_close(core);
	core = NULL;
}

/* --- The read helpers, value by value ------------------------------------- */

struct uint_case {
	const char *value;
	size_t len; /* 0: strlen */
	unsigned long max;
	int ret;
	unsigned long want;
};

static const struct uint_case uint_cases[] = {
	{ "0", 0, 10, 0, 0 },
	{ "7", 0, 10, 0, 7 },
	{ "10", 0, 10, 0, 10 },
	{ "11", 0, 10, -ERANGE, 0 },
	{ "4294967295", 0, 4294967295ul, 0, 4294967295ul },
	{ "4294967296", 0, 4294967295ul, -ERANGE, 0 },
	{ "99999999999999999999999", 0, ~0ul, -ERANGE, 0 },
	{ "18446744073709551616", 0, ~0ul, -ERANGE, 0 },
	{ "", 0, 10, -EINVAL, 0 },
	{ "01", 0, 10, -EINVAL, 0 },
	{ "-1", 0, 10, -EINVAL, 0 },
	{ "+1", 0, 10, -EINVAL, 0 },
	{ " 1", 0, 10, -EINVAL, 0 },
	{ "1 ", 0, 10, -EINVAL, 0 },
	{ "0x1", 0, 10, -EINVAL, 0 },
	{ "1a", 0, 10, -EINVAL, 0 },
	{ "1\0"
	  "2",
	  3, 100, -EINVAL, 0 },
	{ "1\n", 0, 10, -EINVAL, 0 },
};

static void read_uint_values(void)
{
	char path[192], name[96];
	unsigned long v;
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "%s/num", fe_dir);
	for (i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]); i++) {
		const struct uint_case *c = &uint_cases[i];

		write_node(path, c->value, c->len ? c->len : strlen(c->value));
		v = 12345;
		ret = xpv_backend_read_uint(last_dev, XPV_FRONTEND, "num",
					    c->max, &v);
		snprintf(name, sizeof(name), "read_uint \"%s\" (max %lu)",
			 c->value, c->max);
		check(name, ret == c->ret && (ret || v == c->want),
		      "returned %d (%lu), want %d (%lu)", ret, v, c->ret,
		      c->want);
	}
	ret = xpv_backend_read_uint(last_dev, XPV_FRONTEND, "absent", 1, &v);
	check("read_uint of an absent key", ret == -ENOENT, "returned %d", ret);
}

static void read_long_values(void)
{
	char path[192], big[4000], buf[16];
	unsigned long v;
	int ret;

	memset(big, '1', sizeof(big));
	snprintf(path, sizeof(path), "%s/big", fe_dir);
	write_node(path, big, sizeof(big));
	ret = xpv_backend_read_uint(last_dev, XPV_FRONTEND, "big", ~0ul, &v);
	check("read_uint of 4000 digits", ret == -ERANGE, "returned %d", ret);
	ret = xpv_backend_read_str(last_dev, XPV_FRONTEND, "big", buf,
				   sizeof(buf));
	check("read_str of 4000 bytes into 16", ret == -E2BIG, "returned %d",
	      ret);
	write_node(path, "abc\033[2J", 8);
	ret = xpv_backend_read_str(last_dev, XPV_FRONTEND, "big", buf,
				   sizeof(buf));
	check("read_str of a control character", ret == -EINVAL, "returned %d",
	      ret);
	write_node(path, "fifteen chars..", 15);
	ret = xpv_backend_read_str(last_dev, XPV_FRONTEND, "big", buf,
				   sizeof(buf));
	check("read_str that just fits",
	      ret == 0 && !strcmp(buf, "fifteen "
				       "chars.."),
	      "returned %d", ret);
}

static void fe_write(const char *key, const char *value)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", fe_dir, key);
	write_str(path, value);
}

static void read_ring_values(void)
{
	hv_gref_t refs[4] = { 0 };
	int ret;

	fe_write("queue-1/ring-ref", "77");
	ret = xpv_backend_read_ring_refs(last_dev, "queue-1", "ring-ref", 2,
					 refs);
	check("ring-ref of queue-1", ret == 1 && refs[0] == 77,
	      "returned %d, ref %u", ret, refs[0]);
	fe_write("ring-page-order", "2");
	fe_write("queue-1/ring-ref0", "10");
	fe_write("queue-1/ring-ref1", "11");
	fe_write("queue-1/ring-ref2", "12");
	ret = xpv_backend_read_ring_refs(last_dev, "queue-1", "ring-ref", 2,
					 refs);
	check("ring-page-order 2, one ref missing", ret == -ENOENT,
	      "returned %d", ret);
	fe_write("queue-1/ring-ref3", "13");
	ret = xpv_backend_read_ring_refs(last_dev, "queue-1", "ring-ref", 2,
					 refs);
	check("ring-page-order 2", ret == 4 && refs[3] == 13,
	      "returned %d, refs[3] %u", ret, refs[3]);
	ret = xpv_backend_read_ring_refs(last_dev, "queue-1", "ring-ref", 1,
					 refs);
	check("ring-page-order above the maximum", ret == -ERANGE,
	      "returned %d", ret);
	fe_write("ring-page-order", "30");
	ret = xpv_backend_read_ring_refs(last_dev, NULL, "ring-ref", 4, refs);
	check("ring-page-order 30", ret == -ERANGE, "returned %d", ret);
	ret = xpv_backend_read_ring_refs(last_dev, NULL, "ring-ref", 5, refs);
	check("a maximum order above the helper's", ret == -EINVAL,
	      "returned %d", ret);
	fe_write("queue-1/tx-ring-ref", "4294967295");
	ret = xpv_backend_read_gref(last_dev, "queue-1", "tx-ring-ref",
				    &refs[0]);
	check("read_gref of the largest reference",
	      ret == 0 && refs[0] == 4294967295u, "returned %d", ret);
	fe_write("queue-1/tx-ring-ref", "4294967296");
	ret = xpv_backend_read_gref(last_dev, "queue-1", "tx-ring-ref",
				    &refs[0]);
	check("read_gref past 32 bits", ret == -ERANGE, "returned %d", ret);
}

static void read_queue_values(void)
{
	char dir[16];
	int ret;

	ret = xpv_backend_read_num_queues(last_dev, 4);
	check("no multi-queue-num-queues: one queue", ret == 1, "returned %d",
	      ret);
	fe_write("multi-queue-num-queues", "0");
	ret = xpv_backend_read_num_queues(last_dev, 4);
	check("zero queues", ret == -ERANGE, "returned %d", ret);
	fe_write("multi-queue-num-queues", "5");
	ret = xpv_backend_read_num_queues(last_dev, 4);
	check("more queues than offered", ret == -ERANGE, "returned %d", ret);
	fe_write("multi-queue-num-queues", "4");
	ret = xpv_backend_read_num_queues(last_dev, 4);
	check("four queues", ret == 4, "returned %d", ret);
	ret = xpv_backend_queue_dir(3, dir, sizeof(dir));
	check("queue_dir", ret == 0 && !strcmp(dir, "queue-3"), "got %s", dir);
	ret = xpv_backend_queue_dir(3, dir, 4);
	check("queue_dir too small", ret == -ENAMETOOLONG, "returned %d", ret);
}

/* After the toolstack removed the directory, a write must not bring it
 * back. */
static void write_after_removal(void)
{
	struct xpv_backend_key kv = { "feature-late", "1" };
	int ret;

	rm(be_dir);
	ret = xpv_backend_write_keys(last_dev, &kv, 1);
	check("write_keys into a removed directory", ret == -ENOENT,
	      "returned %d", ret);
	check("the removed directory stays removed", backend_state() == GONE,
	      NULL);
}

static void helpers(void)
{
	static const int init_wait = 2;

	memset(&calls, 0, sizeof(calls));
	probe_result = connect_result = resume_result = 0;
	core_open();
	set_dirs("test", 300);
	add_device("1", "7");
	settle_until(state_is, &init_wait);
	if (!last_dev || backend_state() != 2)
		check_fatal("probing the helpers' device", EIO);
	read_uint_values();
	read_long_values();
	read_ring_values();
	read_queue_values();
	write_after_removal();
	rm(fe_dir);
	settle();
	xpv_backend_close(core);
	core = NULL;
}

int main(void)
{
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open(0);
	if (!xs)
		check_fatal("xs_open (is XENSTORED_PATH set?)", errno);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		run_scenario(&scenarios[i], i + 1);
	check_case("two devices, one hostile", two_devices);
	helpers();
	xs_close(xs);
	return check_failures ? 1 : 0;
}
