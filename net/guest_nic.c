/*
 * guest_nic.c - dom0 making a guest's NIC on its behalf (guest_nic.h).
 *
 * A TAP is created in the network namespace of whoever opens
 * /dev/net/tun, so a thread of ours enters the guest's namespace (setns on
 * the fd hv_domain_ns_fd gives), opens the queues and sets the MAC there,
 * and the fds are handed in through the hypervisor. Only that thread
 * changes namespace; it ends right after.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "net/guest_nic.h"
#include "net/tap.h"

struct maker {
	int nsfd;
	const char *name;
	const uint8_t *mac;
	unsigned int nqueues;
	int fds[NET_GUEST_NIC_MAX_QUEUES];
	int err;
};

static void *make_in_ns(void *arg)
{
	struct maker *m = arg;
	unsigned int i;

	if (setns(m->nsfd, CLONE_NEWNET)) {
		m->err = -errno;
		return NULL;
	}
	for (i = 0; i < m->nqueues; i++) {
		m->fds[i] = net_tap_open(m->name);
		if (m->fds[i] < 0) {
			m->err = m->fds[i];
			return NULL;
		}
	}
	/* No carrier until netfront has connected it to its backend. */
	m->err = net_tap_set_carrier(m->fds[0], false);
	if (!m->err)
		m->err = net_link_set_mac(m->name, m->mac);
	return NULL;
}

static void close_all(int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int net_guest_nic_give(struct hv *hv, hv_domid_t domid, const char *name,
		       const uint8_t mac[6], unsigned int nqueues,
		       const char *tag)
{
	struct maker m = { .name = name, .mac = mac, .nqueues = nqueues };
	pthread_t t;
	unsigned int i;
	int err;

	if (nqueues == 0 || nqueues > NET_GUEST_NIC_MAX_QUEUES)
		return -EINVAL;
	for (i = 0; i < NET_GUEST_NIC_MAX_QUEUES; i++)
		m.fds[i] = -1;
	m.nsfd = hv_domain_ns_fd(hv, domid, "net");
	if (m.nsfd < 0)
		return m.nsfd;
	err = -pthread_create(&t, NULL, make_in_ns, &m);
	if (!err) {
		pthread_join(t, NULL);
		err = m.err;
	}
	close(m.nsfd);
	for (i = 0; !err && i < nqueues; i++)
		err = hv_domain_give_fd(hv, domid, tag, m.fds[i]);
	close_all(m.fds, nqueues);
	return err;
}
