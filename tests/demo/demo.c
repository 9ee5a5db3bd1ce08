/*
 * demo.c - dom0's side of `make demo`: the toolstack's and the backend's
 * jobs for one guest with one "echo" device (echo.h), on whatever platform
 * hv_open() finds (the demo script starts the sim one).
 *
 *   xpv-demo GUEST_PROGRAM
 *
 * As a toolstack it creates the domain, writes its xenstore directory and
 * the device's frontend and backend directories (xl's layout), starts the
 * guest's kernel and introduces the domain to xenstored. As a backend it
 * waits for the frontend to publish its ring, maps the grant, binds the
 * event channel, answers every request, and tears down when the guest
 * powers itself off: VIRQ_DOM_EXC, destroy, @releaseDomain.
 *
 * Exit status 0 only if the guest's own check of every answer passed.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "ring/ring.h"
#include "ring/xenbus.h"
#include "tests/demo/echo.h"

#define TIMEOUT_MS 20000

struct demo {
	struct hv *hv;
	struct xs_handle *xs;
	struct hv_evtchn *ev; /* the device's channel and VIRQ_DOM_EXC */
	hv_domid_t domid;
	int virq_port, port;
	void *ring_page;
	struct xpv_back_ring ring;
	char fe[96], be[96]; /* device directories */
	unsigned long served;
};

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("dom0:  ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static int xs_printf(struct demo *d, const char *path, const char *fmt, ...)
{
	char value[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xs_write(d->xs, XBT_NULL, path, value, strlen(value)) ? 0 :
								       -errno;
}

static int xs_read_int(struct demo *d, const char *dir, const char *key,
		       long *out)
{
	char path[160], *v, *end;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = xs_read(d->xs, XBT_NULL, path, NULL);
	if (!v)
		return -errno;
	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno || end == v || *end) {
		free(v);
		return -EINVAL; /* the frontend's value is not a number */
	}
	free(v);
	return 0;
}

/* xl's layout: /local/domain/N readable by N, owned by dom0; the device's
 * frontend directory owned by N, its backend directory by dom0. */
static int write_domain_nodes(struct demo *d)
{
	struct xs_permissions dom_ro[2] = { { 0, XS_PERM_NONE },
					    { d->domid, XS_PERM_READ } };
	struct xs_permissions guest_rw[2] = { { d->domid, XS_PERM_NONE },
					      { 0, XS_PERM_READ } };
	char home[64], path[160];
	int ret = 0;

	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	snprintf(d->fe, sizeof(d->fe), "%s/device/echo/0", home);
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/echo/%u/0",
		 d->domid);
	if (!xs_mkdir(d->xs, XBT_NULL, home) ||
	    !xs_set_permissions(d->xs, XBT_NULL, home, dom_ro, 2) ||
	    !xs_mkdir(d->xs, XBT_NULL, d->be) ||
	    !xs_set_permissions(d->xs, XBT_NULL, d->be, dom_ro, 2) ||
	    !xs_mkdir(d->xs, XBT_NULL, d->fe) ||
	    !xs_set_permissions(d->xs, XBT_NULL, d->fe, guest_rw, 2))
		return -errno;
	snprintf(path, sizeof(path), "%s/name", home);
	ret = ret ?: xs_printf(d, path, "demo-guest");
	snprintf(path, sizeof(path), "%s/domid", home);
	ret = ret ?: xs_printf(d, path, "%u", d->domid);
	snprintf(path, sizeof(path), "%s/backend", d->fe);
	ret = ret ?: xs_printf(d, path, "%s", d->be);
	snprintf(path, sizeof(path), "%s/backend-id", d->fe);
	ret = ret ?: xs_printf(d, path, "0");
	snprintf(path, sizeof(path), "%s/state", d->fe);
	ret = ret ?: xs_printf(d, path, "%d", XPV_XENBUS_STATE_INITIALISING);
	snprintf(path, sizeof(path), "%s/frontend", d->be);
	ret = ret ?: xs_printf(d, path, "%s", d->fe);
	snprintf(path, sizeof(path), "%s/frontend-id", d->be);
	ret = ret ?: xs_printf(d, path, "%u", d->domid);
	return ret;
}

static int set_backend_state(struct demo *d, enum xpv_xenbus_state state)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/state", d->be);
	return xs_printf(d, path, "%d", state);
}

