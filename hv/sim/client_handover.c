/*
 * client_handover.c - devices dom0 makes for a domain, on sim (hv.h:
 * hv_domain_ns_fd, hv_domain_give_fd, hv_take_fd; the daemon's side is
 * daemon_handover.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hv/sim/client.h"

/* One request whose tail is str (with its NUL), passing fd (or -1),
 * returning the fd of the reply when want_fd. */
static int call(struct hv *hv, uint32_t op, hv_domid_t domid, const char *str,
		int fd, bool want_fd)
{
	struct sim_req req = { .op = op, .domid = domid };
	int rfds[SIM_MSG_FDS] = { -1, -1, -1, -1 }, err, i;
	size_t len = strlen(str) + 1;

	if (len > HV_HANDOVER_TAG_MAX + 1)
		return -EINVAL;
	err = sim_rpc(to_sim(hv)->sock, &req, str, len, &fd, fd >= 0 ? 1 : 0,
		      NULL, NULL, 0, NULL, rfds);
	if (err) {
		sim_close_fds(rfds, SIM_MSG_FDS);
		return err;
	}
	for (i = 1; i < SIM_MSG_FDS; i++)
		if (rfds[i] >= 0)
			close(rfds[i]);
	if (!want_fd)
		return 0;
	return rfds[0] >= 0 ? rfds[0] : -EPROTO;
}

int sim_domain_ns_fd(struct hv *hv, hv_domid_t domid, const char *ns)
{
	return call(hv, SIM_OP_DOM_NS_FD, domid, ns, -1, true);
}

int sim_domain_give_fd(struct hv *hv, hv_domid_t domid, const char *tag, int fd)
{
	return call(hv, SIM_OP_DOM_GIVE_FD, domid, tag, fd, false);
}

int sim_take_fd(struct hv *hv, const char *tag)
{
	return call(hv, SIM_OP_TAKE_FD, HV_DOMID_SELF, tag, -1, true);
}
