/*
 * console.c - a guest's stderr copied to the driver's (contract in
 * console.h).
 */
#include "tests/lib/console.h"

#include "hv/hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The copier: only our end of the pair (as fd 3) and stderr stay open,
 * so it keeps no other channel of the driver's alive. */
static void copy_lines(int in, const char *prefix)
{
	char line[1024];
	FILE *f;

	if (dup2(in, 3) < 0 || syscall(SYS_close_range, 4u, ~0u, 0u) < 0)
		_exit(1);
	f = fdopen(3, "r");
	if (!f)
		_exit(1);
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "%s%s", prefix, line);
	_exit(0);
}

int test_console(const char *prefix)
{
	int p[2], err;
	pid_t pid;

	/* p[0] ours, p[1] the guest's: never a pipe (hv.h). */
	err = hv_stdio_pair(&p[0], &p[1]);
	if (err)
		return err;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		copy_lines(p[0], prefix);
	}
	close(p[0]);
	return p[1];
}