static int create_guest(struct demo *d, const char *guest)
{
	struct hv_domain_config cfg = { .memory_kb = 32 * 1024, .vcpus = 1 };
	char *argv[] = { (char *)guest, NULL };
	int fds[3] = { -1, 1, 2 };
	struct hv_start_info si;
	int ret;

	ret = hv_domain_create(d->hv, &cfg, &d->domid);
	if (ret)
		return ret;
	say("created domain %u (32 MiB, 1 vcpu), paused", d->domid);
	ret = write_domain_nodes(d);
	if (!ret)
		ret = set_backend_state(d, XPV_XENBUS_STATE_INIT_WAIT);
	if (!ret)
		ret = hv_domain_exec(d->hv, d->domid, guest, argv, fds);
	if (!ret)
		ret = hv_domain_start_info(d->hv, d->domid, &si);
	if (ret)
		return ret;
	if (!xs_introduce_domain(d->xs, d->domid, si.store_frame,
				 si.store_port))
		return -errno;
	say("introduced it to xenstored (store frame %llu, port %u); unpausing",
	    (unsigned long long)si.store_frame, si.store_port);
	return hv_domain_unpause(d->hv, d->domid);
}

/* The frontend said Initialised: map its ring, bind its port, connect. */
static int connect_backend(struct demo *d)
{
	long ref, port;
	hv_gref_t gref;
	int ret;

	ret = xs_read_int(d, d->fe, "ring-ref", &ref);
	if (!ret)
		ret = xs_read_int(d, d->fe, "event-channel", &port);
	if (ret)
		return ret;
	if (ref < 0 || ref > UINT32_MAX || port < 0 || port > UINT32_MAX)
		return -ERANGE;
	gref = (hv_gref_t)ref;
	d->ring_page = hv_grant_map(d->hv, d->domid, 1, &gref, true);
	if (!d->ring_page)
		return -errno;
	ret = xpv_back_ring_attach(&d->ring, d->ring_page, XPV_RING_PAGE_SIZE,
				   sizeof(struct echo_request),
				   sizeof(struct echo_response), 0);
	if (ret)
		return ret;
	d->port = hv_evtchn_bind_interdomain(d->ev, d->domid, (hv_port_t)port);
	if (d->port < 0)
		return d->port;
	say("backend: mapped gref %ld, bound port %ld; Connected", ref, port);
	return set_backend_state(d, XPV_XENBUS_STATE_CONNECTED);
}

static void answer(const struct echo_request *req, struct echo_response *rsp)
{
	rsp->id = req->id;
	rsp->status = 0;
	rsp->value = ECHO_ANSWER(req->value);
}

/* Serve every request on the ring; -EIO when the frontend broke it. */
static int serve_ring(struct demo *d)
{
	struct echo_request req;
	int n;

	while ((n = xpv_back_final_check_for_requests(&d->ring)) > 0) {
		while (n-- > 0) {
			xpv_back_take_request(&d->ring, &req);
			answer(&req, xpv_back_next_response(&d->ring));
			d->served++;
		}
		if (xpv_back_push_responses_and_check_notify(&d->ring))
			hv_evtchn_notify(d->ev, d->port);
	}
	return n;
}

static bool guest_gone(struct demo *d)
{
	struct hv_dominfo info;
	int ret = hv_domain_info(d->hv, d->domid, &info);

	return ret == -ESRCH ||
	       (!ret && (info.flags & (HV_DOMINF_SHUTDOWN | HV_DOMINF_DYING)));
}

static int on_event_channel(struct demo *d, bool *done)
{
	int port;

	while ((port = hv_evtchn_pending(d->ev)) >= 0) {
		hv_evtchn_unmask(d->ev, port);
		if (port == d->virq_port && guest_gone(d))
			*done = true;
		if (port == d->port && serve_ring(d) < 0)
			return -EIO;
	}
	return 0;
}

