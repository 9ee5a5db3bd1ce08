/*
 * client_map.c - grant map/unmap and foreign map on sim, done by a dom0
 * process itself on the granting domain's memory and grant table
 * (client_fdom.c), with no request to xpv-hv on the data path.
 *
 * A grant map pins each grant (shared_gnttab.c: the check and the claim
 * Xen makes), then finds the frames a place in our address space:
 *   - frames that follow each other (one page, or a ring shared in one
 *     go) are already mapped, in the domain's view: the address returned
 *     is inside it (read-only view for a read-only map), and neither map
 *     nor unmap makes a system call;
 *   - other runs, or an address another of our mappings already has, get
 *     pages of their own: one mmap of the memfd per frame.
 * So an address from the view stays readable (writable, for a writable
 * map) after unmap, as long as we hold the domain cached: unmap drops the
 * pins and with them the right to use the page, not the page itself. A
 * use after unmap is the caller's bug and is not caught, as with a kernel
 * mapping of guest memory; the granter may end the grant and reuse the
 * frame once unmapped.
 *
 * An unprivileged domain never holds another domain's memfd: it may map
 * only its own memory (hv_foreign_map of HV_DOMID_SELF), its grant maps are
 * -EOPNOTSUPP and its grant copies are done by xpv-hv (SIM_OP_GRANT_COPY).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/sim/client.h"

uint32_t sim_pin_log(struct sim_hv *s, const struct sim_fdom *f, hv_gref_t ref,
		     bool writable)
{
	uint32_t i, slot;

	for (i = 0; s->pinlog && i < SIM_PINLOG_ENTRIES; i++) {
		slot = (s->pinlog_hint + i) % SIM_PINLOG_ENTRIES;
		if (s->pinlog[slot].gen)
			continue;
		s->pinlog[slot].domid = f->domid;
		s->pinlog[slot].ref = ref;
		s->pinlog[slot].writable = writable;
		__atomic_store_n(&s->pinlog[slot].gen, f->gen,
				 __ATOMIC_RELEASE);
		s->pinlog_hint = slot + 1;
		return slot;
	}
	return SIM_PINLOG_NONE;
}

void sim_pin_unlog(struct sim_hv *s, uint32_t slot)
{
	if (slot == SIM_PINLOG_NONE || !s->pinlog)
		return;
	__atomic_store_n(&s->pinlog[slot].gen, 0, __ATOMIC_RELEASE);
	s->pinlog_hint = slot; /* reuse it next: its cache line is warm */
}

/* Reserve count pages of address space to map frames into; a single page
 * needs no reservation. */
