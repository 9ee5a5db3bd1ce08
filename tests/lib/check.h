/*
 * tests/lib/check.h - the few helpers the C test drivers share: one result
 * line per check, a fatal exit, a monotonic clock for time-outs.
 *
 * check() prints "ok   NAME" or "FAIL NAME: <why>" (the why only on
 * failure, from a printf format that may be NULL), flushes stdout so the
 * lines interleave correctly with the daemons' and guests' output, and
 * counts the failures in check_failures; a driver exits non-zero when
 * that is not 0. check_fatal() is for a step the rest cannot go on
 * without: it prints "FAIL WHAT: strerror(err)" and exits 1.
 */
#ifndef XPV_TESTS_LIB_CHECK_H
#define XPV_TESTS_LIB_CHECK_H

#include <stdbool.h>

extern int check_failures;

void check(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void check_fatal(const char *what, int err) __attribute__((noreturn));

#define CHECK(cond) check_at(__func__, __LINE__, #cond, (cond))
bool check_at(const char *func, int line, const char *text, bool ok);

/* Run one case: "ok   NAME" if it counted no failure, else "FAIL NAME". */
void check_case(const char *name, void (*run)(void));

/* CLOCK_MONOTONIC in milliseconds: for deadlines, never for dates. */
long long check_now_ms(void);

#endif
