/*
 * create.c - `xpv create CFG [-c] [-n] [-p] [-q] [key=value ...]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "toolstack/config.h"
#include "toolstack/config_json.h"
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
	cfg = xpv_config_load(file, argc - optind, argv + optind, stderr);
	if (!cfg)
		return 1;
	if (o.dryrun) {
		ret = dry_run(cfg);
	} else {
		xpv_err("create: building domains is not there yet");
		ret = 1;
	}
	xpv_config_free(cfg);
	return ret;
}
