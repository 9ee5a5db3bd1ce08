/*
 * check.c - `xpv check [DOMAIN...]`: each domain's live xenstore trees
 * against xenstore-schemas/ (schema.h): its home, /vm/UUID and /libxl/N
 * (domain.schema), its console (console.schema), and each device under
 * device/<class>/ with its backend (<class>.schema). Every node must be
 * a key of the schema with a value of its type; every required key must
 * be there in the XenbusState its side is in; a backend directory must
 * have its frontend. Each violation is one line; the exit status is 1
 * when there is any.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "ring/xenbus.h"
#include "toolstack/domains.h"
#include "toolstack/store.h"
#include "toolstack/util.h"
#include "xenstore-schemas/schema.h"

#define MAX_DOMAINS 1024

struct checker {
	struct xs_handle *xs;
	struct schema *all;
	unsigned int nall;
	unsigned int domid;
	char name[80];
	unsigned int violations;
	const char *const *skip; /* subtrees of the side checked elsewhere */
};

static void violation(struct checker *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void violation(struct checker *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("domain %u (%s): %s: ", c->domid, c->name, path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	c->violations++;
}

/* A value read from the store, made fit for the admin's terminal: the
 * guest writes its own keys (control/, its frontends), and a violation
 * line is one line. */
static void defuse(char *v)
{
	xpv_defuse_controls(v, strlen(v), false);
}

static bool skipped(const struct checker *c, const char *rel)
{
	const char *const *s;

	for (s = c->skip; s && *s; s++)
		if (!strcmp(*s, rel))
			return true;
	return false;
}

static const char *base_name(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? slash + 1 : file;
}

/* Every node below dir (rel its path from the side's root). */
static void walk(struct checker *c, const struct schema *s, const char *side,
		 const char *root, const char *rel)
{
	char path[512], sub[384], **names;
	unsigned int i, n;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	names = xs_directory(c->xs, XBT_NULL, path, &n);
	for (i = 0; names && i < n; i++) {
		const struct schema_key *k;
		char child[640], *v;

		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 names[i]);
		if (skipped(c, sub))
			continue;
		snprintf(child, sizeof(child), "%s/%s", root, sub);
		k = schema_match(s, side, sub);
		if (!k) {
			violation(c, child, "not a key of %s's %s (%s)",
				  s->name, side, base_name(s->file));
			continue;
		}
		v = xs_read(c->xs, XBT_NULL, child, NULL);
		if (v && !schema_value_ok(k, v)) {
			defuse(v);
			violation(c, child, "`%.64s' is not %s (%s:%d)", v,
				  k->type_text, base_name(s->file), k->line);
		}
		free(v);
		walk(c, s, side, root, sub);
	}
	free(names);
}

static int side_state(struct checker *c, const char *root)
{
	long state;

	return xpv_xs_read_long(c->xs, root, "state", 0, 8, &state) ? -1 :
								      state;
}

/* The required keys of side that are missing in its state. */
static void required(struct checker *c, const struct schema *s,
		     const char *side, const char *root, int state)
{
	char when[32] = "";
	unsigned int i;

	if (state >= 0)
		snprintf(when, sizeof(when), " in state %d", state);
	for (i = 0; i < s->nkeys; i++) {
		const struct schema_key *k = &s->keys[i];
		char *v;

		if (!k->required || strcmp(k->side, side) ||
		    !schema_is_literal(k->pattern) ||
		    !schema_in_state(k, state))
			continue;
		v = xpv_xs_read(c->xs, root, k->pattern);
		if (!v)
			violation(c, root, "%s is missing (required%s; %s:%d)",
				  k->pattern, when, base_name(s->file),
				  k->line);
		free(v);
	}
}

static void check_side(struct checker *c, const struct schema *s,
		       const char *side, const char *root,
		       const char *const *skip)
{
	int state = side_state(c, root);
	char *v = xpv_xs_read(c->xs, root, NULL);

	if (!v) {
		violation(c, root, "missing (%s's %s)", s->name, side);
		return;
	}
	free(v);
	c->skip = skip;
	walk(c, s, side, root, "");
	c->skip = NULL;
	required(c, s, side, root, state);
}

/* --- A device ---------------------------------------------------------------- */

static bool is_backend_of(const struct schema *s, const char *path,
			  unsigned int domid, unsigned int devid)
{
	unsigned int i, d, id;

	for (i = 0; i < s->nroots; i++) {
		if (strcmp(s->roots[i].side, "backend"))
			continue;
		d = id = ~0u;
		if (schema_root_match(s->roots[i].pattern, path, &d, &id) &&
		    d == domid && (id == devid || id == ~0u))
			return true;
	}
	return false;
}

static void check_device(struct checker *c, const struct schema *s,
			 const char *frontend, unsigned int devid)
{
	char *backend = xpv_xs_read(c->xs, frontend, "backend");

	check_side(c, s, "frontend", frontend, NULL);
	if (!backend)
		return; /* reported as missing above */
	if (!is_backend_of(s, backend, c->domid, devid)) {
		defuse(backend);
		violation(c, frontend,
			  "backend `%.96s' is not a backend directory of "
			  "this device (%s)",
			  backend, base_name(s->file));
	} else {
		check_side(c, s, "backend", backend, NULL);
	}
	free(backend);
}

static void check_devices(struct checker *c, const char *home)
{
	char dir[128], fe[192], **classes, **ids;
	unsigned int nc, ni, i, j;

	snprintf(dir, sizeof(dir), "%s/device", home);
	classes = xs_directory(c->xs, XBT_NULL, dir, &nc);
	for (i = 0; classes && i < nc; i++) {
		const struct schema *s;

		if (!strcmp(classes[i], "suspend"))
			continue;
		s = schema_find(c->all, c->nall, classes[i]);
		snprintf(fe, sizeof(fe), "%s/%s", dir, classes[i]);
		if (!s) {
			violation(c, fe, "no schema for devices of class %s",
				  classes[i]);
			continue;
		}
		ids = xs_directory(c->xs, XBT_NULL, fe, &ni);
		for (j = 0; ids && j < ni; j++) {
			unsigned long devid;

			snprintf(fe, sizeof(fe), "%s/%s/%s", dir, classes[i],
				 ids[j]);
			/* The guest names its device directories: an id that
			 * is not a device number is its own violation, not
			 * device 0's. */
			if (xpv_xenbus_parse_uint(ids[j], UINT_MAX - 1,
						  &devid) < 0) {
				violation(c, fe, "device id is not a number");
				continue;
			}
			check_device(c, s, fe, (unsigned int)devid);
		}
		free(ids);
	}
	free(classes);
}

/* Every backend directory of the domain must have its frontend. */
static void check_backends(struct checker *c)
{
	char dir[128], **kinds, **ids;
	unsigned int nk, ni, i, j;

	kinds = xs_directory(c->xs, XBT_NULL, "/local/domain/0/backend", &nk);
	for (i = 0; kinds && i < nk; i++) {
		snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u",
			 kinds[i], c->domid);
		ids = xs_directory(c->xs, XBT_NULL, dir, &ni);
		for (j = 0; ids && j < ni; j++) {
			char be[192], *fe, *v = NULL;

			snprintf(be, sizeof(be), "%s/%s", dir, ids[j]);
			fe = xpv_xs_read(c->xs, be, "frontend");
			if (fe) {
				v = xpv_xs_read(c->xs, fe, NULL);
				defuse(fe);
			}
			if (!v)
				violation(c, be, "its frontend %.96s is gone",
					  fe ? fe : "(none)");
			free(v);
			free(fe);
		}
		free(ids);
	}
	free(kinds);
}

