/*
 * xenbus_ops.c - the xenbus client's requests: payloads built as
 * docs/misc/xenstore.txt lays them out, replies parsed and checked (the
 * daemon is not trusted: a reply that does not parse is -EBADMSG).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/xenbus_priv.h"
#include "ring/xs_wire.h"

/* A hostile daemon could otherwise make XPV_XS_DIRECTORY_PART loop or grow
 * the listing forever. */
#define DIR_PART_MAX_BYTES (1u << 20)
#define DIR_PART_MAX_RESTARTS 16

static struct iovec str_iov(const char *s)
{
	return (struct iovec){ .iov_base = (void *)s,
			       .iov_len = strlen(s) + 1 };
}

/* A request whose only acceptable reply is "OK". */
static int simple(struct xenbus *xb, uint32_t type, xenbus_tx_t tx,
		  const struct iovec *iov, unsigned int niov)
{
	unsigned int len;
	char *reply;
	int ret;

	ret = xb_request(xb, type, tx, iov, niov, &reply, &len);
	if (ret < 0)
		return ret;
	ret = (len == 3 && memcmp(reply, "OK", 3) == 0) ? 0 : -EBADMSG;
	free(reply);
	return ret;
}

/* A reply that must be exactly one NUL-terminated string. */
static int one_string(char *reply, unsigned int len)
{
	if (len == 0 || reply[len - 1] != '\0' ||
	    memchr(reply, '\0', len) != reply + len - 1)
		return -EBADMSG;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -EBADMSG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return -EBADMSG;
	}
	*out = v;
	return 0;
}

/* --- Nodes -------------------------------------------------------------- */

int xenbus_read(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		char **value, unsigned int *len)
{
	struct iovec iov = str_iov(path);

	return xb_request(xb, XPV_XS_READ, tx, &iov, 1, value, len);
}

int xenbus_write(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		 const void *value, unsigned int len)
{
	struct iovec iov[2] = {
		str_iov(path),
		{ .iov_base = (void *)value, .iov_len = len },
	};

	return simple(xb, XPV_XS_WRITE, tx, iov, 2);
}

int xenbus_write_str(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     const char *value)
{
	return xenbus_write(xb, tx, path, value, (unsigned int)strlen(value));
}

int xenbus_mkdir(struct xenbus *xb, xenbus_tx_t tx, const char *path)
{
	struct iovec iov = str_iov(path);

	return simple(xb, XPV_XS_MKDIR, tx, &iov, 1);
}

int xenbus_rm(struct xenbus *xb, xenbus_tx_t tx, const char *path)
{
	struct iovec iov = str_iov(path);

	return simple(xb, XPV_XS_RM, tx, &iov, 1);
}

/* --- Directories -------------------------------------------------------- */

/* Turn "a\0b\0" (len bytes) into an array of pointers in one block. */
static int split_strings(const char *buf, unsigned int len, char ***names,
			 unsigned int *num)
{
	unsigned int n = 0, i;
	char **v, *copy;
	const char *p;

	if (len && buf[len - 1] != '\0')
		return -EBADMSG;
	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v)
		return -ENOMEM;
	copy = (char *)(v + n + 1);
	memcpy(copy, buf, len);
	for (i = 0, p = copy; i < n; i++, p += strlen(p) + 1)
		v[i] = (char *)p;
	v[n] = NULL;
	*names = v;
	*num = n;
	return 0;
}

struct dir_parts {
	char gen[24];
	char *buf;
	unsigned int len;
};

/* One XPV_XS_DIRECTORY_PART chunk: "gen\0child\0...", appended to d. */
static int dir_part_add(struct dir_parts *d, const char *reply,
			unsigned int len, bool *restart)
{
	size_t glen = strnlen(reply, len);
	unsigned int add;
	char *grown;

	if (glen == len || glen >= sizeof(d->gen))
		return -EBADMSG;
	*restart = d->len && strcmp(d->gen, reply) != 0;
	if (*restart)
		return 0;
	memcpy(d->gen, reply, glen + 1);
	add = len - (unsigned int)glen - 1;
	if (add == 0 || d->len + add > DIR_PART_MAX_BYTES)
		return -EBADMSG;
	grown = realloc(d->buf, d->len + add);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + d->len, reply + glen + 1, add);
	d->buf = grown;
	d->len += add;
	return 0;
}

static int dir_part_one(struct xenbus *xb, xenbus_tx_t tx, const char *path,
			struct dir_parts *d, bool *restart)
{
	char off[16];
	struct iovec iov[2] = { str_iov(path) };
	unsigned int len;
	char *reply;
	int ret;

	snprintf(off, sizeof(off), "%u", d->len);
	iov[1] = str_iov(off);
	ret = xb_request(xb, XPV_XS_DIRECTORY_PART, tx, iov, 2, &reply, &len);
	if (ret == -ENOSYS)
		return -E2BIG;
	if (ret < 0)
		return ret;
	ret = dir_part_add(d, reply, len, restart);
	free(reply);
	return ret;
}

/* The listing is complete when it ends with an empty string: "...\0\0". */
static bool dir_part_done(const struct dir_parts *d)
{
	return d->len == 1 || (d->len >= 2 && d->buf[d->len - 2] == '\0');
}

static int directory_part(struct xenbus *xb, xenbus_tx_t tx, const char *path,
			  char ***names, unsigned int *num)
{
	struct dir_parts d = { .len = 0 };
	unsigned int restarts = 0;
	bool restart;
	int ret;

	for (;;) {
		ret = dir_part_one(xb, tx, path, &d, &restart);
		if (ret < 0)
			goto out;
		if (restart) {
			/* The directory changed between chunks: start over. */
			ret = -EAGAIN;
			if (++restarts > DIR_PART_MAX_RESTARTS)
				goto out;
			d.len = 0;
			continue;
		}
		if (dir_part_done(&d))
			break;
	}
	/* Drop the empty string that marked the end. */
	ret = split_strings(d.buf, d.len - 1, names, num);
out:
	free(d.buf);
	return ret;
}

