/*
 * test-hv-doorbell - the event channel transport of sim on its own
 * (hv/sim/shared_evtchn.c): what the holder of a port's sending end can
 * do to it, and that none of it makes the other users wait. No daemon,
 * no guest: the attacks are made here on a doorbell pair.
 *
 * The slow-reader case is the one a guest could make with a page of its
 * own that faults slowly: a receiver blocked in the middle of copying to
 * user memory (here a userfaultfd page whose fault is left pending). A
 * send to that receiver must still return at once; a pipe's write does
 * not (it waits for the pipe's mutex), which is why doorbells are not
 * pipes. Needs userfaultfd (root, or vm.unprivileged_userfaultfd=1);
 * that case is skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/sim/shared.h"
#include "tests/lib/check.h"

#define DEADLINE_MS 3000

static void make_pair(int *rx, int *tx, bool *fds_refused)
{
	int err = sim_chan_pair(rx, tx, fds_refused);

	if (err)
		check_fatal("sim_chan_pair", -err);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Kicks coalesce; a full stream is an event already waiting. */
static void full_stream(void)
{
	int rx, tx, i, err = 0, tiny = 1;
	bool refused;

	make_pair(&rx, &tx, &refused);
	setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &tiny, sizeof(tiny));
	fcntl(tx, F_SETFL, fcntl(tx, F_GETFL) & ~O_NONBLOCK);
	for (i = 0; i < 10000 && !err; i++)
		err = sim_chan_kick(tx);
	check("a full doorbell: kick returns 0 without waiting", err == 0, "%s",
	      strerror(-err));
	check("a full doorbell: its receiver sees the event", readable(rx),
	      NULL);
	err = sim_chan_drain(rx);
	check("a drain takes what a small sender queued",
	      err == 0 && !readable(rx), "err %d, still readable %d", err,
	      readable(rx));
	close(rx);
	err = sim_chan_kick(tx);
	check("a doorbell whose receiver is gone: kick returns 0", err == 0,
	      "%s", strerror(-err));
	close(tx);
}

static void shut_down(void)
{
	int rx, tx, err;
	bool refused;

	make_pair(&rx, &tx, &refused);
	shutdown(tx, SHUT_RDWR);
	err = sim_chan_drain(rx);
	check("a sender that shut its end: the drain says -EPIPE",
	      err == -EPIPE, "%d", err);
	err = sim_chan_kick(tx);
	check("kicking a shut doorbell returns 0", err == 0, "%s",
	      strerror(-err));
	close(rx);
	close(tx);
}

static void oob_and_backwards(void)
{
	char c = 'u';
	int rx, tx, err;
	bool refused;

	make_pair(&rx, &tx, &refused);
	check("urgent data is sent", send(tx, &c, 1, MSG_OOB) == 1, "%s",
	      strerror(errno));
	err = sim_chan_drain(rx);
	check("urgent data drains as ordinary bytes", err == 0 && !readable(rx),
	      "err %d, still readable %d", err, readable(rx));
	check("a receiving end cannot write back",
	      send(rx, &c, 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0, NULL);
	close(rx);
	close(tx);
}

static int send_fd(int sock, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	return sendmsg(sock, &m, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static void no_fds(void)
{
	int rx, tx, err;
	bool refused;

	make_pair(&rx, &tx, &refused);
	if (!refused) {
		printf("skip a file descriptor cannot be passed: this kernel "
		       "has no SO_PASSRIGHTS (Linux 6.16)\n");
	} else {
		err = send_fd(tx, 0);
		check("a file descriptor cannot be passed", err == -EPERM, "%s",
		      err ? strerror(-err) : "it was");
	}
	close(rx);
	close(tx);
}

/* --- A receiver stuck in the middle of a copy to user memory ----------- */

struct reader {
	int fd;
	bool sock;
	void *page; /* registered with userfaultfd: the copy faults */
};

static void *read_into_page(void *arg)
{
	struct reader *r = arg;

	if (r->sock)
		recv(r->fd, r->page, 1, 0);
	else if (read(r->fd, r->page, 1) < 0) {
		/* nothing: the test resolves the fault and moves on */
	}
	return NULL;
}

/* A page whose first touch faults into uffd, and stays there until the
 * fault is resolved. */
static void *faulting_page(int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *p;

	*uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*uffd < 0)
		return NULL;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)p;
	reg.range.len = 4096;
	if (p == MAP_FAILED || ioctl(*uffd, UFFDIO_API, &api) < 0 ||
	    ioctl(*uffd, UFFDIO_REGISTER, &reg) < 0) {
		close(*uffd);
		return NULL;
	}
	return p;
}

/* Wait until the reader has faulted on the page. */
static bool reader_stuck(int uffd)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	return poll(&p, 1, DEADLINE_MS) == 1 &&
	       read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	       msg.event == UFFD_EVENT_PAGEFAULT;
}

