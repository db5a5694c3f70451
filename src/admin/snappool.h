/*
 * snappool.h: snapshots of the disk of a VPS on a [host NAME] with
 * backend = pool (poolvol.h), made through libvirt's storage pool API
 * only; the promises of snapshot.h hold for them too. snappool.c argues
 * the design: which volumes make a snapshot, and why an interrupted
 * snapshot, forget or revert never leaves a listed snapshot that is not
 * whole, nor a disk the VPS starts from that is neither the old one nor
 * the snapshot's.
 *
 * Volumes of VPS V in its host's pool (V has no '.', so none of these
 * is another VPS's disk V.img or V, nor another VPS's snapshot):
 *   V.snap.NAME.EPOCH.img (dir, fs, netfs) or V.snap.NAME.EPOCH (logical)
 *                        the copy of the disk taken at EPOCH
 *   V.snap.NAME.EPOCH.ok the mark, made once the copy is whole
 *   V.reverting          a revert is under way or was interrupted
 *   V.reverting-autostart the same, of a VPS whose autostart was on
 */
#ifndef VPS_SNAPPOOL_H
#define VPS_SNAPPOOL_H

#include <stdbool.h>
#include <glib.h>

#include "poolvol.h"

/* The suffix of a snapshot's mark, and the revert's mark's infix. */
#define SNAPPOOL_MARK_SUFFIX	".ok"
#define SNAPPOOL_REVERTING	".reverting"
#define SNAPPOOL_REVERTING_AUTO	".reverting-autostart"

/* What a volume name is to VPS vps (snappool_parse). */
enum snappool_role {
	SNAPPOOL_OTHER,		/* none of vps's snapshot volumes */
	SNAPPOOL_DATA,		/* a snapshot's copy */
	SNAPPOOL_MARK,		/* a snapshot's mark */
	SNAPPOOL_REVERT,	/* the revert's mark */
	SNAPPOOL_REVERT_AUTO,	/* the same, autostart to be put back */
};

/*
 * The snapshots of vps in pool p, oldest first (struct snapshot of
 * snapshot.h): those whose copy and mark are both there.
 */
GPtrArray *snappool_list(const struct poolvol_pool *p, const char *vps,
	    GError **err);

/*
 * Takes snapshot name of vps's disk: refused (VPS_ERROR_INVALID) if name
 * exists, max are there already or a revert is unfinished;
 * VPS_ERROR_FAILED if the pool has no room. The caller has checked that
 * the VPS is shut off and holds its lock (snapshot_lock).
 */
bool	 snappool_create(const struct poolvol_pool *p, const char *vps,
	    const char *name, unsigned max, GError **err);

/*
 * Replaces vps's disk by a copy of snapshot name, which stays. Until it
 * has succeeded, V.reverting is there and snappool_pending() says so,
 * and dom (vps's domain) has its autostart off.
 */
bool	 snappool_revert(const struct poolvol_pool *p, virDomainPtr dom,
	    const char *vps, const char *name, GError **err);

/* Deletes snapshot name of vps (refused while a revert is unfinished). */
bool	 snappool_forget(const struct poolvol_pool *p, const char *vps,
	    const char *name, GError **err);

/*
 * Deletes every volume of vps's snapshots, and the revert's mark
 * (delete-vps --purge-disk); *n says how many snapshots were listed.
 */
bool	 snappool_purge(const struct poolvol_pool *p, const char *vps,
	    unsigned *n, GError **err);

/*
 * Whether a revert of vps is unfinished (its disk may be half a copy):
 * start refuses such a VPS.
 */
bool	 snappool_pending(const struct poolvol_pool *p, const char *vps,
	    bool *pending, GError **err);

/*
 * True if vps has neither a snapshot nor an unfinished revert in p; else
 * false, with err (VPS_ERROR_FAILED) naming what is there: a VPS created
 * or moved there under that name would get it.
 */
bool	 snappool_none(const struct poolvol_pool *p, const char *vps,
	    GError **err);

/* Pure functions, unit-tested. */

/*
 * What the volume called vol is to vps in a pool of kind (enum
 * poolvol_kind); for a copy or a mark, *name (g_free) and *t too.
 */
enum snappool_role snappool_parse(int kind, const char *vps,
	    const char *vol, char **name, gint64 *t);

/* The volume name of role (DATA, MARK, REVERT, REVERT_AUTO; g_free). */
char	*snappool_vol_name(int kind, enum snappool_role role,
	    const char *vps, const char *name, gint64 t);

#endif
