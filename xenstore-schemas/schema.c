/*
 * schema.c - reading the schemas and matching paths and values against
 * them (schema.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore-schemas/schema.h"

#define MAX_KEYS 512

static const struct {
	const char *name;
	enum schema_type type;
} types[] = {
	{ "string", SCHEMA_STRING }, { "uint", SCHEMA_UINT },
	{ "int", SCHEMA_INT },	     { "bool", SCHEMA_BOOL },
	{ "path", SCHEMA_PATH },     { "domid", SCHEMA_DOMID },
	{ "state", SCHEMA_STATE },   { "port", SCHEMA_PORT },
	{ "gref", SCHEMA_GREF },     { "frame", SCHEMA_FRAME },
	{ "mac", SCHEMA_MAC },	     { "uuid", SCHEMA_UUID },
	{ "rate", SCHEMA_RATE },     { "dir", SCHEMA_DIR },
	{ "any", SCHEMA_ANY },
};

/* --- Reading ---------------------------------------------------------------- */

static int complain(char *err, size_t len, const char *file, int line,
		    const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_type(const char *text, struct schema_key *k)
{
	unsigned int i;

	snprintf(k->type_text, sizeof(k->type_text), "%s", text);
	if (!strncmp(text, "enum:", 5)) {
		k->type = SCHEMA_ENUM;
		return 0;
	}
	for (i = 0; i < sizeof(types) / sizeof(*types); i++) {
		if (!strcmp(types[i].name, text)) {
			k->type = types[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

/* any, N, N-M, N+ */
static int parse_states(const char *text, struct schema_key *k)
{
	char *end;
	long lo, hi;

	if (!strcmp(text, "any")) {
		k->state_lo = k->state_hi = -1;
		return 0;
	}
	lo = strtol(text, &end, 10);
	if (end == text || lo < 0 || lo > 8)
		return -EINVAL;
	hi = lo;
	if (*end == '+') {
		hi = 8;
		end++;
	} else if (*end == '-') {
		hi = strtol(end + 1, &end, 10);
	}
	if (*end || hi < lo || hi > 8)
		return -EINVAL;
	k->state_lo = lo;
	k->state_hi = hi;
	return 0;
}

/* The rest of a line after n words, trimmed. */
static const char *rest_after(const char *line, int n)
{
	while (n-- > 0) {
		while (isspace((unsigned char)*line))
			line++;
		while (*line && !isspace((unsigned char)*line))
			line++;
	}
	while (isspace((unsigned char)*line))
		line++;
	return line;
}

static int key_line(struct schema *s, const char *line, int lineno, char *err,
		    size_t len)
{
	char side[16], pat[96], writer[48], type[160], presence[16], states[16];
	struct schema_key *k;

	if (sscanf(line, "key %15s %95s %47s %159s %15s %15s", side, pat,
		   writer, type, presence, states) != 6)
		return complain(err, len, s->file, lineno,
				"expected: key SIDE PATTERN WRITER TYPE "
				"PRESENCE STATES DESCRIPTION");
	if (s->nkeys == MAX_KEYS)
		return complain(err, len, s->file, lineno, "too many keys");
	k = &s->keys[s->nkeys];
	memset(k, 0, sizeof(*k));
	snprintf(k->side, sizeof(k->side), "%s", side);
	snprintf(k->pattern, sizeof(k->pattern), "%s", pat);
	snprintf(k->writer, sizeof(k->writer), "%s", writer);
	snprintf(k->description, sizeof(k->description), "%s",
		 rest_after(line, 7));
	k->line = lineno;
	if (parse_type(type, k))
		return complain(err, len, s->file, lineno, "unknown type `%s'",
				type);
	if (strcmp(presence, "required") && strcmp(presence, "optional"))
		return complain(err, len, s->file, lineno,
				"presence `%s': required or optional",
				presence);
	k->required = !strcmp(presence, "required");
	if (parse_states(states, k))
		return complain(err, len, s->file, lineno,
				"states `%s': any, N, N-M or N+ (0-8)", states);
	s->nkeys++;
	return 0;
}

static int statement(struct schema *s, char *line, int lineno, char *err,
		     size_t len)
{
	char word[16], side[16], pat[128];

	if (sscanf(line, "%15s", word) != 1 || word[0] == '#')
		return 0;
	if (!strcmp(word, "schema")) {
		if (sscanf(line, "schema %31s", s->name) != 1)
			return complain(err, len, s->file, lineno,
					"expected: schema NAME DESCRIPTION");
		snprintf(s->description, sizeof(s->description), "%s",
			 rest_after(line, 2));
		return 0;
	}
	if (!strcmp(word, "root")) {
		if (sscanf(line, "root %15s %127s", side, pat) != 2 ||
		    s->nroots == SCHEMA_MAX_ROOTS)
			return complain(err, len, s->file, lineno,
					"expected: root SIDE PATH (at most "
					"%d)",
					SCHEMA_MAX_ROOTS);
		snprintf(s->roots[s->nroots].side, sizeof(side), "%s", side);
		snprintf(s->roots[s->nroots].pattern, sizeof(pat), "%s", pat);
		s->nroots++;
		return 0;
	}
	if (!strcmp(word, "key"))
		return key_line(s, line, lineno, err, len);
	return complain(err, len, s->file, lineno,
			"unknown statement `%s' (schema, root or key)", word);
}

int schema_load(const char *path, struct schema *s, char *err, size_t err_len)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, ret = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(s->file, sizeof(s->file), "%s", path);
	s->keys = calloc(MAX_KEYS, sizeof(*s->keys));
	f = fopen(path, "re");
	if (!s->keys || !f) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		ret = statement(s, line, ++lineno, err, err_len);
	}
	if (!ret && (!s->name[0] || !s->nroots))
		ret = complain(err, err_len, path, lineno,
			       "a schema needs a schema line and a root");
out:
	free(line);
	if (f)
		fclose(f);
	return ret;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_schema(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 7 && !strcmp(e->d_name + n - 7, ".schema");
}

int schema_load_dir(const char *dir, struct schema **all, unsigned int *n,
		    char *err, size_t err_len)
{
	struct dirent **names;
	char path[4352];
	int i, count = scandir(dir, &names, is_schema, by_name), ret = 0;

	if (count < 0) {
		snprintf(err, err_len, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	*n = 0;
	*all = calloc(count ? count : 1, sizeof(**all));
	if (!*all)
		ret = -ENOMEM;
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!ret) {
			ret = schema_load(path, &(*all)[*n], err, err_len);
			(*n)++;
		}
		free(names[i]);
	}
	free(names);
	if (ret) {
		schema_free_all(*all, *n);
		*all = NULL;
		*n = 0;
	}
	return ret;
}

void schema_free_all(struct schema *all, unsigned int n)
{
	unsigned int i;

	for (i = 0; all && i < n; i++)
		free(all[i].keys);
	free(all);
}

const struct schema *schema_find(const struct schema *all, unsigned int n,
				 const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(all[i].name, name))
			return &all[i];
	return NULL;
}

/* --- Matching paths ---------------------------------------------------------- */

bool schema_is_literal(const char *pattern)
{
	return !strchr(pattern, '{') && !strstr(pattern, "**");
}

/*
 * One segment against its pattern; {n} takes one or more digits, {s} the
 * whole segment; the named placeholders of roots ({domid}, {devid},
 * {uuid}) take what their kind can be, into *val when wanted.
 */
static bool segment(const char *p, const char *pe, const char *s,
		    const char *se, unsigned int *domid, unsigned int *devid)
{
	while (p < pe) {
		if (*p != '{') {
			if (s == se || *s != *p)
				return false;
			p++;
			s++;
			continue;
		}
		if (!strncmp(p, "{s}", 3) || !strncmp(p, "{uuid}", 6)) {
			if (s == se)
				return false;
			s = se;
			p += p[1] == 's' ? 3 : 6;
			continue;
		}
		if (!isdigit((unsigned char)*s))
			return false;
		if (!strncmp(p, "{domid}", 7) && domid)
			*domid = strtoul(s, NULL, 10);
		if (!strncmp(p, "{devid}", 7) && devid)
			*devid = strtoul(s, NULL, 10);
		while (s < se && isdigit((unsigned char)*s))
			s++;
		p = strchr(p, '}') + 1;
	}
	return s == se;
}

static bool path_match(const char *p, const char *s, unsigned int *domid,
		       unsigned int *devid)
{
	for (;;) {
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');

		if (!pe)
			pe = p + strlen(p);
		if (!se)
			se = s + strlen(s);
		if (pe - p == 2 && !strncmp(p, "**", 2))
			return se != s; /* one or more segments */
		if (!segment(p, pe, s, se, domid, devid))
			return false;
		if (!*pe || !*se)
			return !*pe && !*se;
		p = pe + 1;
		s = se + 1;
	}
}

bool schema_root_match(const char *pattern, const char *path,
		       unsigned int *domid, unsigned int *devid)
{
	return path_match(pattern, path, domid, devid);
}

const struct schema_key *schema_match(const struct schema *s, const char *side,
				      const char *rel)
{
	const struct schema_key *found = NULL;
	unsigned int i;

	for (i = 0; i < s->nkeys; i++) {
		const struct schema_key *k = &s->keys[i];

		if (strcmp(k->side, side) ||
		    !path_match(k->pattern, rel, NULL, NULL))
			continue;
		if (schema_is_literal(k->pattern))
			return k;
		if (!found)
			found = k;
	}
	return found;
}

/* --- Values -------------------------------------------------------------- */

/* A canonical unsigned decimal no greater than max. */
static bool uint_ok(const char *v, unsigned long long max)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)*v) || (*v == '0' && v[1]))
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	return !errno && !*end && n <= max;
}

