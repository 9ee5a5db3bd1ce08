/*
 * shared_gnttab.c - grant table v1 operations on shared memory.
 *
 * The flags and domid of an entry form one 32-bit word (flags in the low
 * half on little-endian x86, as grant_entry_v1_t lays them out). Both
 * sides change it only with compare-and-swap on the whole word, which is
 * what makes the protocol of xen/grant_table.h safe against a granter that
 * rewrites the entry at any moment:
 *   - the granter revokes by swapping flags to 0 only while neither
 *     GTF_reading nor GTF_writing is set, so a mapped grant cannot be ended;
 *   - the mapper sets GTF_reading/GTF_writing only on a word it has just
 *     checked (permit_access, its domid, not readonly for a write), so the
 *     check and the claim are one atomic step (Xen grant_table.c does the
 *     same in its v1 status update).
 * The frame is read after the claim; a granter that changes it while the
 * entry is in use only hurts itself, since the pinned frame is the one
 * recorded in the active entry, checked against the domain's memory size.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "hv/sim/shared.h"

/* How often a mapper retries a word the granter keeps changing. */
#define CAS_RETRIES 64

static uint32_t *entry_word(struct sim_grant_entry *e)
{
	return (uint32_t *)(void *)e;
}

static uint32_t make_word(uint16_t flags, uint16_t domid)
{
	return (uint32_t)flags | ((uint32_t)domid << 16);
}

static bool is_free(uint32_t w)
{
	return (w & 0xffffu) == 0 && (w >> 16) != SIM_GREF_CLAIMED;
}

