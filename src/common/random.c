/*
 * random.c: getrandom(2) only; no userspace generator to seed or leak.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "random.h"
#include "util.h"

bool
vps_random_bytes(void *buf, size_t len, GError **err)
{
	unsigned char *p = buf;
	ssize_t	 n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			g_set_error(err, VPS_ERROR, VPS_ERROR_FAILED,
			    "getrandom: %s", g_strerror(errno));
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
vps_random_password(char *buf, size_t len, GError **err)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const unsigned n = sizeof(alphabet) - 1;	/* 62 */
	const unsigned limit = 256 - 256 % n;		/* 248 */
	unsigned char pool[64];
	size_t	 i = 0, j = sizeof(pool);

	while (i < len) {
		if (j == sizeof(pool)) {
			if (!vps_random_bytes(pool, sizeof(pool), err)) {
				explicit_bzero(buf, len);
				return false;
			}
			j = 0;
		}
		if (pool[j] < limit)
			buf[i++] = alphabet[pool[j] % n];
		j++;
	}
	buf[len] = '\0';
	explicit_bzero(pool, sizeof(pool));
	return true;
}

bool
vps_random_mac(char buf[VPS_MAC_LEN + 1], GError **err)
{
	unsigned char b[3];

	if (!vps_random_bytes(b, sizeof(b), err))
		return false;
	/* Always exactly VPS_MAC_LEN characters: cannot truncate. */
	(void)snprintf(buf, VPS_MAC_LEN + 1, "52:54:00:%02x:%02x:%02x",
	    b[0], b[1], b[2]);
	return true;
}
