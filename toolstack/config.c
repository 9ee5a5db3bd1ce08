/*
 * config.c - read a domain's xl.cfg through libxlutil (config.h).
 *
 * The file is parsed by libxlutil alone (xlu_cfg_readfile, then
 * xlu_cfg_readdata for each command-line override, as xl create does).
 * Then every setting it holds is looked up in keys[] below: a key xpv
 * reads is read with xlu_cfg_get_* and checked; a key only xl knows (a
 * VNC display, PCI passthrough...) is reported as ignored; anything else
 * is an error, as it is almost always a typo that xl would have silently
 * dropped.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "toolstack/config_load.h"

/* hv/'s bounds for a sim domain (docs/hv.md): 64 GiB, 128 vcpus. */
#define MAX_MEMORY_MIB (64 * 1024)
#define MAX_VCPUS 128

struct key {
	const char *name;
	int (*read)(struct loader *l, const struct key *k);
	const char *expected; /* said when the value is malformed */
};

static int read_name(struct loader *l, const struct key *k);
static int read_uuid(struct loader *l, const struct key *k);
static int read_memory(struct loader *l, const struct key *k);
static int read_vcpus(struct loader *l, const struct key *k);
static int read_cpus(struct loader *l, const struct key *k);
static int read_sched(struct loader *l, const struct key *k);
static int read_kernel(struct loader *l, const struct key *k);
static int read_sim(struct loader *l, const struct key *k);
static int read_devices(struct loader *l, const struct key *k);
static int read_action(struct loader *l, const struct key *k);
static int read_type(struct loader *l, const struct key *k);

/* Every key xpv reads, with what its value must be. Keys sharing a
 * reader are read together by the first of them (the others' reader
 * does nothing), so that relations between them are checked in one
 * place. */
static const struct key keys[] = {
	{ "name", read_name,
	  "a string of 1-64 letters, digits, '-', '_' "
	  "or '.', not all digits (name = \"guest1\")" },
	{ "uuid", read_uuid,
	  "a UUID (uuid = \"xxxxxxxx-xxxx-xxxx-xxxx-"
	  "xxxxxxxxxxxx\")" },
	{ "type", read_type, "\"pv\" (xpv builds paravirtualized domains)" },
	{ "builder", read_type, "\"linux\" (the old name of type = \"pv\")" },
	{ "memory", read_memory, "a number of MiB, 1-65536 (memory = 256)" },
	{ "maxmem", read_memory, "a number of MiB, at least memory's" },
	{ "vcpus", read_vcpus, "a number of vcpus, 1-128 (vcpus = 2)" },
	{ "maxvcpus", read_vcpus, "a number of vcpus, at least vcpus'" },
	{ "cpus", read_cpus,
	  "a cpu list such as \"0-3,^1\" or \"all\", or a "
	  "list of them, one per vcpu" },
	{ "cpu_weight", read_sched,
	  "a credit-scheduler weight, 1-65535 "
	  "(default 256)" },
	{ "cap", read_sched, "a percentage of one cpu, 0 (no cap)-12800" },
	{ "kernel", read_kernel, "a path (kernel = \"/boot/vmlinuz\")" },
	{ "ramdisk", read_kernel, "a path" },
	{ "cmdline", read_kernel, "a string" },
	{ "extra", read_kernel,
	  "a string, appended to the kernel command "
	  "line" },
	{ "root", read_kernel,
	  "a string, root=<it> on the kernel command "
	  "line" },
	{ "init", read_sim,
	  "a program (init = \"/bin/sh\") or its argv as "
	  "a list (init = [ \"/bin/sh\", \"-c\", \"...\" ])" },
	{ "env", read_sim, "a list of \"NAME=value\" strings" },
	{ "rootdir", read_sim, "a directory, the guest's root file system" },
	{ "host_dirs", read_sim,
	  "a list of at most 8 absolute host "
	  "directories, shown read-only to the guest "
	  "(not with rootdir)" },
	{ "disk", read_devices,
	  "a list of disk specifications "
	  "(xl-disk-configuration(5))" },
	{ "vif", read_devices,
	  "a list of vif specifications "
	  "(xl-network-configuration(5))" },
	{ "on_poweroff", read_action,
	  "destroy, restart, rename-restart, "
	  "preserve, coredump-destroy, "
	  "coredump-restart or soft-reset" },
	{ "on_reboot", read_action,
	  "destroy, restart, rename-restart, "
	  "preserve, coredump-destroy, "
	  "coredump-restart or soft-reset" },
	{ "on_crash", read_action,
	  "destroy, restart, rename-restart, "
	  "preserve, coredump-destroy, "
	  "coredump-restart or soft-reset" },
};

