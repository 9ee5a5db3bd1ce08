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
	int err;

	/* A sim domain's kernel is hv_domain_exec's. */
	if (cfg->kernel || cfg->ramdisk || cfg->cmdline)
		return -EINVAL;
	err = call(hv, SIM_OP_DOM_CREATE, cfg->domid, cfg->memory_kb,
		   cfg->vcpus, &rep);
	if (!err)
		*domid = (hv_domid_t)rep.v[0];
	return err;
}

/* A growing exec request tail (proto.h struct sim_exec). */
struct exec_tail {
	char *buf;
	size_t len;
	bool too_big;
};

static void put_str(struct exec_tail *t, const char *s)
{
	size_t n = strlen(s) + 1;

	if (t->too_big || t->len + n > SIM_MSG_MAX - sizeof(struct sim_req)) {
		t->too_big = true;
		return;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
}

/* Put each string of a NULL-ended list (NULL: none); their count. */
static unsigned int put_list(struct exec_tail *t, char *const *list)
{
	unsigned int n = 0;

	for (; list && list[n]; n++)
		put_str(t, list[n]);
	return n;
}

static int pack_exec(const struct hv_exec *x, struct exec_tail *t)
{
	struct sim_exec h = { .has_root = x->root != NULL,
			      .flags = x->fuse ? SIM_EXEC_FUSE : 0 };
	unsigned int argc, envc, nro;

	t->buf = malloc(SIM_MSG_MAX);
	if (!t->buf)
		return -ENOMEM;
	t->len = sizeof(h);
	put_str(t, x->path);
	if (x->root)
		put_str(t, x->root);
	argc = put_list(t, x->argv);
	envc = put_list(t, x->envp);
	nro = put_list(t, x->ro_dirs);
	if (t->too_big || argc > UINT16_MAX || envc > SIM_EXEC_MAX_ENV ||
	    nro > HV_EXEC_MAX_RO_DIRS)
		return -E2BIG;
	h.argc = (uint16_t)argc;
	h.envc = (uint16_t)envc;
	h.nro = (uint8_t)nro;
	for (unsigned int i = 0; x->stdio && i < 3; i++)
		if (x->stdio[i] >= 0)
			h.stdio |= (uint8_t)(1u << i);
	memcpy(t->buf, &h, sizeof(h));
	return 0;
}

int sim_domain_exec(struct hv *hv, hv_domid_t domid, const struct hv_exec *x)
{
	struct sim_req req = { .op = SIM_OP_DOM_EXEC, .domid = domid };
	struct exec_tail t = { 0 };
	int fds[3], nfds = 0, i, err;

	err = pack_exec(x, &t);
	for (i = 0; !err && x->stdio && i < 3; i++) {
		if (x->stdio[i] < 0)
			continue;
		if (fcntl(x->stdio[i], F_GETFD) < 0)
			err = -EBADF;
		fds[nfds++] = x->stdio[i];
	}
	if (!err)
		err = sim_rpc(to_sim(hv)->sock, &req, t.buf, t.len, fds, nfds,
			      NULL, NULL, 0, NULL, NULL);
	free(t.buf);
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
