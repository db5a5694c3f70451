/*
 * util.h: the error domain, exit codes and range-checked number parsing
 * shared by every tool.
 */
#ifndef VPS_UTIL_H
#define VPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/*
 * Exit codes of every tool (see each tool's man page, EXIT STATUS): 0
 * done, 1 the operation failed, 2 usage or invalid input.
 */
#define VPS_EXIT_OK	0
#define VPS_EXIT_FAIL	1
#define VPS_EXIT_USAGE	2

#define VPS_ERROR vps_error_quark()
GQuark	 vps_error_quark(void);

typedef enum {
	VPS_ERROR_INVALID,	/* bad input: exit 2 */
	VPS_ERROR_FAILED,	/* the operation failed: exit 1 */
} VpsErrorCode;

/*
 * Set err (which may be NULL) to VPS_ERROR_INVALID or VPS_ERROR_FAILED
 * with the static text why, and return false, so that a check can
 * "return vps_invalid(err, why)".
 */
bool	 vps_invalid(GError **err, const char *why);
bool	 vps_failed(GError **err, const char *why);

/*
 * Parses a decimal number in [min, max]: digits only, no sign, no blanks,
 * no leading zero (so that every value has one spelling). On failure
 * err (VPS_ERROR_INVALID) says why: "empty", "not a number", "leading
 * zero", "too small" or "too large"; callers that only test pass NULL.
 */
bool	 vps_parse_uint(const char *s, unsigned long long min,
	    unsigned long long max, unsigned long long *out, GError **err);

/* Exit status for a GError: 2 for invalid input, else 1. */
int	 vps_exit_status(const GError *err);

/* Copies src into dst[size]; false (and dst empty) if it does not fit. */
bool	 vps_strlcpy(char *dst, const char *src, size_t size);

/*
 * An error text of libvirt or QEMU as one printable line (g_free): lines
 * joined with "; ", QEMU's log timestamps dropped, bytes outside
 * printable ASCII replaced with '?'. QEMU's reason for not starting is
 * often several lines of its log.
 */
char	*vps_one_line(const char *msg);

/*
 * Appends s to out as a JSON string (RFC 8259): quoted, with '"', '\\'
 * and control characters escaped; UTF-8 kept, a byte that is not UTF-8
 * as U+FFFD.
 */
void	 vps_json_string(GString *out, const char *s);

/* Wipes a string (a password) and frees it. */
void	 vps_free_secret(char *s);

/*
 * Address-space caps (RLIMIT_AS) of the member's menu and of its root
 * helper: whatever a member sends, neither can take more of the host's
 * memory than this.
 */
#define VPS_MENU_AS_MAX		((size_t)256 << 20)
#define VPS_SERVE_AS_MAX	((size_t)512 << 20)

/*
 * Sets the soft RLIMIT_AS to bytes (at most the hard limit), raising or
 * lowering it; the hard limit stays, so a program the caller executes
 * can set its own cap. Does nothing in a sanitizer build (ASan reserves
 * terabytes of address space). Best effort: if setrlimit fails, the
 * limit stays as it was.
 */
void	 vps_limit_memory(size_t bytes);

#endif
