/*
 * demo.c - dom0's side of `make demo`: the toolstack's and the backend's
 * jobs for one guest with one "echo" device (echo.h), on whatever platform
 * hv_open() finds (the demo script starts the sim one).
 *
 *   xpv-demo GUEST_PROGRAM [GUEST_ARGUMENT...]
 *
 * As a toolstack it creates the domain, writes its xenstore directory and
 * the device's frontend and backend directories (xl's layout), starts the
 * guest's kernel and introduces the domain to xenstored, then waits for
 * the guest to power itself off (VIRQ_DOM_EXC), destroys it, waits for
 * @releaseDomain and removes the device. The device's backend is
 * xpv-echoback (backend/echo/), on the backend core: it finds the device
 * in backend/echo/ and walks the handshake with the guest.
 *
 * The guest's stdout and stderr are a channel of its own (hv_stdio_pair),
 * its console, which the demo copies to its own stdout: a guest is never
 * handed a file description dom0 itself writes (hv.h, struct hv_exec).
 *
 * Exit status 0 only if the guest's own check of every answer passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "ring/xenbus.h"

/* How long the guest may say nothing (no console output, no shutdown)
 * before the demo gives up on it; a guest whose work may take longer on a
 * loaded machine says something meanwhile. */
#define TIMEOUT_MS 20000

struct demo {
	struct hv *hv;
	struct xs_handle *xs;
	struct hv_evtchn *ev; /* VIRQ_DOM_EXC */
	hv_domid_t domid;
	int console; /* our end of the guest's stdout and stderr */
	int virq_port;
	char fe[96], be[96]; /* device directories */
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

/* dir/key = the formatted value, in transaction t. */
static int xs_printf(struct demo *d, xs_transaction_t t, const char *dir,
		     const char *key, const char *fmt, ...)
{
	char path[160], value[128];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return xs_write(d->xs, t, path, value, strlen(value)) ? 0 : -errno;
}

/* xl's layout: /local/domain/N readable by N, owned by dom0; the device's
 * frontend directory owned by N, its backend directory by dom0. */
static int write_dirs(struct demo *d, xs_transaction_t t)
{
	struct xs_permissions dom_ro[2] = { { 0, XS_PERM_NONE },
					    { d->domid, XS_PERM_READ } };
	struct xs_permissions guest_rw[2] = { { d->domid, XS_PERM_NONE },
					      { 0, XS_PERM_READ } };
	char home[64];

	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	if (!xs_mkdir(d->xs, t, home) ||
	    !xs_set_permissions(d->xs, t, home, dom_ro, 2) ||
	    !xs_mkdir(d->xs, t, d->be) ||
	    !xs_set_permissions(d->xs, t, d->be, dom_ro, 2) ||
	    !xs_mkdir(d->xs, t, d->fe) ||
	    !xs_set_permissions(d->xs, t, d->fe, guest_rw, 2))
		return -errno;
	return 0;
}

/* The keys, as libxl's device add writes them. */
static int write_keys(struct demo *d, xs_transaction_t t)
{
	char home[64];

	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	return xs_printf(d, t, home, "name", "demo-guest")	      ?:
		       xs_printf(d, t, home, "domid", "%u", d->domid) ?:
		       xs_printf(d, t, d->fe, "backend", "%s", d->be) ?:
		       xs_printf(d, t, d->fe, "backend-id", "0")      ?:
		       xs_printf(d, t, d->fe, "state", "%d", XPV_XENBUS_STATE_INITIALISING) ?:
		       xs_printf(d, t, d->be, "frontend", "%s", d->fe)	     ?:
		       xs_printf(d, t, d->be, "frontend-id", "%u", d->domid) ?:
		       xs_printf(d, t, d->be, "online", "1")		     ?:
		       xs_printf(d, t, d->be, "state", "%d",
				 XPV_XENBUS_STATE_INITIALISING);
}

/* All in one transaction, so the backend never sees half a device. */
static int write_domain_nodes(struct demo *d)
{
	xs_transaction_t t;
	int ret;

	snprintf(d->fe, sizeof(d->fe), "/local/domain/%u/device/echo/0",
		 d->domid);
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/echo/%u/0",
		 d->domid);
	do {
		t = xs_transaction_start(d->xs);
		if (t == XBT_NULL)
			return -errno;
		ret = write_dirs(d, t) ?: write_keys(d, t);
		if (ret) {
			xs_transaction_end(d->xs, t, true);
			return ret;
		}
		ret = xs_transaction_end(d->xs, t, false) ? 0 : -errno;
	} while (ret == -EAGAIN);
	return ret;
}

