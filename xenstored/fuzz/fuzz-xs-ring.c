/*
 * fuzz-xs-ring.c - libFuzzer target: a hostile guest's xenstore ring page
 * served by the daemon's real domain transport (xenstored/domain.c, its
 * ring reader/writer and reconnection) and core, with no hypervisor: the
 * page is plain memory given to domain_attach_test(), and each step of
 * the input is what the guest does to the page before it "notifies"
 * (domain_kick()).
 *
 * Input: 16 bytes of initial indices (req_cons, req_prod, rsp_cons,
 * rsp_prod, little-endian), then steps, each an op byte and its operands:
 *   0 n, bytes   the guest appends n+1 request bytes at req_prod
 *   1 w, u32     set index w (0..3) to any value
 *   2            the guest consumes every reply (rsp_cons = rsp_prod)
 *   3            the guest asks to reconnect
 *   4 off16, b   scribble byte b anywhere in the page
 * At the end the domain is released (XS_RELEASE's path).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ring/xs_wire.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"

#define DOMID 7

struct input {
	const uint8_t *p;
	size_t left;
};

static union {
	struct xpv_xenstore_domain_interface intf;
	uint8_t bytes[4096];
} page __attribute__((aligned(4096)));

static bool take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static uint32_t *index_of(unsigned int which)
{
	uint32_t *idx[4] = { &page.intf.req_cons, &page.intf.req_prod,
			     &page.intf.rsp_cons, &page.intf.rsp_prod };

	return idx[which & 3];
}

static void guest_write(struct input *in)
{
	uint8_t n, b;
	unsigned int i;

	if (!take(in, &n, 1))
		return;
	for (i = 0; i <= n && take(in, &b, 1); i++) {
		page.intf.req[xpv_mask_xenstore_idx(page.intf.req_prod)] =
			(char)b;
		page.intf.req_prod++;
	}
}

static bool step(struct input *in)
{
	uint8_t op, which, b;
	uint16_t off;
	uint32_t v;

	if (!take(in, &op, 1))
		return false;
	switch (op % 5) {
	case 0:
		guest_write(in);
		break;
	case 1:
		if (take(in, &which, 1) && take(in, &v, 4))
			*index_of(which) = v;
		break;
	case 2:
		page.intf.rsp_cons = page.intf.rsp_prod;
		break;
	case 3:
		page.intf.connection = XPV_XENSTORE_RECONNECT;
		break;
	case 4:
		if (take(in, &off, 2) && take(in, &b, 1))
			page.bytes[off % sizeof(page.bytes)] = b;
		break;
	}
	domain_kick(DOMID);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint32_t idx[4];
	unsigned int i;

	if (!take(&in, idx, sizeof(idx)))
		return 0;
	memset(&page, 0, sizeof(page));
	for (i = 0; i < 4; i++)
		*index_of(i) = idx[i];
	if (fuzz_core_setup() < 0)
		return 0;
	if (domain_attach_test(DOMID, &page) == 0) {
		domain_kick(DOMID);
		while (step(&in))
			;
		domain_release(DOMID);
	}
	fuzz_core_teardown();
	return 0;
}
