/*
 * guest-io.c - the guest's side of the line protocol (guest-io.h).
 */
#include "tests/hostile-guest/guest-io.h"

#include <stdarg.h>
#include <stdio.h>

void hg_reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int hg_serve(void (*obey)(char *line))
{
	static char line[HG_LINE_MAX];

	hg_reply("ready");
	while (fgets(line, sizeof(line), stdin))
		obey(line);
	return 0;
}
