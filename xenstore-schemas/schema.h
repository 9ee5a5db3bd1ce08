/*
 * schema.h - the xenstore schemas (the .schema files of xenstore-schemas/): what every
 * key of a domain's tree and of each device class's trees is, who writes
 * it, its type, and whether it must be there in a given XenbusState. The
 * files are the machine-readable truth; `xpv check` validates live trees
 * against them and docs/xenstore-layout.md is generated from them
 * (xpv-schema-doc).
 *
 * File format, one statement a line, '#' starts a comment:
 *
 *   schema NAME DESCRIPTION...
 *   root SIDE PATH-PATTERN          (a side may have several roots)
 *   key SIDE KEY-PATTERN WRITER TYPE PRESENCE STATES DESCRIPTION...
 *
 * SIDE names a directory of the tree ("frontend", "backend", "home").
 * Patterns are '/'-separated; in a segment {n} matches a decimal number,
 * {s} a whole segment; in a root {domid}, {devid} and {uuid} stand for
 * the domain's id, the device's number and the domain's UUID; a last
 * segment ** matches anything below. WRITER says who writes the key
 * (toolstack, guest, frontend, backend, hotplug, consoled, or several
 * joined by '+'). TYPE is one of
 *   string uint int bool path domid state port gref frame mac uuid rate
 *   dir any enum:A|B|C (an empty alternative allows "")
 * PRESENCE is required or optional; STATES is when it applies, as the
 * XenbusState of its side's `state` node: any, N, N-M, or N+. A required
 * key must be there in those states; outside them it may be.
 *
 * Error convention: int functions return 0 or -errno; the loaders write
 * "FILE:LINE: what is wrong" into err.
 */
#ifndef XPV_XENSTORE_SCHEMAS_SCHEMA_H
#define XPV_XENSTORE_SCHEMAS_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#define SCHEMA_MAX_ROOTS 4

enum schema_type {
	SCHEMA_STRING,
	SCHEMA_UINT,
	SCHEMA_INT,
	SCHEMA_BOOL,
	SCHEMA_PATH,
	SCHEMA_DOMID,
	SCHEMA_STATE,
	SCHEMA_PORT,
	SCHEMA_GREF,
	SCHEMA_FRAME,
	SCHEMA_MAC,
	SCHEMA_UUID,
	SCHEMA_RATE,
	SCHEMA_DIR,
	SCHEMA_ANY,
	SCHEMA_ENUM,
};

struct schema_key {
	char side[16];
	char pattern[96];
	char writer[48];
	enum schema_type type;
	char type_text[160]; /* as written: "uint", "enum:r|w" */
	bool required;
	int state_lo, state_hi; /* -1, -1: any */
	char description[256];
	int line;
};

struct schema_root {
	char side[16];
	char pattern[128];
};

struct schema {
	char name[32];
	char description[256];
	char file[256];
	struct schema_root roots[SCHEMA_MAX_ROOTS];
	unsigned int nroots;
	struct schema_key *keys;
	unsigned int nkeys;
};

/* Every *.schema in dir, sorted by file name. *all is freed with
 * schema_free_all. */
int schema_load_dir(const char *dir, struct schema **all, unsigned int *n,
		    char *err, size_t err_len);
int schema_load(const char *path, struct schema *s, char *err, size_t err_len);
void schema_free_all(struct schema *all, unsigned int n);

const struct schema *schema_find(const struct schema *all, unsigned int n,
				 const char *name);

/*
 * The key of side whose pattern matches rel (a path relative to the
 * side's root, "memory/target"), a literal pattern before any with
 * placeholders; NULL when none does.
 */
const struct schema_key *schema_match(const struct schema *s, const char *side,
				      const char *rel);

/* Whether a root pattern matches path, filling what {domid}, {devid} and
 * {uuid} stand for (those that are NULL are not wanted). */
bool schema_root_match(const char *pattern, const char *path,
		       unsigned int *domid, unsigned int *devid);

/* Whether value has the key's type. */
bool schema_value_ok(const struct schema_key *k, const char *value);
/* Whether the key's STATES hold for state (-1: the side has none). */
bool schema_in_state(const struct schema_key *k, int state);
/* Whether a pattern names exactly one path (no placeholder). */
bool schema_is_literal(const char *pattern);

#endif
