/*
 * script.c - the hand-written request scripts of script.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tests/xenstore/script.h"

struct script {
	FILE *f;
	const char *path;
	unsigned int line;
	uint32_t next_handle;
	char expect[32]; /* the current line's !expect= */
};

struct script *script_open(const char *path)
{
	struct script *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->f = fopen(path, "r");
	if (!s->f) {
		free(s);
		return NULL;
	}
	s->path = path;
	s->next_handle = 1;
	return s;
}

void script_close(struct script *s)
{
	if (!s)
		return;
	fclose(s->f);
	free(s);
}

static int bad(struct script *s, const char *why)
{
	fprintf(stderr, "%s:%u: %s\n", s->path, s->line, why);
	return -EINVAL;
}

static int type_of(const char *name, uint32_t *type)
{
	char *end;
	uint32_t t;

	for (t = 0; t < XPV_XS_TYPE_COUNT; t++) {
		const char *n = xpv_xsd_type_name(t);

		if (n && !strcmp(n, name)) {
			*type = t;
			return 0;
		}
	}
	*type = (uint32_t)strtoul(name, &end, 0);
	return *end || end == name ? -EINVAL : 0;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append one ARG, unescaped; with its NUL unless it is a WRITE value. */
static int put_arg(struct diff_op *op, const char *a, bool nul)
{
	size_t room = sizeof(op->payload) - op->len;
	size_t n = 0;

	if (!strcmp(a, "-"))
		a = "";
	for (; *a; a++) {
		char c = *a;

		if (c == '\\') {
			a++;
			if (*a == '0')
				c = '\0';
			else if (*a == 's')
				c = ' ';
			else if (*a == '\\')
				c = '\\';
			else if (*a == 'x' && hex(a[1]) >= 0 &&
				 hex(a[2]) >= 0) {
				c = (char)(hex(a[1]) * 16 + hex(a[2]));
				a += 2;
			} else
				return -EINVAL;
		}
		if (n == room)
			return -E2BIG;
		op->payload[op->len + n++] = c;
	}
	if (nul) {
		if (n == room)
			return -E2BIG;
		op->payload[op->len + n++] = '\0';
	}
	op->len += n;
	return 0;
}

/* TYPE[@TX] */
static int parse_type(struct script *s, char *word, struct diff_op *op)
{
	char *at = strchr(word, '@'), *end;

	if (at)
		*at++ = '\0';
	if (type_of(word, &op->type))
		return bad(s, "unknown message type");
	if (op->type == XPV_XS_TRANSACTION_START)
		op->new_handle = s->next_handle++;
	if (!at)
		return 0;
	if (*at == 'T') {
		op->tx_kind = DIFF_TX_HANDLE;
		op->tx = (uint32_t)strtoul(at + 1, &end, 10);
	} else {
		op->tx_kind = DIFF_TX_LITERAL;
		op->tx = (uint32_t)strtoul(at, &end, 0);
	}
	return *end ? bad(s, "bad transaction after '@'") : 0;
}

static int parse_line(struct script *s, char *line, struct diff_op *op)
{
	char *save, *word, *next, *expect;
	int err;

	memset(op, 0, offsetof(struct diff_op, payload));
	expect = strstr(line, " !expect=");
	if (expect) {
		*expect = '\0';
		snprintf(s->expect, sizeof(s->expect), "%s", expect + 9);
		s->expect[strcspn(s->expect, " \t")] = '\0';
		op->ref_bug_expect = s->expect;
	}
	word = strtok_r(line, " \t\n", &save);
	op->conn = (unsigned int)strtoul(word, &next, 10);
	if (*next || op->conn >= DIFF_MAX_CONNS)
		return bad(s, "bad connection number");
	word = strtok_r(NULL, " \t\n", &save);
	if (!word)
		return bad(s, "no message type");
	err = parse_type(s, word, op);
	if (err)
		return err;
	for (word = strtok_r(NULL, " \t\n", &save); word; word = next) {
		next = strtok_r(NULL, " \t\n", &save);
		err = put_arg(op, word, next || op->type != XPV_XS_WRITE);
		if (err)
			return bad(s, err == -E2BIG ? "payload too long" :
						      "bad escape");
	}
	op->hdr_len = (uint32_t)op->len;
	return 1;
}

int script_next(struct script *s, struct diff_op *op)
{
	char line[3 * XPV_XENSTORE_PAYLOAD_MAX];

	while (fgets(line, sizeof(line), s->f)) {
		s->line++;
		line[strcspn(line, "\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' ||
		    line[strspn(line, " \t")] == '#')
			continue;
		return parse_line(s, line, op);
	}
	return 0;
}
