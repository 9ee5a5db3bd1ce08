/*
 * perms.h - Xen's permission model (docs/misc/xenstore.txt "Permissions").
 *
 * A node's list: the first entry names the owner and the access of every
 * domain not listed; further entries give listed domains n/r/w/b. The
 * owner, dom0 and the privileged domain (--priv-domid) have full access;
 * a domain made the controller of a target by XS_SET_TARGET is treated as
 * the target when checking. Permission strings are "<n|r|w|b><domid>".
 */
#ifndef XPV_XENSTORED_PERMS_H
#define XPV_XENSTORED_PERMS_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstored/store.h"

struct conn;

/* The domain whose connections are privileged besides dom0. */
extern unsigned int priv_domid;

/* XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER bits conn has. */
unsigned int perm_for_conn(const struct conn *c, const struct xs_perm *p,
			   uint32_t num);

/* XS_SET_TARGET: domid acts for tdomid. Cleared by perms_forget(). */
void perms_set_target(unsigned int domid, unsigned int tdomid);
bool perms_target(unsigned int domid, unsigned int *tdomid);
void perms_forget(unsigned int domid);

/* Parse count NUL-terminated strings at s into p[]; -EINVAL if one is
 * malformed (as libxenstore's xs_strings_to_perms). */
int perms_parse(const char *s, uint32_t count, struct xs_perm *p);
/* Format into buf ("r0\0b1\0"); returns the length or -E2BIG. */
int perms_format(const struct xs_perm *p, uint32_t num, char *buf, size_t len);

/* Special watch paths (docs/misc/xenstore.txt), which watch.c fires. */
#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE "@releaseDomain"

/* The special watch paths' permission lists; NULL for any other name. */
struct special_perms {
	struct xs_perm *p;
	uint32_t num;
};
struct special_perms *perms_special(const char *name);
/* Replace a special path's list with p (malloc'd; now owned here). */
void perms_special_replace(struct special_perms *sp, struct xs_perm *p,
			   uint32_t num);
/* At exit: free what perms_special_replace() kept, and forget every
 * XS_SET_TARGET relation. */
void perms_exit(void);

#endif /* XPV_XENSTORED_PERMS_H */