/* argv[0] is the guest's program; the rest its arguments. */
/* Copy what the guest wrote to its console so far to our stdout; true
 * once the guest has closed it. */
static bool relay_console(struct demo *d)
{
	char buf[4096];
	ssize_t n = -1;

	while (d->console >= 0 && (n = read(d->console, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	return n == 0;
}

/* Start the guest's kernel with a channel of its own as its console
 * (never a pipe: hv.h, hv_stdio_pair). */
static int exec_guest(struct demo *d, char *const argv[])
{
	int guest, stdio[3], ret;
	struct hv_exec x = { .path = argv[0], .argv = argv, .stdio = stdio };

	ret = hv_stdio_pair(&d->console, &guest);
	if (ret)
		return ret;
	stdio[0] = -1;
	stdio[1] = stdio[2] = guest;
	ret = hv_domain_exec(d->hv, d->domid, &x);
	close(guest);
	if (!ret && fcntl(d->console, F_SETFL, O_NONBLOCK) < 0)
		ret = -errno;
	return ret;
}

static int create_guest(struct demo *d, char *const argv[])
{
	struct hv_domain_config cfg = { .memory_kb = 32 * 1024, .vcpus = 1 };
	struct hv_start_info si;
	int ret;

	ret = hv_domain_create(d->hv, &cfg, &d->domid);
	if (ret)
		return ret;
	say("created domain %u (32 MiB, 1 vcpu), paused", d->domid);
	ret = write_domain_nodes(d);
	if (!ret)
		ret = exec_guest(d, argv);
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

static bool guest_gone(struct demo *d)
{
	struct hv_dominfo info;
	int ret = hv_domain_info(d->hv, d->domid, &info);

	return ret == -ESRCH ||
	       (!ret && (info.flags & (HV_DOMINF_SHUTDOWN | HV_DOMINF_DYING)));
}

/* The toolstack's wait: until the guest shuts itself down (VIRQ_DOM_EXC).
 * The device is xpv-echoback's business meanwhile. */
static int wait_guest(struct demo *d)
{
	struct pollfd pfd[2] = {
		{ .fd = hv_evtchn_fd(d->ev), .events = POLLIN },
		{ .fd = d->console, .events = POLLIN },
	};
	int port, n;

	for (;;) {
		n = poll(pfd, 2, TIMEOUT_MS);
		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		if (pfd[1].revents && relay_console(d))
			pfd[1].fd = -1; /* closed: poll it no more */
		while ((port = hv_evtchn_pending(d->ev)) >= 0) {
			if (hv_evtchn_unmask(d->ev, port) < 0)
				return -EIO;
			if (port == d->virq_port && guest_gone(d))
				return 0;
		}
	}
}

static int report_guest(struct demo *d)
{
	char path[160], *result;
	struct hv_dominfo info;
	int ok;

	relay_console(d);
	snprintf(path, sizeof(path), "%s/result", d->fe);
	result = xs_read(d->xs, XBT_NULL, path, NULL);
	say("the guest says: %s", result ? result : "(nothing)");
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
	struct demo d = { .virq_port = -1, .console = -1 };
	int ret, err;

	if (argc < 2) {
		fprintf(stderr,
			"usage: xpv-demo GUEST_PROGRAM [GUEST_ARGUMENT...]\n");
		return 2;
	}
	ret = open_all(&d);
	if (!ret) {
		say("platform %s; dom0 is domain %u", hv_platform_name(d.hv),
		    hv_self(d.hv));
		ret = create_guest(&d, argv + 1);
	}
	if (!ret) {
		list_domains(&d);
		ret = wait_guest(&d);
	}
	if (!ret)
		ret = report_guest(&d);
	if (d.domid) {
		list_domains(&d);
		err = tear_down(&d);
		ret = ret ?: err;
	}
	relay_console(&d);
	if (d.console >= 0)
		close(d.console);
	if (ret)
		fprintf(stderr, "xpv-demo: failed: %s\n", strerror(-ret));
	if (d.ev)
		hv_evtchn_close(d.ev);
	if (d.xs)
		xs_close(d.xs);
	hv_close(d.hv);
	return ret ? 1 : 0;
}
