/*
 * random.h: secrets and identifiers from getrandom(2).
 */
#ifndef VPS_RANDOM_H
#define VPS_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define VPS_MAC_LEN	17	/* "52:54:00:xx:xx:xx" */

/* Fills buf with len bytes from the kernel's CSPRNG (blocks until seeded). */
bool	 vps_random_bytes(void *buf, size_t len, GError **err);

/*
 * Writes len random characters of [A-Za-z0-9] and a NUL into buf[len+1],
 * each character uniformly chosen (rejection sampling, no modulo bias).
 */
bool	 vps_random_password(char *buf, size_t len, GError **err);

/* Writes a random MAC with QEMU's 52:54:00 prefix into buf[18]. */
bool	 vps_random_mac(char buf[VPS_MAC_LEN + 1], GError **err);

#endif
