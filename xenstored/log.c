/*
 * log.c - log and trace files (see log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ring/xs_wire.h"
#include "xenstored/log.h"

#define LOG_PREFIX "xenstored: "
/* At most this many client-triggered lines per second. */
#define RL_BURST 10

static char *log_path;
static char *trace_path;
static FILE *log_file;
static FILE *trace_file;

static FILE *open_append(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

static int open_files(void)
{
	if (log_path) {
		log_file = open_append(log_path);
		if (!log_file)
			return -errno;
	}
	if (trace_path) {
		trace_file = open_append(trace_path);
		if (!trace_file)
			return -errno;
		/* Fully buffered, and flushed after each line: a line
		 * written in pieces still reaches the file in one write(),
		 * and whoever reads the trace sees every line at once. */
		setvbuf(trace_file, NULL, _IOFBF, 1 << 16);
	}
	return 0;
}

int log_open(const char *lpath, const char *tpath)
{
	log_close();
	free(log_path);
	free(trace_path);
	log_path = lpath ? strdup(lpath) : NULL;
	trace_path = tpath ? strdup(tpath) : NULL;
	if ((lpath && !log_path) || (tpath && !trace_path))
		return -ENOMEM;
	return open_files();
}

int log_reopen(void)
{
	log_close();
	return open_files();
}

int log_set_file(const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	free(log_path);
	log_path = p;
	if (log_file)
		fclose(log_file);
	log_file = open_append(log_path);
	return log_file ? 0 : -errno;
}

void log_close(void)
{
	if (log_file)
		fclose(log_file);
	if (trace_file)
		fclose(trace_file);
	log_file = NULL;
	trace_file = NULL;
}

static void vlog(const char *fmt, va_list ap)
{
	FILE *f = log_file ? log_file : stderr;
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%F %T", &tm);
	fprintf(f, "%s " LOG_PREFIX, stamp);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void xs_log(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	errno = saved;
}

void xs_log_rl(const char *fmt, ...)
{
	static time_t window;
	static unsigned int used, dropped;
	int saved = errno;
	time_t now = time(NULL);
	va_list ap;

	if (now != window) {
		if (dropped)
			xs_log("%u client-triggered log lines dropped",
			       dropped);
		window = now;
		used = dropped = 0;
	}
	if (used++ >= RL_BURST) {
		dropped++;
		errno = saved;
		return;
	}
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	errno = saved;
}

bool trace_on(void)
{
	return trace_file != NULL;
}

void trace_line(const char *fmt, ...)
{
	va_list ap;

	if (!trace_file)
		return;
	va_start(ap, fmt);
	vfprintf(trace_file, fmt, ap);
	va_end(ap);
	fflush(trace_file);
}

/* Payload bytes as a C-ish string: NULs shown as \0, others escaped. */
static void put_payload(FILE *f, const char *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0)
			fputs("\\0", f);
		else if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void trace_msg(const char *dir, unsigned int conn_id, uint32_t type,
	       uint32_t req_id, uint32_t tx_id, const char *payload,
	       uint32_t len)
{
	const char *name = xpv_xsd_type_name(type);

	if (!trace_file)
		return;
	fprintf(trace_file, "%s %u %s req=%u tx=%u len=%u \"", dir, conn_id,
		name ? name : "UNKNOWN", req_id, tx_id, len);
	put_payload(trace_file, payload, len);
	fputs("\"\n", trace_file);
	fflush(trace_file);
}
