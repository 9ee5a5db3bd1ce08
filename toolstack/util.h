/*
 * util.h - small helpers of the xpv command that are not about domains:
 * clocks, files, processes. Each int function returns 0 or -errno.
 */
#ifndef XPV_TOOLSTACK_UTIL_H
#define XPV_TOOLSTACK_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in ms, for deadlines. */
long long xpv_now_ms(void);
void xpv_sleep_ms(unsigned int ms);

/* mkdir -p, each new directory with mode. */
int xpv_mkdir_p(const char *path, mode_t mode);
/* The first number of a small file (a pid file). */
int xpv_read_long_file(const char *path, long *out);
/* Write text to path (created or truncated, mode 0644) atomically:
 * written to path.tmp and renamed. */
int xpv_write_file(const char *path, const char *text);
/* Print the last n lines of path to f (nothing if it cannot be read). */
void xpv_print_tail(FILE *f, const char *path, unsigned int n);

/* A guest's bytes, not its terminal escapes, reach ours: each control
 * character of buf[0..len) becomes '?' (C0, DEL, and every byte from 0x80
 * up: C1 controls, and UTF-8 we do not decode), except '\n'
 * and '\t' when lines is true (text printed line by line, each line
 * prefixed by us, so a guest cannot make one look like ours). Use it on
 * every guest-written string we print. */
void xpv_defuse_controls(char *buf, size_t len, bool lines);

/* True when pid runs (exists and is no zombie). */
bool xpv_process_alive(pid_t pid);
/* True when pid is alive and its name (comm, 15 characters at most) is
 * name's. */
bool xpv_process_is(pid_t pid, const char *name);

/* True when hv_open() will choose the sim platform: XPV_PLATFORM=sim, or
 * no XPV_PLATFORM and no /dev/xen/privcmd (hv.h's rule). */
bool xpv_platform_sim(void);

#endif
