/*
 * placement.c: the host a new VPS goes to (placement.h).
 */
#include <config.h>

#include "placement.h"

int
place_choose(struct place_host *hosts, size_t n, uint64_t size)
{
	size_t	 i;
	int	 best = -1;

	for (i = 0; i < n && i <= G_MAXINT; i++) {
		if (!hosts[i].known || hosts[i].room < size)
			continue;
		/* Strictly more: on a tie the earlier host stays. */
		if (best == -1 || hosts[i].room > hosts[best].room)
			best = (int)i;
	}
	if (best != -1)
		hosts[best].room -= size;
	return best;
}
