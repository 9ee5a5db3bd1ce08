/*
 * json.h - a small JSON writer for `xpv list -l` and `xpv create -n`,
 * indented as xl's (yajl's beautified output, four spaces). Values are
 * written in document order; key is NULL inside arrays and at the top.
 */
#ifndef XPV_TOOLSTACK_JSON_H
#define XPV_TOOLSTACK_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
/* A string (escaped), or null when v is NULL. */
void json_string(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, bool v);
/* A NULL-terminated array of strings (null when argv is NULL). */
void json_strings(struct json *j, const char *key, char *const *argv);
/* After the top-level value: a newline. */
void json_finish(struct json *j);

#endif
