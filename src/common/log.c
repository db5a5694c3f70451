/*
 * log.c: one place that formats what the tools say.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char *log_prog = "vpshost";
static bool log_syslog;

/*
 * Syslog lines per process (a member's session is one helper process): a
 * burst of LOG_BURST lines, then one every LOG_INTERVAL seconds; what is
 * dropped is counted and reported with the next line that gets through,
 * or at exit.
 */
#define LOG_BURST	40u
#define LOG_INTERVAL	2u
static unsigned log_tokens = LOG_BURST;
static time_t log_refilled;
static unsigned long log_dropped;

/*
 * Sets the name printed before every message and opens syslog when asked.
 * The facility is authpriv: the tools grant and use access rights.
 */
static void
vlog_report_dropped(void)
{
	if (log_dropped == 0)
		return;
	syslog(LOG_WARNING, "%lu messages not logged (more than %u at once, "
	    "then one every %u s)", log_dropped, LOG_BURST, LOG_INTERVAL);
	log_dropped = 0;
}

void
vlog_init(const char *progname, bool use_syslog)
{
	log_prog = progname;
	log_syslog = use_syslog;
	if (use_syslog) {
		openlog(progname, LOG_PID, LOG_AUTHPRIV);
		(void)atexit(vlog_report_dropped);
	}
}

size_t
vlog_clean(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t	 n = 0;

	if (outlen == 0)
		return 0;
	for (p = (const unsigned char *)in; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (n + 1 >= outlen)
				break;
			out[n++] = (char)*p;
			continue;
		}
		if (n + 4 >= outlen)
			break;
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 0xf];
	}
	out[n] = '\0';
	return n;
}

/* True if one more line may go to syslog now. */
static bool
vlog_admit(void)
{
	struct timespec now;
	time_t	 gained;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return true;
	if (log_refilled == 0)
		log_refilled = now.tv_sec;
	gained = (now.tv_sec - log_refilled) / LOG_INTERVAL;
	if (gained > 0) {
		log_tokens = gained >= LOG_BURST ? LOG_BURST :
		    MIN(LOG_BURST, log_tokens + (unsigned)gained);
		log_refilled += gained * LOG_INTERVAL;
	}
	if (log_tokens == 0) {
		log_dropped++;
		return false;
	}
	log_tokens--;
	return true;
}

const char *
vlog_progname(void)
{
	return log_prog;
}

static void G_GNUC_PRINTF(3, 0)
vlog_emit(int prio, bool to_stderr, const char *fmt, va_list ap)
{
	char	 buf[2048], clean[4 * sizeof(buf)];

	/* A longer message is cut to the buffer: fine for a log line. */
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (to_stderr) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", log_prog, buf);
	}
	/*
	 * Text from libvirt, QEMU or a member ends up in the line: one
	 * line, no control bytes, and not more lines than a reader can take.
	 */
	if (log_syslog && vlog_admit()) {
		vlog_report_dropped();
		(void)vlog_clean(buf, clean, sizeof(clean));
		syslog(prio, "%s", clean);
	}
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
