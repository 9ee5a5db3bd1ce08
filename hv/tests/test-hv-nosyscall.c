/*
 * test-hv-nosyscall - dom0's data path makes no system call: a million
 * grant copies (each way) and a million grant maps + unmaps (writable and
 * read-only) on sim, run under a seccomp filter that traps every system
 * call but the few needed to return from the trap and to exit. The trap
 * handler counts; the test asserts that it never ran and that every byte
 * copied or seen through a mapping was the right one.
 *
 * The work runs in a child process (a seccomp filter cannot be removed),
 * after a warm-up that makes what is made once per domain (the cached
 * fds, the views of its memory); it reports through shared memory.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"

#define OPS 1000000

struct report {
	int setup_err; /* 0, or -errno of the step that failed */
	const char *setup_step;
	long copies, maps; /* done under the filter */
	long wrong; /* bytes that were not what was written */
	long failed; /* calls that returned an error */
	long traps; /* system calls made under the filter */
	long first_nr; /* the first one trapped, or -1 */
};

static struct report *rep;

/* Count, and give up on a path that keeps calling: its failures could
 * take it anywhere. */
static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (rep->traps++ == 0)
		rep->first_nr = si->si_syscall;
	if (rep->traps >= 100)
		syscall(SYS_exit_group, 0);
}

/* Trap everything but returning from the handler and exiting. */
static int trap_syscalls(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };

	if (sigaction(SIGSYS, &sa, NULL) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}

struct work {
	struct hv *hv;
	uint8_t *page; /* two pages of our own, granted to ourselves */
	hv_gref_t refs[2];
};

static struct hv_copy_ptr foreign(const struct work *w, unsigned int i,
				  uint16_t off)
{
	return (struct hv_copy_ptr){ .foreign = true,
				     .domid = hv_self(w->hv),
				     .ref = w->refs[i],
				     .offset = off };
}

/* Copy 64 bytes into the grant, then back out; check both. */
static void copy_both_ways(struct work *w, long n)
{
	uint16_t off = (uint16_t)((n * 64) % HV_PAGE_SIZE);
	uint8_t out[64], in[64];
	struct hv_copy_seg seg = { .len = sizeof(out) };

	memset(out, (int)(n & 0xff), sizeof(out));
	seg.src.local = out;
	seg.dst = foreign(w, 0, off);
	if (hv_grant_copy(w->hv, 1, &seg) || seg.status)
		rep->failed++;
	rep->wrong += memcmp(w->page + off, out, sizeof(out)) != 0;
	seg.src = foreign(w, 0, off);
	seg.dst = (struct hv_copy_ptr){ .local = in };
	if (hv_grant_copy(w->hv, 1, &seg) || seg.status)
		rep->failed++;
	rep->wrong += memcmp(in, out, sizeof(in)) != 0;
	rep->copies += 2;
}

/* Map the second grant writable, write through it, see it in our page;
 * then read-only, and read it back. */
static void map_both_ways(struct work *w, long n)
{
	uint8_t *page = w->page + HV_PAGE_SIZE;
	size_t at = (size_t)(n % HV_PAGE_SIZE);
	uint8_t *m = hv_grant_map(w->hv, hv_self(w->hv), 1, &w->refs[1], true);

	if (!m) {
		rep->failed++;
		return;
	}
	m[at] = (uint8_t)n;
	rep->wrong += page[at] != (uint8_t)n;
	rep->failed += hv_grant_unmap(w->hv, m, 1) != 0;
	m = hv_grant_map(w->hv, hv_self(w->hv), 1, &w->refs[1], false);
	if (!m) {
		rep->failed++;
		return;
	}
	rep->wrong += m[at] != (uint8_t)n;
	rep->failed += hv_grant_unmap(w->hv, m, 1) != 0;
	rep->maps += 2;
}

static int setup(struct work *w)
{
	int err = hv_open(&w->hv, NULL, 0);

	rep->setup_step = "hv_open";
	if (err)
		return err;
	rep->setup_step = "hv_share_pages";
	w->page = hv_share_pages(w->hv, hv_self(w->hv), 2, true, w->refs);
	if (!w->page)
		return -errno;
	/* Warm up: what is made once per domain is made now. */
	copy_both_ways(w, 0);
	map_both_ways(w, 0);
	rep->setup_step = "the warm-up";
	if (rep->failed || rep->wrong)
		return -EIO;
	rep->copies = rep->maps = 0;
	rep->setup_step = "installing the seccomp filter";
	return trap_syscalls();
}

static void child(void)
{
	struct work w;
	long n;

	rep->setup_err = setup(&w);
	if (rep->setup_err)
		_exit(0);
	for (n = 1; n <= OPS / 2; n++)
		copy_both_ways(&w, n);
	for (n = 1; n <= OPS / 2; n++)
		map_both_ways(&w, n);
	/* Straight to exit_group: _exit is noreturn, and a sanitizer's
	 * runtime makes system calls of its own before one. */
	syscall(SYS_exit_group, 0);
}

static int t_no_syscall(void)
{
	int st;
	pid_t pid;

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(rep != MAP_FAILED, "mmap: %s", strerror(errno));
	rep->first_nr = -1;
	pid = fork();
	if (pid == 0)
		child();
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid, "fork: %s",
	      strerror(errno));
	CHECK(WIFEXITED(st), "the child died (signal %d)",
	      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (rep->setup_err == -EINVAL || rep->setup_err == -EACCES) {
		printf("    seccomp refused here (%s): skipped\n",
		       strerror(-rep->setup_err));
		return 77;
	}
	CHECK(rep->setup_err == 0, "%s: %s", rep->setup_step,
	      strerror(-rep->setup_err));
	CHECK(rep->copies == OPS && rep->maps == OPS,
	      "%ld copies and %ld maps done of %d each", rep->copies, rep->maps,
	      OPS);
	CHECK(rep->traps == 0, "%ld system calls, the first number %ld",
	      rep->traps, rep->first_nr);
	CHECK(rep->failed == 0 && rep->wrong == 0,
	      "%ld calls failed, %ld results wrong", rep->failed, rep->wrong);
	return 0;
}

static const struct test_case cases[] = {
	{ "a million grant copies and a million grant maps + unmaps make no "
	  "system call",
	  t_no_syscall, true },
};

int main(void)
{
#ifndef __x86_64__
	printf("skip: the seccomp filter here is written for x86_64\n");
	return 77;
#endif
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	err = harness_start();
	if (err) {
		printf("cannot start xpv-hv: %s\n", strerror(-err));
		return 1;
	}
	err = harness_run(cases, sizeof(cases) / sizeof(cases[0]));
	return harness_finish() ? 1 : err;
}
