/*
 * client_domctl.c - domain control on sim: every call is one request to
 * xpv-hv, which decides what the connection may do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/sim/client.h"

static int call(struct hv *hv, uint32_t op, hv_domid_t domid, uint64_t a,
		uint64_t b, struct sim_rep *rep)
{
	struct sim_req req = { .op = op, .domid = domid, .a = a, .b = b };

	return sim_rpc(to_sim(hv)->sock, &req, NULL, 0, NULL, 0, rep, NULL, 0,
		       NULL, NULL);
}

int sim_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		      hv_domid_t *domid)
{
	struct sim_rep rep;
	int err = call(hv, SIM_OP_DOM_CREATE, cfg->domid, cfg->memory_kb,
		       cfg->vcpus, &rep);

	if (!err)
		*domid = (hv_domid_t)rep.v[0];
	return err;
}

/* "path\0arg0\0arg1\0...": the exec request's tail. */
static char *pack_argv(const char *path, char *const argv[], size_t *len)
{
	size_t n = strlen(path) + 1, i, off;
	char *buf;

	for (i = 0; argv[i]; i++) {
		n += strlen(argv[i]) + 1;
		if (n > SIM_MSG_MAX - sizeof(struct sim_req))
			return NULL;
	}
	buf = malloc(n);
	if (!buf)
		return NULL;
	off = 0;
	memcpy(buf, path, strlen(path) + 1);
	off += strlen(path) + 1;
	for (i = 0; argv[i]; i++) {
		memcpy(buf + off, argv[i], strlen(argv[i]) + 1);
		off += strlen(argv[i]) + 1;
	}
	*len = n;
	return buf;
}

int sim_domain_exec(struct hv *hv, hv_domid_t domid, const char *path,
		    char *const argv[], const int fds[3])
{
	struct sim_req req = { .op = SIM_OP_DOM_EXEC, .domid = domid };
	int stdio[3], i, err;
	size_t len;
	char *tail = pack_argv(path, argv, &len);

	if (!tail)
		return -E2BIG;
	for (i = 0; i < 3; i++) {
		stdio[i] = fds[i] >= 0 ? fds[i] :
					 open("/dev/null", O_RDWR | O_CLOEXEC);
		if (stdio[i] < 0 || fcntl(stdio[i], F_GETFD) < 0) {
			err = -EBADF;
			goto out;
		}
	}
	err = sim_rpc(to_sim(hv)->sock, &req, tail, len, stdio, 3, NULL, NULL,
		      0, NULL, NULL);
out:
	while (i-- > 0)
		if (fds[i] < 0 && stdio[i] >= 0)
			close(stdio[i]);
	free(tail);
	return err;
}

int sim_domain_destroy(struct hv *hv, hv_domid_t domid)
{
	int err = call(hv, SIM_OP_DOM_DESTROY, domid, 0, 0, NULL);

	/* Our cached fds of it go now rather than at the next call. */
	if (!err && hv->privileged)
		sim_fdom_forget(to_sim(hv), domid);
	return err;
}

int sim_domain_pause(struct hv *hv, hv_domid_t domid)
{
	return call(hv, SIM_OP_DOM_PAUSE, domid, 0, 0, NULL);
}

int sim_domain_unpause(struct hv *hv, hv_domid_t domid)
{
	return call(hv, SIM_OP_DOM_UNPAUSE, domid, 0, 0, NULL);
}

int sim_domain_shutdown(struct hv *hv, hv_domid_t domid,
			enum hv_shutdown_reason reason)
{
	return call(hv, SIM_OP_DOM_SHUTDOWN, domid, (uint64_t)reason, 0, NULL);
}

int sim_domain_set_max_memory(struct hv *hv, hv_domid_t domid, uint64_t max_kb)
{
	return call(hv, SIM_OP_DOM_SET_MAXMEM, domid, max_kb, 0, NULL);
}

int sim_domain_set_vcpus(struct hv *hv, hv_domid_t domid, uint32_t vcpus)
{
	return call(hv, SIM_OP_DOM_SET_VCPUS, domid, vcpus, 0, NULL);
}

int sim_domain_list(struct hv *hv, struct hv_dominfo *info, unsigned int max)
{
	struct sim_req req = { .op = SIM_OP_DOM_LIST };
	size_t cap, got = 0;
	int err;

	if (max > SIM_MAX_DOMS)
		max = SIM_MAX_DOMS;
	req.a = max;
	cap = (size_t)max * sizeof(*info);
	err = sim_rpc(to_sim(hv)->sock, &req, NULL, 0, NULL, 0, NULL, info, cap,
		      &got, NULL);
	if (err)
		return err;
	if (got % sizeof(*info))
		return -EPROTO;
	return (int)(got / sizeof(*info));
}

int sim_domain_info(struct hv *hv, hv_domid_t domid, struct hv_dominfo *info)
{
	struct sim_req req = { .op = SIM_OP_DOM_INFO, .domid = domid };
	size_t got = 0;
	int err;

	err = sim_rpc(to_sim(hv)->sock, &req, NULL, 0, NULL, 0, NULL, info,
		      sizeof(*info), &got, NULL);
	if (!err && got != sizeof(*info))
		err = -EPROTO;
	return err;
}

int sim_domain_start_info(struct hv *hv, hv_domid_t domid,
			  struct hv_start_info *si)
{
	struct sim_req req = { .op = SIM_OP_DOM_START_INFO, .domid = domid };
	size_t got = 0;
	int err;

	err = sim_rpc(to_sim(hv)->sock, &req, NULL, 0, NULL, 0, NULL, si,
		      sizeof(*si), &got, NULL);
	if (!err && got != sizeof(*si))
		err = -EPROTO;
	return err;
}