/* Keys xl reads (tools/xl/xl_parse.c, Xen 4.17) that xpv does not: a
 * config using them is valid for xl, so it is accepted with a warning. */
static const char *const xl_only_keys[] = {
	"acpi",
	"acpi_firmware",
	"acpi_laptop_slate",
	"acpi_s3",
	"acpi_s4",
	"altp2m",
	"altp2mhvm",
	"apic",
	"bios",
	"bios_path_override",
	"boot",
	"bootloader",
	"bootloader_args",
	"channel",
	"cpuid",
	"cpus_soft",
	"device_model",
	"device_model_args",
	"device_model_args_hvm",
	"device_model_args_pv",
	"device_model_override",
	"device_model_stubdomain_override",
	"device_model_stubdomain_seclabel",
	"device_model_user",
	"device_model_version",
	"device_tree",
	"display",
	"dm_restrict",
	"driver_domain",
	"dtdev",
	"e820_host",
	"extratime",
	"firmware",
	"firmware_override",
	"gfx_passthru",
	"gic_version",
	"hap",
	"hdtype",
	"hpet",
	"init_seclabel",
	"iomem",
	"ioports",
	"irqs",
	"keymap",
	"latency",
	"localtime",
	"max_event_channels",
	"max_grant_frames",
	"max_grant_version",
	"max_maptrack_frames",
	"mca_caps",
	"mmio_hole",
	"ms_vm_genid",
	"msr_relaxed",
	"nestedhvm",
	"nographic",
	"nomigrate",
	"nx",
	"on_soft_reset",
	"on_watchdog",
	"oos",
	"opengl",
	"p9",
	"pae",
	"passthrough",
	"pci",
	"pci_msitranslate",
	"pci_permissive",
	"pci_power_mgmt",
	"pci_seize",
	"period",
	"pool",
	"pvcalls",
	"pvshim",
	"pvshim_cmdline",
	"pvshim_extra",
	"pvshim_path",
	"rdm",
	"rdm_mem_boundary",
	"rtc_timeoffset",
	"sdl",
	"seclabel",
	"serial",
	"shadow_memory",
	"slice",
	"smbios_firmware",
	"soundhw",
	"spice",
	"spice_clipboard_sharing",
	"spice_image_compression",
	"spice_streaming_video",
	"spiceagent_mouse",
	"spicedisable_ticketing",
	"spicehost",
	"spicepasswd",
	"spiceport",
	"spicetls_port",
	"spiceusbredirection",
	"spicevdagent",
	"stdvga",
	"stubdomain_cmdline",
	"stubdomain_kernel",
	"stubdomain_memory",
	"stubdomain_ramdisk",
	"tee",
	"timer_mode",
	"tsc_mode",
	"usb",
	"usbctrl",
	"usbdev",
	"usbdevice",
	"usbversion",
	"vendor_device",
	"vfb",
	"vga",
	"videoram",
	"vif2",
	"viridian",
	"vkb",
	"vkb_device",
	"vmtrace_buf_kb",
	"vnc",
	"vncdisplay",
	"vnclisten",
	"vncpasswd",
	"vncunused",
	"vncviewer",
	"vnuma",
	"vpmu",
	"vpt_align",
	"vsnd",
	"vtpm",
	"vuart",
	"xauthority",
	"xen_platform_pci",
	"xend_suspend_evtchn_compat",
};