static int reserve(struct sim_mapping *m, unsigned int count)
{
	void *p;

	if (count == 1)
		return 0;
	p = mmap(NULL, (size_t)count * HV_PAGE_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	m->addr = p;
	return 0;
}

/* Map frame as page i of m (anywhere when nothing is reserved). */
static int map_frame(struct sim_mapping *m, unsigned int i, int fd,
		     uint64_t frame, bool writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *want = m->addr ? (char *)m->addr + (size_t)i * HV_PAGE_SIZE :
			       NULL;
	void *p = mmap(want, HV_PAGE_SIZE, prot,
		       MAP_SHARED | (want ? MAP_FIXED : 0), fd,
		       (off_t)(frame * HV_PAGE_SIZE));

	if (p == MAP_FAILED)
		return -errno;
	m->addr = (char *)p - (size_t)i * HV_PAGE_SIZE;
	return 0;
}

/* Pin every grant of the map, noting each frame; all or none. */
static int pin_all(struct sim_hv *s, struct sim_fdom *f, struct sim_mapping *m,
		   const hv_gref_t *refs, unsigned int count)
{
	unsigned int i;
	int err;

	for (i = 0; i < count; i++) {
		err = sim_gnt_acquire(f->gnttab, f->active, refs[i],
				      s->head.self, m->writable, f->nr_pages,
				      &m->pins[i].frame);
		if (err)
			goto fail;
		m->pins[i].ref = refs[i];
		m->pins[i].slot = sim_pin_log(s, f, refs[i], m->writable);
	}
	return 0;
fail:
	while (i-- > 0) {
		sim_pin_unlog(s, m->pins[i].slot);
		sim_gnt_release(f->gnttab, f->active, m->pins[i].ref,
				m->writable);
	}
	return err;
}

/* The place of the pinned frames in the domain's view, when they follow
 * each other and no other mapping of ours is there already; else NULL. */
static void *place_in_view(struct sim_hv *s, struct sim_fdom *f,
			   const struct sim_mapping *m, unsigned int count)
{
	uint32_t first = m->pins[0].frame;
	unsigned int i;
	uint8_t *view;
	void *addr;
	int err;

	for (i = 1; i < count; i++)
		if (m->pins[i].frame != first + i)
			return NULL;
	view = sim_fdom_view(f, m->writable, &err);
	if (!view)
		return NULL;
	addr = view + (size_t)first * HV_PAGE_SIZE;
	return sim_map_addr_used(s, addr) ? NULL : addr;
}

/* Pages of its own for each pinned frame. */
static int place_apart(struct sim_fdom *f, struct sim_mapping *m,
		       unsigned int count)
{
	unsigned int i;
	int err = reserve(m, count);

	for (i = 0; i < count && !err; i++)
		err = map_frame(m, i, f->memfd, m->pins[i].frame, m->writable);
	if (err && m->addr)
		munmap(m->addr, (size_t)count * HV_PAGE_SIZE);
	return err;
}

static void unpin_all(struct sim_hv *s, struct sim_mapping *m)
{
	unsigned int i;

	for (i = 0; i < m->count; i++) {
		sim_pin_unlog(s, m->pins[i].slot);
		sim_gnt_release(m->fdom->gnttab, m->fdom->active,
				m->pins[i].ref, m->writable);
	}
}

void *sim_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m;
	struct sim_fdom *f;
	int err;

	if (!hv->privileged)
		return hv_fail_ptr(-EOPNOTSUPP);
	f = sim_fdom_get(s, from, &err);
	if (!f)
		return hv_fail_ptr(err);
	m = sim_map_new(s, count);
	if (!m)
		return hv_fail_ptr(-ENOMEM);
	m->writable = writable;
	err = pin_all(s, f, m, refs, count);
	if (err)
		goto fail;
	m->count = count;
	m->grant = true;
	m->fdom = f;
	m->addr = place_in_view(s, f, m, count);
	m->in_view = m->addr != NULL;
	if (!m->in_view) {
		err = place_apart(f, m, count);
		if (err) {
			unpin_all(s, m);
			goto fail;
		}
	}
	f->refs++;
	sim_map_add(s, m);
	return m->addr;
fail:
	sim_map_free(s, m);
	return hv_fail_ptr(err);
}

static void drop_mapping(struct sim_hv *s, struct sim_mapping *m)
{
	if (m->grant)
		unpin_all(s, m);
	if (!m->in_view)
		munmap(m->addr, (size_t)m->count * HV_PAGE_SIZE);
	if (m->fdom)
		sim_fdom_put(m->fdom);
	sim_map_free(s, m);
}

int sim_grant_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m = sim_map_take(s, addr, count, true);

	if (!m)
		return -EINVAL;
	drop_mapping(s, m);
	sim_fdom_sweep(s);
	return 0;
}

void sim_unmap_all(struct sim_hv *s)
{
	struct sim_mapping *m;

	while ((m = sim_map_take_any(s)))
		drop_mapping(s, m);
	sim_map_free_spares(s);
}

void *sim_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		      const hv_frame_t *frames, bool writable)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_fdom *f = NULL;
	struct sim_mapping *m;
	uint32_t nr_pages = s->nr_pages;
	int fd = s->memfd, err = 0;
	unsigned int i;

	if (dom != HV_DOMID_SELF && dom != hv->self) {
		f = sim_fdom_get(s, dom, &err);
		if (!f)
			return hv_fail_ptr(err);
		fd = f->memfd;
		nr_pages = f->nr_pages;
	}
	for (i = 0; i < count; i++)
		if (frames[i] >= nr_pages)
			return hv_fail_ptr(-ERANGE);
	m = sim_map_new(s, 0);
	if (!m)
		return hv_fail_ptr(-ENOMEM);
	err = reserve(m, count);
	for (i = 0; i < count && !err; i++)
		err = map_frame(m, i, fd, frames[i], writable);
	if (err) {
		if (m->addr)
			munmap(m->addr, (size_t)count * HV_PAGE_SIZE);
		sim_map_free(s, m);
		return hv_fail_ptr(err);
	}
	m->count = count;
	m->writable = writable;
	m->fdom = f;
	if (f)
		f->refs++;
	sim_map_add(s, m);
	return m->addr;
}

int sim_foreign_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m = sim_map_take(s, addr, count, false);

	if (!m)
		return -EINVAL;
	drop_mapping(s, m);
	if (hv->privileged)
		sim_fdom_sweep(s);
	return 0;
}
