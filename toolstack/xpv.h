/*
 * xpv.h - what the files of the `xpv` command share: the context of one
 * invocation (where the runtime state and logs are, the hypervisor and
 * xenstore handles, opened when a command first needs them), the command
 * table, and the way messages are printed.
 *
 * Commands return an exit status as xl's do: 0 for success, 1 for any
 * failure (after one message on stderr saying what and, where there is
 * one, what to do), 2 for a usage error. Internal functions keep the
 * project's convention: 0 or -errno.
 */
#ifndef XPV_TOOLSTACK_XPV_H
#define XPV_TOOLSTACK_XPV_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct hv;
struct xs_handle;

struct xpv {
	char rundir[PATH_MAX]; /* $XPV_RUNDIR, default /run/xpv */
	char logdir[PATH_MAX]; /* $XPV_LOGDIR, default /var/log/xpv */
	char bindir[PATH_MAX]; /* where xpv itself is: the daemons beside it */
	char hotplugdir[PATH_MAX]; /* the hotplug scripts */
	char schemadir[PATH_MAX]; /* xenstore-schemas/ */
	char xs_path[PATH_MAX]; /* $XENSTORED_PATH, default RUNDIR/xenstored/socket */
	int verbose;
	struct hv *hv; /* xpv_hv() opens it */
	struct xs_handle *xs; /* xpv_xs() opens it */
};

/* One subcommand, as xl's cmd_table: the help text is generated from it. */
struct xpv_cmd {
	const char *name;
	int (*run)(struct xpv *x, int argc, char **argv);
	const char *summary; /* one line, no full stop */
	const char *usage; /* after "xpv NAME " */
	const char *options; /* one option per line, or NULL */
};

extern const struct xpv_cmd xpv_cmds[];
extern const unsigned int xpv_ncmds;

const struct xpv_cmd *xpv_cmd_find(const char *name);
/* `xpv help [COMMAND]`, generated from the table. */
void xpv_help(FILE *f, const char *name);

/* "xpv: " and the message, on stderr. */
void xpv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, when verbose (-v) only. */
void xpv_info(const struct xpv *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The handles, opened on first use, with the message saying why not
 * printed here. NULL on failure. The services must be up (xpv_up). */
struct hv *xpv_hv(struct xpv *x);
struct xs_handle *xpv_xs(struct xpv *x);

/*
 * A subcommand's options, as getopt_long (argv[0] is the command's name):
 * returns the next option or -1 at the end. -h/--help prints the
 * command's help and exits 0; an unknown option prints its usage and
 * exits 2, as xl does. Call with optind = 0 first (xpv_opts_begin).
 */
struct option;
int xpv_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const char *cmd);
/* Reset getopt before a subcommand parses its options. */
void xpv_opts_begin(void);
/* The usage line of cmd on stderr; returns 2, the usage exit status. */
int xpv_usage(const char *cmd);

/* --- Commands (one file each, or one file per family) ------------------- */

int xpv_cmd_up(struct xpv *x, int argc, char **argv);
int xpv_cmd_down(struct xpv *x, int argc, char **argv);
int xpv_cmd_status(struct xpv *x, int argc, char **argv);
int xpv_cmd_create(struct xpv *x, int argc, char **argv);
int xpv_cmd_list(struct xpv *x, int argc, char **argv);
int xpv_cmd_info(struct xpv *x, int argc, char **argv);
int xpv_cmd_destroy(struct xpv *x, int argc, char **argv);
int xpv_cmd_shutdown(struct xpv *x, int argc, char **argv);
int xpv_cmd_reboot(struct xpv *x, int argc, char **argv);
int xpv_cmd_pause(struct xpv *x, int argc, char **argv);
int xpv_cmd_unpause(struct xpv *x, int argc, char **argv);
int xpv_cmd_console(struct xpv *x, int argc, char **argv);
int xpv_cmd_mem_set(struct xpv *x, int argc, char **argv);
int xpv_cmd_vcpu_set(struct xpv *x, int argc, char **argv);
int xpv_cmd_vcpu_pin(struct xpv *x, int argc, char **argv);
int xpv_cmd_sched_credit(struct xpv *x, int argc, char **argv);
int xpv_cmd_check(struct xpv *x, int argc, char **argv);
int xpv_cmd_top(struct xpv *x, int argc, char **argv);
int xpv_cmd_block_attach(struct xpv *x, int argc, char **argv);
int xpv_cmd_block_detach(struct xpv *x, int argc, char **argv);
int xpv_cmd_block_list(struct xpv *x, int argc, char **argv);
int xpv_cmd_network_attach(struct xpv *x, int argc, char **argv);
int xpv_cmd_network_detach(struct xpv *x, int argc, char **argv);
int xpv_cmd_network_list(struct xpv *x, int argc, char **argv);
int xpv_cmd_help(struct xpv *x, int argc, char **argv);

#endif
