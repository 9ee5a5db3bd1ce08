/*
 * config.h - a domain's configuration, read from an xl.cfg file by Xen's
 * own libxlutil (xlu_cfg_*, xlu_disk_parse, xlu_vif_parse_rate), so that a
 * file xl accepts is read the same way. What xl does not check, xpv does:
 * every key must be one xl knows (else "unknown key") and one xpv uses
 * (else a warning that it is ignored), and every value must have the type
 * the key expects. Each complaint names the file, the line and what is
 * expected; all of them are printed, not just the first.
 *
 * Error convention: xpv_config_load returns NULL and sets errno (EINVAL
 * for a config with errors, which were printed; ENOENT and the like for a
 * file that cannot be read). The caller frees with xpv_config_free.
 */
#ifndef XPV_TOOLSTACK_CONFIG_H
#define XPV_TOOLSTACK_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What happens when the domain powers off, reboots or crashes (xl.cfg's
 * on_poweroff / on_reboot / on_crash). */
enum xpv_action {
	XPV_ACTION_DESTROY,
	XPV_ACTION_RESTART,
	XPV_ACTION_RENAME_RESTART,
	XPV_ACTION_PRESERVE,
	XPV_ACTION_COREDUMP_DESTROY,
	XPV_ACTION_COREDUMP_RESTART,
	XPV_ACTION_SOFT_RESET,
};

/* The name xl.cfg gives an action ("destroy", ...). */
const char *xpv_action_name(enum xpv_action action);

/* Disk formats and backends, as libxl numbers them (libxl_disk_format,
 * libxl_disk_backend): only what a vbd of xpv can be. */
enum xpv_disk_format {
	XPV_DISK_RAW,
	XPV_DISK_QCOW2,
};

enum xpv_disk_backend {
	XPV_DISK_BACKEND_VBD, /* backend/vbd, type phy, hotplug script */
	XPV_DISK_BACKEND_QDISK, /* backend/qdisk, params "FORMAT:TARGET" */
};

struct xpv_disk {
	char *target; /* image file or block device; NULL: empty cdrom */
	char *vdev; /* as written: "xvda", "d0p1", "51712" */
	unsigned int devid; /* the vdev's number (xen-vbd-interface(7)) */
	enum xpv_disk_format format;
	enum xpv_disk_backend backend;
	bool readwrite;
	bool cdrom;
	char *script; /* hotplug script; NULL: "block" */
	int line; /* where the spec is, for messages */
};

struct xpv_vif {
	unsigned int devid;
	uint8_t mac[6];
	bool mac_set; /* else one is generated: 00:16:3e + 3 random bytes */
	char *bridge; /* default "xenbr0", as libxl */
	char *ip;
	char *script; /* hotplug script; NULL: "vif-bridge" */
	char *vifname;
	char *model;
	char *gatewaydev;
	char *rate; /* as written ("10Mb/s@20ms"), NULL: no limit */
	uint64_t rate_bytes_per_interval;
	uint32_t rate_interval_usecs;
	unsigned int mtu; /* 1500 unless given */
	int line;
};

#define XPV_MAX_CPUS 1024

struct xpv_domcfg {
	char *source; /* the config file's path, for messages */
	char *name;
	uint8_t uuid[16];
	uint64_t memory_mib, maxmem_mib;
	unsigned int vcpus, maxvcpus;
	/* cpus = ...: the cpus the domain may run on; all when !cpus_set. */
	bool cpus_set;
	uint64_t cpus[XPV_MAX_CPUS / 64];
	unsigned int cpu_weight; /* credit scheduler weight, 1..65535 */
	unsigned int cap; /* percent of one cpu, 0: no cap */

	/* The guest's kernel: on xen a Linux image; on sim a program, by
	 * default xpv-guest. */
	char *kernel, *ramdisk, *cmdline;
	/* sim: what xpv-guest runs as init (argv), the environment it gets,
	 * and the directory that is its root. */
	char **init;
	char **env;
	char *rootdir;
	char **host_dirs; /* shown read-only in the minimal root */

	struct xpv_disk *disks;
	unsigned int ndisks;
	struct xpv_vif *vifs;
	unsigned int nvifs;

	enum xpv_action on_poweroff, on_reboot, on_crash;
};

/*
 * Read path, then each "key=value" of overrides (xl create's trailing
 * arguments, which win over the file). Complaints go to err.
 */
struct xpv_domcfg *xpv_config_load(const char *path, int noverrides,
				   char *const overrides[], FILE *err);
void xpv_config_free(struct xpv_domcfg *cfg);

/*
 * cfg in xl.cfg syntax, every value explicit (the UUID, each vif's MAC),
 * so that reading it back gives the same domain: what a restart
 * rebuilds from, as xl keeps a domain's config. Returns 0 or -errno.
 */
int xpv_config_write(FILE *f, const struct xpv_domcfg *cfg);

/*
 * One disk or vif spec, as a line of a config would have it
 * (block-attach, network-attach); complaints, named "block-attach" or
 * "network-attach", go to err. The vif's devid is the caller's to set
 * (before: a devid= in the spec wins). 0 or -EINVAL; the strings in out
 * are the caller's to free (xpv_disk_free, xpv_vif_free).
 */
int xpv_config_parse_disk(const char *spec, struct xpv_disk *out, FILE *err);
int xpv_config_parse_vif(const char *spec, struct xpv_vif *out, FILE *err);
void xpv_disk_free(struct xpv_disk *d);
void xpv_vif_free(struct xpv_vif *v);

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into buf (at least 37 bytes). */
void xpv_uuid_format(const uint8_t uuid[16], char *buf);
/* Parse that form; -EINVAL if it is not one. */
int xpv_uuid_parse(const char *s, uint8_t uuid[16]);

/* A vdev (xvda, sdb3, hdc, d1p2, or a number) as the integer the vbd
 * interface writes in xenstore (docs: xen-vbd-interface(7)); -EINVAL for
 * a name it does not define. */
int xpv_vdev_number(const char *vdev, unsigned int *devid);

/* A cpu list as xl.cfg's cpus= takes it ("all", "0-3,^2", "5") into
 * mask (XPV_MAX_CPUS bits); -EINVAL for anything else. */
int xpv_cpulist_parse(const char *s, uint64_t *mask);

#endif