static const char *const action_names[] = {
	[XPV_ACTION_DESTROY] = "destroy",
	[XPV_ACTION_RESTART] = "restart",
	[XPV_ACTION_RENAME_RESTART] = "rename-restart",
	[XPV_ACTION_PRESERVE] = "preserve",
	[XPV_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[XPV_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[XPV_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xpv_action_name(enum xpv_action action)
{
	if ((unsigned int)action >=
	    sizeof(action_names) / sizeof(*action_names))
		return "?";
	return action_names[action];
}

/* --- Messages ----------------------------------------------------------- */

int config_line_of(const struct loader *l, const char *key)
{
	struct xlu_view_setting s;
	xlu_view_pos pos = xlu_view_first(l->xlu);
	bool from_cmdline = l->file_head != NULL;

	while (pos) {
		if (pos == l->file_head)
			from_cmdline = false;
		pos = xlu_view_next(pos, &s);
		if (!strcmp(s.name, key))
			return from_cmdline ? 0 : s.line;
	}
	return -1;
}

void config_complain(struct loader *l, int line, bool warning, const char *fmt,
		     ...)
{
	va_list ap;

	if (line > 0)
		fprintf(l->err, "%s:%d: ", l->source, line);
	else if (line == 0)
		fprintf(l->err, "%s: command line: ", l->source);
	else
		fprintf(l->err, "%s: ", l->source);
	if (warning)
		fprintf(l->err, "warning: ");
	va_start(ap, fmt);
	vfprintf(l->err, fmt, ap);
	va_end(ap);
	fputc('\n', l->err);
	if (!warning)
		l->errors++;
}

static int malformed(struct loader *l, const struct key *k, const char *got)
{
	config_complain(l, config_line_of(l, k->name), false,
			"%s: expected %s%s%s%s", k->name, k->expected,
			got ? ", got `" : "", got ? got : "", got ? "'" : "");
	return -EINVAL;
}

/* --- Scalar keys --------------------------------------------------------- */

/* The string value of key, NULL when unset; a list is malformed. */
static int get_string(struct loader *l, const struct key *k, const char **v)
{
	int e = xlu_cfg_get_string(l->xlu, k->name, v, 1);

	if (e == ESRCH) {
		*v = NULL;
		return 0;
	}
	return e ? malformed(l, k, "a list") : 0;
}

/* A number in [min, max]; unset leaves *out alone (the default). */
static int get_long(struct loader *l, const struct key *k, long min, long max,
		    long *out)
{
	const char *raw;
	int e = xlu_cfg_get_bounded_long(l->xlu, k->name, min, max, out, 1);

	if (e == 0 || e == ESRCH)
		return 0;
	if (xlu_cfg_get_string(l->xlu, k->name, &raw, 1))
		raw = "a list";
	return malformed(l, k, raw);
}

static const struct key *key_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);
	bool digits = true;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
		digits = digits && isdigit((unsigned char)s[i]);
	}
	return !digits;
}

static int read_name(struct loader *l, const struct key *k)
{
	const char *v;
	int ret = get_string(l, k, &v);

	if (ret)
		return ret;
	if (!v) {
		config_complain(l, -1, false,
				"name: not set; every domain needs one "
				"(name = \"guest1\")");
		return -EINVAL;
	}
	if (!name_ok(v))
		return malformed(l, k, v);
	l->cfg->name = strdup(v);
	return l->cfg->name ? 0 : -ENOMEM;
}

static int read_uuid(struct loader *l, const struct key *k)
{
	const char *v;
	int ret = get_string(l, k, &v);

	if (ret)
		return ret;
	if (v)
		return xpv_uuid_parse(v, l->cfg->uuid) ? malformed(l, k, v) : 0;
	/* A random (version 4) UUID, as libxl_uuid_generate. */
	if (getrandom(l->cfg->uuid, 16, 0) != 16)
		return -errno;
	l->cfg->uuid[6] = (l->cfg->uuid[6] & 0x0f) | 0x40;
	l->cfg->uuid[8] = (l->cfg->uuid[8] & 0x3f) | 0x80;
	return 0;
}

static int read_type(struct loader *l, const struct key *k)
{
	const char *v;
	int ret = get_string(l, k, &v);

	if (ret || !v)
		return ret;
	if (!strcmp(k->name, "type") ? strcmp(v, "pv") : strcmp(v, "linux"))
		return malformed(l, k, v);
	return 0;
}

/* memory and maxmem together: libxl's max_memkb defaults to the target. */
static int read_memory(struct loader *l, const struct key *k)
{
	struct xpv_domcfg *c = l->cfg;
	long mem = 32, max = -1; /* libxl's default for a PV domain */
	int ret;

	if (strcmp(k->name, "memory"))
		return 0;
	ret = get_long(l, k, 1, MAX_MEMORY_MIB, &mem);
	if (!ret)
		ret = get_long(l, key_named("maxmem"), 1, MAX_MEMORY_MIB, &max);
	if (ret)
		return ret;
	if (max < 0)
		max = mem;
	if (max < mem) {
		config_complain(l, config_line_of(l, "maxmem"), false,
				"maxmem: expected at least memory's %ld MiB, "
				"got %ld",
				mem, max);
		return -EINVAL;
	}
	c->memory_mib = mem;
	c->maxmem_mib = max;
	return 0;
}

static int read_vcpus(struct loader *l, const struct key *k)
{
	long vcpus = 1, max = -1;
	int ret;

	if (strcmp(k->name, "vcpus"))
		return 0;
	ret = get_long(l, k, 1, MAX_VCPUS, &vcpus);
	if (!ret)
		ret = get_long(l, key_named("maxvcpus"), 1, MAX_VCPUS, &max);
	if (ret)
		return ret;
	if (max < 0)
		max = vcpus;
	if (max < vcpus) {
		config_complain(l, config_line_of(l, "maxvcpus"), false,
				"maxvcpus: expected at least vcpus' %ld, "
				"got %ld",
				vcpus, max);
		return -EINVAL;
	}
	l->cfg->vcpus = vcpus;
	l->cfg->maxvcpus = max;
	return 0;
}

/* cpus = "LIST" pins every vcpu to LIST; cpus = [ "L0", "L1" ] pins vcpu
 * N to LN. On sim a domain's vcpus share one cpuset, their union. */
static int read_cpus(struct loader *l, const struct key *k)
{
	XLU_ConfigList *list;
	const char *v;
	int i, n;

	if (xlu_cfg_get_string(l->xlu, k->name, &v, 1) == 0) {
		if (xpv_cpulist_parse(v, l->cfg->cpus))
			return malformed(l, k, v);
		l->cfg->cpus_set = true;
		return 0;
	}
	if (xlu_cfg_get_list(l->xlu, k->name, &list, &n, 1))
		return 0;
	for (i = 0; i < n; i++) {
		uint64_t one[XPV_MAX_CPUS / 64];
		unsigned int w;

		v = xlu_cfg_get_listitem(list, i);
		if (!v || xpv_cpulist_parse(v, one))
			return malformed(l, k, v ? v : "a nested list");
		for (w = 0; w < XPV_MAX_CPUS / 64; w++)
			l->cfg->cpus[w] |= one[w];
	}
	l->cfg->cpus_set = n > 0;
	return 0;
}

static int read_sched(struct loader *l, const struct key *k)
{
	long weight = 256, cap = 0;
	int ret;

	if (strcmp(k->name, "cpu_weight"))
		return 0;
	ret = get_long(l, k, 1, 65535, &weight);
	if (!ret)
		ret = get_long(l, key_named("cap"), 0, 100 * MAX_VCPUS, &cap);
	if (ret)
		return ret;
	l->cfg->cpu_weight = weight;
	l->cfg->cap = cap;
	return 0;
}

static int dup_string(struct loader *l, const char *name, char **out)
{
	const char *v;
	int ret = get_string(l, key_named(name), &v);

	if (ret || !v)
		return ret;
	*out = strdup(v);
	return *out ? 0 : -ENOMEM;
}

/* kernel, ramdisk, cmdline; root and extra go on the command line as xl
 * puts them: "root=ROOT EXTRA" when there is no cmdline. */
static int read_kernel(struct loader *l, const struct key *k)
{
	struct xpv_domcfg *c = l->cfg;
	char *root = NULL, *extra = NULL;
	int ret;

	if (strcmp(k->name, "kernel"))
		return 0;
	ret = dup_string(l, "kernel", &c->kernel);
	ret = ret ?: dup_string(l, "ramdisk", &c->ramdisk);
	ret = ret ?: dup_string(l, "cmdline", &c->cmdline);
	ret = ret ?: dup_string(l, "root", &root);
	ret = ret ?: dup_string(l, "extra", &extra);
	if (!ret && !c->cmdline && (root || extra) &&
	    asprintf(&c->cmdline, "%s%s%s%s", root ? "root=" : "",
		     root ? root : "", root && extra ? " " : "",
		     extra ? extra : "") < 0)
		ret = -ENOMEM;
	free(root);
	free(extra);
	return ret;
}

/* A string or a list of strings into a NULL-terminated array. */
static int get_argv(struct loader *l, const struct key *k, char ***out)
{
	XLU_ConfigList *list;
	const char *v;
	char **argv;
	int i, n = 1;

	if (xlu_cfg_get_string(l->xlu, k->name, &v, 1) != 0) {
		if (xlu_cfg_get_list(l->xlu, k->name, &list, &n, 1))
			return 0;
	} else {
		list = NULL;
	}
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	*out = argv;
	for (i = 0; i < n; i++) {
		if (list)
			v = xlu_cfg_get_listitem(list, i);
		if (!v)
			return malformed(l, k, "a nested list");
		argv[i] = strdup(v);
		if (!argv[i])
			return -ENOMEM;
	}
	return n == 0 ? malformed(l, k, "an empty list") : 0;
}

static bool env_ok(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *p;

	if (!eq || eq == s || isdigit((unsigned char)*s))
		return false;
	for (p = s; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

static int read_sim(struct loader *l, const struct key *k)
{
	struct xpv_domcfg *c = l->cfg;
	int ret, i;

	if (strcmp(k->name, "init"))
		return 0;
	ret = get_argv(l, k, &c->init);
	ret = ret ?: get_argv(l, key_named("env"), &c->env);
	ret = ret ?: dup_string(l, "rootdir", &c->rootdir);
	ret = ret ?: get_argv(l, key_named("host_dirs"), &c->host_dirs);
	for (i = 0; !ret && c->env && c->env[i]; i++)
		if (!env_ok(c->env[i]))
			ret = malformed(l, key_named("env"), c->env[i]);
	for (i = 0; !ret && c->host_dirs && c->host_dirs[i]; i++)
		if (c->host_dirs[i][0] != '/' ||
		    strstr(c->host_dirs[i], "..") || i == 8 || c->rootdir)
			ret = malformed(l, key_named("host_dirs"),
					c->host_dirs[i]);
	return ret;
}

static int read_devices(struct loader *l, const struct key *k)
{
	return !strcmp(k->name, "disk") ? config_read_disks(l) :
					  config_read_vifs(l);
}

static int read_action(struct loader *l, const struct key *k)
{
	struct xpv_domcfg *c = l->cfg;
	enum xpv_action *out = !strcmp(k->name, "on_poweroff") ?
				       &c->on_poweroff :
			       !strcmp(k->name, "on_reboot") ? &c->on_reboot :
							       &c->on_crash;
	const char *v;
	size_t i;
	int ret = get_string(l, k, &v);

	if (ret || !v)
		return ret;
	for (i = 0; i < sizeof(action_names) / sizeof(*action_names); i++) {
		if (!strcmp(v, action_names[i])) {
			*out = i;
			return 0;
		}
	}
	return malformed(l, k, v);
}

/* --- Unknown keys -------------------------------------------------------- */

static bool xl_only(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xl_only_keys) / sizeof(*xl_only_keys); i++)
		if (!strcmp(xl_only_keys[i], name))
			return true;
	return false;
}

/* Levenshtein distance, capped: small enough to suggest a correction. */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int row[64], i, j, prev, tmp;
	size_t la = strlen(a), lb = strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static void unknown_key(struct loader *l, const char *name, int line)
{
	const char *best = NULL;
	unsigned int d, best_d = 3;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		d = distance(name, keys[i].name);
		if (d < best_d) {
			best_d = d;
			best = keys[i].name;
		}
	}
	if (best)
		config_complain(l, line, false,
				"unknown key `%s'; did you mean `%s'?", name,
				best);
	else
		config_complain(l, line, false,
				"unknown key `%s'; docs/toolstack.md lists "
				"the keys xpv reads",
				name);
}

