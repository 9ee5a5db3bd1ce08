/*
 * list.c - `xpv list [-l] [DOMAIN...]` and `xpv info`, with xl's output:
 * list's columns are xl's (Name, ID, Mem, VCPUs, State, Time(s)) and its
 * state letters (r running, b blocked, p paused, s shut down with the
 * reason's letter after it, d dying); -l prints each domain's config as
 * JSON, as xl's; info prints "key : value" lines.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "toolstack/config.h"
#include "toolstack/config_json.h"
#include "toolstack/domains.h"
#include "toolstack/store.h"

#define MAX_DOMAINS 1024

/* A guest's memory as its target says (what its balloon holds it to);
 * dom0's as the hypervisor says. */
static unsigned long mem_mib(struct xpv *x, const struct hv_dominfo *d)
{
	char home[64];
	long kb;

	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	if (d->domid != 0 && xpv_xs_read_long(xpv_xs(x), home, "memory/target",
					      0, 1L << 40, &kb) == 0)
		return kb / 1024;
	return d->memory_kb / 1024;
}

static void state_letters(const struct hv_dominfo *d, char out[7])
{
	static const char reasons[] = "-rscwS"; /* xl's, by reason */
	uint32_t r = d->shutdown_reason;
	bool shut = d->flags & HV_DOMINF_SHUTDOWN;

	out[0] = d->flags & HV_DOMINF_RUNNING ? 'r' : '-';
	out[1] = d->flags & HV_DOMINF_BLOCKED ? 'b' : '-';
	out[2] = d->flags & HV_DOMINF_PAUSED ? 'p' : '-';
	out[3] = shut ? 's' : '-';
	out[4] = !shut ? '-' : r < sizeof(reasons) - 1 ? reasons[r] : '?';
	out[5] = d->flags & HV_DOMINF_DYING ? 'd' : '-';
	out[6] = '\0';
}

static void print_row(struct xpv *x, const struct hv_dominfo *d)
{
	char name[80], state[7];

	xpv_domain_name(x, d->domid, name, sizeof(name));
	state_letters(d, state);
	printf("%-40s %5u %5lu %5u     %s  %8.1f\n", name, d->domid,
	       mem_mib(x, d), d->vcpus, state, (double)d->cpu_time_ns / 1e9);
}

static void print_config(struct xpv *x, struct json *j,
			 const struct hv_dominfo *d)
{
	char path[PATH_MAX + 64];
	struct xpv_domcfg *cfg = NULL;
	FILE *devnull = fopen("/dev/null", "we");

	xpv_domain_dir(x, d->domid, "config", path, sizeof(path));
	if (d->domid != 0 && devnull)
		cfg = xpv_config_load(path, 0, NULL, devnull);
	if (devnull)
		fclose(devnull);
	json_object_begin(j, NULL);
	json_int(j, "domid", d->domid);
	if (cfg) {
		xpv_config_json(j, cfg);
	} else {
		char name[80];

		xpv_domain_name(x, d->domid, name, sizeof(name));
		json_object_begin(j, "config");
		json_object_begin(j, "c_info");
		json_string(j, "type", "pv");
		json_string(j, "name", name);
		json_object_end(j);
		json_object_end(j);
	}
	json_object_end(j);
	xpv_config_free(cfg);
}

/* The domains named in argv[optind..), or all. */
static int select_domains(struct xpv *x, int argc, char **argv,
			  struct hv_dominfo *info, int n, bool *want)
{
	int i, a;

	for (i = 0; i < n; i++)
		want[i] = optind == argc;
	for (a = optind; a < argc; a++) {
		unsigned int domid;

		if (xpv_domain_find(x, argv[a], &domid))
			return 1;
		for (i = 0; i < n; i++)
			if (info[i].domid == domid)
				want[i] = true;
	}
	return 0;
}

int xpv_cmd_list(struct xpv *x, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hv_dominfo *info = calloc(MAX_DOMAINS, sizeof(*info));
	bool *want = calloc(MAX_DOMAINS, sizeof(*want)), details = false;
	struct hv *hv = xpv_hv(x);
	struct json j;
	int opt, n, i, ret = 1;

	while ((opt = xpv_getopt(argc, argv, "lh", longopts, "list")) != -1)
		if (opt == 'l')
			details = true;
	if (!info || !want || !hv || !xpv_xs(x))
		goto out;
	n = hv_domain_list(hv, info, MAX_DOMAINS);
	if (n < 0) {
		xpv_err("cannot list domains: %s", strerror(-n));
		goto out;
	}
	if (select_domains(x, argc, argv, info, n, want))
		goto out;
	if (details) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
		for (i = 0; i < n; i++)
			if (want[i])
				print_config(x, &j, &info[i]);
		json_array_end(&j);
		json_finish(&j);
	} else {
		printf("Name                                        ID   Mem "
		       "VCPUs\tState\tTime(s)\n");
		for (i = 0; i < n; i++)
			if (want[i])
				print_row(x, &info[i]);
	}
	ret = 0;
out:
	free(info);
	free(want);
	return ret;
}

/* --- info ------------------------------------------------------------------- */

static void line(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%-23s: ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static unsigned long long free_memory_mib(void)
{
	unsigned long long kb = 0;
	char name[64];
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fscanf(f, "%63s %llu kB\n", name, &kb) == 2)
		if (!strcmp(name, "MemAvailable:"))
			break;
	if (f)
		fclose(f);
	return kb / 1024;
}

/* As xl prints it; what cannot be asked is said so, not made up. */
static const char *scheduler_name(struct hv *hv)
{
	const char *name = hv_scheduler_name(hv);

	return name ? name : "unknown";
}

int xpv_cmd_info(struct xpv *x, int argc, char **argv)
{
	struct hv_dominfo *info = calloc(MAX_DOMAINS, sizeof(*info));
	struct hv *hv;
	struct utsname u;
	int n, cpus;

	while (xpv_getopt(argc, argv, "h", NULL, "info") != -1)
		;
	hv = xpv_hv(x);
	if (!info || !hv || (n = hv_domain_list(hv, info, MAX_DOMAINS)) < 1) {
		free(info);
		return 1;
	}
	/* The hypervisor's cpus, as xl's physinfo: in a Xen dom0 ours are
	 * its vcpus, maybe fewer. */
	cpus = hv_host_cpus(hv);
	if (cpus <= 0)
		cpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	uname(&u);
	line("host", "%s", u.nodename);
	line("release", "%s", u.release);
	line("version", "%s", u.version);
	line("machine", "%s", u.machine);
	line("nr_cpus", "%d", cpus);
	line("max_cpu_id", "%d", cpus - 1);
	line("total_memory", "%llu",
	     (unsigned long long)info[0].memory_kb / 1024);
	line("free_memory", "%llu", free_memory_mib());
	line("platform", "%s", hv_platform_name(hv));
	line("xen_scheduler", "%s", scheduler_name(hv));
	line("nr_domains", "%d", n);
	line("xenstored", "%s", x->xs_path);
	line("xpv_rundir", "%s", x->rundir);
	line("xpv_logdir", "%s", x->logdir);
	free(info);
	return 0;
}
