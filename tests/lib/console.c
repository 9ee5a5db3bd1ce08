/*
 * console.c - a guest's stderr copied to the driver's (contract in
 * console.h).
 */
#include "tests/lib/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The copier: only the pipe's read end (as fd 3) and stderr stay open,
 * so it keeps no other pipe of the driver's alive. */
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
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
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