/* Each key set, once (its newest setting), against keys[]. */
static void check_keys(struct loader *l)
{
	struct xlu_view_setting s, t;
	xlu_view_pos pos = xlu_view_first(l->xlu), p;
	bool from_cmdline = l->file_head != NULL;

	while (pos) {
		xlu_view_pos here = pos;
		bool seen = false;

		if (pos == l->file_head)
			from_cmdline = false;
		pos = xlu_view_next(pos, &s);
		/* Only the newest setting of a key counts. */
		for (p = xlu_view_first(l->xlu); p != here && !seen;) {
			p = xlu_view_next(p, &t);
			seen = !strcmp(t.name, s.name);
		}
		if (seen || key_named(s.name))
			continue;
		if (xl_only(s.name))
			config_complain(l, from_cmdline ? 0 : s.line, true,
					"`%s' is an xl key xpv does not use; "
					"ignored",
					s.name);
		else
			unknown_key(l, s.name, from_cmdline ? 0 : s.line);
	}
}

/* --- Loading --------------------------------------------------------------- */

/* Parse one override on its own first, so that what libxlutil says of a
 * bad one names the command line rather than a line of the file. */
static int parse_alone(struct loader *l, const char *text)
{
	char where[4200];
	XLU_Config *alone;
	int e;

	snprintf(where, sizeof(where), "%s: command line `%s'", l->source,
		 text);
	alone = xlu_cfg_init(l->err, where);
	if (!alone)
		return -ENOMEM;
	e = xlu_cfg_readdata(alone, text, strlen(text));
	xlu_cfg_destroy(alone);
	if (e)
		l->errors++;
	return e ? -EINVAL : 0;
}

