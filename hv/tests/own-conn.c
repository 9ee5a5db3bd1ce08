/*
 * own-conn.c - a fresh xpv-hv connection of a test guest's own domain
 * (own-conn.h), shared by hv-test-guest and the hostile guests.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "hv/sim/proto.h"
#include "hv/tests/own-conn.h"

int hv_test_own_conn(void)
{
	struct sim_req req = { .op = SIM_OP_CLONE };
	const char *env = getenv("XPV_HV_FD");
	int fds[SIM_MSG_FDS], fd, err;
	struct sim_rep rep;

	if (!env)
		return -ENOENT;
	err = sim_msg_send(atoi(env), &req, sizeof(req), NULL, 0, NULL, 0,
			   false);
	if (err)
		return err;
	if (sim_msg_recv(atoi(env), &rep, sizeof(rep), fds, false) !=
	    (ssize_t)sizeof(rep)) {
		sim_close_fds(fds, SIM_MSG_FDS);
		return -EPROTO;
	}
	fd = fds[0];
	fds[0] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	if (!rep.err && fd >= 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return rep.err ? rep.err : -EPROTO;
}
