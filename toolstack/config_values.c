/*
 * config_values.c - the value syntaxes of xl.cfg that libxlutil leaves to
 * its caller: UUIDs, vdev names (xen-vbd-interface(7)) and cpu lists
 * (xl.cfg(5), "cpus").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/config.h"

void xpv_uuid_format(const uint8_t u[16], char *buf)
{
	sprintf(buf,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		"%02x%02x%02x%02x%02x%02x",
		u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int xpv_uuid_parse(const char *s, uint8_t uuid[16])
{
	unsigned int i, n = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (i = 0; i < 36; i += 2) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			i--; /* the pair starts after the dash */
			continue;
		}
		if (hex(s[i]) < 0 || hex(s[i + 1]) < 0)
			return -EINVAL;
		uuid[n++] = hex(s[i]) << 4 | hex(s[i + 1]);
	}
	return n == 16 ? 0 : -EINVAL;
}

/* --- vdev --------------------------------------------------------------- */

/* "a".."z", "aa".. as 0, 1, ...: bijective base 26, as Linux names disks.
 * Returns the number of letters read, 0 if none. */
static int disk_letters(const char *s, unsigned long *disk)
{
	unsigned long n = 0;
	int i;

	for (i = 0; s[i] >= 'a' && s[i] <= 'z'; i++) {
		n = n * 26 + (s[i] - 'a' + 1);
		if (n > (1ul << 20))
			return 0;
	}
	*disk = n - 1;
	return i;
}

/* An optional decimal partition number that ends the string. */
static int partition(const char *s, unsigned long *part)
{
	char *end;

	if (!*s) {
		*part = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*s) || (*s == '0' && s[1]))
		return -EINVAL;
	*part = strtoul(s, &end, 10);
	return *end || *part > 255 ? -EINVAL : 0;
}

static int xvd_number(unsigned long disk, unsigned long part,
		      unsigned int *devid)
{
	if (disk < 16 && part < 16)
		*devid = 202 << 8 | disk << 4 | part;
	else if (disk < (1ul << 20))
		*devid = 1u << 28 | disk << 8 | part;
	else
		return -EINVAL;
	return 0;
}

/* d<disk>[p<partition>], the spec's own syntax. */
static int dp_number(const char *s, unsigned int *devid)
{
	unsigned long disk, part = 0;
	char *end;

	if (!isdigit((unsigned char)s[1]))
		return -EINVAL;
	disk = strtoul(s + 1, &end, 10);
	if (*end == 'p') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		part = strtoul(end + 1, &end, 10);
		if (part > 255)
			return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	return xvd_number(disk, part, devid);
}

int xpv_vdev_number(const char *vdev, unsigned int *devid)
{
	unsigned long disk, part, n;
	char *end;
	int len;

	if (!vdev || !*vdev)
		return -EINVAL;
	if (isdigit((unsigned char)*vdev)) {
		/* the xenstore number itself, in any base strtoul reads */
		errno = 0;
		n = strtoul(vdev, &end, 0);
		if (errno || *end || n == 0 || n >= (2ul << 28))
			return -EINVAL;
		*devid = n;
		return 0;
	}
	if (vdev[0] == 'd')
		return dp_number(vdev, devid);
	if (strncmp(vdev, "xvd", 3) && strncmp(vdev, "sd", 2) &&
	    strncmp(vdev, "hd", 2))
		return -EINVAL;
	len = disk_letters(vdev + (vdev[0] == 'x' ? 3 : 2), &disk);
	if (len == 0 || partition(vdev + (vdev[0] == 'x' ? 3 : 2) + len, &part))
		return -EINVAL;
	if (vdev[0] == 'x')
		return xvd_number(disk, part, devid);
	if (vdev[0] == 's' && disk < 16 && part < 16)
		*devid = 8 << 8 | disk << 4 | part;
	else if (vdev[0] == 'h' && disk < 2 && part < 64)
		*devid = 3 << 8 | disk << 6 | part;
	else if (vdev[0] == 'h' && disk < 4 && part < 64)
		*devid = 22 << 8 | (disk - 2) << 6 | part;
	else
		return -EINVAL;
	return 0;
}

/* --- cpu lists ----------------------------------------------------------- */

static void set_range(uint64_t *mask, unsigned long a, unsigned long b, bool on)
{
	unsigned long c;

	for (c = a; c <= b; c++) {
		if (on)
			mask[c / 64] |= 1ull << (c % 64);
		else
			mask[c / 64] &= ~(1ull << (c % 64));
	}
}

/* One element: N, N-M, ^N or ^N-M. */
static int cpu_element(const char *s, uint64_t *mask)
{
	bool exclude = *s == '^';
	unsigned long a, b;
	char *end;

	if (!strcmp(s, "all")) {
		set_range(mask, 0, XPV_MAX_CPUS - 1, true);
		return 0;
	}
	if (exclude)
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	a = b = strtoul(s, &end, 10);
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a > b || b >= XPV_MAX_CPUS)
		return -EINVAL;
	set_range(mask, a, b, !exclude);
	return 0;
}

int xpv_cpulist_parse(const char *s, uint64_t *mask)
{
	char *copy, *tok, *save = NULL;
	int ret = 0;
	unsigned int w, any = 0;

	memset(mask, 0, XPV_MAX_CPUS / 8);
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save))
		ret = cpu_element(tok, mask);
	free(copy);
	for (w = 0; w < XPV_MAX_CPUS / 64; w++)
		any |= mask[w] != 0;
	return ret ?: any ? 0 : -EINVAL;
}
