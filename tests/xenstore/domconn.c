/*
 * domconn.c - xs-domconn: give a test a domU's xenstore connection as a
 * unix socket, on our daemon (a sim domain) or on the reference (the
 * stand-in's ring file), so that the differential test compares what the
 * two daemons do for an unprivileged domain.
 *
 *   xs-domconn ours DOM0_SOCKET LISTEN RELAY
 *       create a sim domain (through xpv-hv, found by XPV_RUNDIR) running
 *       RELAY (xs-ring-relay sim) on its own ring;
 *   xs-domconn ref DOM0_SOCKET LISTEN RELAY RINGDIR DOMID
 *       run RELAY (xs-ring-relay file ...) on the page the reference's
 *       stand-in maps for DOMID from RINGDIR (its $XSREF_RINGDIR).
 *
 * Then, as dom0 on DOM0_SOCKET: make /local/domain/<id> owned by the
 * domain, and XS_INTRODUCE it. Prints "domid=<id>" on stdout, then accepts
 * one client on LISTEN and carries bytes between it and the relay until
 * either side ends. Exit 0, or 1 with a message.
 *
 * With --late (last), the domain is not introduced: the test does it, at
 * the moment it chooses, with the arguments printed as
 * "introduce=<id> <frame> <port>" (the reference's stand-in takes any
 * frame and port, so the same request serves both daemons).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/lib/console.h"
#include "tests/xenstore/xsclient.h"

/* The reference's relay, a child of ours: reaped however we end. */
static pid_t relay_pid;

static void stop_relay(void)
{
	if (relay_pid > 0) {
		kill(relay_pid, SIGTERM);
		waitpid(relay_pid, NULL, 0);
		relay_pid = 0;
	}
}

static void on_term(int sig)
{
	stop_relay();
	_exit(128 + sig);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "xs-domconn: %s: %s\n", what, strerror(err));
	stop_relay();
	exit(1);
}

/* A request as dom0 whose reply must not be an error. */
static void dom0_call(const char *sock, uint32_t type, const char *payload,
		      size_t len)
{
	struct xsc_msg m;
	struct xsc x;
	int err = xsc_connect(&x, sock);

	if (!err)
		err = xsc_call(&x, type, 0, payload, len, &m, NULL);
	if (err)
		die(sock, -err);
	if (m.hdr.type == XPV_XS_ERROR) {
		fprintf(stderr, "xs-domconn: %s: %s\n", xpv_xsd_type_name(type),
			m.body);
		exit(1);
	}
	xsc_close(&x);
}

/* --late: the test introduces the domain itself, at a moment it chooses. */
static bool late;
static uint64_t late_frame;
static unsigned int late_port;

/* The domain's home, owned by it, then XS_INTRODUCE (unless --late). */
static void introduce(const char *sock, unsigned int domid, uint64_t frame,
		      unsigned int port)
{
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	dom0_call(sock, XPV_XS_MKDIR, buf, (size_t)n + 1);
	n += 1 +
	     snprintf(buf + n + 1, sizeof(buf) - (size_t)n - 1, "n%u", domid);
	dom0_call(sock, XPV_XS_SET_PERMS, buf, (size_t)n + 1);
	if (late) {
		late_frame = frame;
		late_port = port;
		return;
	}
	n = snprintf(buf, sizeof(buf), "%u%c%llu%c%u", domid, 0,
		     (unsigned long long)frame, 0, port);
	dom0_call(sock, XPV_XS_INTRODUCE, buf, (size_t)n + 1);
}