/* --- A domain ------------------------------------------------------------------ */

static void check_domain(struct checker *c, struct xpv *x, unsigned int domid)
{
	static const char *const home_skip[] = { "console", "device/vbd",
						 "device/vif", "device/console",
						 NULL };
	const struct schema *dom = schema_find(c->all, c->nall, "domain");
	const struct schema *con = schema_find(c->all, c->nall, "console");
	struct xpv_dompaths p;
	char be[96], console[96];
	unsigned int before = c->violations;

	c->domid = domid;
	xpv_domain_name(x, domid, c->name, sizeof(c->name));
	xpv_dompaths(c->xs, domid, &p);
	if (!dom || !con) {
		violation(c, "xenstore-schemas",
			  "domain.schema or "
			  "console.schema is missing");
		return;
	}
	check_side(c, dom, "home", p.home, home_skip);
	if (p.vm[0])
		check_side(c, dom, "vm", p.vm, NULL);
	check_side(c, dom, "libxl", p.libxl, NULL);
	snprintf(console, sizeof(console), "%s/console", p.home);
	check_side(c, con, "frontend", console, NULL);
	snprintf(be, sizeof(be), "/local/domain/0/backend/console/%u/0", domid);
	check_side(c, con, "backend", be, NULL);
	check_devices(c, p.home);
	check_backends(c);
	if (c->violations == before)
		printf("domain %u (%s): ok\n", domid, c->name);
}

static int load(struct xpv *x, struct checker *c)
{
	char err[512];
	int ret = schema_load_dir(x->schemadir, &c->all, &c->nall, err,
				  sizeof(err));

	if (ret)
		xpv_err("cannot read the schemas: %s", err);
	else if (!c->nall)
		xpv_err("no schema in %s (XPV_SCHEMADIR)", x->schemadir);
	return ret ?: c->nall ? 0 : -ENOENT;
}

int xpv_cmd_check(struct xpv *x, int argc, char **argv)
{
	struct checker c = { 0 };
	struct hv_dominfo *info = NULL;
	unsigned int domid;
	int i, n, ret = 1;

	while (xpv_getopt(argc, argv, "h", NULL, "check") != -1)
		;
	c.xs = xpv_xs(x);
	if (!c.xs || !xpv_hv(x) || load(x, &c))
		goto out;
	if (optind < argc) {
		for (i = optind; i < argc; i++) {
			if (xpv_domain_find(x, argv[i], &domid))
				goto out;
			check_domain(&c, x, domid);
		}
	} else {
		info = calloc(MAX_DOMAINS, sizeof(*info));
		n = info ? hv_domain_list(xpv_hv(x), info, MAX_DOMAINS) : -1;
		for (i = 0; i < n; i++)
			if (info[i].domid != 0)
				check_domain(&c, x, info[i].domid);
	}
	ret = c.violations ? 1 : 0;
	if (c.violations)
		printf("xpv check: %u violation%s\n", c.violations,
		       c.violations == 1 ? "" : "s");
out:
	free(info);
	schema_free_all(c.all, c.nall);
	return ret;
}
