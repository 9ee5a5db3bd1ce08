/*
 * client_map.c - the mapping side on sim: grant map/unmap, grant copy and
 * foreign map, done by a dom0 process itself on the granting domain's
 * memfd and grant table, with no request to xpv-hv on the data path.
 *
 * A domain's fds are fetched once (SIM_OP_DOM_FDS) and cached with the
 * generation xpv-hv published for it; every call first checks that the
 * generation in the domain table is unchanged, so once a domain is
 * destroyed (or its id reused) maps and copies fail with -ESRCH and the
 * cached fds are dropped. Mappings made earlier keep their pages until
 * unmapped, as a mapped grant of a dying domain does on Xen.
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

bool sim_fdom_alive(const struct sim_hv *s, const struct sim_fdom *f)
{
	return __atomic_load_n(&s->domtab[f->domid].gen, __ATOMIC_ACQUIRE) ==
	       f->gen;
}

void sim_fdom_put(struct sim_fdom *f)
{
	if (--f->refs)
		return;
	if (f->mem)
		munmap(f->mem, (size_t)f->nr_pages * HV_PAGE_SIZE);
	munmap(f->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	munmap(f->active, SIM_NR_GREFS * sizeof(struct sim_active));
	close(f->memfd);
	free(f);
}

static void unlink_fdom(struct sim_hv *s, struct sim_fdom *f)
{
	struct sim_fdom **pp;

	for (pp = &s->fdoms; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			sim_fdom_put(f);
			return;
		}
	}
}

/* Drop the cache of every domain that is gone, so that its memory is not
 * kept alive by us once its last mapping is unmapped. */
void sim_fdom_sweep(struct sim_hv *s)
{
	struct sim_fdom *f = s->fdoms, *next;

	if (!s->domtab)
		return;
	for (; f; f = next) {
		next = f->next;
		if (!sim_fdom_alive(s, f))
			unlink_fdom(s, f);
	}
}

void sim_fdom_forget(struct sim_hv *s, hv_domid_t domid)
{
	struct sim_fdom *f;

	for (f = s->fdoms; f; f = f->next) {
		if (f->domid == domid) {
			unlink_fdom(s, f);
			return;
		}
	}
}

void sim_fdom_drop_all(struct sim_hv *s)
{
	while (s->fdoms)
		unlink_fdom(s, s->fdoms);
}

static struct sim_fdom *fetch(struct sim_hv *s, hv_domid_t domid, int *err)
{
	struct sim_req req = { .op = SIM_OP_DOM_FDS, .domid = domid };
	struct sim_fdom *f;
	struct sim_rep rep;
	int fds[SIM_MSG_FDS];

	*err = sim_rpc(s->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		       fds);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	f = calloc(1, sizeof(*f));
	if (!f || fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
		goto fail;
	f->domid = domid;
	f->gen = (uint32_t)rep.v[0];
	f->nr_pages = (uint32_t)rep.v[1];
	f->gnttab = sim_map_fd(fds[1], 0, SIM_GNTTAB_PAGES, true);
	f->active = sim_map_fd(
		fds[2], 0,
		SIM_NR_GREFS * sizeof(struct sim_active) / HV_PAGE_SIZE, true);
	if (!f->gnttab || !f->active)
		goto fail;
	f->memfd = fds[0];
	fds[0] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	f->refs = 1;
	f->next = s->fdoms;
	s->fdoms = f;
	*err = 0;
	return f;
fail:
	if (f && f->gnttab)
		munmap(f->gnttab, SIM_GNTTAB_PAGES * HV_PAGE_SIZE);
	if (f && f->active)
		munmap(f->active, SIM_NR_GREFS * sizeof(struct sim_active));
	free(f);
	sim_close_fds(fds, SIM_MSG_FDS);
	return NULL;
}

struct sim_fdom *sim_fdom_get(struct sim_hv *s, hv_domid_t domid, int *err)
{
	struct sim_fdom *f;

	if (domid == HV_DOMID_SELF)
		domid = s->head.self;
	if (domid >= SIM_MAX_DOMS) {
		*err = -ERANGE;
		return NULL;
	}
	sim_fdom_sweep(s);
	for (f = s->fdoms; f; f = f->next)
		if (f->domid == domid)
			return f;
	if (!__atomic_load_n(&s->domtab[domid].gen, __ATOMIC_ACQUIRE)) {
		*err = -ESRCH;
		return NULL;
	}
	return fetch(s, domid, err);
}

static struct sim_mapping *new_mapping(unsigned int count)
{
	struct sim_mapping *m;

