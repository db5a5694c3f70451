/*
 * placement.h: on which host a new VPS goes, when vps.conf has [host NAME]
 * groups and LDAP gives the VPS no vpsHost (vps-data-gen(8)). The
 * candidates are the local host and every [host NAME], in that order;
 * the room of each comes from a place_room_fn, so that the decision
 * itself is pure and the tests can hand in any room they like.
 *
 * The rule: the candidate with the most room that the disk fits; on a
 * tie the first in the order above. The disk is then taken off that
 * candidate's room, so that the VPS placed later in the same run see
 * what is left. A candidate whose room could not be read takes nothing.
 */
#ifndef VPS_PLACEMENT_H
#define VPS_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "vpsconf.h"

struct place_host {
	const char *name;	/* vps.data's host field: "" for local */
	bool	 known;		/* the room was read: a candidate */
	uint64_t room;		/* bytes free for new disks */
};

/*
 * Reads the bytes free for new disks on host h of cfg (NULL: the local
 * host, [storage]) into *room; false with err (naming the host or its
 * URI) if it cannot: the host is then no candidate in this run.
 */
typedef bool (*place_room_fn)(void *ctx, const struct vps_config *cfg,
    const struct vps_host *h, uint64_t *room, GError **err);

/*
 * The index in hosts[0..n) of the host for a disk of size bytes, whose
 * room is then lowered by size; -1 if no known host has that much room.
 */
int	 place_choose(struct place_host *hosts, size_t n, uint64_t size);

#endif
