/*
 * standin.c - an LD_PRELOAD library that lets Debian's C xenstored 4.17 run
 * without Xen, so that it can serve as the reference peer of our daemon in
 * the differential tests and benchmarks.
 *
 * Started with -N and without -D (whose code path dereferences a NULL
 * xc_interface on the first client, see platform-facts.md section 7),
 * xenstored 4.17 makes these calls into Xen, answered here:
 *
 *   xc_interface_open/close      a dummy handle;
 *   xc_domain_getinfo            "the asked domain exists and runs": the
 *                                reference marks permissions of missing
 *                                domains as ignored, and tears down domains
 *                                that are dying, so every domid exists,
 *                                or only those in $XSREF_DOMAINS when set,
 *                                and runs unless in $XSREF_DEAD_DOMAINS
 *                                (comma-separated domids);
 *   xengnttab_*                  mapping a domain's xenstore page gives a
 *                                shared page of the file
 *                                $XSREF_RINGDIR/ring-<domid> when that
 *                                directory is set (a test acts as the
 *                                guest through the same file), else an
 *                                anonymous zero page;
 *   xenevtchn_*                  one eventfd is the event-channel fd; a
 *                                notify to a port bound to a domain adds to
 *                                the counter of $XSREF_RINGDIR/kick-<domid>
 *                                (a FIFO the test reads) when it exists;
 *   open("/proc/xen/xsd_port")   a memfd holding "1";
 *   open("/proc/xen/xsd_kva")    a one-page zeroed memfd (dom0's ring,
 *                                which never carries traffic here).
 *
 * A test that drives a guest ring kicks the daemon by writing to the
 * eventfd: it cannot reach it, so it writes to $XSREF_RINGDIR/kick (a FIFO
 * this library creates and opens), whose bytes are forwarded to the eventfd
 * by making the FIFO itself the event-channel fd.
 *
 * Nothing here is used by xpv itself; it is test tooling.
 */
#define __XEN_TOOLS__ 1
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#define PAGE 4096
#define MAX_PORTS 4096
#define VIRQ_PORT 1

/* The dummy handles: xenstored only passes them back to us. */
static int dummy_handle;

/* Local event-channel ports: which domain each is bound to (-1: none). */
static int port_domid[MAX_PORTS];
static int next_port = VIRQ_PORT + 1;
static int evtchn_fd = -1;
static int last_port = VIRQ_PORT;

static const char *ringdir(void)
{
	const char *d = getenv("XSREF_RINGDIR");

	return d && *d ? d : NULL;
}