	return calloc(1, sizeof(*m) + count * sizeof(m->pins[0]));
}

/* Note a pin in the log (best effort: a full log only loses the cleanup
 * of that pin should we die). */
static uint32_t log_pin(struct sim_hv *s, const struct sim_fdom *f,
			hv_gref_t ref, bool writable)
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

/* Forget a pin in the log before releasing it: a pin released twice
 * could drop someone else's. */
static void unlog_pin(struct sim_hv *s, uint32_t slot)
{
	if (slot == SIM_PINLOG_NONE || !s->pinlog)
		return;
	__atomic_store_n(&s->pinlog[slot].gen, 0, __ATOMIC_RELEASE);
	s->pinlog_hint = slot; /* reuse it next: its cache line is warm */
}

/* Reserve count pages of address space to map frames into; a single page
 * needs no reservation (one mmap less on the common path). */
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

static void *fail_ptr(int err)
{
	errno = -err;
	return NULL;
}

static void add_mapping(struct sim_hv *s, struct sim_mapping *m)
{
	m->next = s->maps;
	s->maps = m;
}

void *sim_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m;
	struct sim_fdom *f;
	unsigned int i, done = 0;
	int err;

	if (!hv->privileged)
		return fail_ptr(-EOPNOTSUPP);
	f = sim_fdom_get(s, from, &err);
	if (!f)
		return fail_ptr(err);
	m = new_mapping(count);
	if (!m)
		return fail_ptr(-ENOMEM);
	err = reserve(m, count);
	if (err)
		goto fail;
	for (i = 0; i < count; i++) {
		uint32_t frame;

		err = sim_gnt_acquire(f->gnttab, f->active, refs[i], hv->self,
				      writable, f->nr_pages, &frame);
		if (err)
			goto fail;
		m->pins[done].ref = refs[i];
		m->pins[done++].slot = log_pin(s, f, refs[i], writable);
		err = map_frame(m, i, f->memfd, frame, writable);
		if (err)
			goto fail;
	}
	m->count = count;
	m->writable = writable;
	m->grant = true;
	m->fdom = f;
	f->refs++;
	add_mapping(s, m);
	return m->addr;
fail:
	for (i = 0; i < done; i++) {
		unlog_pin(s, m->pins[i].slot);
		sim_gnt_release(f->gnttab, f->active, m->pins[i].ref, writable);
	}
	if (m->addr)
		munmap(m->addr, (size_t)count * HV_PAGE_SIZE);
	free(m);
	return fail_ptr(err);
}

static struct sim_mapping *take_mapping(struct sim_hv *s, void *addr,
					unsigned int count, bool grant)
{
	struct sim_mapping **pp;

	for (pp = &s->maps; *pp; pp = &(*pp)->next) {
		struct sim_mapping *m = *pp;

		if (m->addr != addr)
			continue;
		if (m->count != count || m->grant != grant)
			return NULL;
		*pp = m->next;
		return m;
	}
	return NULL;
}

static void drop_mapping(struct sim_hv *s, struct sim_mapping *m)
{
	unsigned int i;

	if (m->grant) {
		for (i = 0; i < m->count; i++) {
			unlog_pin(s, m->pins[i].slot);
			sim_gnt_release(m->fdom->gnttab, m->fdom->active,
					m->pins[i].ref, m->writable);
		}
	}
	munmap(m->addr, (size_t)m->count * HV_PAGE_SIZE);
	if (m->fdom)
		sim_fdom_put(m->fdom);
	free(m);
}

int sim_grant_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m = take_mapping(s, addr, count, true);

	if (!m)
		return -EINVAL;
	drop_mapping(s, m);
	sim_fdom_sweep(s);
	return 0;
}

void sim_unmap_all(struct sim_hv *s)
{
	while (s->maps) {
		struct sim_mapping *m = s->maps;

		s->maps = m->next;
		drop_mapping(s, m);
	}
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
			return fail_ptr(err);
		fd = f->memfd;
		nr_pages = f->nr_pages;
	}
	for (i = 0; i < count; i++)
		if (frames[i] >= nr_pages)
			return fail_ptr(-ERANGE);
	m = new_mapping(0);
	if (!m)
		return fail_ptr(-ENOMEM);
	err = reserve(m, count);
	for (i = 0; i < count && !err; i++)
		err = map_frame(m, i, fd, frames[i], writable);
	if (err) {
		if (m->addr)
			munmap(m->addr, (size_t)count * HV_PAGE_SIZE);
		free(m);
		return fail_ptr(err);
	}
	m->count = count;
	m->writable = writable;
	m->fdom = f;
	if (f)
		f->refs++;
	add_mapping(s, m);
	return m->addr;
}

int sim_foreign_unmap(struct hv *hv, void *addr, unsigned int count)
{
	struct sim_hv *s = to_sim(hv);
	struct sim_mapping *m = take_mapping(s, addr, count, false);

	if (!m)
		return -EINVAL;
	drop_mapping(s, m);
	if (hv->privileged)
		sim_fdom_sweep(s);
	return 0;
}
