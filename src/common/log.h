/*
 * log.h: messages to stderr ("TOOL: message") and, when enabled, syslog.
 *
 * Only main() and command handlers print; library code returns a GError.
 */
#ifndef VPS_LOG_H
#define VPS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

void	 vlog_init(const char *progname, bool use_syslog);
const char *vlog_progname(void);

void	 vlog_err(const char *, ...) G_GNUC_PRINTF(1, 2);
void	 vlog_warn(const char *, ...) G_GNUC_PRINTF(1, 2);
void	 vlog_info(const char *, ...) G_GNUC_PRINTF(1, 2);
/* Only syslog, never stderr: for audit lines of the privileged half. */
void	 vlog_audit(const char *, ...) G_GNUC_PRINTF(1, 2);
/*
 * Copies in to out[outlen] as one printable ASCII line: a control byte,
 * a byte above 0x7e and the backslash become \xNN. Stops before out would
 * overflow; returns the length written.
 */
size_t	 vlog_clean(const char *in, char *out, size_t outlen);

G_NORETURN void vlog_fatal(int status, const char *, ...) G_GNUC_PRINTF(2, 3);

#endif
