/*
 * check.c - result lines, fatal exit and clock for the C test drivers
 * (contract in check.h).
 */
#include "tests/lib/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int check_failures;

void check(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "ok  " : "FAIL", name);
	if (!ok && fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
	check_failures += !ok;
}

bool check_at(const char *func, int line, const char *text, bool ok)
{
	if (!ok) {
		printf("FAIL %s:%d: %s\n", func, line, text);
		fflush(stdout);
		check_failures++;
	}
	return ok;
}

bool check_quiet(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	check_failures++;
	return false;
}

void check_fail(const char *file, int line, const char *text, const char *fmt,
		...)
{
	va_list ap;

	printf("FAIL %s:%d: %s: ", file, line, text);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	check_failures++;
}

void check_case(const char *name, void (*run)(void))
{
	int before = check_failures;

	run();
	printf("%s %s\n", check_failures == before ? "ok  " : "FAIL", name);
	fflush(stdout);
}

int check_done(void)
{
	printf("%d failed\n", check_failures);
	fflush(stdout);
	return check_failures ? 1 : 0;
}

void check_fatal(const char *what, int err)
{
	printf("FAIL %s: %s\n", what, strerror(err));
	exit(1);
}

long long check_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
