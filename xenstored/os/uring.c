/*
 * os/uring.c - batched socket writes (see uring.h).
 */
#include <errno.h>
#include <liburing.h>
#include <string.h>
#include <sys/socket.h>

#include "xenstored/os/uring.h"

static struct io_uring ring;
static unsigned int ring_entries;

int uring_init(unsigned int entries)
{
	int ret = io_uring_queue_init(entries, &ring, 0);

	if (ret < 0)
		return ret;
	ring_entries = entries;
	return 0;
}

void uring_exit(void)
{
	if (ring_entries)
		io_uring_queue_exit(&ring);
	ring_entries = 0;
}

bool uring_ready(void)
{
	return ring_entries != 0;
}

/*
 * One submission of at most ring_entries sends. A send the kernel did not
 * take is reported -EAGAIN (the caller retries it when the socket is
 * writable). If submitting fails, the ring is given up: what it still
 * holds must never reach the kernel later, when the buffers have changed.
 */
static int send_some(struct conn_batch_write *v, unsigned int n)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned int i;
	int submitted, ret;

	for (i = 0; i < n; i++) {
		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			break;
		io_uring_prep_send(sqe, v[i].fd, v[i].buf, v[i].len,
				   MSG_DONTWAIT | MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, i);
	}
	for (i = 0; i < n; i++)
		v[i].res = -EAGAIN;
	submitted = io_uring_submit(&ring);
	if (submitted < 0) {
		uring_exit();
		return submitted;
	}
	/* Every send completes at once (MSG_DONTWAIT): reap them all. */
	while (submitted > 0) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			uring_exit();
			return ret;
		}
		i = (unsigned int)io_uring_cqe_get_data64(cqe);
		if (i < n)
			v[i].res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		submitted--;
	}
	return 0;
}

int uring_send(struct conn_batch_write *v, unsigned int n)
{
	unsigned int chunk;
	int ret;

	if (!ring_entries)
		return -ENOSYS;
	while (n) {
		chunk = n < ring_entries ? n : ring_entries;
		ret = send_some(v, chunk);
		if (ret)
			return ret;
		v += chunk;
		n -= chunk;
	}
	return 0;
}
