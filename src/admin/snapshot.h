/*
 * snapshot.h: snapshots of a VPS's disk, taken while the VPS is shut off
 * (vps.conf(5) [snapshots], virsh-menu(8) "Snapshots").
 *
 * file backend: a copy of the raw image, DIR/VPS.snap.NAME.img, made by
 * reflink where the file system can (FICLONE), else as a sparse copy;
 * written unnamed (O_TMPFILE), synced, and only then linked under its
 * name, so that a snapshot that exists is whole. A revert copies the
 * snapshot the same way and renames the copy over the disk: the disk is
 * either the old one or the snapshot's, never a mix.
 *
 * lvm backend: an LVM snapshot LV VPS.snap.NAME.EPOCH (EPOCH: when it
 * was taken; libblockdev reads no tags) of [snapshots] lvm_size_percent
 * of the disk's size, tagged vpshost-snap and vpshost-time-EPOCH; a
 * revert merges it into the disk (LVM's lvconvert --merge: at once, or
 * for an inactive disk when it is next activated), which uses it up.
 *
 * VPS names have no '.', so no snapshot name is ever a disk's name.
 *
 * A VPS of another host has its disk in that host's storage pool: its
 * snapshots are snappool.h's, which keeps these promises through the
 * storage pool API. The functions here act on this host's storage only.
 */
#ifndef VPS_SNAPSHOT_H
#define VPS_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "vpsconf.h"

/* LV tag of every snapshot LV, and the prefix of its time tag. */
#define SNAPSHOT_LV_TAG		"vpshost-snap"
#define SNAPSHOT_TIME_TAG	"vpshost-time-"
/* The infix of a snapshot's LV or file name: VPS.snap.NAME[.img]. */
#define SNAPSHOT_INFIX		".snap."
/* The image's extended attribute holding its time (decimal epoch). */
#define SNAPSHOT_XATTR_TIME	"user.vpshost.time"

struct snapshot {
	char	*name;
	gint64	 time;			/* seconds since the epoch, UTC */
	uint64_t size;			/* bytes it takes (allocated) */
};

/* Frees a GPtrArray's struct snapshot (g_ptr_array_new_with_free_func). */
void	 snapshot_free(gpointer p);

/*
 * Orders a GPtrArray of struct snapshot oldest first, then by name
 * (g_ptr_array_sort).
 */
int	 snapshot_by_time(gconstpointer a, gconstpointer b);

/* The snapshot called name in list (of struct snapshot), or NULL. */
const struct snapshot *snapshot_find(GPtrArray *list, const char *name);

/*
 * Sets err (VPS_ERROR_INVALID): vps has no snapshot name; returns false.
 */
bool	 snapshot_unknown(const char *vps, const char *name, GError **err);

/*
 * The snapshots of VPS vps, oldest first (a GPtrArray of struct
 * snapshot). Files or LVs of the pattern whose NAME is not a valid
 * snapshot name are left out.
 */
GPtrArray *snapshot_list(const struct vps_config *cfg, const char *vps,
	    GError **err);

/*
 * Takes snapshot name of vps's disk. Refused (VPS_ERROR_INVALID) if name
 * exists or [snapshots] max_per_vps are there already; VPS_ERROR_FAILED
 * if there is no room (nothing is left behind). The caller has checked
 * that the VPS is shut off and holds its lock (snapshot_lock).
 */
bool	 snapshot_create(const struct vps_config *cfg, const char *vps,
	    const char *name, GError **err);

/* Puts vps's disk back as it was at snapshot name (see above). */
bool	 snapshot_revert(const struct vps_config *cfg, const char *vps,
	    const char *name, GError **err);

/* Deletes snapshot name of vps. */
bool	 snapshot_forget(const struct vps_config *cfg, const char *vps,
	    const char *name, GError **err);

/*
 * Deletes every snapshot of vps (delete-vps --purge-disk); *n says how
 * many were.
 */
bool	 snapshot_purge(const struct vps_config *cfg, const char *vps,
	    unsigned *n, GError **err);

/*
 * The lock that serialises everything that changes or starts vps's disk:
 * snapshot verbs and start, from any session (a file in VPS_RUNDIR).
 * Returns the descriptor for vps_unlock(), or -1 with err.
 */
int	 snapshot_lock(const char *vps, GError **err);

/* The default name of a snapshot taken at t: YYYYMMDD-HHMMSS, UTC. */
char	*snapshot_default_name(gint64 t);

#endif
