/*
 * blk-domain.c - the toolstack's part of the block tests, as a command:
 * make a sim domain with one disk (xl's store layout, libxl's keys) and
 * start a program in it, or take one down.
 *
 *   xpv-blk-domain create IMAGE FORMAT MODE LOG STDIN PROGRAM [ARG...]
 *       FORMAT raw|qcow2, MODE w|r; the program's stdout and stderr go
 *       to LOG, its stdin comes from STDIN (a FIFO, or /dev/null).
 *       Prints the domain id.
 *       The program's environment: PATH, and XPV_BLKFRONT* from ours
 *       (the fio engine's options); XPV_BLK_RO_DIR, if set, is a host
 *       directory the guest sees read-only (where the fio engine is);
 *       XPV_BLK_MEMORY_MB its memory (default 64).
 *   xpv-blk-domain destroy DOMID
 *       destroys the domain and removes its store nodes.
 *   xpv-blk-domain unplug DOMID / plug DOMID IMAGE FORMAT MODE
 *       removes / writes the disk's directories only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"

#define DEVID 51712 /* xvda */

extern char **environ;

static int fail(const char *what, int err)
{
	fprintf(stderr, "xpv-blk-domain: %s: %s\n", what, strerror(err));
	return 1;
}

static bool put(struct xs_handle *xs, const char *dir, const char *key,
		const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, XBT_NULL, path, value, strlen(value));
}

static bool tput(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		 const char *key, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, t, path, value, strlen(value));
}

static int plug(struct xs_handle *xs, unsigned int domid, const char *image,
		const char *format, const char *mode)
{
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE },
					     { domid, XS_PERM_READ } };
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE },
					     { 0, XS_PERM_READ } };
	char be[128], fe[128], id[16], params[300];
	xs_transaction_t t;

	snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/%d", domid,
		 DEVID);
	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%d", domid,
		 DEVID);
	snprintf(id, sizeof(id), "%u", domid);
	snprintf(params, sizeof(params), "%s", image);
	if (!xs_mkdir(xs, XBT_NULL, fe) ||
	    !xs_set_permissions(xs, XBT_NULL, fe, fe_perm, 2) ||
	    !put(xs, fe, "backend", be) || !put(xs, fe, "backend-id", "0") ||
	    !put(xs, fe, "virtual-device", "51712") ||
	    !put(xs, fe, "device-type", "disk") || !put(xs, fe, "state", "1"))
		return -errno;
	/* the backend's directory in one transaction, as libxl writes it:
	 * the daemon acts on its appearance, so all of it must be there */
	do {
		t = xs_transaction_start(xs);
		if (!t || !xs_mkdir(xs, t, be) ||
		    !xs_set_permissions(xs, t, be, be_perm, 2) ||
		    !tput(xs, t, be, "frontend", fe) ||
		    !tput(xs, t, be, "frontend-id", id) ||
		    !tput(xs, t, be, "params", params) ||
		    !tput(xs, t, be, "format", format) ||
		    !tput(xs, t, be, "mode", mode) ||
		    !tput(xs, t, be, "type", "file") ||
		    !tput(xs, t, be, "device-type", "disk") ||
		    !tput(xs, t, be, "dev", "xvda") ||
		    !tput(xs, t, be, "online", "1") ||
		    !tput(xs, t, be, "state", "1")) {
			if (t)
				xs_transaction_end(xs, t, true);
			return -errno;
		}
	} while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
	return 0;
}

static void unplug(struct xs_handle *xs, unsigned int domid)
{
	char path[128];

	snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/local/domain/%u/device/vbd", domid);
	xs_rm(xs, XBT_NULL, path);
}

static int home(struct xs_handle *xs, unsigned int domid)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE },
					{ domid, XS_PERM_READ } };
	char dir[64], id[16];

	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	snprintf(id, sizeof(id), "%u", domid);
	if (!xs_mkdir(xs, XBT_NULL, dir) ||
	    !xs_set_permissions(xs, XBT_NULL, dir, ro, 2) ||
	    !put(xs, dir, "domid", id) || !put(xs, dir, "name", "blk-guest"))
		return -errno;
	snprintf(dir, sizeof(dir), "/local/domain/%u/device", domid);
	if (!xs_mkdir(xs, XBT_NULL, dir) ||
	    !xs_set_permissions(xs, XBT_NULL, dir, ro, 2))
		return -errno;
	return 0;
}

