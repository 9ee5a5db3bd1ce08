/*
 * commands.c - the table of xpv's subcommands, and the help generated
 * from it (as xl's cmd_table and help()).
 */
#include <string.h>

#include "toolstack/xpv.h"

const struct xpv_cmd xpv_cmds[] = {
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
	{ "list", xpv_cmd_list, "List information about all/some domains",
	  "[options] [Domain...]",
	  "-l, --long              Output all domain details (JSON)." },
	{ "destroy", xpv_cmd_destroy, "Terminate a domain immediately",
	  "<Domain>", NULL },
	{ "shutdown", xpv_cmd_shutdown, "Issue a shutdown signal to a domain",
	  "[options] <Domain>",
	  "-w, --wait              Wait for the domain to shut down." },
	{ "reboot", xpv_cmd_reboot, "Issue a reboot signal to a domain",
	  "[options] <Domain>",
	  "-w, --wait              Wait for the domain to reboot." },
	{ "pause", xpv_cmd_pause, "Pause execution of a domain", "<Domain>",
	  NULL },
	{ "unpause", xpv_cmd_unpause, "Unpause a paused domain", "<Domain>",
	  NULL },
	{ "console", xpv_cmd_console, "Attach to domain's console", "<Domain>",
	  "Ctrl-] detaches and leaves the domain running." },
	{ "block-attach", xpv_cmd_block_attach,
	  "Create a new virtual block device",
	  "<Domain> <disk-spec-component(s)>...", NULL },
	{ "block-list", xpv_cmd_block_list,
	  "List virtual block devices for a domain", "<Domain(s)>", NULL },
	{ "block-detach", xpv_cmd_block_detach,
	  "Destroy a domain's virtual block device", "<Domain> <DevId|vdev>",
	  NULL },
	{ "network-attach", xpv_cmd_network_attach,
	  "Create a new virtual network device",
	  "<Domain> [mac=<mac>] [bridge=<bridge>] [ip=<ip>] "
	  "[script=<script>] [vifname=<name>] [rate=<rate>] [mtu=<mtu>]",
	  NULL },
	{ "network-list", xpv_cmd_network_list,
	  "List virtual network interfaces for a domain", "<Domain(s)>", NULL },
	{ "network-detach", xpv_cmd_network_detach,
	  "Destroy a domain's virtual network device", "<Domain> <DevId|mac>",
	  NULL },
	{ "mem-set", xpv_cmd_mem_set,
	  "Set the current memory usage for a domain",
	  "<Domain> <MemMB['b'/'k'/'m'/'g'/'t']>", NULL },
	{ "vcpu-set", xpv_cmd_vcpu_set,
	  "Set the number of active VCPUs allowed for the domain",
	  "<Domain> <vCPUs>", NULL },
	{ "vcpu-pin", xpv_cmd_vcpu_pin,
	  "Set which CPUs a VCPU can use (here: every vcpu of the domain)",
	  "<Domain> all <Hard affinity|-|all> [Soft affinity]", NULL },
	{ "sched-credit", xpv_cmd_sched_credit,
	  "Get/set credit scheduler parameters",
	  "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]]",
	  "-d DOMAIN, --domain=DOMAIN     Domain to modify\n"
	  "-w WEIGHT, --weight=WEIGHT     Weight (int, 1-65535, default 256)\n"
	  "-c CAP, --cap=CAP              Cap (int, percent of one cpu, 0: "
	  "none)" },
	{ "check", xpv_cmd_check,
	  "Check domains' xenstore trees against xenstore-schemas/",
	  "[Domain...]",
	  "Prints each violation (a key the schema does not have, a value "
	  "of the\n"
	  "                        wrong type, a required key missing in "
	  "the device's\n"
	  "                        state); exit status 1 if there is any." },
	{ "top", xpv_cmd_top,
	  "Monitor the domains: cpu, memory, vif and vbd traffic, as xentop",
	  "[options]",
	  "-b, --batch             Print each sample as text (for scripts).\n"
	  "-d, --delay=SECONDS     Between samples (default 3).\n"
	  "-i, --iterations=N      Stop after N samples." },
	{ "info", xpv_cmd_info, "Get information about the host and hypervisor",
	  "", NULL },
	{ "up", xpv_cmd_up,
	  "Start dom0's services and wait until each is ready", "", NULL },
	{ "down", xpv_cmd_down, "Destroy every domain and stop dom0's services",
	  "", NULL },
	{ "status", xpv_cmd_status, "Show dom0's services", "", NULL },
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

int xpv_cmd_help(struct xpv *x __attribute__((unused)), int argc, char **argv)
{
	if (argc > 1 && !xpv_cmd_find(argv[1])) {
		xpv_err("unknown command `%s'", argv[1]);
		xpv_help(stderr, NULL);
		return 2;
	}
	xpv_help(stdout, argc > 1 ? argv[1] : NULL);
	return 0;
}
