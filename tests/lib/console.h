/*
 * tests/lib/console.h - a guest's stderr for the test drivers: a channel
 * of its own (hv_stdio_pair), never dom0's stderr (a guest may change the
 * flags of, reopen or read back any description it is given: see hv.h,
 * struct hv_exec), copied to the driver's stderr by a small process of
 * dom0's.
 */
#ifndef XPV_TESTS_LIB_CONSOLE_H
#define XPV_TESTS_LIB_CONSOLE_H

/*
 * The guest's end of a new hv_stdio_pair (close-on-exec) to pass as its
 * stdout or stderr; a child process copies what comes out of it to our
 * stderr, each line prefixed with prefix, and exits once every copy of
 * that end is closed (so close yours after hv_domain_exec). -errno on
 * failure.
 */
int test_console(const char *prefix);

#endif
