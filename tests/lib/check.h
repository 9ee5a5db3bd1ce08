/*
 * tests/lib/check.h - how every C test reports: one result line per check
 * or case, assertions inside a case, a fatal exit, the exit status; and a
 * monotonic clock for time-outs.
 *
 * check() prints "ok   NAME" or "FAIL NAME: <why>" (the why only on
 * failure, from a printf format that may be NULL).
 *
 * Inside a case, assertions are quiet when they hold: CHECK(cond) prints
 * "FAIL <function>:<line>: <cond>" when cond is false, check_quiet() a
 * message of its own; both return whether it held, so a case can stop
 * early (`if (!CHECK(p)) return;`). check_quiet() is a function: its
 * arguments are evaluated before it runs, in no set order with its
 * condition. EXPECT(cond, fmt, ...) prints "FAIL <file>:<line>: <cond>:
 * <message>", building the message only on failure; REQUIRE(cond, fmt,
 * ...) does the same and then returns 1, for a case written as an int
 * function (0 pass, 77 skip, else fail: the hv tests' harness).
 * check_case() runs one case of a table and gives it its result line.
 *
 * Every failure is counted in check_failures; check_done() prints the
 * total and returns the exit status (0 when nothing failed, else 1).
 * check_fatal() is for a step the rest cannot go on without: it prints
 * "FAIL WHAT: strerror(err)" and exits 1. A test that cannot run here
 * prints why and exits 77 itself.
 *
 * Every line is flushed at once, so that it interleaves correctly with
 * the daemons' and guests' output.
 */
#ifndef XPV_TESTS_LIB_CHECK_H
#define XPV_TESTS_LIB_CHECK_H

#include <stdbool.h>

extern int check_failures;

void check(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond) check_at(__func__, __LINE__, #cond, (cond))
bool check_at(const char *func, int line, const char *text, bool ok);
bool check_quiet(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* EXPECT and REQUIRE evaluate the message's arguments only on failure,
 * after cond (errno is still the one cond left). */
#define EXPECT(cond, ...)                                                   \
	do {                                                                \
		if (!(cond))                                                \
			check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)
#define REQUIRE(cond, ...)                                                  \
	do {                                                                \
		if (!(cond)) {                                              \
			check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
			return 1;                                           \
		}                                                           \
	} while (0)
void check_fail(const char *file, int line, const char *text, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* Run one case: "ok   NAME" if it counted no failure, else "FAIL NAME". */
void check_case(const char *name, void (*run)(void));

/* "N failed"; the exit status. */
int check_done(void);
void check_fatal(const char *what, int err) __attribute__((noreturn));

/* CLOCK_MONOTONIC in milliseconds: for deadlines, never for dates. */
long long check_now_ms(void);

#endif