/* PATH and our XPV_BLKFRONT* variables, for the program. */
static void guest_env(char **env, unsigned int max)
{
	unsigned int n = 0;
	char **e;

	env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
	for (e = environ; *e && n + 1 < max; e++)
		if (!strncmp(*e, "XPV_BLKFRONT", 12))
			env[n++] = *e;
	env[n] = NULL;
}

static int create(struct hv *hv, struct xs_handle *xs, char **argv)
{
	char *env[16], *ro[2] = { getenv("XPV_BLK_RO_DIR"), NULL };

	struct hv_domain_config cfg = { .memory_kb = 64 * 1024, .vcpus = 1 };
	struct hv_start_info si;
	hv_domid_t domid;
	int fds[3], ret;

	fds[0] = open(argv[4], O_RDWR | O_CLOEXEC);
	fds[1] = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	fds[2] = fds[1];
	if (fds[0] < 0 || fds[1] < 0)
		return fail("opening the guest's stdio", errno);
	if (getenv("XPV_BLK_MEMORY_MB"))
		cfg.memory_kb = 1024ull *
				strtoull(getenv("XPV_BLK_MEMORY_MB"), NULL, 10);
	guest_env(env, 16);
	ret = hv_domain_create(hv, &cfg, &domid);
	if (ret)
		return fail("hv_domain_create", -ret);
	ret = home(xs, domid) ?: plug(xs, domid, argv[0], argv[1], argv[2]);
	if (!ret)
		ret = hv_domain_exec(hv, domid,
				     &(struct hv_exec){ .path = argv[5],
							.argv = &argv[5],
							.envp = env,
							.ro_dirs = ro[0] ? ro :
									   NULL,
							.stdio = fds });
	if (!ret)
		ret = hv_domain_start_info(hv, domid, &si);
	if (!ret &&
	    !xs_introduce_domain(xs, domid, si.store_frame, si.store_port))
		ret = -errno;
	if (!ret)
		ret = hv_domain_unpause(hv, domid);
	if (ret) {
		if (hv_domain_destroy(hv, domid) < 0)
			fprintf(stderr,
				"blk-domain: domain %u is left behind\n",
				domid);
		return fail("starting the guest", -ret);
	}
	printf("%u\n", domid);
	return 0;
}

static int destroy(struct hv *hv, struct xs_handle *xs, unsigned int domid)
{
	char dir[64];
	int ret = hv_domain_destroy(hv, (hv_domid_t)domid);

	xs_release_domain(xs, domid);
	unplug(xs, domid);
	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	xs_rm(xs, XBT_NULL, dir);
	return ret && ret != -ESRCH ? fail("hv_domain_destroy", -ret) : 0;
}

int main(int argc, char **argv)
{
	struct xs_handle *xs;
	struct hv *hv;
	char why[256];
	int ret;

	if (argc < 3) {
		fprintf(stderr,
			"usage: see backend/blkback/tests/blk-domain.c\n");
		return 2;
	}
	if (hv_open(&hv, why, sizeof(why))) {
		fprintf(stderr, "xpv-blk-domain: %s\n", why);
		return 1;
	}
	xs = xs_open(0);
	if (!xs)
		return fail("xs_open", errno);
	if (!strcmp(argv[1], "create") && argc >= 8)
		ret = create(hv, xs, argv + 2);
	else if (!strcmp(argv[1], "destroy"))
		ret = destroy(hv, xs, (unsigned int)atoi(argv[2]));
	else if (!strcmp(argv[1], "unplug"))
		unplug(xs, (unsigned int)atoi(argv[2])), ret = 0;
	else if (!strcmp(argv[1], "plug") && argc >= 6)
		ret = plug(xs, (unsigned int)atoi(argv[2]), argv[3], argv[4],
			   argv[5]) ?
			      1 :
			      0;
	else
		ret = 2;
	xs_close(xs);
	hv_close(hv);
	return ret;
}
