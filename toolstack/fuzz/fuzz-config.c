/*
 * fuzz-config.c - libFuzzer on the config reader: any bytes as an xl.cfg
 * file, read by libxlutil and then walked and checked by ours (every
 * key looked up, every value parsed: disks by xlu_disk_parse, vifs by
 * our splitter and xlu_vif_parse_rate, cpu lists, UUIDs, vdevs), then
 * written back and read again. Seeds: toolstack/fuzz/corpus/config/
 * (the configs of toolstack/tests/configs/ and examples/).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "toolstack/config.h"

static FILE *devnull;

/*
 * libxlutil 4.17 leaks a parsed string on some syntax errors (inside
 * xlu__cfg_string_mk's caller): Xen's leak, not ours, and harmless to a
 * command that exits; LeakSanitizer is told to leave libxlutil's own
 * allocations out, and still reports every leak of ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libxlutil.so\n";
}

/* A config that loaded is written back; what was written must load. */
static void round_trip(const struct xpv_domcfg *cfg)
{
	char path[64];
	struct xpv_domcfg *again;
	int fd = memfd_create("fuzz-config-again", MFD_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f)
		return;
	xpv_config_write(f, cfg);
	fflush(f);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	again = xpv_config_load(path, 0, NULL, devnull);
	if (!again)
		__builtin_trap(); /* we wrote something we cannot read */
	xpv_config_free(again);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct xpv_domcfg *cfg;
	int fd = memfd_create("fuzz-config", MFD_CLOEXEC);

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		cfg = xpv_config_load(path, 0, NULL, devnull);
		if (cfg)
			round_trip(cfg);
		xpv_config_free(cfg);
	}
	close(fd);
	return 0;
}
