/*
 * portalloc.h: the set of SPICE ports in use, and the lowest free port of
 * a range. One bit per TCP port, so every operation is O(1) or a scan of
 * the range, and the memory is 8 KiB whatever the directory size.
 */
#ifndef VPS_PORTALLOC_H
#define VPS_PORTALLOC_H

#include <stdbool.h>
#include <stdint.h>

#define PORTALLOC_PORTS	65536

struct portalloc {
	uint64_t used[PORTALLOC_PORTS / 64];
};

void	 portalloc_init(struct portalloc *pa);
/* Marks port as used; false if it already was (or is 0). */
bool	 portalloc_reserve(struct portalloc *pa, unsigned port);
bool	 portalloc_used(const struct portalloc *pa, unsigned port);
/*
 * Reserves and returns the lowest free port in [min, max], or 0 if every
 * port of the range is taken.
 */
unsigned portalloc_take(struct portalloc *pa, unsigned min, unsigned max);

#endif
