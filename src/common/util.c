/*
 * util.c: small helpers without a better home.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "util.h"

G_DEFINE_QUARK(vpshost-error-quark, vps_error)

bool
vps_invalid(GError **err, const char *why)
{
	g_set_error_literal(err, VPS_ERROR, VPS_ERROR_INVALID, why);
	return false;
}

bool
vps_failed(GError **err, const char *why)
{
	g_set_error_literal(err, VPS_ERROR, VPS_ERROR_FAILED, why);
	return false;
}

bool
vps_parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out, GError **err)
{
	unsigned long long v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return vps_invalid(err, "empty");
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return vps_invalid(err, "not a number");
	}
	if (s[0] == '0' && s[1] != '\0')
		return vps_invalid(err, "leading zero");
	for (p = s; *p != '\0'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (G_MAXUINT64 - d) / 10)
			return vps_invalid(err, "too large");
		v = v * 10 + d;
	}
	if (v < min)
		return vps_invalid(err, "too small");
	if (v > max)
		return vps_invalid(err, "too large");
	*out = v;
	return true;
}

int
vps_exit_status(const GError *err)
{
	if (err != NULL && err->domain == VPS_ERROR &&
	    err->code == VPS_ERROR_INVALID)
		return 2;
	return 1;
}

bool
vps_strlcpy(char *dst, const char *src, size_t size)
{
	size_t	 n = strlen(src);

	if (size == 0)
		return false;
	if (n >= size) {
		dst[0] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

void
vps_free_secret(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	g_free(s);
}

/* True if s starts with a QEMU log timestamp "2026-12-02T00:23:38.123456Z ". */
static size_t
timestamp_len(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.";
	size_t	 i;

	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? !g_ascii_isdigit(s[i]) : s[i] != shape[i])
			return 0;
	}
	while (g_ascii_isdigit(s[i]))
		i++;
	if (s[i] != 'Z' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

char *
vps_one_line(const char *msg)
{
	g_auto(GStrv) lines = g_strsplit(msg != NULL ? msg : "", "\n", -1);
	GString	*out = g_string_new(NULL);
	size_t	 i;
	char	*p;

	for (i = 0; lines[i] != NULL; i++) {
		char	*l = g_strstrip(lines[i]);

		l += timestamp_len(l);
		if (*l == '\0')
			continue;
		if (out->len > 0)
			g_string_append(out, "; ");
		g_string_append(out, l);
	}
	for (p = out->str; *p != '\0'; p++) {
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	}
	return g_string_free(out, false);
}

void
vps_json_string(GString *out, const char *s)
{
	const char *p = s, *end = s + strlen(s);

	g_string_append_c(out, '"');
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		gunichar u;

		if (c == '"' || c == '\\') {
			g_string_append_c(out, '\\');
			g_string_append_c(out, (char)c);
		} else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			g_string_append_printf(out, "\\u%04x", c);
		else if (c < 0x80)
			g_string_append_c(out, (char)c);
		else {
			/* RFC 8259, section 8.1: JSON text is UTF-8. */
			u = g_utf8_get_char_validated(p, end - p);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				g_string_append(out, "\\ufffd");
				p++;
				continue;
			}
			g_string_append_len(out, p,
			    g_utf8_next_char(p) - p);
			p = g_utf8_next_char(p);
			continue;
		}
		p++;
	}
	g_string_append_c(out, '"');
}

void
vps_limit_memory(size_t bytes)
{
#if !defined(VPS_SANITIZERS) && !defined(__SANITIZE_ADDRESS__)
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) == -1)
		return;
	rl.rlim_cur = (rlim_t)bytes;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_AS, &rl);
#endif
}
