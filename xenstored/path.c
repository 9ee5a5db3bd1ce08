/*
 * path.c - path syntax (see path.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/path.h"
#include "xenstored/quota.h"

static bool valid_chars(const char *p)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz"
				 "0123456789-/_@";

	return p[strspn(p, ok)] == '\0';
}

/*
 * Length of "/local/domain/<id>/" at the start of p, or 0. Xen matches it
 * with sscanf("/local/domain/%5u/%n"): up to 5 characters of number,
 * an optional sign counting among them.
 */
static size_t local_prefix(const char *p)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1, start, digits = 0;

	if (strncmp(p, pre, i))
		return 0;
	start = i;
	if (p[i] == '-' || p[i] == '+')
		i++;
	while (p[i] >= '0' && p[i] <= '9' && i - start < 5) {
		i++;
		digits++;
	}
	if (!digits || p[i] != '/')
		return 0;
	return i + 1;
}

bool path_valid(const char *path)
{
	size_t len = strlen(path);

	if (path[0] != '/')
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	if (strstr(path, "//"))
		return false;
	if (len > local_prefix(path) + (size_t)quota.max_path_len)
		return false;
	return valid_chars(path);
}

int path_canonical(const struct conn *c, const char *name, char *buf,
		   size_t len)
{
	size_t nlen = strlen(name);
	int n;

	/* The common case, an absolute path: a plain copy. */
	if (name[0] == '/' || name[0] == '@') {
		if (nlen >= len)
			return -EINVAL;
		memcpy(buf, name, nlen + 1);
		return 0;
	}
	n = snprintf(buf, len, "/local/domain/%u/%s", c->domid, name);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int path_parent(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path + 1, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;

	if (n >= len)
		return -EINVAL;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return 0;
}

const char *path_base(const char *path)
{
	return strrchr(path, '/') + 1;
}
