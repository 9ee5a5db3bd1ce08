/*
 * qmp-standin.c - the QMP monitor of the test bed's stand-in for QEMU
 * (tests/xen/dom0/qemu-standin): xl starts QEMU to serve a PV guest's
 * qdisk disks (a qcow2 disk is one to xl), waits for it to say it runs,
 * then asks its QMP monitor a few questions (qmp_capabilities,
 * query-chardev, ...) before the guest may start. xpv-blkback serves the
 * qdisk class itself, so this only answers them, emptily.
 *
 *   xpv-qmp-standin SOCKET
 *
 * Listens on the unix socket SOCKET (libxl's /var/run/xen/qmp-libxl-<domid>),
 * greets each client as QEMU 7.2 does, and answers every command line
 * with an empty success carrying the command's id: [] for the query
 * commands that return lists, {} otherwise; "quit" ends it. One client at
 * a time, for as long as libxl keeps it (a test bed's tool: no timeouts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define GREETING                                                           \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, " \
	"\"major\": 7}, \"package\": \"\"}, \"capabilities\": []}}\r\n"

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The text of "key": VALUE in line, up to the next ',' or '}' (VALUE may
 * be quoted); "" when absent. */
static void field(const char *line, const char *key, char *out, size_t size)
{
	const char *p = strstr(line, key);
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p = strchr(p + strlen(key), ':');
	if (!p)
		return;
	p++;
	while (*p == ' ')
		p++;
	while (p[n] && p[n] != ',' && p[n] != '}' && n + 1 < size)
		n++;
	memcpy(out, p, n);
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\r'))
		n--;
	out[n] = '\0';
}

/* One command line: answer it. 1 when it was "quit". */
static int answer(int fd, const char *line)
{
	char cmd[64], id[64], reply[256];
	const char *ret = "{}";

	field(line, "\"execute\"", cmd, sizeof(cmd));
	field(line, "\"id\"", id, sizeof(id));
	if (!strcmp(cmd, "\"query-chardev\"") ||
	    !strcmp(cmd, "\"query-cpus-fast\"") ||
	    !strcmp(cmd, "\"query-block\""))
		ret = "[]";
	else if (!strcmp(cmd, "\"query-vnc\""))
		ret = "{\"enabled\": false}";
	if (id[0])
		snprintf(reply, sizeof(reply),
			 "{\"return\": %s, \"id\": %s}\r\n", ret, id);
	else
		snprintf(reply, sizeof(reply), "{\"return\": %s}\r\n", ret);
	if (write_all(fd, reply))
		return -1;
	return !strcmp(cmd, "\"quit\"");
}

/* One client until it goes (0) or says quit (1). */
static int serve(int fd)
{
	char buf[8192];
	size_t have = 0;

	if (write_all(fd, GREETING))
		return 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			int r;

			*nl = '\0';
			r = answer(fd, buf);
			if (r)
				return r > 0;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than any libxl sends */
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, fd, quit = 0;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: xpv-qmp-standin SOCKET\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 4)) {
		perror("xpv-qmp-standin");
		return 1;
	}
	while (!quit) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("xpv-qmp-standin: accept");
			return 1;
		}
		quit = serve(fd);
		close(fd);
	}
	unlink(argv[1]);
	return 0;
}