int sim_gnt_grant(struct sim_grant_entry *table, uint32_t *hint, hv_domid_t to,
		  uint32_t frame, bool readonly)
{
	uint32_t n = SIM_NR_GREFS - SIM_FIRST_FREE_GREF;
	uint32_t start = *hint, i;

	for (i = 0; i < n; i++) {
		uint32_t ref = SIM_FIRST_FREE_GREF + (start + i) % n;
		uint32_t *w = entry_word(&table[ref]);
		uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
		uint16_t flags = SIM_GTF_permit_access;

		if (!is_free(old))
			continue;
		if (!__atomic_compare_exchange_n(
			    w, &old, make_word(0, SIM_GREF_CLAIMED), false,
			    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		/* The frame must be visible before the flags that permit
		 * access to it. */
		table[ref].frame = frame;
		if (readonly)
			flags |= SIM_GTF_readonly;
		__atomic_store_n(w, make_word(flags, to), __ATOMIC_RELEASE);
		*hint = (start + i + 1) % n;
		return (int)ref;
	}
	return -ENOSPC;
}

int sim_gnt_end(struct sim_grant_entry *table, uint32_t ref)
{
	uint32_t *w;
	uint32_t old;

	if (ref < SIM_FIRST_FREE_GREF || ref >= SIM_NR_GREFS)
		return -ERANGE;
	w = entry_word(&table[ref]);
	old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	do {
		if ((old & SIM_GTF_type_mask) != SIM_GTF_permit_access)
			return -ENOENT;
		if (old & (SIM_GTF_reading | SIM_GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(w, &old, old & 0xffff0000u, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	return 0;
}

/*
 * Our pid, as the active-entry lock records its holder. getpid() is a
 * system call (glibc caches it no more), and a grant map or copy takes
 * the lock twice: so it is asked once per process. A forked child must
 * not lock with its parent's pid (its death would go unnoticed), hence
 * the reset at fork.
 */
static uint32_t cached_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
	cached_pid = 0;
}

static void reset_at_fork(void)
{
	pthread_atfork(NULL, NULL, forget_pid);
}

static uint32_t locker_id(void)
{
	uint32_t me = __atomic_load_n(&cached_pid, __ATOMIC_RELAXED);

	if (!me) {
		pthread_once(&atfork_once, reset_at_fork);
		me = (uint32_t)getpid();
		__atomic_store_n(&cached_pid, me, __ATOMIC_RELAXED);
	}
	return me;
}

/*
 * Whether the process holding a lock is gone: no such pid, or a zombie
 * (killed inside the lock and not yet reaped by its parent: kill(pid, 0)
 * still succeeds on it, and waiting for the reap would make every other
 * locker, xpv-hv's one thread among them, wait on that parent). Read on the
 * slow path only, once per 1024 spins.
 */
static bool holder_is_gone(uint32_t pid)
{
	char path[32], buf[256], *state;
	ssize_t n;
	int fd;

	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so from the last ')'. */
	state = strrchr(buf, ')');
	return state && state[1] == ' ' && (state[2] == 'Z' || state[2] == 'X');
}

/* The active-entry lock. A holder that died (its pid is gone or a zombie)
 * cannot release it, so a waiter that sees a dead holder takes it over. */
static void act_lock(struct sim_active *act)
{
	uint32_t me = locker_id();
	unsigned int spins = 0;

	for (;;) {
		uint32_t cur = 0;

		if (__atomic_compare_exchange_n(&act->lock, &cur, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		if (++spins % 1024 == 0) {
			if (holder_is_gone(cur))
				__atomic_compare_exchange_n(&act->lock, &cur, 0,
							    false,
							    __ATOMIC_ACQUIRE,
							    __ATOMIC_RELAXED);
			sched_yield();
		}
	}
}

static void act_unlock(struct sim_active *act)
{
	__atomic_store_n(&act->lock, 0, __ATOMIC_RELEASE);
}

/* Whether entry word w lets domain me map or copy it (0 or -errno). */
static int may_use(uint32_t w, hv_domid_t me, bool writable)
{
	if ((w & SIM_GTF_type_mask) != SIM_GTF_permit_access)
		return -ENOENT;
	if ((w >> 16) != me)
		return -EPERM;
	if (writable && (w & SIM_GTF_readonly))
		return -EPERM;
	return 0;
}

/* Check the entry and set the in-use flags in one compare-and-swap. */
static int set_status(struct sim_grant_entry *e, hv_domid_t me, bool writable)
{
	uint32_t *w = entry_word(e);
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	int tries, err;

	for (tries = 0; tries < CAS_RETRIES; tries++) {
		uint32_t set = SIM_GTF_reading;

		err = may_use(old, me, writable);
		if (err)
			return err;
		if (writable)
			set |= SIM_GTF_writing;
		if (__atomic_compare_exchange_n(w, &old, old | set, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 0;
	}
	return -EBUSY;
}

/* The in-use flags no pin needs any more: GTF_writing without writers,
 * both without any pin. */
static uint16_t unused_flags(const struct sim_active *a)
{
	if (a->wpin)
		return 0;
	return a->rpin ? SIM_GTF_writing : SIM_GTF_writing | SIM_GTF_reading;
}

/* One atomic step for both flags: a release costs one, not two. */
static void clear_flags(struct sim_grant_entry *e, uint16_t bits)
{
	if (bits)
		__atomic_fetch_and(&e->flags, (uint16_t)~bits,
				   __ATOMIC_RELEASE);
}

int sim_gnt_acquire(struct sim_grant_entry *table, struct sim_active *act,
		    uint32_t ref, hv_domid_t me, bool writable,
		    uint32_t nr_pages, uint32_t *frame)
{
	struct sim_active *a;
	uint32_t f;
	int err;

	if (ref >= SIM_NR_GREFS)
		return -ERANGE;
	a = &act[ref];
	/*
	 * Refuse what is not ours before taking the lock: a guest names any
	 * ref of any domain in a copy, and xpv-hv's one thread must not wait
	 * on the lock of an entry the guest has no right to (a dom0 holder
	 * stopped inside it would stall every domain). set_status checks
	 * again under the lock; the granter may change the entry between.
	 */
	err = may_use(__atomic_load_n(entry_word(&table[ref]),
				      __ATOMIC_ACQUIRE),
		      me, writable);
	if (err)
		return err;
	act_lock(a);
	err = set_status(&table[ref], me, writable);
	if (err)
		goto out;
	if (a->rpin == 0 && a->wpin == 0) {
		f = __atomic_load_n(&table[ref].frame, __ATOMIC_ACQUIRE);
		if (f >= nr_pages) {
			clear_flags(&table[ref],
				    SIM_GTF_reading | SIM_GTF_writing);
			err = -ERANGE;
			goto out;
		}
		a->frame = f;
	}
	if ((writable ? a->wpin : a->rpin) == UINT16_MAX) {
		err = -EBUSY;
		goto undo;
	}
	if (writable)
		a->wpin++;
	else
		a->rpin++;
	*frame = a->frame;
	goto out;
undo:
	clear_flags(&table[ref], unused_flags(a));
out:
	act_unlock(a);
	return err;
}

void sim_gnt_release(struct sim_grant_entry *table, struct sim_active *act,
		     uint32_t ref, bool writable)
{
	struct sim_active *a;

	if (ref >= SIM_NR_GREFS)
		return;
	a = &act[ref];
	act_lock(a);
	if (writable && a->wpin)
		a->wpin--;
	else if (!writable && a->rpin)
		a->rpin--;
	clear_flags(&table[ref], unused_flags(a));
	act_unlock(a);
}