/* Whether domid is in the comma-separated list in the variable name. */
static bool listed(const char *name, unsigned int domid)
{
	const char *list = getenv(name);
	char *end;

	while (list && *list) {
		unsigned long id = strtoul(list, &end, 10);

		if (end == list)
			break;
		if (id == domid)
			return true;
		list = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* $XSREF_DOMAINS, when set, lists the only domains that exist. */
static bool domain_exists(unsigned int domid)
{
	return !getenv("XSREF_DOMAINS") || listed("XSREF_DOMAINS", domid);
}

xc_interface *xc_interface_open(xentoollog_logger *logger
				__attribute__((unused)),
				xentoollog_logger *dombuild_logger
				__attribute__((unused)),
				unsigned int open_flags __attribute__((unused)))
{
	return (xc_interface *)&dummy_handle;
}

int xc_interface_close(xc_interface *xch __attribute__((unused)))
{
	return 0;
}

int xc_domain_getinfo(xc_interface *xch __attribute__((unused)),
		      uint32_t first_domid, unsigned int max_doms,
		      xc_dominfo_t *info)
{
	if (max_doms == 0 || !domain_exists(first_domid))
		return 0;
	memset(info, 0, sizeof(*info));
	info->domid = first_domid;
	if (listed("XSREF_DEAD_DOMAINS", first_domid))
		info->dying = 1;
	else
		info->running = 1;
	return 1;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger
				 __attribute__((unused)),
				 unsigned int open_flags
				 __attribute__((unused)))
{
	return (xengnttab_handle *)&dummy_handle;
}

int xengnttab_close(xengnttab_handle *xgt __attribute__((unused)))
{
	return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt __attribute__((unused)),
			     uint32_t nr_grants __attribute__((unused)))
{
	return 0;
}

/* The page a domain's ring lives in: a file a test can map too. */
static void *map_ring_file(uint32_t domid)
{
	char path[4096];
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/ring-%u", ringdir(), domid);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, PAGE) < 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt __attribute__((unused)),
			      uint32_t domid,
			      uint32_t ref __attribute__((unused)),
			      int prot __attribute__((unused)))
{
	void *p;

	if (ringdir())
		return map_ring_file(domid);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int xengnttab_unmap(xengnttab_handle *xgt __attribute__((unused)),
		    void *start_address, uint32_t count)
{
	return munmap(start_address, (size_t)count * PAGE);
}

/*
 * The event-channel fd: a FIFO in the ring directory when there is one, so
 * a test can kick the daemon, else an eventfd that nobody signals.
 */
static int open_evtchn_fd(void)
{
	char path[4096];

	if (!ringdir())
		return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	snprintf(path, sizeof(path), "%s/kick", ringdir());
	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return -1;
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger
				 __attribute__((unused)),
				 unsigned int open_flags
				 __attribute__((unused)))
{
	memset(port_domid, 0xff, sizeof(port_domid));
	evtchn_fd = open_evtchn_fd();
	return evtchn_fd < 0 ? NULL : (xenevtchn_handle *)&dummy_handle;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger,
				   int fd __attribute__((unused)),
				   unsigned open_flags)
{
	return xenevtchn_open(logger, open_flags);
}

int xenevtchn_close(xenevtchn_handle *xce __attribute__((unused)))
{
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce __attribute__((unused)))
{
	return evtchn_fd;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce
					      __attribute__((unused)),
					      unsigned int virq
					      __attribute__((unused)))
{
	return VIRQ_PORT;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce
						     __attribute__((unused)),
						     uint32_t domid,
						     evtchn_port_t remote_port
						     __attribute__((unused)))
{
	int port;

	if (next_port >= MAX_PORTS) {
		errno = ENOSPC;
		return -1;
	}
	port = next_port++;
	port_domid[port] = (int)domid;
	last_port = port;
	return port;
}

int xenevtchn_unbind(xenevtchn_handle *xce __attribute__((unused)),
		     evtchn_port_t port)
{
	if (port < MAX_PORTS)
		port_domid[port] = -1;
	return 0;
}

/* Tell the test acting as domain <domid> that its ring has news. */
int xenevtchn_notify(xenevtchn_handle *xce __attribute__((unused)),
		     evtchn_port_t port)
{
	char path[4096];
	int fd;

	if (!ringdir() || port >= MAX_PORTS || port_domid[port] < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/notify-%d", ringdir(),
		 port_domid[port]);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, "!", 1) < 0 && errno != EAGAIN)
		perror("standin: notify");
	close(fd);
	return 0;
}

/*
 * Drain the fd and name a domain port, never the VIRQ one: the daemon scans
 * every domain's ring after any event, and a VIRQ would make it query every
 * domain's state for nothing.
 */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce
					    __attribute__((unused)))
{
	char buf[256];

	while (read(evtchn_fd, buf, sizeof(buf)) > 0)
		;
	return last_port;
}

int xenevtchn_unmask(xenevtchn_handle *xce __attribute__((unused)),
		     evtchn_port_t port __attribute__((unused)))
{
	return 0;
}

/* The two files xenstored opens to find dom0's own ring. */
static int fake_proc_file(const char *path)
{
	int fd;

	if (!strcmp(path, "/proc/xen/xsd_port")) {
		fd = memfd_create("xsd_port", MFD_CLOEXEC);
		if (fd >= 0 &&
		    (write(fd, "1", 1) != 1 || lseek(fd, 0, SEEK_SET) < 0)) {
			close(fd);
			return -1;
		}
		return fd;
	}
	fd = memfd_create("xsd_kva", MFD_CLOEXEC);
	if (fd >= 0 && ftruncate(fd, PAGE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (!strcmp(path, "/proc/xen/xsd_port") ||
	    !strcmp(path, "/proc/xen/xsd_kva"))
		return fake_proc_file(path);
	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT,
								   "open");
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return real_open(path, flags, mode);
}
