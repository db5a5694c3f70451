/*
 * portalloc.c: a bitmap of used TCP ports.
 */
#include <config.h>

#include <string.h>

#include "portalloc.h"

void
portalloc_init(struct portalloc *pa)
{
	memset(pa, 0, sizeof(*pa));
}

bool
portalloc_used(const struct portalloc *pa, unsigned port)
{
	if (port == 0 || port >= PORTALLOC_PORTS)
		return true;
	return (pa->used[port / 64] >> (port % 64)) & 1;
}

bool
portalloc_reserve(struct portalloc *pa, unsigned port)
{
	if (portalloc_used(pa, port))
		return false;
	pa->used[port / 64] |= UINT64_C(1) << (port % 64);
	return true;
}

unsigned
portalloc_take(struct portalloc *pa, unsigned min, unsigned max)
{
	unsigned port;

	if (max >= PORTALLOC_PORTS)
		max = PORTALLOC_PORTS - 1;
	for (port = min == 0 ? 1 : min; port <= max; port++) {
		/* Skip a full word of used ports at once. */
		if (port % 64 == 0 && pa->used[port / 64] == UINT64_MAX &&
		    port + 63 <= max) {
			port += 63;
			continue;
		}
		if (portalloc_reserve(pa, port))
			return port;
	}
	return 0;
}
