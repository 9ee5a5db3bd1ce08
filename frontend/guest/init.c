/*
 * init.c - the guest's init: started on the console's pty as a session
 * leader (so the pty is its controlling terminal, as a getty's), with
 * xpv-guest's environment (the config's env). xpv-guest is pid 1 of the
 * guest, so it also reaps every orphan, as an init must.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend/guest/guest.h"

#define GRACE_MS 2000

static void child(struct guest *g, const char *slave)
{
	int fd;

	setsid();
	fd = open(slave, O_RDWR); /* becomes the controlling terminal */
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	ioctl(0, TIOCSCTTY, 0);
	if (fd > 2)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execvp(g->init_argv[0], g->init_argv);
	fprintf(stderr, "xpv-guest: cannot run %s: %s\r\n", g->init_argv[0],
		strerror(errno));
	_exit(127);
}

int guest_init_start(struct guest *g, const char *slave)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(g, slave);
	g->init_pid = pid;
	return 0;
}

bool guest_init_reap(struct guest *g)
{
	bool init_gone = false;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != g->init_pid)
			continue;
		init_gone = true;
		if (WIFEXITED(status))
			guest_log(g, "init exited with status %d",
				  WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			guest_log(g, "init was killed by signal %d",
				  WTERMSIG(status));
	}
	return init_gone;
}

static bool any_child(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		;
	return !(pid < 0 && errno == ECHILD);
}

void guest_kill_all(struct guest *g __attribute__((unused)))
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int waited;

	/* From pid 1, -1 is every other process of the guest. */
	kill(-1, SIGTERM);
	for (waited = 0; waited < GRACE_MS && any_child(); waited += 10)
		nanosleep(&pause, NULL);
	kill(-1, SIGKILL);
	while (any_child())
		nanosleep(&pause, NULL);
}
