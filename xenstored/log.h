/*
 * log.h - xenstored's log and trace files.
 *
 * Every line carries one prefix ("xenstored: ") and a time stamp. Logging
 * never changes errno. Lines a client can trigger go through xs_log_rl(),
 * which keeps at most a burst of them per second and counts the rest.
 *
 * The trace file (--trace) gets one line per message in and out:
 *   IN  <conn-id> <TYPE> req=<id> tx=<id> len=<n> "<payload, escaped>"
 *   OUT <conn-id> <TYPE> ...
 */
#ifndef XPV_XENSTORED_LOG_H
#define XPV_XENSTORED_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Open (or reopen, on SIGHUP) the files; NULL leaves one closed. A log
 * path of NULL logs to stderr. Returns 0 or -errno. */
int log_open(const char *log_path, const char *trace_path);
int log_reopen(void);
/* CONTROL "logfile": log to path from now on. */
int log_set_file(const char *path);
void log_close(void);

/* One log line (a newline is added). */
void xs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Rate-limited variant for anything a client can cause. */
void xs_log_rl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when --trace is on (callers skip formatting otherwise). */
bool trace_on(void);
/* One trace line for a message; dir is "IN" or "OUT". */
void trace_msg(const char *dir, unsigned int conn_id, uint32_t type,
	       uint32_t req_id, uint32_t tx_id, const char *payload,
	       uint32_t len);
void trace_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XPV_XENSTORED_LOG_H */