static bool hex_pairs(const char *v, const char *layout)
{
	for (; *layout; layout++, v++) {
		if (*layout == 'x' ? !isxdigit((unsigned char)*v) :
				     *v != *layout)
			return false;
	}
	return !*v;
}

static bool enum_ok(const char *alternatives, const char *v)
{
	size_t n = strlen(v);
	const char *a = alternatives;

	for (;;) {
		const char *bar = strchr(a, '|');
		size_t len = bar ? (size_t)(bar - a) : strlen(a);

		if (len == n && !strncmp(a, v, n))
			return true;
		if (!bar)
			return false;
		a = bar + 1;
	}
}

static bool rate_ok(const char *v)
{
	char bytes[32];
	const char *comma = strchr(v, ',');

	if (!comma || comma - v >= (long)sizeof(bytes))
		return false;
	snprintf(bytes, sizeof(bytes), "%.*s", (int)(comma - v), v);
	return uint_ok(bytes, ~0ull) && uint_ok(comma + 1, 0xffffffffull);
}

bool schema_value_ok(const struct schema_key *k, const char *v)
{
	switch (k->type) {
	case SCHEMA_STRING:
	case SCHEMA_DIR:
	case SCHEMA_ANY:
		return true;
	case SCHEMA_UINT:
	case SCHEMA_FRAME:
		return uint_ok(v, ~0ull);
	case SCHEMA_INT:
		return uint_ok(*v == '-' ? v + 1 : v, 1ull << 62);
	case SCHEMA_BOOL:
		return !strcmp(v, "0") || !strcmp(v, "1");
	case SCHEMA_PATH:
		return v[0] == '/';
	case SCHEMA_DOMID:
		return uint_ok(v, 0x7fef);
	case SCHEMA_STATE:
		return uint_ok(v, 8);
	case SCHEMA_PORT:
	case SCHEMA_GREF:
		return uint_ok(v, 0xffffffffull);
	case SCHEMA_MAC:
		return hex_pairs(v, "xx:xx:xx:xx:xx:xx");
	case SCHEMA_UUID:
		return hex_pairs(v, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
	case SCHEMA_RATE:
		return rate_ok(v);
	case SCHEMA_ENUM:
		return enum_ok(k->type_text + 5, v);
	}
	return false;
}

bool schema_in_state(const struct schema_key *k, int state)
{
	if (k->state_lo < 0)
		return true;
	return state >= k->state_lo && state <= k->state_hi;
}
