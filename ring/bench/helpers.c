/*
 * helpers.c - clocks, pinning, processes and the request format of the
 * ring benchmark (bench.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring/bench/bench.h"

double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One turn of a busy-poll loop. Every few thousand turns it yields, so
 * that on a loaded machine a spinner whose peer was preempted gives the
 * CPU back instead of burning its whole time slice; unloaded, the peer
 * answers long before that. */
void cpu_relax(void)
{
	static unsigned int turns;

	if ((++turns & 4095) == 0) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

void die(const char *what, int err)
{
	fprintf(stderr, "bench-ring: %s: %s\n", what, strerror(-err));
	exit(1);
}

/* The CPUs we may run on, before pinning narrows them: a forked child
 * inherits the narrowed mask, so it pins against this one. */
static cpu_set_t allowed;
static enum pin_mode pin_mode;

void pin_init(enum pin_mode mode)
{
	pin_mode = mode;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
}

static bool pin(int cpu)
{
	cpu_set_t set;

	if (pin_mode == PIN_NONE || !CPU_ISSET(cpu, &allowed) ||
	    CPU_COUNT(&allowed) < 2)
		return false;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

bool pin_front(void)
{
	return pin(0);
}

bool pin_back(void)
{
	return pin(pin_mode == PIN_SAME ? 0 : 1);
}

const char *pin_name(enum pin_mode mode)
{
	switch (mode) {
	case PIN_APART:
		return "apart";
	case PIN_SAME:
		return "same";
	default:
		return "none";
	}
}

/* A back-end process, pinned as the mode says, running run(arg). */
pid_t spawn_back(int (*run)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		pin_back();
		exit(run(arg) < 0 ? 1 : 0);
	}
	return pid;
}

void reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-ring: the %s back end failed\n", what);
		exit(1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

void fill_request(req_t *req, uint64_t id, uint8_t op)
{
	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = 1;
	req->id = id;
	req->sector_number = id * 8;
	req->seg[0].last_sect = 7;
}

/* What the back ends answer: OKAY for a well-formed request. */
void answer(const req_t *req, rsp_t *rsp)
{
	rsp->id = req->id;
	rsp->operation = req->operation;
	rsp->status = req->sector_number == req->id * 8 ? XPV_BLKIF_RSP_OKAY :
							  XPV_BLKIF_RSP_ERROR;
}

bool control(const req_t *req, int *mode)
{
	if (req->operation < WAIT_SLEEP || req->operation > OP_QUIT)
		return false;
	*mode = req->operation;
	return true;
}

bool keep_polling(int mode, double *idle_since)
{
	double t;

	if (mode == WAIT_SLEEP)
		return false;
	if (mode == WAIT_POLL) {
		t = now();
		if (*idle_since == 0)
			*idle_since = t;
		if (t - *idle_since >= POLL_US / 1e6)
			return false;
	}
	cpu_relax();
	return true;
}
