/*
 * create.c - `xpv create CFG [-c] [-n] [-p] [-q] [key=value ...]`, as
 * `xl create`: read the config, start dom0's services if they are not
 * running, build the domain, leave its monitor behind, and with -c
 * attach to its console.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "toolstack/build.h"
#include "toolstack/config.h"
#include "toolstack/config_json.h"
#include "toolstack/monitor.h"
#include "toolstack/services.h"
#include "toolstack/xpv.h"

struct create_opts {
	bool console, dryrun, paused, quiet;
};

static int dry_run(const struct xpv_domcfg *cfg)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	xpv_config_json(&j, cfg);
	json_object_end(&j);
	json_finish(&j);
	return 0;
}

static int create(struct xpv *x, struct xpv_domcfg *cfg,
		  const struct create_opts *o)
{
	struct xpv_build_opts bo = { .paused = o->paused };
	unsigned int domid;
	int kernel_log, ret;

	if (!xpv_services_running(x) && xpv_services_up(x, true))
		return 1;
	ret = xpv_domain_build(x, cfg, &bo, &domid, &kernel_log);
	if (ret)
		return 1;
	ret = xpv_monitor_start(x, cfg->name, domid, kernel_log);
	if (kernel_log >= 0)
		close(kernel_log);
	if (ret)
		return 1;
	if (o->console) {
		char id[16];
		char *argv[] = { "console", id, NULL };

		snprintf(id, sizeof(id), "%u", domid);
		xpv_opts_begin();
		return xpv_cmd_console(x, 2, argv);
	}
	return 0;
}

int xpv_cmd_create(struct xpv *x, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dryrun", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct create_opts o = { 0 };
	struct xpv_domcfg *cfg;
	const char *file;
	int opt, ret;

	while ((opt = xpv_getopt(argc, argv, "cnpqh", longopts, "create")) !=
	       -1) {
		if (opt == 'c')
			o.console = true;
		else if (opt == 'n')
			o.dryrun = true;
		else if (opt == 'p')
			o.paused = true;
		else if (opt == 'q')
			o.quiet = true;
	}
	if (optind >= argc)
		return xpv_usage("create");
	file = argv[optind++];
	if (!o.quiet && !o.dryrun)
		fprintf(stderr, "Parsing config from %s\n", file);
	cfg = xpv_config_load(file, argc - optind, argv + optind, stderr);
	if (!cfg)
		return 1;
	ret = o.dryrun ? dry_run(cfg) : create(x, cfg, &o);
	xpv_config_free(cfg);
	return ret;
}