static void resolve(int uffd, void *page)
{
	struct uffdio_zeropage z = {
		.range = { .start = (unsigned long)page, .len = 4096 },
	};

	ioctl(uffd, UFFDIO_ZEROPAGE, &z);
}

/* Run fn(fd) in a child process; its pid. */
static pid_t spawn(int (*fn)(int), int fd)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(fd) == 0 ? 0 : 1);
	return pid;
}

/* Whether the child exited with 0 within ms. */
static bool done_in_time(pid_t pid, int ms)
{
	long long end = check_now_ms() + ms;
	int st;

	while (pid > 0 && check_now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		usleep(2000);
	}
	return false;
}

static int write_pipe(int fd)
{
	char c = 'p';

	return write(fd, &c, 1) == 1 ? 0 : -errno;
}

/* With a reader stuck copying into a faulting page, does a sender wait? */
static int stuck_reader_blocks_sender(bool sock, bool *blocked)
{
	struct reader r = { .sock = sock };
	int uffd, rx, tx, fds[2];
	pthread_t t;
	bool refused;
	pid_t pid;

	r.page = faulting_page(&uffd);
	if (!r.page)
		return -errno;
	if (sock) {
		make_pair(&rx, &tx, &refused);
	} else {
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
			check_fatal("pipe", errno);
		rx = fds[0];
		tx = fds[1];
	}
	/* Something to read, so the reader goes straight to the copy. */
	if (sock ? sim_chan_kick(tx) : write_pipe(tx))
		check_fatal("the first byte", errno);
	r.fd = rx;
	pthread_create(&t, NULL, read_into_page, &r);
	if (!reader_stuck(uffd))
		check_fatal("the reader did not fault", ETIMEDOUT);
	pid = spawn(sock ? sim_chan_kick : write_pipe, tx);
	/* The pipe is only the contrast: a short wait shows it. */
	*blocked = !done_in_time(pid, sock ? DEADLINE_MS : 300);
	/* A writer waiting for the pipe's mutex cannot be killed before
	 * it gets it: let the reader finish first. */
	resolve(uffd, r.page);
	pthread_join(t, NULL);
	if (*blocked) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(rx);
	close(tx);
	close(uffd);
	munmap(r.page, 4096);
	return 0;
}

static void slow_reader(void)
{
	bool blocked;
	int err = stuck_reader_blocks_sender(true, &blocked);

	if (err) {
		printf("skip a receiver stuck in a copy: no userfaultfd here "
		       "(%s)\n",
		       strerror(-err));
		return;
	}
	check("a receiver stuck in a copy: a kick still returns at once",
	      !blocked, "the kick waited");
	if (stuck_reader_blocks_sender(false, &blocked) == 0)
		printf("note: the same on a pipe: its write %s\n",
		       blocked ? "waits (why doorbells are not pipes)" :
				 "returned (this kernel's pipes do not wait)");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	full_stream();
	shut_down();
	oob_and_backwards();
	no_fds();
	slow_reader();
	printf("%d failed\n", check_failures);
	return check_failures ? 1 : 0;
}
