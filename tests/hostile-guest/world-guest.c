/*
 * hostile-world-guest - a guest that tries to reach the host's world from
 * inside its own (test-guest-world.c drives it). Started by xpv-hv as a
 * domain's init, it obeys one command per line on stdin and answers one
 * line on stdout: "ok ..." or "err N" (a negative errno). Commands:
 *
 *   env                 -> ok<TAB>entry<TAB>entry...   its environment
 *   fds                 -> ok FD:KIND ...   its open fds (KIND: c<maj>:<min>
 *                          char device, p<ino> pipe, s<ino> socket, f file,
 *                          d directory, o other)
 *   reopen MARKER       reopen each open fd read-only through
 *                       /proc/self/fd (and /dev/stdin, stdout, stderr),
 *                       read what it gives -> ok <reopened> <found>: how
 *                       many of them showed MARKER
 *   setfl               O_NONBLOCK | O_APPEND on its stdout and stderr
 *   umount PATH         umount2(PATH, MNT_DETACH)
 *   umountall           umount2 every mount point of its mountinfo, last
 *                       first -> ok <how many went>
 *   procscan NEEDLE     -> ok <pids in /proc> <cmdlines holding NEEDLE>
 *   exists PATH         -> ok 1 | ok 0
 *   write PATH          create PATH and write a byte to it
 *   fill PATH MIB       write up to MIB MiB to PATH -> ok <bytes> <errno>
 *   leave PATH TEXT     write TEXT to PATH
 *   look PATH           -> ok <first line of PATH>
 *   spawn               fork a process that outlives this command, in a
 *                       session of its own, sleeping -> ok <its pid>
 *   spin N              fork N processes that burn cpu for ever -> ok <forked>
 *   flood N             fork N processes that each send xpv-hv requests
 *                       as fast as it answers, for ever -> ok <forked>
 *   ptmx N              open /dev/ptmx up to N times, keep them -> ok
 *                       <opened> <errno of the first refusal, or 0>
 *   statdev PATH        -> ok <st_dev maj:min>
 *   remount PATH rw|OPTS  remount PATH read-write (a bind), or with OPTS
 *   setattr PATH        mount_setattr clearing read-only
 *   aio                 io_setup of one context
 *   inotify N           inotify_init1 up to N times, keep them -> ok
 *                       <opened> <errno of the first refusal, or 0>
 *   release             close what ptmx and inotify keep
 *   uid                 -> ok <uid> <euid>
 *   statnode PATH       -> ok <mode octal> <owner uid> <rdev maj>:<min>
 *   mknod PATH          mknod PATH as a char device 1:3 (the host's null)
 *   fuse PATH           open /dev/fuse and mount a FUSE file system of
 *                       that fd on the directory PATH (kept open; release
 *                       closes it, which ends the mount's connection)
 *   mounted PATH        -> ok <1|0> <type>: a mount point in its
 *                       mountinfo, and its file system type
 *   exit CODE
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hv/hv.h"
#include "tests/hostile-guest/guest-io.h"

#define MAX_KEPT 4096

static int kept[MAX_KEPT];
static unsigned int nkept;

static void result(int ok)
{
	if (ok < 0)
		hg_reply("err %d", -errno);
	else
		hg_reply("ok");
}

static void cmd_env(void)
{
	extern char **environ;
	char **e;

	printf("ok");
	for (e = environ; *e; e++)
		printf("\t%s", *e);
	hg_reply("%s", "");
}

static void kind(int fd, char *buf, size_t len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		snprintf(buf, len, "?");
	else if (S_ISCHR(st.st_mode))
		snprintf(buf, len, "c%u:%u", major(st.st_rdev),
			 minor(st.st_rdev));
	else if (S_ISFIFO(st.st_mode))
		snprintf(buf, len, "p%llu", (unsigned long long)st.st_ino);
	else if (S_ISSOCK(st.st_mode))
		snprintf(buf, len, "s%llu", (unsigned long long)st.st_ino);
	else
		snprintf(buf, len, "%c",
			 S_ISREG(st.st_mode) ? 'f' :
			 S_ISDIR(st.st_mode) ? 'd' :
					       'o');
}

static void cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char k[64];

	if (!d) {
		result(-1);
		return;
	}
	printf("ok");
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		kind(fd, k, sizeof(k));
		printf(" %d:%s", fd, k);
	}
	closedir(d);
	hg_reply("%s", "");
}

/* Whatever a read-only reopen of path yields, searched for marker. */
static int reopen_finds(const char *path, const char *marker, int *opened)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;
	size_t got = 0;

	if (fd < 0)
		return 0;
	(*opened)++;
	while (got < sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return memmem(buf, got, marker, strlen(marker)) != NULL;
}

