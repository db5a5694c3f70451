/*
 * log.c: one place that formats what the tools say.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "log.h"

static const char *log_prog = "vpshost";
static bool log_syslog;

/*
 * Sets the name printed before every message and opens syslog when asked.
 * The facility is authpriv: the tools grant and use access rights.
 */
void
vlog_init(const char *progname, bool use_syslog)
{
	log_prog = progname;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID, LOG_AUTHPRIV);
}

const char *
vlog_progname(void)
{
	return log_prog;
}

static void G_GNUC_PRINTF(3, 0)
vlog_emit(int prio, bool to_stderr, const char *fmt, va_list ap)
{
	char	 buf[2048];

	/* A longer message is cut to the buffer: fine for a log line. */
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (to_stderr) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", log_prog, buf);
	}
	if (log_syslog)
		syslog(prio, "%s", buf);
}

void
vlog_err(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_emit(LOG_ERR, true, fmt, ap);
	va_end(ap);
}

void
vlog_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_emit(LOG_WARNING, true, fmt, ap);
	va_end(ap);
}

void
vlog_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_emit(LOG_INFO, true, fmt, ap);
	va_end(ap);
}

void
vlog_audit(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_emit(LOG_NOTICE, false, fmt, ap);
	va_end(ap);
}

void
vlog_fatal(int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_emit(LOG_ERR, true, fmt, ap);
	va_end(ap);
	exit(status);
}
