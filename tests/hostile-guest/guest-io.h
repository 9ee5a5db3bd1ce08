/*
 * guest-io.h - the guest's side of the line protocol driver.h speaks: the
 * hostile guests of this directory (world-guest.c, fd-stall-guest.c,
 * copy-storm-guest.c) read one command a line on stdin and answer each
 * with one line on stdout, "ok ..." or "err N".
 */
#ifndef XPV_TESTS_HOSTILE_GUEST_GUEST_IO_H
#define XPV_TESTS_HOSTILE_GUEST_GUEST_IO_H

/* One answer line, flushed at once (dom0 waits for it). */
void hg_reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Say "ready", then hand obey each line of stdin (with its newline, at
 * most HG_LINE_MAX - 1 bytes) until stdin ends. The exit status for
 * main: 0. */
#define HG_LINE_MAX 8192
int hg_serve(void (*obey)(char *line));

#endif