static int read_overrides(struct loader *l, int n, char *const overrides[])
{
	int i;

	l->file_head = xlu_view_first(l->xlu);
	for (i = 0; i < n; i++) {
		if (!strchr(overrides[i], '=')) {
			config_complain(l, 0, false,
					"`%s': expected key=value (as in "
					"memory=512)",
					overrides[i]);
			continue;
		}
		if (parse_alone(l, overrides[i]))
			continue;
		if (xlu_cfg_readdata(l->xlu, overrides[i],
				     strlen(overrides[i])))
			l->errors++; /* libxlutil printed why */
	}
	/* No override read: nothing is newer than the file's head. */
	if (xlu_view_first(l->xlu) == l->file_head)
		l->file_head = NULL;
	return l->errors ? -EINVAL : 0;
}

static void set_defaults(struct xpv_domcfg *c)
{
	c->on_poweroff = XPV_ACTION_DESTROY;
	c->on_reboot = XPV_ACTION_RESTART;
	c->on_crash = XPV_ACTION_DESTROY;
}

/*
 * libxlutil 4.17 asserts (aborting xl, and us) on a NUL byte inside a
 * quoted string (xlu__cfgl_dequote; found by fuzz-config): a config file
 * is text, so a NUL anywhere is refused here, with its line, before
 * libxlutil sees the file.
 */