static int on_xenstore_watch(struct demo *d)
{
	char **ev;
	long state;

	while ((ev = xs_check_watch(d->xs))) {
		free(ev);
		if (d->ring_page || xs_read_int(d, d->fe, "state", &state))
			continue;
		if (state == XPV_XENBUS_STATE_INITIALISED) {
			int ret = connect_backend(d);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* The backend's event loop: until the guest shuts itself down. */
static int run_backend(struct demo *d)
{
	struct pollfd pfd[2] = {
		{ .fd = xs_fileno(d->xs), .events = POLLIN },
		{ .fd = hv_evtchn_fd(d->ev), .events = POLLIN },
	};
	char path[160];
	bool done = false;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/state", d->fe);
	if (!xs_watch(d->xs, path, "fe"))
		return -errno;
	while (!done && !ret) {
		int n = poll(pfd, 2, TIMEOUT_MS);

		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		if (pfd[0].revents)
			ret = on_xenstore_watch(d);
		if (!ret && pfd[1].revents)
			ret = on_event_channel(d, &done);
	}
	return ret;
}

static int report_guest(struct demo *d)
{
	char path[160], *result;
	struct hv_dominfo info;
	int ok;

	snprintf(path, sizeof(path), "%s/result", d->fe);
	result = xs_read(d->xs, XBT_NULL, path, NULL);
	say("backend served %lu requests; the guest says: %s", d->served,
	    result ? result : "(nothing)");
	ok = result && strncmp(result, "ok ", 3) == 0;
	free(result);
	if (hv_domain_info(d->hv, d->domid, &info) == 0 &&
	    (info.flags & HV_DOMINF_SHUTDOWN))
		say("domain %u shut down (reason %u: %s)", d->domid,
		    info.shutdown_reason,
		    info.shutdown_reason == HV_SHUTDOWN_POWEROFF ? "poweroff" :
								   "other");
	return ok ? 0 : -EBADMSG;
}

/* Destroy the domain and wait for xenstored's @releaseDomain. */
static int tear_down(struct demo *d)
{
	char home[64], **ev;
	struct pollfd pfd = { .fd = xs_fileno(d->xs), .events = POLLIN };
	int ret;

	if (d->ring_page)
		hv_grant_unmap(d->hv, d->ring_page, 1);
	d->ring_page = NULL;
	if (!xs_watch(d->xs, "@releaseDomain", "rel"))
		return -errno;
	ret = hv_domain_destroy(d->hv, d->domid);
	if (ret)
		return ret;
	while (poll(&pfd, 1, TIMEOUT_MS) == 1 && (ev = xs_check_watch(d->xs))) {
		bool released = !strcmp(ev[XS_WATCH_TOKEN], "rel") &&
				!xs_is_domain_introduced(d->xs, d->domid);

		free(ev);
		if (released)
			break;
	}
	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	xs_rm(d->xs, XBT_NULL, home);
	xs_rm(d->xs, XBT_NULL, "/local/domain/0/backend/echo");
	say("destroyed domain %u; xenstored released it (@releaseDomain)",
	    d->domid);
	return 0;
}

static void list_domains(struct demo *d)
{
	struct hv_dominfo info[16];
	int i, n = hv_domain_list(d->hv, info, 16);

	say("%-6s %8s %5s  %s", "domid", "mem(KiB)", "vcpus", "state");
	for (i = 0; i < n; i++)
		say("%-6u %8llu %5u  %s%s%s", info[i].domid,
		    (unsigned long long)info[i].memory_kb, info[i].vcpus,
		    info[i].flags & HV_DOMINF_PAUSED ? "paused " : "",
		    info[i].flags & HV_DOMINF_SHUTDOWN ? "shutdown " : "",
		    info[i].flags & HV_DOMINF_RUNNING ? "running" : "");
}

static int open_all(struct demo *d)
{
	char why[256];
	int ret = hv_open(&d->hv, why, sizeof(why));

	if (ret) {
		fprintf(stderr, "xpv-demo: %s\n", why);
		return ret;
	}
	d->xs = xs_open(0);
	if (!d->xs) {
		fprintf(stderr,
			"xpv-demo: cannot reach xenstored (%s); "
			"is XENSTORED_PATH set?\n",
			strerror(errno));
		return -errno;
	}
	d->ev = hv_evtchn_open(d->hv);
	if (!d->ev)
		return -errno;
	d->virq_port = hv_evtchn_bind_virq(d->ev, HV_VIRQ_DOM_EXC);
	return d->virq_port < 0 ? d->virq_port : 0;
}

int main(int argc, char **argv)
{
	struct demo d = { .port = -1, .virq_port = -1 };
	int ret, err;

	if (argc != 2) {
		fprintf(stderr, "usage: xpv-demo GUEST_PROGRAM\n");
		return 2;
	}
	ret = open_all(&d);
	if (!ret) {
		say("platform %s; dom0 is domain %u", hv_platform_name(d.hv),
		    hv_self(d.hv));
		ret = create_guest(&d, argv[1]);
	}
	if (!ret) {
		list_domains(&d);
		ret = run_backend(&d);
	}
	if (!ret)
		ret = report_guest(&d);
	if (d.domid) {
		list_domains(&d);
		err = tear_down(&d);
		ret = ret ?: err;
	}
	if (ret)
		fprintf(stderr, "xpv-demo: failed: %s\n", strerror(-ret));
	if (d.ev)
		hv_evtchn_close(d.ev);
	if (d.xs)
		xs_close(d.xs);
	hv_close(d.hv);
	return ret ? 1 : 0;
}
