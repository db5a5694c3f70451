/*
 * vpsmerge.h: from the members and vpsInstance entries read from LDAP and
 * the current vps.data to the new vps.data. No I/O: the LDAP side hands
 * in attribute values, the caller prints the warnings and errors.
 *
 * Rules (see vps-data-gen(8)), all deterministic whatever order the
 * server returns entries in:
 *   - an entry with a missing, multi-valued, too long or invalid value
 *     is skipped with a warning naming its DN;
 *   - a vpsName found in more than one entry: every one of them is
 *     skipped, since nothing says which is right;
 *   - a member whose uidNumber, or whose local account, has a uid below
 *     min_uid is a system account: not a member, and a VPS it owns is
 *     left out;
 *   - a VPS whose owner is not a member is left out;
 *   - a VPS already in vps.data keeps its port there; a new VPS gets its
 *     vpsSpicePort, unless that port is used in vps.data or claimed by
 *     another new entry (then every claimant is skipped); else the lowest
 *     port of the range that is free (an error for that VPS if none is);
 *   - a VPS of vps.data whose owner differs in LDAP is noted in handovers:
 *     the caller refuses to write such a result unless told to;
 *   - a VPS already in vps.data stays on its host there, whatever its
 *     vpsHost says (with a warning when it says another): moving a VPS is
 *     an administrator's act, never a sync's; a new VPS takes its vpsHost,
 *     or the local host without one; a new VPS whose vpsHost has no
 *     [host NAME] group in vps.conf is skipped with a warning;
 *   - but when vps.conf has [host NAME] groups and room is set, a new VPS
 *     without vpsHost is placed (placement.h), in name order: a host
 *     whose room cannot be read is named in a warning and takes none, and
 *     a VPS that no host has room for is skipped with a warning (the next
 *     sync tries again).
 */
#ifndef VPS_VPSMERGE_H
#define VPS_VPSMERGE_H

#include <stdbool.h>
#include <lber.h>
#include <glib.h>

#include "placement.h"
#include "vpsconf.h"
#include "vpsdata.h"

/* The attributes of a vpsInstance, in the order of vals[] below. */
enum vps_attr {
	VA_NAME, VA_OWNER, VA_VCPUS, VA_MEMORY, VA_DISK, VA_PORT, VA_HOST,
	VA_COUNT
};
/* Their names, NULL-terminated (the attribute list of the search). */
extern const char *const vpsmerge_attrs[VA_COUNT + 1];
/* The member attributes. */
#define VPSMERGE_UID_ATTR	"uid"
#define VPSMERGE_UIDNUMBER_ATTR	"uidNumber"

struct vpsmerge {
	GPtrArray *cand;	/* struct vps_candidate *: valid entries */
	GHashTable *members;	/* uid -> DN of the first entry with it */
	GHashTable *system;	/* uid -> why it is a system account */
	GPtrArray *warnings;	/* char *: skipped entries and notes */
	GPtrArray *errors;	/* char *: VPS left out by an error */
	GPtrArray *handovers;	/* char *: VPS of vps.data changing owner */
	unsigned min_uid;	/* [access] min_uid */
	GHashTable *local;	/* vps_system_accounts(min_uid), not owned */
	const struct vps_config *cfg;	/* its [host NAME] groups; NULL:
					   vpsHost is not checked */
	place_room_fn room;	/* NULL: no placement, new VPS stay local */
	void	*room_ctx;	/* room's first argument */
};

/*
 * min_uid starts at vps.conf's default (1000), local, cfg and room at
 * NULL (no local account, no host known, no placement): the caller sets
 * them.
 */
void	 vpsmerge_init(struct vpsmerge *m);
void	 vpsmerge_free(struct vpsmerge *m);

/*
 * One member entry: uid and uidnumber are its uid and uidNumber values
 * (NULL-terminated, or NULL). An entry without exactly one valid uid, or
 * with an invalid uidNumber, is skipped with a warning; a system account
 * is refused with one.
 */
void	 vpsmerge_add_member(struct vpsmerge *m, const char *dn,
	    struct berval *const *uid, struct berval *const *uidnumber);

/* The members, sorted; g_free the array, not the names (m's). */
const char **vpsmerge_members(const struct vpsmerge *m, size_t *n);
/*
 * One vpsInstance entry: vals[i] are the values of vpsmerge_attrs[i]
 * (NULL-terminated, or NULL when absent). Returns false, with a warning,
 * if the entry is invalid.
 */
bool	 vpsmerge_add_vps(struct vpsmerge *m, const char *dn,
	    struct berval *const *const vals[VA_COUNT]);

/*
 * Builds out (sorted by name) from what was added, keeping the ports of
 * cur and allocating new ones in [port_min, port_max].
 */
void	 vpsmerge_build(struct vpsmerge *m, const struct vps_data *cur,
	    unsigned port_min, unsigned port_max, struct vps_data *out);

/*
 * Whether vpsmerge_build() with cur would ask room for some VPS: one that
 * is not in cur, has no vpsHost, with [host NAME] groups and room set.
 * (It may also be an entry that the build then skips for another
 * reason.)
 */
bool	 vpsmerge_needs_place(const struct vpsmerge *m,
	    const struct vps_data *cur);

struct vpsmerge_diff {
	unsigned added;		/* in out, not in cur */
	unsigned removed;	/* in cur, not in out */
	unsigned changed;	/* in both, with another line */
};

void	 vpsmerge_diff(const struct vps_data *cur, const struct vps_data *out,
	    struct vpsmerge_diff *diff);

/*
 * The shrink guard: false, with err (VPS_ERROR_FAILED) saying why, if
 * going from cur_n to new_n entries with removed of them gone drops all
 * of them or more than max_percent of them.
 */
bool	 vpsmerge_shrink_ok(size_t cur_n, size_t new_n, unsigned removed,
	    unsigned max_percent, GError **err);

#endif