int xenbus_directory(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     char ***names, unsigned int *num)
{
	struct iovec iov = str_iov(path);
	unsigned int len;
	char *reply;
	int ret;

	ret = xb_request(xb, XPV_XS_DIRECTORY, tx, &iov, 1, &reply, &len);
	if (ret == -E2BIG)
		return directory_part(xb, tx, path, names, num);
	if (ret < 0)
		return ret;
	ret = split_strings(reply, len, names, num);
	free(reply);
	return ret;
}

/* --- Permissions -------------------------------------------------------- */

static const char perm_letters[] = "nrwb";

static int parse_perm(const char *s, struct xenbus_perm *p)
{
	const char *l = *s ? strchr(perm_letters, *s) : NULL;
	unsigned long domid;

	if (!l || parse_uint(s + 1, 0xffff, &domid) < 0)
		return -EBADMSG;
	p->mode = (enum xenbus_perm_mode)(l - perm_letters);
	p->domid = (unsigned int)domid;
	return 0;
}

static int parse_perms(const char *reply, unsigned int len,
		       struct xenbus_perm **perms, unsigned int *num)
{
	struct xenbus_perm *v;
	unsigned int n, i;
	char **strs;
	int ret;

	ret = split_strings(reply, len, &strs, &n);
	if (ret < 0)
		return ret;
	ret = -EBADMSG;
	v = n ? calloc(n, sizeof(*v)) : NULL;
	if (!v)
		goto out;
	for (i = 0; i < n; i++)
		if (parse_perm(strs[i], &v[i]) < 0)
			goto out;
	*perms = v;
	*num = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(strs);
	return ret;
}

int xenbus_get_perms(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     struct xenbus_perm **perms, unsigned int *num)
{
	struct iovec iov = str_iov(path);
	unsigned int len;
	char *reply;
	int ret;

	ret = xb_request(xb, XPV_XS_GET_PERMS, tx, &iov, 1, &reply, &len);
	if (ret < 0)
		return ret;
	ret = parse_perms(reply, len, perms, num);
	free(reply);
	return ret;
}

int xenbus_set_perms(struct xenbus *xb, xenbus_tx_t tx, const char *path,
		     const struct xenbus_perm *perms, unsigned int num)
{
	/* Each entry is at most "b65535\0"; the path goes in front. */
	char buf[XPV_XENSTORE_PAYLOAD_MAX];
	struct iovec iov[2] = { str_iov(path) };
	size_t off = 0;
	unsigned int i;

	if (num == 0)
		return -EINVAL;
	for (i = 0; i < num; i++) {
		if (perms[i].mode > XENBUS_PERM_BOTH || perms[i].domid > 0xffff)
			return -EINVAL;
		if (sizeof(buf) - off < 8)
			return -E2BIG;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%c%u",
					perm_letters[perms[i].mode],
					perms[i].domid) +
		       1;
	}
	iov[1] = (struct iovec){ .iov_base = buf, .iov_len = off };
	return simple(xb, XPV_XS_SET_PERMS, tx, iov, 2);
}

/* --- Transactions ------------------------------------------------------- */

int xenbus_transaction_start(struct xenbus *xb, xenbus_tx_t *tx)
{
	struct iovec iov = str_iov("");
	unsigned long id;
	unsigned int len;
	char *reply;
	int ret;

	ret = xb_request(xb, XPV_XS_TRANSACTION_START, XENBUS_TX_NONE, &iov, 1,
			 &reply, &len);
	if (ret < 0)
		return ret;
	ret = one_string(reply, len);
	if (ret == 0)
		ret = parse_uint(reply, UINT32_MAX, &id);
	if (ret == 0 && id == XENBUS_TX_NONE)
		ret = -EBADMSG;
	if (ret == 0)
		*tx = (xenbus_tx_t)id;
	free(reply);
	return ret;
}

int xenbus_transaction_end(struct xenbus *xb, xenbus_tx_t tx, bool commit)
{
	struct iovec iov = str_iov(commit ? "T" : "F");

	if (tx == XENBUS_TX_NONE)
		return -EINVAL;
	return simple(xb, XPV_XS_TRANSACTION_END, tx, &iov, 1);
}

/* --- Watches ------------------------------------------------------------ */

int xenbus_watch(struct xenbus *xb, const char *path, const char *token)
{
	struct iovec iov[2] = { str_iov(path), str_iov(token) };

	return simple(xb, XPV_XS_WATCH, XENBUS_TX_NONE, iov, 2);
}

int xenbus_unwatch(struct xenbus *xb, const char *path, const char *token)
{
	struct iovec iov[2] = { str_iov(path), str_iov(token) };

	return simple(xb, XPV_XS_UNWATCH, XENBUS_TX_NONE, iov, 2);
}

/* --- Domains ------------------------------------------------------------ */

int xenbus_get_domain_path(struct xenbus *xb, unsigned int domid, char **path)
{
	char id[16];
	struct iovec iov;
	unsigned int len;
	char *reply;
	int ret;

	snprintf(id, sizeof(id), "%u", domid);
	iov = str_iov(id);
	ret = xb_request(xb, XPV_XS_GET_DOMAIN_PATH, XENBUS_TX_NONE, &iov, 1,
			 &reply, &len);
	if (ret < 0)
		return ret;
	ret = one_string(reply, len);
	if (ret < 0) {
		free(reply);
		return ret;
	}
	*path = reply;
	return 0;
}
