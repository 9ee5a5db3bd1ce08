/*
 * test-hv-xen-open - on a machine without Xen, hv_open() with
 * XPV_PLATFORM=xen must fail with -ENOENT and exactly one clear sentence,
 * print nothing, and leave nothing behind (ASan/valgrind see the leaks).
 * Skips (77) on a machine that has /dev/xen/privcmd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/lib/check.h"
#include "hv/platform.h"

#define MSG                                                                  \
	"xen platform: /dev/xen/privcmd not found; is this a Xen dom0? set " \
	"XPV_PLATFORM=sim to use the embedded hypervisor"

/* Run open with stderr captured; return what it wrote, in bytes. */
static long captured_open(int (*open_fn)(struct hv **, char *, size_t),
			  struct hv **hvp, char *why, size_t len, int *rc)
{
	int saved = dup(STDERR_FILENO);
	int cap = memfd_create("stderr", MFD_CLOEXEC);
	struct stat st;

	if (saved < 0 || cap < 0 || dup2(cap, STDERR_FILENO) < 0) {
		perror("capture stderr");
		exit(1);
	}
	*rc = open_fn(hvp, why, len);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	if (fstat(cap, &st) < 0)
		st.st_size = -1;
	close(cap);
	return (long)st.st_size;
}

static void check_open(const char *name,
		       int (*open_fn)(struct hv **, char *, size_t))
{
	static char unset;
	struct hv *hv = (struct hv *)&unset; /* must be overwritten */
	char why[512], small[16];
	long printed;
	int rc;

	memset(why, 'x', sizeof(why));
	printed = captured_open(open_fn, &hv, why, sizeof(why), &rc);
	EXPECT(rc == -ENOENT, "%s: rc %d, want -ENOENT", name, rc);
	EXPECT(strcmp(why, MSG) == 0, "%s: why is \"%.*s\"", name,
	       (int)sizeof(why) - 1, why);
	EXPECT(printed == 0, "%s: %ld bytes printed to stderr", name, printed);
	EXPECT(rc == 0 || hv == NULL || hv == (struct hv *)&unset,
	       "%s: a handle was returned on failure", name);
	if (rc == 0)
		hv_close(hv);

	/* A short buffer gets a truncated, terminated sentence. */
	memset(small, 'x', sizeof(small));
	printed = captured_open(open_fn, &hv, small, sizeof(small), &rc);
	EXPECT(rc == -ENOENT, "%s (short why): rc %d", name, rc);
	EXPECT(memchr(small, '\0', sizeof(small)) != NULL &&
		       strncmp(small, MSG, sizeof(small) - 1) == 0,
	       "%s: short why not a terminated prefix", name);
	EXPECT(printed == 0, "%s (short why): %ld bytes printed", name,
	       printed);
}

int main(void)
{
	struct hv *hv = NULL;
	int rc;

	if (access("/dev/xen/privcmd", F_OK) == 0 ||
	    access("/proc/xen/privcmd", F_OK) == 0) {
		printf("skip: this machine has Xen's privcmd; the test checks "
		       "the failure without Xen\n");
		return 77;
	}
	if (setenv("XPV_PLATFORM", "xen", 1) != 0)
		return 1;
	check_open("hv_open", hv_open);
	check_open("hv_xen_open", hv_xen_open);

	/* hv_open tolerates a NULL why. */
	rc = hv_open(&hv, NULL, 0);
	EXPECT(rc == -ENOENT, "hv_open(why=NULL): rc %d", rc);
	if (rc == 0)
		hv_close(hv);

	if (check_failures)
		return check_done();
	printf("ok: XPV_PLATFORM=xen without Xen: -ENOENT, \"%s\"\n", MSG);
	return 0;
}
