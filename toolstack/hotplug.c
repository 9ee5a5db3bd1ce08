/*
 * hotplug.c - run hotplug scripts (see hotplug.h).
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "toolstack/hotplug.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

#define DEFAULT_TIMEOUT_S 10
#define OUTPUT_MAX 4096

void xpv_hotplug_script_path(const struct xpv *x, const char *script, char *buf,
			     size_t len)
{
	if (script[0] == '/')
		snprintf(buf, len, "%s", script);
	else
		snprintf(buf, len, "%s/%s", x->hotplugdir, script);
}

static unsigned int timeout_s(void)
{
	const char *v = getenv("XPV_HOTPLUG_TIMEOUT");
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 && n < 3600 ? n : DEFAULT_TIMEOUT_S;
}

struct script {
	char path[PATH_MAX + 64];
	char xenbus_path[128];
	char type[16];
	char vif[32];
	char *netdev;
	bool vif_kind;
	bool add;
};

#define MAX_ENV 512

/* The script's argv and environment, made before fork: a child of a
 * process with threads (libxenstore's reader) may not allocate. */
struct exec_args {
	char *argv[4];
	char *envp[MAX_ENV];
	char env_buf[6][PATH_MAX + 128];
};

static void add_env(struct exec_args *a, unsigned int *n, unsigned int slot,
		    const char *name, const char *value)
{
	if (snprintf(a->env_buf[slot], sizeof(a->env_buf[slot]), "%s=%s", name,
		     value) < (int)sizeof(a->env_buf[slot]))
		a->envp[(*n)++] = a->env_buf[slot];
}

static void make_args(const struct script *s, struct exec_args *a)
{
	extern char **environ;
	unsigned int n = 0, i;
	static const char *const ours[] = { "script=",	    "XENBUS_TYPE=",
					    "XENBUS_PATH=", "XENBUS_BASE_PATH=",
					    "vif=",	    "netdev=" };

	a->argv[0] = (char *)s->path;
	a->argv[1] = s->vif_kind ? (s->add ? "online" : "offline") :
				   (s->add ? "add" : "remove");
	a->argv[2] = s->vif_kind ? "type_if=vif" : NULL;
	a->argv[3] = NULL;
	for (i = 0; environ[i] && n < MAX_ENV - 8; i++) {
		unsigned int k;
		bool replaced = false;

		for (k = 0; k < sizeof(ours) / sizeof(*ours); k++)
			replaced |=
				!strncmp(environ[i], ours[k], strlen(ours[k]));
		if (!replaced)
			a->envp[n++] = environ[i];
	}
	add_env(a, &n, 0, "script", s->path);
	add_env(a, &n, 1, "XENBUS_TYPE", s->type);
	add_env(a, &n, 2, "XENBUS_PATH", s->xenbus_path);
	add_env(a, &n, 3, "XENBUS_BASE_PATH", "backend");
	if (s->vif_kind) {
		add_env(a, &n, 4, "vif", s->vif);
		add_env(a, &n, 5, "netdev", s->netdev ? s->netdev : "");
	}
	a->envp[n] = NULL;
}

/* After fork: only async-signal-safe calls. */
static void child(const struct exec_args *a, int out)
{
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0)
		_exit(127);
	setsid(); /* its own process group, killed whole on a time-out */
	execve(a->argv[0], a->argv, a->envp);
	_exit(127);
}

/* Collect the script's output until it exits or the deadline passes. */
static int collect(pid_t pid, int fd, char *out, size_t cap)
{
	long long deadline = xpv_now_ms() + timeout_s() * 1000LL;
	size_t len = 0;
	int status;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - xpv_now_ms();
		ssize_t n;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			out[len] = '\0';
			return -ETIMEDOUT;
		}
		if (poll(&p, 1, left > 100 ? 100 : left) > 0) {
			n = read(fd, out + len, cap - 1 - len);
			if (n > 0 && len + n < cap - 1)
				len += n;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	while (len < cap - 1) {
		ssize_t n = read(fd, out + len, cap - 1 - len);

		if (n <= 0)
			break;
		len += n;
	}
	out[len] = '\0';
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void last_line(const char *out, char *buf, size_t len)
{
	const char *end = out + strlen(out), *start;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > out && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static int run(struct xpv *x, const struct script *s, const char *backend,
	       char *why, size_t why_len)
{
	char *out = malloc(OUTPUT_MAX), lock[PATH_MAX + 32], *err;
	struct exec_args *a = malloc(sizeof(*a));
	int p[2], lockfd = -1, ret;
	pid_t pid;

	if (!a || !out) {
		ret = -ENOMEM;
		goto out;
	}
	make_args(s, a);

	snprintf(lock, sizeof(lock), "%s/hotplug.lock", x->rundir);
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	pid = fork();
	if (pid == 0)
		child(a, p[1]);
	close(p[1]);
	ret = pid < 0 ? -errno : collect(pid, p[0], out, OUTPUT_MAX);
	close(p[0]);
	if (ret == -EIO && strstr(out, "cannot run") == NULL &&
	    access(s->path, X_OK))
		if (snprintf(out, OUTPUT_MAX, "cannot run %s: %s", s->path,
			     strerror(errno)) >= OUTPUT_MAX)
			out[OUTPUT_MAX - 1] = '\0';
	if (ret) {
		err = xpv_xs_read(xpv_xs(x), backend, "hotplug-error");
		if (err && *err && ret != -ETIMEDOUT)
			snprintf(why, why_len, "%s", err);
		else if (ret == -ETIMEDOUT)
			snprintf(why, why_len, "no answer within %u s; killed",
				 timeout_s());
		else
			last_line(out, why, why_len);
		free(err);
	}
out:
	if (lockfd >= 0)
		close(lockfd);
	free(out);
	free(a);
	return ret;
}

int xpv_hotplug_run(struct xpv *x, const struct xpv_devpaths *d, bool add,
		    char *why, size_t why_len)
{
	struct xs_handle *xs = xpv_xs(x);
	struct script s = { .add = add };
	char *script;
	int ret;

	if (d->kind != XPV_DEV_VBD && d->kind != XPV_DEV_VIF)
		return 0;
	script = xpv_xs_read(xs, d->backend, "script");
	if (!script)
		return 0; /* none asked for (a vbd of another toolstack) */
	xpv_hotplug_script_path(x, script, s.path, sizeof(s.path));
	free(script);
	snprintf(s.type, sizeof(s.type), "%s", xpv_dev_kind_name(d->kind));
	snprintf(s.xenbus_path, sizeof(s.xenbus_path), "backend/%s/%u/%u",
		 s.type, d->domid, d->devid);
	if (d->kind == XPV_DEV_VIF) {
		s.vif_kind = true;
		snprintf(s.vif, sizeof(s.vif), "vif%u.%u", d->domid, d->devid);
		s.netdev = xpv_xs_read(xs, d->backend, "gatewaydev");
	}
	ret = run(x, &s, d->backend, why, why_len);
	free(s.netdev);
	return ret;
}
