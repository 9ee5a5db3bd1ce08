/*
 * guest.c - bench-ring --guest: the front end runs in a guest domain on
 * the sim platform, the back end here in dom0, as real split drivers do.
 *
 * dom0 creates a domain and starts this same program in it with
 * --guest-front; the guest's stdin and stdout are one end of a socket
 * pair (the benchmark's stand-in for xenstore: the guest sends its grant
 * references and port over it), its stderr a pipe of its own (never our
 * stdout: a guest may change or reopen any description it is given),
 * where it prints the figures and we copy them to our stdout. dom0 serves
 * the ring until the guest says quit, waits for the guest to exit (the
 * socket and the pipe close), and destroys the domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ring/bench/bench.h"

#define GUEST_MEMORY_KB (64 * 1024)
#define GUEST_EXIT_MS 120000

static int start_guest(struct hv *hv, unsigned int order, bool quick,
		       enum pin_mode pin, int sock, int console,
		       hv_domid_t *domid)
{
	struct hv_domain_config cfg = { .memory_kb = GUEST_MEMORY_KB,
					.vcpus = 2 };
	char path[PATH_MAX], ord[4];
	char *argv[8];
	int fds[3] = { sock, sock, console };
	int argc = 0, err;
	ssize_t n;

	argv[argc++] = path;
	argv[argc++] = "--guest-front";
	argv[argc++] = "--order";
	argv[argc++] = ord;
	argv[argc++] = "--pin";
	argv[argc++] = (char *)pin_name(pin);
	if (quick)
		argv[argc++] = "--quick";
	argv[argc] = NULL;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n < 0)
		return -errno;
	path[n] = '\0';
	snprintf(ord, sizeof(ord), "%u", order);
	err = hv_domain_create(hv, &cfg, domid);
	if (err)
		return err;
	err = hv_domain_exec(
		hv, *domid,
		&(struct hv_exec){ .path = path, .argv = argv, .stdio = fds });
	/* xpv-hv without cgroups cannot pause, so the guest never was */
	if (!err && (err = hv_domain_unpause(hv, *domid)) == -EOPNOTSUPP)
		err = 0;
	if (err && hv_domain_destroy(hv, *domid) < 0)
		fprintf(stderr, "bench-ring: domain %u is left behind\n",
			*domid);
	return err;
}

/* Copy what the guest printed to our stdout; false at its end. */
static bool relay(int console)
{
	char buf[4096];
	ssize_t n = read(console, buf, sizeof(buf));

	if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) == (size_t)n) {
		fflush(stdout);
		return true;
	}
	return false;
}

/* The guest closes its end of sock and of its console by exiting; what
 * it printed meanwhile goes to our stdout. */
static int wait_exit(int sock, int console)
{
	struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
			       { .fd = console, .events = POLLIN } };
	char c;

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		int n = poll(p, 2, GUEST_EXIT_MS);

		if (n == 0)
			return -ETIMEDOUT;
		if (n < 0)
			return -errno;
		if (p[0].revents && read(sock, &c, 1) <= 0)
			p[0].fd = -1;
		if (p[1].revents && !relay(console))
			p[1].fd = -1;
	}
	return 0;
}

int guest_run(unsigned int order, bool quick, enum pin_mode pin)
{
	char why[256] = "";
	hv_domid_t domid;
	struct hv *hv;
	int sv[2], pipefd[2], err;

	err = hv_open(&hv, why, sizeof(why));
	if (err) {
		fprintf(stderr, "bench-ring: --guest needs xpv-hv: %s\n", why);
		return err;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		err = -errno;
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	err = start_guest(hv, order, quick, pin, sv[1], pipefd[1], &domid);
	close(sv[1]);
	close(pipefd[1]);
	if (err) {
		fprintf(stderr, "bench-ring: starting the guest: %s\n",
			strerror(-err));
		close(sv[0]);
		close(pipefd[0]);
		goto out;
	}
	pin_back();
	err = ring_back_end(false, sv[0]);
	if (!err)
		err = wait_exit(sv[0], pipefd[0]);
	close(sv[0]);
	close(pipefd[0]);
	if (hv_domain_destroy(hv, domid) < 0 && !err)
		err = -EIO;
out:
	hv_close(hv);
	return err;
}
