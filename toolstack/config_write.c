/*
 * config_write.c - a domain config back into xl.cfg syntax (config.h's
 * xpv_config_write): what xpv keeps of a running domain, and rebuilds
 * it from on restart. Strings are double-quoted, with the escapes
 * libxlutil 4.17 reads back (\\, \" and \n; its \x and octal escapes
 * refuse every input, found by fuzz-config), and other bytes as they
 * are: its lexer takes any byte but a newline inside quotes.
 */
#include <errno.h>
#include <stdio.h>

#include "toolstack/config.h"

static void quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void string_key(FILE *f, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(f, "%s = ", key);
	quoted(f, v);
	fputc('\n', f);
}

static void list_key(FILE *f, const char *key, char *const *argv)
{
	if (!argv)
		return;
	fprintf(f, "%s = [", key);
	for (; *argv; argv++) {
		fputc(' ', f);
		quoted(f, *argv);
		fputc(argv[1] ? ',' : ' ', f);
	}
	fputs("]\n", f);
}

static void cpus_key(FILE *f, const struct xpv_domcfg *c)
{
	unsigned int cpu;
	const char *sep = "";

	if (!c->cpus_set)
		return;
	fputs("cpus = \"", f);
	for (cpu = 0; cpu < XPV_MAX_CPUS; cpu++) {
		if (c->cpus[cpu / 64] & (1ull << (cpu % 64))) {
			fprintf(f, "%s%u", sep, cpu);
			sep = ",";
		}
	}
	fputs("\"\n", f);
}

/* target= last: it takes the rest of the spec, commas included. */
static void disk_spec(FILE *f, const struct xpv_disk *d)
{
	char spec[4600];

	snprintf(spec, sizeof(spec),
		 "format=%s, vdev=%s, access=%s, backendtype=%s%s%s%s%s%s",
		 d->format == XPV_DISK_QCOW2 ? "qcow2" : "raw", d->vdev,
		 d->readwrite ? "rw" : "ro",
		 d->backend == XPV_DISK_BACKEND_QDISK ? "qdisk" : "phy",
		 d->cdrom ? ", devtype=cdrom" : "",
		 d->script ? ", script=" : "", d->script ? d->script : "",
		 d->target ? ", target=" : "", d->target ? d->target : "");
	quoted(f, spec);
}

static void vif_opt(char *buf, size_t len, const char *key, const char *v)
{
	size_t used = 0;

	while (used < len && buf[used])
		used++;
	if (v && used < len)
		snprintf(buf + used, len - used, ", %s=%s", key, v);
}

static void vif_spec(FILE *f, const struct xpv_vif *v)
{
	char spec[2048], mtu[16];
	const uint8_t *m = v->mac;

	snprintf(spec, sizeof(spec),
		 "devid=%u, mac=%02x:%02x:%02x:%02x:%02x:%02x", v->devid, m[0],
		 m[1], m[2], m[3], m[4], m[5]);
	snprintf(mtu, sizeof(mtu), "%u", v->mtu);
	vif_opt(spec, sizeof(spec), "bridge", v->bridge);
	vif_opt(spec, sizeof(spec), "ip", v->ip);
	vif_opt(spec, sizeof(spec), "script", v->script);
	vif_opt(spec, sizeof(spec), "vifname", v->vifname);
	vif_opt(spec, sizeof(spec), "model", v->model);
	vif_opt(spec, sizeof(spec), "gatewaydev", v->gatewaydev);
	vif_opt(spec, sizeof(spec), "rate", v->rate);
	vif_opt(spec, sizeof(spec), "mtu", mtu);
	quoted(f, spec);
}

static void devices(FILE *f, const struct xpv_domcfg *c)
{
	unsigned int i;

	if (c->ndisks) {
		fputs("disk = [", f);
		for (i = 0; i < c->ndisks; i++) {
			fputs(i ? ",\n         " : " ", f);
			disk_spec(f, &c->disks[i]);
		}
		fputs(" ]\n", f);
	}
	if (c->nvifs) {
		fputs("vif = [", f);
		for (i = 0; i < c->nvifs; i++) {
			fputs(i ? ",\n        " : " ", f);
			vif_spec(f, &c->vifs[i]);
		}
		fputs(" ]\n", f);
	}
}

int xpv_config_write(FILE *f, const struct xpv_domcfg *c)
{
	char uuid[40];

	xpv_uuid_format(c->uuid, uuid);
	string_key(f, "name", c->name);
	string_key(f, "uuid", uuid);
	fprintf(f, "memory = %llu\nmaxmem = %llu\n",
		(unsigned long long)c->memory_mib,
		(unsigned long long)c->maxmem_mib);
	fprintf(f, "vcpus = %u\nmaxvcpus = %u\n", c->vcpus, c->maxvcpus);
	cpus_key(f, c);
	fprintf(f, "cpu_weight = %u\ncap = %u\n", c->cpu_weight, c->cap);
	string_key(f, "kernel", c->kernel);
	string_key(f, "ramdisk", c->ramdisk);
	string_key(f, "cmdline", c->cmdline);
	list_key(f, "init", c->init);
	list_key(f, "env", c->env);
	string_key(f, "rootdir", c->rootdir);
	list_key(f, "host_dirs", c->host_dirs);
	devices(f, c);
	string_key(f, "on_poweroff", xpv_action_name(c->on_poweroff));
	string_key(f, "on_reboot", xpv_action_name(c->on_reboot));
	string_key(f, "on_crash", xpv_action_name(c->on_crash));
	return ferror(f) ? -EIO : 0;
}
