/*
 * names.c: the name rules of vps.data(5), written out by hand so that the
 * reason for a rejection can be named.
 */
#include <config.h>

#include <string.h>

#include "names.h"
#include "util.h"

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Shared shape of VPS and owner names: a first character from one set,
 * then up to max-1 characters of [a-z0-9_-].
 */
static bool
lower_name_valid(const char *s, size_t max, bool underscore_first,
    GError **err)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, "empty name");
	if (!is_lower(s[0]) && !(underscore_first && s[0] == '_'))
		return vps_invalid(err, underscore_first ?
		    "must start with a lowercase letter or '_'" :
		    "must start with a lowercase letter");
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= max)
			return vps_invalid(err, "name too long");
		if (!is_lower(s[i]) && !is_digit(s[i]) &&
		    s[i] != '_' && s[i] != '-')
			return vps_invalid(err,
			    "invalid character (allowed: a-z 0-9 _ -)");
	}
	return true;
}

bool
vps_name_valid(const char *s, GError **err)
{
	return lower_name_valid(s, VPS_NAME_MAX, false, err);
}

bool
vps_owner_valid(const char *s, GError **err)
{
	return lower_name_valid(s, VPS_OWNER_MAX, true, err);
}

bool
vps_host_name_valid(const char *s, GError **err)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, "empty name");
	if (!is_lower(s[0]))
		return vps_invalid(err, "must start with a lowercase letter");
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= VPS_HOST_MAX)
			return vps_invalid(err,
			    "name too long (at most 32 characters)");
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return vps_invalid(err,
			    "invalid character (allowed: a-z 0-9 -)");
	}
	return true;
}

bool
vps_iso_name_valid(const char *s, GError **err)
{
	size_t	 i, len;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, "empty ISO name");
	len = strlen(s);
	if (len > VPS_ISO_MAX)
		return vps_invalid(err, "ISO name too long");
	if (s[0] == '.' || s[0] == '-')
		return vps_invalid(err,
		    "ISO name must not start with '.' or '-'");
	if (strstr(s, "..") != NULL)
		return vps_invalid(err, "ISO name must not contain '..'");
	for (i = 0; i < len; i++) {
		char	 c = s[i];

		if (!is_lower(c) && !is_digit(c) && !(c >= 'A' && c <= 'Z') &&
		    c != '.' && c != '_' && c != '-' && c != '+')
			return vps_invalid(err, "invalid character in ISO name "
			    "(allowed: A-Z a-z 0-9 . _ - +)");
	}
	if (len < 5 || strcmp(s + len - 4, ".iso") != 0)
		return vps_invalid(err, "ISO name must end in .iso");
	return true;
}

bool
vps_snap_name_valid(const char *s, GError **err)
{
	size_t	 i, len;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, "empty snapshot name");
	len = strlen(s);
	if (len > VPS_SNAP_NAME_MAX)
		return vps_invalid(err,
		    "snapshot name too long (at most 32 characters)");
	if (s[0] == '-')
		return vps_invalid(err,
		    "snapshot name must not start with '-'");
	for (i = 0; i < len; i++) {
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return vps_invalid(err, "invalid character in snapshot "
			    "name (allowed: a-z 0-9 -)");
	}
	return true;
}

bool
vps_vg_name_valid(const char *s, GError **err)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, "empty volume group name");
	if (s[0] == '-' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return vps_invalid(err, "invalid volume group name");
	for (i = 0; s[i] != '\0'; i++) {
		char	 c = s[i];

		if (i >= 127)
			return vps_invalid(err, "volume group name too long");
		if (!is_lower(c) && !is_digit(c) && !(c >= 'A' && c <= 'Z') &&
		    c != '+' && c != '_' && c != '.' && c != '-')
			return vps_invalid(err,
			    "invalid character in volume group name");
	}
	return true;
}

bool
vps_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s < 0x20 || *s > 0x7e)
			return false;
	}
	return true;
}

void
vps_sanitize_display(const char *s, char *dst, size_t size)
{
	size_t	 i;

	if (size == 0)
		return;
	for (i = 0; s[i] != '\0' && i + 1 < size; i++) {
		dst[i] = s[i];
		if (s[i] < 0x20 || s[i] > 0x7e)
			dst[i] = '?';
	}
	dst[i] = '\0';
}

/* [A-Za-z0-9] then up to max-1 of [A-Za-z0-9._-], upper case if upper. */
static bool
cpu_word_valid(const char *s, size_t max, bool upper, const char *what,
    GError **err)
{
	size_t	 i;

	if (s == NULL || s[0] == '\0')
		return vps_invalid(err, upper ? "empty CPU model" :
		    "empty CPU feature name");
	for (i = 0; s[i] != '\0'; i++) {
		char	 c = s[i];
		bool	 alnum = is_lower(c) || is_digit(c) ||
		    (upper && c >= 'A' && c <= 'Z');

		if (i >= max)
			return vps_invalid(err, upper ?
			    "CPU model name too long" :
			    "CPU feature name too long");
		if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
			return vps_invalid(err, what);
	}
	return true;
}

bool
vps_cpu_valid(const char *s, GError **err)
{
	return cpu_word_valid(s, VPS_CPU_MAX, true,
	    "not host-passthrough, host-model or a CPU model name "
	    "(letters, digits, '-', '_', '.')", err);
}

bool
vps_cpu_feature_valid(const char *s, GError **err)
{
	return cpu_word_valid(s, VPS_CPU_MAX, false,
	    "not a CPU feature name (lower-case letters, digits, '-', '_', "
	    "'.')", err);
}
