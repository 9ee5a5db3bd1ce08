/*
 * xfer.c - xpv-net-xfer: move bytes over one TCP connection, for the
 * network tests (the guests' own stack at both ends).
 *
 *   xpv-net-xfer listen PORT       accept one connection (IPv4 or IPv6),
 *                                  copy it to stdout
 *   xpv-net-xfer send HOST PORT    connect, copy stdin to it, shut down
 *                                  the sending side
 *
 * Exit 0 when every byte moved; 1 on any error, which is printed.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 16];

static int copy(int from, int to)
{
	ssize_t n, w, off;

	while ((n = read(from, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += w) {
			w = write(to, buf + off, (size_t)(n - off));
			if (w < 0)
				return -errno;
		}
	return n < 0 ? -errno : 0;
}

static int do_listen(const char *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_ANY_INIT };
	int s = socket(AF_INET6, SOCK_STREAM, 0), c, one = 1, zero = 0;

	a.sin6_port = htons((uint16_t)atoi(port));
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, 4) ||
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, 4) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1))
		return -errno;
	c = accept(s, NULL, NULL);
	if (c < 0)
		return -errno;
	close(s);
	return copy(c, 1);
}

static int do_send(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int s, err = getaddrinfo(host, port, &hints, &ai);

	if (err) {
		fprintf(stderr, "xpv-net-xfer: %s: %s\n", host,
			gai_strerror(err));
		return -EINVAL;
	}
	s = socket(ai->ai_family, SOCK_STREAM, 0);
	if (s < 0 || connect(s, ai->ai_addr, ai->ai_addrlen)) {
		freeaddrinfo(ai);
		return -errno;
	}
	freeaddrinfo(ai);
	err = copy(0, s);
	if (!err && shutdown(s, SHUT_WR))
		err = -errno;
	/* Wait for the other end to close: everything was read. */
	while (!err && read(s, buf, sizeof(buf)) > 0)
		;
	close(s);
	return err;
}

int main(int argc, char **argv)
{
	int err;

	if (argc == 3 && !strcmp(argv[1], "listen"))
		err = do_listen(argv[2]);
	else if (argc == 4 && !strcmp(argv[1], "send"))
		err = do_send(argv[2], argv[3]);
	else {
		fprintf(stderr, "usage: xpv-net-xfer listen PORT | send HOST "
				"PORT\n");
		return 2;
	}
	if (err)
		fprintf(stderr, "xpv-net-xfer: %s\n", strerror(-err));
	return err ? 1 : 0;
}