/* ours: a sim domain whose "kernel" is the relay, on stdin/stdout. */
static unsigned int start_ours(const char *sock, char *relay, int fd)
{
	struct hv_domain_config cfg = { .memory_kb = 16 * 1024, .vcpus = 1 };
	char *argv[] = { relay, "sim", NULL };
	int fds[3] = { fd, fd, test_console("") };
	struct hv_start_info si;
	hv_domid_t domid;
	char why[256];
	struct hv *hv;
	int ret;

	ret = hv_open(&hv, why, sizeof(why));
	if (ret < 0) {
		fprintf(stderr, "xs-domconn: %s\n", why);
		exit(1);
	}
	ret = hv_domain_create(hv, &cfg, &domid);
	if (ret < 0)
		die("hv_domain_create", -ret);
	ret = hv_domain_exec(
		hv, domid,
		&(struct hv_exec){ .path = relay, .argv = argv, .stdio = fds });
	if (ret < 0)
		die("hv_domain_exec", -ret);
	if (fds[2] >= 0)
		close(fds[2]); /* the relay's stderr: ours, through console.c */
	ret = hv_domain_start_info(hv, domid, &si);
	if (ret < 0)
		die("hv_domain_start_info", -ret);
	introduce(sock, domid, si.store_frame, si.store_port);
	/* A sim domain starts paused, as a Xen one is built. */
	ret = hv_domain_unpause(hv, domid);
	if (ret < 0)
		die("hv_domain_unpause", -ret);
	return domid;
}

/* ref: the relay as a plain process on the stand-in's files. */
static unsigned int start_ref(const char *sock, char *relay, int fd,
			      const char *dir, unsigned int domid)
{
	char ring[4096], kick[4096], notify[4096];
	pid_t pid;

	snprintf(ring, sizeof(ring), "%s/ring-%u", dir, domid);
	snprintf(kick, sizeof(kick), "%s/kick", dir);
	snprintf(notify, sizeof(notify), "%s/notify-%u", dir, domid);
	if (mkfifo(notify, 0600) < 0 && errno != EEXIST)
		die(notify, errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	relay_pid = pid;
	if (pid == 0) {
		char *argv[] = { relay, "file", ring, kick, notify, NULL };

		dup2(fd, 0);
		dup2(fd, 1);
		execv(relay, argv);
		die(relay, errno);
	}
	/* The stand-in's notify FIFO and the page exist once the relay runs;
	 * the port is the reference's business only. */
	introduce(sock, domid, 0, 1);
	return domid;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		die(path, fd < 0 ? errno : ENAMETOOLONG);
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0)
		die(path, errno);
	return fd;
}

/* Carry bytes between the client and the relay until one side ends. */
static void splice_both(int a, int b)
{
	struct pollfd pfd[2] = { { .fd = a, .events = POLLIN },
				 { .fd = b, .events = POLLIN } };
	char buf[8192];
	ssize_t n;
	int i;

	for (;;) {
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			die("poll", errno);
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return;
			if (write(pfd[1 - i].fd, buf, (size_t)n) != n)
				return;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int domid;
	int sp[2], lfd, cfd;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (argc > 1 && !strcmp(argv[argc - 1], "--late")) {
		late = true;
		argc--;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		die("socketpair", errno);
	if (argc == 5 && !strcmp(argv[1], "ours"))
		domid = start_ours(argv[2], argv[4], sp[1]);
	else if (argc == 7 && !strcmp(argv[1], "ref"))
		domid = start_ref(argv[2], argv[4], sp[1], argv[5],
				  (unsigned int)strtoul(argv[6], NULL, 10));
	else {
		fprintf(stderr,
			"usage: xs-domconn ours DOM0_SOCKET LISTEN RELAY [--late]\n"
			"       xs-domconn ref DOM0_SOCKET LISTEN RELAY RINGDIR "
			"DOMID [--late]\n");
		return 2;
	}
	close(sp[1]);
	lfd = listen_on(argv[3]);
	printf("domid=%u\n", domid);
	if (late)
		printf("introduce=%u %llu %u\n", domid,
		       (unsigned long long)late_frame, late_port);
	fflush(stdout);
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		die("accept", errno);
	splice_both(cfd, sp[0]);
	stop_relay();
	return 0;
}
