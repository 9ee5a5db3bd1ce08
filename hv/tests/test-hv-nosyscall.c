/*
 * test-hv-nosyscall - dom0's data path makes no system call: a million
 * grant copies (each way) and a million grant maps + unmaps (writable and
 * read-only) on sim, run under a seccomp filter that traps every system
 * call but the few needed to return from the trap and to exit. The trap
 * handler counts; the test asserts that it never ran and that every byte
 * copied or seen through a mapping was the right one. Likewise a notify
 * while the peer has one pending makes none: a thousand notifies, one
 * send.
 *
 * Each case runs in a child process (a seccomp filter cannot be removed),
 * after a warm-up that makes what is made once (the cached fds, the views
 * of a domain's memory, a port's peer); it reports through shared memory.
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
#include <ucontext.h>
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
	ucontext_t *uc = ctx;

	(void)sig;
	if (rep->traps++ == 0)
		rep->first_nr = si->si_syscall;
	/* A send trapped here "sent" everything, so that its caller goes on
	 * as if it had been made: only the count matters. */
	if (si->si_syscall == SYS_sendto)
		uc->uc_mcontext.gregs[REG_RAX] = uc->uc_mcontext.gregs[REG_RDX];
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

static int setup_grants(struct work *w)
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
	return 0;
}

static void grants(void)
{
	struct work w;
	long n;

	rep->setup_err = setup_grants(&w);
	if (!rep->setup_err) {
		rep->setup_step = "installing the seccomp filter";
		rep->setup_err = trap_syscalls();
	}
	if (rep->setup_err)
		return;
	for (n = 1; n <= OPS / 2; n++)
		copy_both_ways(&w, n);
	for (n = 1; n <= OPS / 2; n++)
		map_both_ways(&w, n);
}

/* A loopback channel in two handles, each end's peer already fetched. */
static int setup_channel(struct hv **hv, struct hv_evtchn **a,
			 struct hv_evtchn **b, int *pa, int *pb)
{
	int err = hv_open(hv, NULL, 0);

	rep->setup_step = "the channel";
	if (err)
		return err;
	*a = hv_evtchn_open(*hv);
	*b = hv_evtchn_open(*hv);
	if (!*a || !*b)
		return -errno;
	*pa = hv_evtchn_alloc_unbound(*a, hv_self(*hv));
	if (*pa < 0)
		return *pa;
	*pb = hv_evtchn_bind_interdomain(*b, hv_self(*hv), (hv_port_t)*pa);
	if (*pb < 0)
		return *pb;
	/* The bind's own event; then one round each way. */
	if (hv_evtchn_wait(*b, 1000) != *pb ||
	    hv_evtchn_unmask(*b, (hv_port_t)*pb) ||
	    hv_evtchn_notify(*a, (hv_port_t)*pa) ||
	    hv_evtchn_wait(*b, 1000) != *pb ||
	    hv_evtchn_unmask(*b, (hv_port_t)*pb) ||
	    hv_evtchn_notify(*b, (hv_port_t)*pb) ||
	    hv_evtchn_wait(*a, 1000) != *pa ||
	    hv_evtchn_unmask(*a, (hv_port_t)*pa))
		return -EIO;
	return 0;
}

/* Notify a thousand times without the peer taking any: one send. */
static void coalesced_notify(void)
{
	struct hv_evtchn *a = NULL, *b = NULL;
	struct hv *hv = NULL;
	int pa = 0, pb = 0, i;

	rep->setup_err = setup_channel(&hv, &a, &b, &pa, &pb);
	if (!rep->setup_err) {
		rep->setup_step = "installing the seccomp filter";
		rep->setup_err = trap_syscalls();
	}
	if (rep->setup_err)
		return;
	for (i = 0; i < 1000; i++)
		rep->failed += hv_evtchn_notify(a, (hv_port_t)pa) != 0;
}

/*
 * Run body in a child process, which reports in *rep (shared memory) and
 * then leaves straight through exit_group: _exit is noreturn, and a
 * sanitizer's runtime makes system calls of its own before one. 77 when
 * this kernel refuses seccomp filters here.
 */
static int in_child(void (*body)(void))
{
	int st;
	pid_t pid;

	if (!rep)
		rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(rep != MAP_FAILED, "mmap: %s", strerror(errno));
	memset(rep, 0, sizeof(*rep));
	rep->first_nr = -1;
	pid = fork();
	if (pid == 0) {
		body();
		syscall(SYS_exit_group, 0);
	}
	REQUIRE(pid > 0 && waitpid(pid, &st, 0) == pid, "fork: %s",
		strerror(errno));
	REQUIRE(WIFEXITED(st), "the child died (signal %d)",
		WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	if (rep->setup_err == -EINVAL || rep->setup_err == -EACCES) {
		printf("    seccomp refused here (%s): skipped\n",
		       strerror(-rep->setup_err));
		return 77;
	}
	REQUIRE(rep->setup_err == 0, "%s: %s", rep->setup_step,
		strerror(-rep->setup_err));
	return 0;
}

static int t_grants(void)
{
	int r = in_child(grants);

	if (r)
		return r;
	REQUIRE(rep->copies == OPS && rep->maps == OPS,
		"%ld copies and %ld maps done of %d each", rep->copies,
		rep->maps, OPS);
	REQUIRE(rep->traps == 0, "%ld system calls, the first number %ld",
		rep->traps, rep->first_nr);
	REQUIRE(rep->failed == 0 && rep->wrong == 0,
		"%ld calls failed, %ld results wrong", rep->failed, rep->wrong);
	return 0;
}

static int t_coalesced_notify(void)
{
	int r = in_child(coalesced_notify);

	if (r)
		return r;
	REQUIRE(rep->traps == 1 && rep->first_nr == SYS_sendto,
		"%ld system calls, the first number %ld", rep->traps,
		rep->first_nr);
	REQUIRE(rep->failed == 0, "%ld notifies failed", rep->failed);
	return 0;
}

static const struct test_case cases[] = {
	{ "a million grant copies and a million grant maps + unmaps make no "
	  "system call",
	  t_grants, true },
	{ "a thousand notifies the peer has not taken make one system call",
	  t_coalesced_notify, true },
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
