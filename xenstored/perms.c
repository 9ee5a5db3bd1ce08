/*
 * perms.c - permission checks and permission strings (see perms.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv.h"
#include "xenstored/conn_int.h"
#include "xenstored/perms.h"

unsigned int priv_domid;

/* Controller -> target + 1, indexed by controller domid; 0 = none (a
 * domain may be given dom0 as its target, as in Xen). */
static uint16_t targets[HV_DOMID_FIRST_RESERVED];

static struct xs_perm none0 = { 0, XS_PERM_NONE };
static struct special_perms introduce = { &none0, 1 };
static struct special_perms release = { &none0, 1 };

static bool is_me(const struct conn *c, bool has_t, unsigned int t, uint32_t id)
{
	return id == c->domid || (has_t && id == t);
}

unsigned int perm_for_conn(const struct conn *c, const struct xs_perm *p,
			   uint32_t num)
{
	const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	unsigned int t = 0;
	bool has_t;
	uint32_t i;

	if (!conn_unprivileged(c))
		return all;
	has_t = perms_target(c->domid, &t);
	if (is_me(c, has_t, t, p[0].id))
		return all;
	for (i = 1; i < num; i++)
		if (is_me(c, has_t, t, p[i].id))
			return p[i].perms & all;
	return p[0].perms & all;
}

void perms_set_target(unsigned int domid, unsigned int tdomid)
{
	if (domid < HV_DOMID_FIRST_RESERVED && tdomid < HV_DOMID_FIRST_RESERVED)
		targets[domid] = tdomid + 1;
}

bool perms_target(unsigned int domid, unsigned int *tdomid)
{
	if (domid >= HV_DOMID_FIRST_RESERVED || !targets[domid])
		return false;
	*tdomid = targets[domid] - 1u;
	return true;
}

void perms_forget(unsigned int domid)
{
	unsigned int i;

	if (domid >= HV_DOMID_FIRST_RESERVED)
		return;
	targets[domid] = 0;
	for (i = 0; i < HV_DOMID_FIRST_RESERVED; i++)
		if (targets[i] == domid + 1)
			targets[i] = 0;
}

static int parse_one(const char *s, struct xs_perm *p)
{
	char *end;

	switch (*s) {
	case 'r':
		p->perms = XS_PERM_READ;
		break;
	case 'w':
		p->perms = XS_PERM_WRITE;
		break;
	case 'b':
		p->perms = XS_PERM_READ | XS_PERM_WRITE;
		break;
	case 'n':
		p->perms = XS_PERM_NONE;
		break;
	default:
		return -EINVAL;
	}
	s++;
	/* As libxenstore: strtol with base 0, the whole rest must parse. */
	p->id = (uint32_t)strtol(s, &end, 0);
	if (*end || !*s)
		return -EINVAL;
	return 0;
}

int perms_parse(const char *s, uint32_t count, struct xs_perm *p)
{
	uint32_t i;

	for (i = 0; i < count; i++) {
		if (parse_one(s, &p[i]))
			return -EINVAL;
		s += strlen(s) + 1;
	}
	return 0;
}

static char perm_char(uint32_t perms)
{
	switch (perms & (XS_PERM_READ | XS_PERM_WRITE)) {
	case XS_PERM_READ:
		return 'r';
	case XS_PERM_WRITE:
		return 'w';
	case XS_PERM_READ | XS_PERM_WRITE:
		return 'b';
	default:
		return 'n';
	}
}

int perms_format(const struct xs_perm *p, uint32_t num, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t i;
	int n;

	for (i = 0; i < num; i++) {
		/* The id prints as a signed int, as Xen's xs_perm_to_string. */
		n = snprintf(buf + off, len - off, "%c%i",
			     perm_char(p[i].perms), (int)p[i].id);
		if (n < 0 || (size_t)n + 1 > len - off)
			return -E2BIG;
		off += n + 1;
	}
	return off;
}

struct special_perms *perms_special(const char *name)
{
	if (!strcmp(name, XS_SPECIAL_INTRODUCE))
		return &introduce;
	if (!strcmp(name, XS_SPECIAL_RELEASE))
		return &release;
	return NULL;
}

void perms_special_replace(struct special_perms *sp, struct xs_perm *p,
			   uint32_t num)
{
	if (sp->p != &none0)
		free(sp->p);
	sp->p = p;
	sp->num = num;
}

void perms_exit(void)
{
	perms_special_replace(&introduce, &none0, 1);
	perms_special_replace(&release, &none0, 1);
	memset(targets, 0, sizeof(targets));
}
