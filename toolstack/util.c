/*
 * util.c - see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toolstack/util.h"

long long xpv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void xpv_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int xpv_mkdir_p(const char *path, mode_t mode)
{
	char buf[4096], *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int xpv_read_long_file(const char *path, long *out)
{
	char buf[64], *end;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int xpv_write_file(const char *path, const char *text)
{
	char tmp[4200];
	size_t len = strlen(text);
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -EIO;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

void xpv_print_tail(FILE *f, const char *path, unsigned int n)
{
	char *lines[64] = { 0 }, *line = NULL;
	size_t cap = 0;
	unsigned int i, count = 0;
	FILE *in = fopen(path, "re");

	if (!in)
		return;
	if (n > 64)
		n = 64;
	while (getline(&line, &cap, in) > 0) {
		free(lines[count % n]);
		lines[count % n] = line;
		line = NULL;
		cap = 0;
		count++;
	}
	free(line);
	fclose(in);
	for (i = count > n ? count - n : 0; i < count; i++)
		fprintf(f, "    %s", lines[i % n]);
	for (i = 0; i < n; i++)
		free(lines[i]);
}

/* The start of /proc/PID/FILE into buf (len bytes, NUL-terminated);
 * false when it cannot be read or is empty. */
static bool read_proc(pid_t pid, const char *file, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* A zombie (exited, not yet reaped by its parent, which for a daemon is
 * whatever reaps orphans here) is not alive. */
bool xpv_process_alive(pid_t pid)
{
	char stat[256], *paren;

	if (pid <= 0 || kill(pid, 0) < 0 ||
	    !read_proc(pid, "stat", stat, sizeof(stat)))
		return false;
	paren = strrchr(stat, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

bool xpv_process_is(pid_t pid, const char *name)
{
	char comm[32];

	if (!xpv_process_alive(pid) ||
	    !read_proc(pid, "comm", comm, sizeof(comm)))
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	return strncmp(comm, name, 15) == 0;
}

bool xpv_platform_sim(void)
{
	const char *p = getenv("XPV_PLATFORM");

	if (p && *p)
		return strcmp(p, "sim") == 0;
	return access("/dev/xen/privcmd", F_OK) != 0;
}

void xpv_defuse_controls(char *buf, size_t len, bool lines)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (lines && (ch == '\n' || ch == '\t'))
			continue;
		if (ch < 0x20 || ch >= 0x7f)
			buf[i] = '?';
	}
}