static int check_text(struct loader *l, const char *path)
{
	int c, line = 1, ret = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while ((c = getc(f)) != EOF) {
		if (c == '\n')
			line++;
		if (c == '\0') {
			config_complain(l, line, false,
					"a NUL byte: a config file is text");
			ret = -EINVAL;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int load(struct loader *l, const char *path, int n,
		char *const overrides[])
{
	size_t i;
	int ret;

	if (access(path, R_OK)) {
		fprintf(l->err, "%s: cannot read the config file: %s\n", path,
			strerror(errno));
		return -errno;
	}
	ret = check_text(l, path);
	if (ret)
		return ret;
	l->xlu = xlu_cfg_init(l->err, path);
	if (!l->xlu)
		return -ENOMEM;
	/* libxlutil prints "FILE:LINE: ..." for what does not parse. */
	if (xlu_cfg_readfile(l->xlu, path))
		return -EINVAL;
	ret = read_overrides(l, n, overrides);
	if (ret)
		return ret;
	set_defaults(l->cfg);
	check_keys(l);
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		ret = keys[i].read(l, &keys[i]);
		if (ret && ret != -EINVAL)
			return ret;
	}
	return l->errors ? -EINVAL : 0;
}

struct xpv_domcfg *xpv_config_load(const char *path, int noverrides,
				   char *const overrides[], FILE *err)
{
	struct loader l = { .err = err, .source = path };
	int ret;

	l.cfg = calloc(1, sizeof(*l.cfg));
	if (!l.cfg)
		return NULL;
	l.cfg->source = strdup(path);
	ret = l.cfg->source ? load(&l, path, noverrides, overrides) : -ENOMEM;
	if (l.xlu)
		xlu_cfg_destroy(l.xlu);
	if (ret) {
		xpv_config_free(l.cfg);
		errno = -ret;
		return NULL;
	}
	return l.cfg;
}

static void free_argv(char **argv)
{
	char **p;

	for (p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

void xpv_disk_free(struct xpv_disk *d)
{
	free(d->target);
	free(d->vdev);
	free(d->script);
}

void xpv_vif_free(struct xpv_vif *v)
{
	free(v->bridge);
	free(v->ip);
	free(v->script);
	free(v->vifname);
	free(v->model);
	free(v->gatewaydev);
	free(v->rate);
}

void xpv_config_free(struct xpv_domcfg *c)
{
	unsigned int i;

	if (!c)
		return;
	for (i = 0; i < c->ndisks; i++)
		xpv_disk_free(&c->disks[i]);
	for (i = 0; i < c->nvifs; i++)
		xpv_vif_free(&c->vifs[i]);
	free(c->disks);
	free(c->vifs);
	free_argv(c->init);
	free_argv(c->env);
	free_argv(c->host_dirs);
	free(c->rootdir);
	free(c->kernel);
	free(c->ramdisk);
	free(c->cmdline);
	free(c->name);
	free(c->source);
	free(c);
}
