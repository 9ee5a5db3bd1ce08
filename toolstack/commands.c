/*
 * commands.c - the table of xpv's subcommands, and the help generated
 * from it (as xl's cmd_table and help()).
 */
#include <string.h>

#include "toolstack/xpv.h"

const struct xpv_cmd xpv_cmds[] = {
	{ "up", xpv_cmd_up,
	  "Start dom0's services and wait until each is ready", "[options]",
	  NULL },
	{ "down", xpv_cmd_down, "Destroy every domain and stop dom0's services",
	  "[options]", NULL },
	{ "status", xpv_cmd_status, "Show dom0's services", "[options]", NULL },
	{ "create", xpv_cmd_create,
	  "Create a domain from config file <ConfigFile>",
	  "<ConfigFile> [options] [key=value ...]",
	  "-c                      Connect to the console after the domain is "
	  "created.\n"
	  "-n, --dryrun            Print the configuration as read, as JSON, "
	  "and stop.\n"
	  "-p                      Leave the domain paused after it is "
	  "created.\n"
	  "-q, --quiet             Quiet.\n"
	  "key=value               Set key as a line of the file would "
	  "(it wins)." },
	{ "help", xpv_cmd_help, "Print this help, or a command's", "[command]",
	  NULL },
};

const unsigned int xpv_ncmds = sizeof(xpv_cmds) / sizeof(xpv_cmds[0]);

const struct xpv_cmd *xpv_cmd_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < xpv_ncmds; i++)
		if (!strcmp(xpv_cmds[i].name, name))
			return &xpv_cmds[i];
	return NULL;
}

void xpv_help(FILE *f, const char *name)
{
	const struct xpv_cmd *c = name ? xpv_cmd_find(name) : NULL;
	unsigned int i;

	if (!c) {
		fprintf(f, "Usage: xpv [-v] <subcommand> [args]\n\n"
			   "xpv full list of subcommands:\n\n");
		for (i = 0; i < xpv_ncmds; i++)
			fprintf(f, " %-19s %s\n", xpv_cmds[i].name,
				xpv_cmds[i].summary);
		return;
	}
	fprintf(f, "Usage: xpv [-v] %s %s\n\n%s.\n\n", c->name, c->usage,
		c->summary);
	fprintf(f, "Options:\n\n%s%s-h                      Print this help.\n",
		c->options ? c->options : "", c->options ? "\n" : "");
}

int xpv_cmd_help(struct xpv *x, int argc, char **argv)
{
	if (argc > 1 && !xpv_cmd_find(argv[1])) {
		xpv_err("unknown command `%s'", argv[1]);
		xpv_help(stderr, NULL);
		return 2;
	}
	xpv_help(stdout, argc > 1 ? argv[1] : NULL);
	return 0;
}