static void cmd_reopen(const char *marker)
{
	static const char *const devs[] = { "/dev/stdin", "/dev/stdout",
					    "/dev/stderr" };
	int opened = 0, found = 0, fd;
	char path[64];
	unsigned int i;

	for (fd = 0; fd < 64; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		found += reopen_finds(path, marker, &opened);
	}
	for (i = 0; i < 3; i++)
		found += reopen_finds(devs[i], marker, &opened);
	hg_reply("ok %d %d", opened, found);
}

static void cmd_setfl(void)
{
	int ok = fcntl(1, F_SETFL, O_NONBLOCK | O_APPEND);

	if (ok == 0)
		ok = fcntl(2, F_SETFL, O_NONBLOCK | O_APPEND);
	result(ok);
}

static void cmd_umountall(void)
{
	char line[4096], *points[256];
	int n = 0, gone = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f) {
		result(-1);
		return;
	}
	while (n < 256 && fgets(line, sizeof(line), f)) {
		char point[4096];

		/* id parent major:minor root mount-point ... */
		if (sscanf(line, "%*d %*d %*s %*s %4095s", point) == 1)
			points[n++] = strdup(point);
	}
	fclose(f);
	while (n-- > 0) {
		if (points[n] && umount2(points[n], MNT_DETACH) == 0)
			gone++;
		free(points[n]);
	}
	hg_reply("ok %d", gone);
}

static bool is_pid(const char *name)
{
	return *name && strspn(name, "0123456789") == strlen(name);
}

static bool cmdline_holds(const char *pid, const char *needle)
{
	char path[300], buf[4096];
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void cmd_procscan(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pids = 0, found = 0;

	if (!d) {
		result(-1);
		return;
	}
	while ((e = readdir(d))) {
		if (!is_pid(e->d_name))
			continue;
		pids++;
		found += cmdline_holds(e->d_name, needle);
	}
	closedir(d);
	hg_reply("ok %d %d", pids, found);
}

static void cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		result(-1);
		return;
	}
	result(write(fd, "x", 1) == 1 ? 0 : -1);
	close(fd);
}

static void cmd_fill(const char *path, long mib)
{
	static char chunk[1 << 20];
	long long bytes = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = 0;

	if (fd < 0) {
		result(-1);
		return;
	}
	memset(chunk, 0xa5, sizeof(chunk));
	while (bytes < mib * (long long)sizeof(chunk)) {
		ssize_t n = write(fd, chunk, sizeof(chunk));

		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		bytes += n;
	}
	close(fd);
	hg_reply("ok %lld %d", bytes, err);
}

static void cmd_leave(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t want = (ssize_t)strlen(text);

	if (fd < 0) {
		result(-1);
		return;
	}
	result(write(fd, text, (size_t)want) == want ? 0 : -1);
	close(fd);
}

static void cmd_look(const char *path)
{
	char buf[256] = "";
	FILE *f = fopen(path, "re");

	if (!f) {
		result(-1);
		return;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	hg_reply("ok %s", buf);
}

static void cmd_spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		setsid();
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		syscall(SYS_close_range, 3u, ~0u, 0u);
		for (;;)
			pause();
	}
	if (pid < 0)
		result(-1);
	else
		hg_reply("ok %d", (int)pid);
}

static void spin(void)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
}

/* Its own connection to xpv-hv, asked for its domain's info in a loop. */
static void flood(void)
{
	struct hv_dominfo info;
	struct hv *hv;

	if (hv_open(&hv, NULL, 0) < 0)
		_exit(1);
	for (;;)
		if (hv_domain_info(hv, HV_DOMID_SELF, &info) < 0)
			_exit(0);
}

static void fork_n(long n, void (*fn)(void))
{
	long forked = 0;

	for (; forked < n; forked++) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (pid == 0)
			fn();
	}
	hg_reply("ok %ld", forked);
}

static void keep_opening(const char *what, long n)
{
	int opened = 0, err = 0;

	while (opened < n && nkept < MAX_KEPT) {
		int fd = strcmp(what, "ptmx") == 0 ?
				 open("/dev/ptmx",
				      O_RDWR | O_NOCTTY | O_CLOEXEC) :
				 inotify_init1(IN_CLOEXEC);

		if (fd < 0) {
			err = errno;
			break;
		}
		kept[nkept++] = fd;
		opened++;
	}
	hg_reply("ok %d %d", opened, err);
}

static void cmd_release(void)
{
	while (nkept > 0)
		close(kept[--nkept]);
	hg_reply("ok");
}

static void cmd_statdev(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		result(-1);
		return;
	}
	hg_reply("ok %u:%u", major(st.st_dev), minor(st.st_dev));
}

