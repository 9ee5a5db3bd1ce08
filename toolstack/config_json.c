/*
 * config_json.c - a domain config as JSON, with libxl's names for what
 * libxl has (c_info, b_info, disks, nics, on_*), so `xpv list -l` and
 * `xpv create -n` read like xl's.
 */
#include <stdio.h>

#include "toolstack/config.h"
#include "toolstack/config_json.h"

static void cpus_json(struct json *j, const struct xpv_domcfg *c)
{
	unsigned int cpu;

	if (!c->cpus_set) {
		json_string(j, "cpus", "all");
		return;
	}
	json_array_begin(j, "cpus");
	for (cpu = 0; cpu < XPV_MAX_CPUS; cpu++)
		if (c->cpus[cpu / 64] & (1ull << (cpu % 64)))
			json_int(j, NULL, cpu);
	json_array_end(j);
}

static void b_info(struct json *j, const struct xpv_domcfg *c)
{
	json_object_begin(j, "b_info");
	json_int(j, "max_vcpus", c->maxvcpus);
	json_int(j, "vcpus", c->vcpus);
	cpus_json(j, c);
	json_int(j, "max_memkb", (long long)c->maxmem_mib * 1024);
	json_int(j, "target_memkb", (long long)c->memory_mib * 1024);
	json_object_begin(j, "sched_params");
	json_string(j, "sched", "credit");
	json_int(j, "weight", c->cpu_weight);
	json_int(j, "cap", c->cap);
	json_object_end(j);
	json_string(j, "kernel", c->kernel);
	json_string(j, "ramdisk", c->ramdisk);
	json_string(j, "cmdline", c->cmdline);
	json_strings(j, "init", c->init);
	json_strings(j, "env", c->env);
	json_string(j, "rootdir", c->rootdir);
	json_strings(j, "host_dirs", c->host_dirs);
	json_object_end(j);
}

static void disks(struct json *j, const struct xpv_domcfg *c)
{
	unsigned int i;

	json_array_begin(j, "disks");
	for (i = 0; i < c->ndisks; i++) {
		const struct xpv_disk *d = &c->disks[i];

		json_object_begin(j, NULL);
		json_string(j, "pdev_path", d->target);
		json_string(j, "vdev", d->vdev);
		json_int(j, "devid", d->devid);
		json_string(j, "backend",
			    d->backend == XPV_DISK_BACKEND_VBD ? "phy" :
								 "qdisk");
		json_string(j, "format",
			    d->format == XPV_DISK_RAW ? "raw" : "qcow2");
		json_string(j, "script", d->script);
		json_int(j, "readwrite", d->readwrite);
		json_int(j, "is_cdrom", d->cdrom);
		json_object_end(j);
	}
	json_array_end(j);
}

static void nics(struct json *j, const struct xpv_domcfg *c)
{
	unsigned int i;
	char mac[18];

	json_array_begin(j, "nics");
	for (i = 0; i < c->nvifs; i++) {
		const struct xpv_vif *v = &c->vifs[i];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
			 v->mac[5]);
		json_object_begin(j, NULL);
		json_int(j, "devid", v->devid);
		json_string(j, "mac", v->mac_set ? mac : NULL);
		json_string(j, "bridge", v->bridge);
		json_string(j, "ip", v->ip);
		json_string(j, "script", v->script);
		json_string(j, "ifname", v->vifname);
		json_string(j, "model", v->model);
		json_int(j, "mtu", v->mtu);
		json_int(j, "rate_bytes_per_interval",
			 v->rate_bytes_per_interval);
		json_int(j, "rate_interval_usecs", v->rate_interval_usecs);
		json_object_end(j);
	}
	json_array_end(j);
}

void xpv_config_json(struct json *j, const struct xpv_domcfg *c)
{
	char uuid[40];

	xpv_uuid_format(c->uuid, uuid);
	json_object_begin(j, "config");
	json_object_begin(j, "c_info");
	json_string(j, "type", "pv");
	json_string(j, "name", c->name);
	json_string(j, "uuid", uuid);
	json_object_end(j);
	b_info(j, c);
	disks(j, c);
	nics(j, c);
	json_string(j, "on_poweroff", xpv_action_name(c->on_poweroff));
	json_string(j, "on_reboot", xpv_action_name(c->on_reboot));
	json_string(j, "on_crash", xpv_action_name(c->on_crash));
	json_object_end(j);
}