static void cmd_remount(const char *path, const char *how)
{
	if (strcmp(how, "rw") == 0)
		result(mount(NULL, path, NULL, MS_REMOUNT | MS_BIND, NULL));
	else
		result(mount(NULL, path, NULL, MS_REMOUNT, how));
}

static void cmd_setattr(const char *path)
{
	struct mount_attr ma = { .attr_clr = MOUNT_ATTR_RDONLY };

	result(mount_setattr(AT_FDCWD, path, 0, &ma, sizeof(ma)));
}

static void cmd_statnode(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		result(-1);
		return;
	}
	hg_reply("ok %o %u %u:%u", (unsigned int)st.st_mode,
		 (unsigned int)st.st_uid, major(st.st_rdev), minor(st.st_rdev));
}

static void cmd_fuse(const char *path)
{
	char opts[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0 || nkept == MAX_KEPT) {
		result(-1);
		if (fd >= 0)
			close(fd);
		return;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("world-guest", path, "fuse", MS_NOSUID | MS_NODEV, opts)) {
		result(-1);
		close(fd);
		return;
	}
	kept[nkept++] = fd;
	hg_reply("ok");
}

/* Field 5 of a mountinfo line is the mount point, the type follows " - ";
 * the last line for a point is the mount on top. */
static void cmd_mounted(const char *path)
{
	char line[4096], point[4096], type[64] = "none";
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;

	if (!f) {
		result(-1);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    !strcmp(point, path) && dash &&
		    sscanf(dash, " - %63s", type) == 1)
			found = 1;
	}
	fclose(f);
	hg_reply("ok %d %s", found, type);
}

static void cmd_aio(void)
{
	aio_context_t ctx = 0;

	result((int)syscall(SYS_io_setup, 1, &ctx));
}

static void obey(char *line)
{
	char a[4096] = "", b[4096] = "";
	int n = sscanf(line, "%*s %4095s %4095[^\n]", a, b);
	char cmd[32] = "";

	sscanf(line, "%31s", cmd);
	if (!strcmp(cmd, "env"))
		cmd_env();
	else if (!strcmp(cmd, "fds"))
		cmd_fds();
	else if (!strcmp(cmd, "reopen") && n >= 1)
		cmd_reopen(a);
	else if (!strcmp(cmd, "setfl"))
		cmd_setfl();
	else if (!strcmp(cmd, "umount") && n >= 1)
		result(umount2(a, MNT_DETACH));
	else if (!strcmp(cmd, "umountall"))
		cmd_umountall();
	else if (!strcmp(cmd, "procscan") && n >= 1)
		cmd_procscan(a);
	else if (!strcmp(cmd, "exists") && n >= 1)
		hg_reply("ok %d", access(a, F_OK) == 0);
	else if (!strcmp(cmd, "write") && n >= 1)
		cmd_write(a);
	else if (!strcmp(cmd, "fill") && n == 2)
		cmd_fill(a, atol(b));
	else if (!strcmp(cmd, "leave") && n == 2)
		cmd_leave(a, b);
	else if (!strcmp(cmd, "look") && n >= 1)
		cmd_look(a);
	else if (!strcmp(cmd, "spawn"))
		cmd_spawn();
	else if (!strcmp(cmd, "spin") && n >= 1)
		fork_n(atol(a), spin);
	else if (!strcmp(cmd, "flood") && n >= 1)
		fork_n(atol(a), flood);
	else if ((!strcmp(cmd, "ptmx") || !strcmp(cmd, "inotify")) && n >= 1)
		keep_opening(cmd, atol(a));
	else if (!strcmp(cmd, "release"))
		cmd_release();
	else if (!strcmp(cmd, "statdev") && n >= 1)
		cmd_statdev(a);
	else if (!strcmp(cmd, "remount") && n == 2)
		cmd_remount(a, b);
	else if (!strcmp(cmd, "setattr") && n >= 1)
		cmd_setattr(a);
	else if (!strcmp(cmd, "aio"))
		cmd_aio();
	else if (!strcmp(cmd, "statnode") && n >= 1)
		cmd_statnode(a);
	else if (!strcmp(cmd, "mknod") && n >= 1)
		result(mknod(a, S_IFCHR | 0666, makedev(1, 3)));
	else if (!strcmp(cmd, "fuse") && n >= 1)
		cmd_fuse(a);
	else if (!strcmp(cmd, "mounted") && n >= 1)
		cmd_mounted(a);
	else if (!strcmp(cmd, "uid"))
		hg_reply("ok %u %u", (unsigned int)getuid(),
			 (unsigned int)geteuid());
	else if (!strcmp(cmd, "exit"))
		exit(atoi(a));
	else
		hg_reply("err %d", -EINVAL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return hg_serve(obey);
}
